import pandas as pd
import streamlit as st

from app_pages.common import cached, empty_state, int_columns, safe_text, store, table
from credits_core.exports import frame_to_xlsx
from credits_core.ledger import rome_today
from credits_core.reporting import HistoryView, history, parse_history_view

st.title("📜 History")
st.caption("Every purchase, assignment change, expiry extension and expiry deduction, with the balances right after "
           "it (Rome time). Credits are never transferred or refunded: only spends and expiries remove them.")
s = store()
if not empty_state():
    h = cached(history)()
    qp = st.query_params  # the filters live in the URL: a view is shared as a link
    options = sorted(h["kind"].unique())
    first = h["at_rome"].min().date() if len(h) else rome_today()
    last = max(h["at_rome"].max().date(), first) if len(h) else first
    asked = parse_history_view({k: qp.get_all(k) for k in qp}, options, s.list_ids, (first, last))
    for notice in asked.notices:  # said, never dropped in silence; the link is written back without it
        st.warning(f"The link had a value this page cannot use: {safe_text(notice, 400)}.")
    kinds = st.multiselect("Events", options, default=list(asked.kinds), key="kinds")
    lists = st.multiselect("Lists", s.list_ids, default=list(asked.lists),
                           format_func=lambda x: f"{s.list_name(x)} ({x})", key="hlists")
    rng = st.date_input("From - to (Rome dates)", value=asked.bounds(first, last), key="hrange", format="YYYY-MM-DD")
    lo, hi = (rng[0], rng[-1]) if isinstance(rng, tuple) and rng else (first, last)
    shown_view = HistoryView(tuple(kinds), tuple(lists), None if lo == first else lo, None if hi == last else hi)
    if shown_view.to_params() != {k: (qp.get_all(k) if k in ("kind", "list") else qp.get(k)) for k in qp}:
        qp.from_dict(shown_view.to_params())
    view = h[(h["at_rome"] >= pd.Timestamp(lo)) & (h["at_rome"] < pd.Timestamp(hi) + pd.Timedelta(days=1))]
    if kinds:
        view = view[view["kind"].isin(kinds)]
    if lists:
        view = view[view["list_id"].isin(lists)]
    view = view.iloc[::-1]  # newest first
    shown = view.assign(list_id=["—" if x is None or x != x else s.list_name(x) for x in view["list_id"]],
                        lot_id=view["lot_id"].fillna("—"))
    st.caption(f"{len(view):,} events, newest first.")
    table(shown, hide_index=True, width="stretch", column_config={
        "at_rome": st.column_config.DatetimeColumn("At (Rome)", format="D MMM YYYY, HH:mm", width="medium"),
        "kind": "Event", "lot_id": "Lot", "list_id": "List", "detail": st.column_config.TextColumn("Detail",
                                                                                                  width="large"),
        **int_columns(view, ["credits", "pool_after", "assigned_after", "total_after"])})
    kinds = {"at_rome": "datetime", **{c: "int" for c in ("credits", "pool_after", "assigned_after", "total_after")}}
    st.download_button("Download history.xlsx", frame_to_xlsx(view, "History", kinds), "history.xlsx")
