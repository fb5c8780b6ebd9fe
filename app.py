"""The dashboard: navigation and the shared store. Run with `bash scripts/start.sh`."""

import streamlit as st

st.set_page_config(page_title="SMS credits", page_icon="📨", layout="wide")

pages = [
    st.Page("app_pages/overview.py", title="Overview", icon="📊", default=True),
    st.Page("app_pages/buy.py", title="Buy credits", icon="🛒"),
    st.Page("app_pages/assign.py", title="Assign credits", icon="🎯"),
    st.Page("app_pages/usage.py", title="Usage report", icon="📈"),
    st.Page("app_pages/expiry.py", title="Expiry", icon="⏳"),
    st.Page("app_pages/imports.py", title="Import", icon="📥"),
    st.Page("app_pages/history.py", title="History", icon="📜"),
]
st.navigation(pages).run()
