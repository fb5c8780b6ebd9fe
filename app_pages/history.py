import pandas as pd
import streamlit as st

from app_pages.common import W, cached, empty_state, keep_language, safe_text, store, t, table
from credits_core.exports import frame_to_xlsx
from credits_core.ledger import rome_today
from credits_core.reporting import HistoryView, history, parse_history_view

st.title("📜 " + t("History"))
st.caption(t("Every purchase, assignment change, expiry extension and expiry deduction, with the balances right after "
             "it (Rome time). Credits are never transferred or refunded: only spends and expiries remove them."))
s = store()
w = W()


def kind_words() -> dict[str, str]:
    """The History's event kinds (the engine's names, in the link) as the reader says them."""
    return {"purchase": t("purchase"), "extension": t("extension"), "assignment": t("assignment"),
            "free access": t("free access"), "expiry": t("expiry"), "lot expired": t("lot expired"),
            "import": t("import"), "campaign scheduled": t("campaign scheduled"),
            "campaign cancelled": t("campaign cancelled"), "MailUp reconciliation": t("MailUp reconciliation")}


if not empty_state():
    h = cached(history)()
    qp = st.query_params  # the filters live in the URL: a view is shared as a link
    options = sorted(h["kind"].unique())
    first = h["at_rome"].min().date() if len(h) else rome_today()
    last = max(h["at_rome"].max().date(), first) if len(h) else first
    asked = parse_history_view({k: qp.get_all(k) for k in qp if k != "lang"}, options, s.list_ids, (first, last))
    for notice in asked.notices:  # said, never dropped in silence; the link is written back without it
        st.warning(t("The link had a value this page cannot use: {what}.", what=safe_text(w.say(notice), 400)))
    said_kind = kind_words()
    kinds = st.multiselect(t("Events"), options, default=list(asked.kinds), key="kinds",
                           format_func=lambda k: said_kind.get(k, k))
    lists = st.multiselect(t("Lists"), s.list_ids, default=list(asked.lists),
                           format_func=lambda x: f"{s.list_name(x)} ({x})", key="hlists")
    rng = st.date_input(t("From - to (Rome dates)"), value=asked.bounds(first, last), key="hrange",
                        format="DD/MM/YYYY" if w.lang == "it" else "YYYY-MM-DD")
    lo, hi = (rng[0], rng[-1]) if isinstance(rng, tuple) and rng else (first, last)
    shown_view = HistoryView(tuple(kinds), tuple(lists), None if lo == first else lo, None if hi == last else hi)
    if shown_view.to_params() != {k: (qp.get_all(k) if k in ("kind", "list") else qp.get(k)) for k in qp
                                  if k != "lang"}:
        qp.from_dict(keep_language(shown_view.to_params()))
    view = h[(h["at_rome"] >= pd.Timestamp(lo)) & (h["at_rome"] < pd.Timestamp(hi) + pd.Timedelta(days=1))]
    if kinds:
        view = view[view["kind"].isin(kinds)]
    if lists:
        view = view[view["list_id"].isin(lists)]
    view = view.iloc[::-1]  # newest first
    view = view.assign(kind=[said_kind.get(k, k) for k in view["kind"]], detail=[w.say(d) for d in view["detail"]],
                       author=[w.say(a) for a in view["author"]])
    shown = view.assign(list_id=["—" if x is None or x != x else s.list_name(x) for x in view["list_id"]],
                        lot_id=view["lot_id"].fillna("—"))
    st.caption(t("{count} events, newest first.", count=len(view)))
    table(shown, hide_index=True, width="stretch", column_config={
        # the grid writes month names in English whatever the page's language: Italian reads the day in digits
        "at_rome": st.column_config.DatetimeColumn(
            t("At (Rome)"), width="medium", format="D MMM YYYY, HH:mm" if w.lang == "en" else "DD/MM/YYYY, HH:mm"),
        "kind": t("Event"), "lot_id": t("Lot"), "list_id": t("List"),
        "detail": st.column_config.TextColumn(t("Detail"), width="large"), "author": t("Author"),
        "credits": st.column_config.NumberColumn(t("Credits"), format="localized"),
        "pool_after": st.column_config.NumberColumn(t("Pool after"), format="localized"),
        "assigned_after": st.column_config.NumberColumn(t("Assigned after"), format="localized"),
        "total_after": st.column_config.NumberColumn(t("Total after"), format="localized")})
    kinds = {"at_rome": "datetime", **{c: "int" for c in ("credits", "pool_after", "assigned_after", "total_after")}}
    st.download_button(t("Download {name}", name="history.xlsx"), frame_to_xlsx(view, t("History"), kinds, w),
                       "history.xlsx")
