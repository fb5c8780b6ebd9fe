from datetime import date

import pandas as pd
import streamlit as st

from app_pages.common import cached, empty_state, int_columns, store, table
from credits_core.export import frame_to_xlsx
from credits_core.reports import history
from credits_core.views import rome_today

st.title("📜 History")
st.caption("Every purchase, assignment change, expiry extension and expiry deduction, with the balances right after "
           "it (Rome time). Credits are never transferred or refunded: only spends and expiries remove them.")
s = store()
if not empty_state():
    h = cached(history)()
    qp = st.query_params  # the filters live in the URL: a view is shared as a link
    options = sorted(h["kind"].unique())
    kinds = st.multiselect("Events", options, default=[k for k in qp.get_all("kind") if k in options], key="kinds")
    lists = st.multiselect("Lists", s.list_ids, default=[x for x in qp.get_all("list") if x in s.list_ids],
                           format_func=lambda x: f"{s.list_name(x)} ({x})", key="hlists")
    first = h["at_rome"].min().date() if len(h) else rome_today()
    last = max(h["at_rome"].max().date(), first) if len(h) else first
    try:  # the date range lives in the link too; a bad value falls back to everything
        picked = (date.fromisoformat(qp.get("from", "")), date.fromisoformat(qp.get("to", "")))
    except ValueError:
        picked = (first, last)
    rng = st.date_input("From - to (Rome dates)", value=picked, key="hrange", format="YYYY-MM-DD")
    lo, hi = (rng[0], rng[-1]) if isinstance(rng, tuple) and rng else (first, last)
    qp["kind"], qp["list"] = kinds, lists
    if (lo, hi) != (first, last):
        qp["from"], qp["to"] = lo.isoformat(), hi.isoformat()
    else:
        qp.pop("from", None)
        qp.pop("to", None)
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
