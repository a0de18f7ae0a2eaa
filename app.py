"""The procrisk dashboard entry point: page config, the login gate and the page list (views live in the package)."""

import streamlit as st

from procrisk.dashboard import auth, views

st.set_page_config(page_title="procrisk", page_icon=":material/policy:", layout="wide")
if auth.gate():
    st.navigation(views.pages()).run()
