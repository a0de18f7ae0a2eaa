"""The procrisk dashboard entry point: page config, the login gate and the page list (views live in the package).

``streamlit run app.py`` imports this file as a module, finds ``app`` (an ``st.App`` serving this same file) and
runs it, which loads the first page's modules at server start (procrisk.dashboard.server). Each session, and
Streamlit's AppTest, runs the file as the ``__main__`` script: that draws the pages.
"""

import streamlit as st

if __name__ == "__main__":
    from procrisk.dashboard import auth, views

    st.set_page_config(page_title="procrisk", page_icon=":material/policy:", layout="wide")
    if auth.gate():
        st.navigation(views.pages()).run()
else:
    from procrisk.dashboard.server import lifespan

    app = st.App(__file__, lifespan=lifespan)
