"""The dashboard: navigation and the shared store. Run with `bash scripts/start.sh`."""

import streamlit as st

from app_pages.common import sidebar_user, sign_in

st.set_page_config(page_title="SMS credits", page_icon="📨", layout="wide")
user, role = sign_in()  # stops here, showing no figure, for anyone who may not see the account
st.session_state["credits_user"] = (user, role)
sidebar_user(user, role)

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
