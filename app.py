"""The dashboard: navigation and the shared store. Run with `bash scripts/start.sh`."""

import streamlit as st

from app_pages.common import LANG_KEY, reader_language, sidebar_user, sign_in, t
from credits_core.language import LANGS, NAMES

st.set_page_config(page_title="SMS credits", page_icon="📨", layout="wide")
# the language of this run: the link's ?lang= (a shared link opens in its language), then the sidebar's choice, then
# the browser's; the choice is kept in the link so that it survives a reload and travels with a copied address
linked = st.query_params.get("lang")
st.session_state[LANG_KEY] = reader_language(linked, st.session_state.get("lang_chosen"), st.context.locale)


def _chosen() -> None:
    st.session_state["lang_chosen"] = st.session_state["lang_box"]
    st.query_params["lang"] = st.session_state["lang_box"]


user, role = sign_in()  # stops here, showing no figure, for anyone who may not see the account
st.session_state["credits_user"] = (user, role)
with st.sidebar:
    lang = st.session_state[LANG_KEY]
    st.selectbox("Lingua / Language", LANGS, index=LANGS.index(lang), format_func=NAMES.get, key="lang_box",
                 on_change=_chosen)
    if st.session_state.get("lang_chosen") and linked != lang:  # a page change drops the link's parameters
        st.query_params["lang"] = lang
sidebar_user(user, role)

pages = [
    st.Page("app_pages/overview.py", title=t("Overview"), icon="📊", default=True, url_path="overview"),
    st.Page("app_pages/buy.py", title=t("Buy credits"), icon="🛒", url_path="buy"),
    st.Page("app_pages/assign.py", title=t("Assign credits"), icon="🎯", url_path="assign"),
    st.Page("app_pages/usage.py", title=t("Usage report"), icon="📈", url_path="usage"),
    st.Page("app_pages/expiry.py", title=t("Expiry"), icon="⏳", url_path="expiry"),
    st.Page("app_pages/imports.py", title=t("Import"), icon="📥", url_path="imports"),
    st.Page("app_pages/history.py", title=t("History"), icon="📜", url_path="history"),
]
st.navigation(pages).run()
