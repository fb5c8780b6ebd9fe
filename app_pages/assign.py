from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from app_pages.common import cached, empty_state, int_columns, n, read_only, store
from credits_core import CreditsError
from credits_core.limits import LimitChange, apply_limits
from credits_core.views import list_overview

st.title("🎯 Assign credits")
s = store()
if not empty_state():
    lists = cached(list_overview)()
    st.metric("Unassigned pool (free access for every list without a limit)", n(lists.attrs["pool"]),
              delta=f"{lists.attrs['pool_reserved']:,} reserved by scheduled campaigns", delta_color="off")
    st.dataframe(lists, hide_index=True, width="stretch",
                 column_config=int_columns(lists, ["assigned", "spent_this_month", "reserved", "available"]))
    if read_only():
        st.caption("Read-only view: limits cannot be changed here.")
    else:
        st.subheader("Set one list's limit")
        with st.form("one_limit"):
            c1, c2, c3 = st.columns([2, 1, 1])
            one = c1.selectbox("List", s.list_ids, format_func=lambda x: f"{s.list_name(x)} ({x})", key="one_list")
            value = c2.number_input("Spending limit (credits)", min_value=0, value=0, step=100, key="one_value")
            free = c3.checkbox("Free access instead", key="one_free")
            go = st.form_submit_button("Set limit")
        if go:
            try:
                apply_limits(s, [LimitChange(one, None if free else int(value), free)], datetime.now(UTC))
                st.success(f"List {one}: " + ("free access." if free else f"spending limit {int(value):,} credits."))
            except CreditsError as exc:
                st.error(f"Refused: {exc}")

        st.subheader("Change several limits")
        st.caption("Edit the *new limit* column: an empty cell keeps the list as it is; 0 or more sets a spending "
                   "limit (credits move between the pool and the list); tick *free access* to return its credits "
                   "to the pool.")
        edit = lists[["list_id", "name", "mode", "assigned"]].copy()
        edit["new_limit"] = None
        edit["free_access"] = False
        edited = st.data_editor(edit, hide_index=True, key="limits", disabled=["list_id", "name", "mode", "assigned"],
                                column_config={"new_limit": st.column_config.NumberColumn(min_value=0, step=1),
                                               "assigned": st.column_config.NumberColumn(format="localized")})
        if st.button("Apply changes", type="primary"):
            changes = [LimitChange(r.list_id, None if pd.isna(r.new_limit) else int(r.new_limit), bool(r.free_access))
                       for r in edited.itertuples() if not pd.isna(r.new_limit) or r.free_access]
            try:
                done = apply_limits(s, changes, datetime.now(UTC))
                st.success(f"Applied {done} change(s).")
                st.rerun()
            except CreditsError as exc:
                st.error(f"Refused: {exc}")
