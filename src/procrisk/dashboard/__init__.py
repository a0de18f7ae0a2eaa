"""The Streamlit dashboard: views that read widgets, call procrisk.api through data.py, and render.

``app.py`` (the entry point) wires the pages listed in ``views.PAGES``; ``data.py`` is the only module that
caches; ``components.py`` holds the shared widgets and charts; ``auth.py`` the login gate; ``state.py`` the
session keys, the workspace path and the shared contract filters.
"""
