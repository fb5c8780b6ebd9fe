from datetime import UTC, datetime

import streamlit as st

from credits_core import CreditsError
from credits_core.views import list_overview
from pages.common import cached, empty_state, int_columns, n, read_only, store

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
        st.subheader("Change spending limits")
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
            now = datetime.now(UTC)
            changes = [(r.list_id, r.new_limit, r.free_access, r.assigned) for r in edited.itertuples()
                       if (r.new_limit is not None and r.new_limit == r.new_limit) or r.free_access]
            need = sum(int(nl) - int(a or 0) for _, nl, fa, a in changes if not fa and nl == nl and nl is not None)
            freed = sum(int(a or 0) for _, _, fa, a in changes if fa)
            if need > lists.attrs["pool"] + freed:
                st.error(f"Refused: these limits need {need:,} more credits but the unassigned pool holds only "
                         f"{lists.attrs['pool']:,}. Nothing was written.")
            else:
                try:
                    with s.batch():
                        for list_id, new_limit, free, assigned in changes:
                            if free:
                                s.set_shared(list_id, now)
                            else:
                                s.assign(list_id, int(new_limit) - int(assigned or 0), now)
                    st.success(f"Applied {len(changes)} change(s).")
                    st.rerun()
                except CreditsError as exc:
                    st.error(f"Refused, nothing was written: {exc}")
