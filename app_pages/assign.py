from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from app_pages.common import (
    W,
    cached,
    empty_state,
    error_words,
    gate,
    n,
    read_only,
    reconciliation_table,
    safe_text,
    t,
    table,
    tn,
)
from credits_core import CreditsError
from credits_core.planning import LimitChange, apply_limits, describe, unchanged
from credits_core.planning import risks as limit_risks
from credits_core.reporting import list_overview
from credits_core.sources.mailup import apply_matching_limits, matching_limits


def apply_then_say(write: Callable[[], str]) -> None:
    """Run one write of the page: on success, what it did is said at the top of the next run (and the page runs
    again, showing the new limits); a refusal is said here and nothing was written."""
    try:
        said = write()
    except CreditsError as exc:
        st.error(t("Refused: {why}", why=safe_text(error_words(exc), 2000)))
        return
    st.session_state["assign_done"] = said + "."
    st.rerun()


st.title("🎯 " + t("Assign credits"))
s = gate()  # every write of this page goes through the role check
w = W()


def said_all(facts) -> str:
    """Sentences of the engine in the reader's language, one after the other."""
    return "; ".join(w.say(x) for x in facts)


if not empty_state():
    flash = st.session_state.pop("assign_done", None)
    if flash:
        st.success(safe_text(flash, 3000))
    lists = cached(list_overview)()
    st.metric(t("Unassigned pool (free access for every list without a limit)"), n(lists.attrs["pool"]),
              delta=t("{credits} reserved by scheduled campaigns", credits=int(lists.attrs["pool_reserved"])),
              delta_color="off")
    shown = lists.copy()
    free = lists["mode"] == "free access"
    shown["mode"] = [t("free access") if f else t("spending limit") for f in free]
    for col, instead in (("assigned", t("free access")), ("available", t("the pool"))):  # text: one type per column
        shown[col] = [instead if f else n(v) for f, v in zip(free, lists[col])]
    table(shown, hide_index=True, width="stretch", column_config={
        "list_id": t("List id"), "name": t("List"), "mode": t("Mode"),
        "assigned": st.column_config.TextColumn(t("Spending limit"), help=t("A balance of its own, not a monthly cap")),
        "spent_this_month": st.column_config.NumberColumn(t("Spent this month"), format="localized"),
        "reserved": st.column_config.NumberColumn(t("Reserved"), format="localized"),
        "available": st.column_config.TextColumn(t("Available"), help=t("The list's limit less what its campaigns "
                                                                        "reserve; free-access lists use the pool's"))})
    if read_only():
        st.caption(t("Read-only view: limits cannot be changed here."))
    else:
        st.subheader(t("Set one list's limit"))
        c1, c2, c3 = st.columns([2, 1.2, 1.1], vertical_alignment="bottom")  # Italian's longer words are never cut
        one = c1.selectbox(t("List"), s.list_ids, format_func=lambda x: f"{s.list_name(x)} ({x})", key="one_list")
        row = lists.set_index("list_id").loc[one]
        current = None if pd.isna(row["assigned"]) else int(row["assigned"])  # free access: no limit preselected
        # no minimum in the widget: a typed -500 was put back silently to the old value, which was then "set"; the
        # page reads what was typed and says why it cannot be a limit
        value = c2.number_input(t("Spending limit (credits)"), value=current, step=100,
                                key=f"one_value_{one}", placeholder=t("type a limit"),
                                help=t("A balance of the list's own, spent by its messages; it does not reset each "
                                       "month. Free access: the list spends from the unassigned pool."))
        free = c3.checkbox(t("Free access instead"), key="one_free")
        bad = not free and value is not None and value < 0
        change = LimitChange(one, None if free or value is None or bad else int(value), free)
        same = not bad and (free or value is not None) and bool(unchanged(s, [change]))
        if bad:
            st.error(t("{value} cannot be a limit: a limit is the credits the list holds, 0 or more. To stop the "
                       "list sending, set 0; to let it spend from the pool, tick free access.", value=int(value)))
        elif same:
            st.info(t("{name} already has free access: nothing to change.", name=safe_text(s.list_name(one), 200))
                    if free else
                    t("{name} already has a limit of {limit}: nothing to change.",
                      name=safe_text(s.list_name(one), 200), limit=int(value)))
        warn = cached(limit_risks)([change]) if (free or value is not None) and not (bad or same) else []
        sure = (st.checkbox(t("Yes: {risk}", risk=safe_text(w.say(warn[0]), 500)), key=f"one_sure_{one}_{value}")
                if warn else True)
        if st.button(t("Set limit"), key="one_go", disabled=not sure or (value is None and not free) or bad or same):
            def set_one() -> str:
                what = describe(s, [change])
                apply_limits(s, [change], datetime.now(UTC))
                return t("Done.") + " " + said_all(what)

            apply_then_say(set_one)

    if s.mailup_status() is not None:
        st.subheader(t("Against MailUp"))
        st.caption(t("MailUp's own credits per list and in total at the last sync, beside this ledger's. Its total "
                     "is compared with this ledger's total and with what is available here (total less reserved)."))
        reconciliation_table()
        changes = matching_limits(s)
        if changes and not read_only():
            what = describe(s, changes)
            st.text(t("To match MailUp: {changes}", changes=said_all(what)))
            sure = st.checkbox(t("Yes, record these assignments (one History entry)"), key="match_sure")
            if st.button(t("Make the lists match MailUp"), key="match_go", disabled=not sure):
                apply_then_say(lambda: tn("Recorded {count} assignment to match MailUp: {changes}",
                                          "Recorded {count} assignments to match MailUp: {changes}",
                                          apply_matching_limits(s), changes=said_all(what)))

    if not read_only():
        st.subheader(t("Change several limits"))
        st.caption(t("Edit the *new limit* column: an empty cell keeps the list as it is; 0 or more sets a spending "
                     "limit (credits move between the pool and the list); tick *free access* to return its credits "
                     "to the pool."))
        edit = lists[["list_id", "name", "mode", "assigned"]].assign(mode=shown["mode"])
        edit["new_limit"] = None
        edit["free_access"] = False
        edited = st.data_editor(edit, hide_index=True, key="limits", disabled=["list_id", "name", "mode", "assigned"],
                                column_config={"new_limit": st.column_config.NumberColumn(t("New limit"),
                                                                                          min_value=0, step=1),
                                               "free_access": t("Free access"), "list_id": t("List id"),
                                               "name": t("List"), "mode": t("Mode"),
                                               "assigned": st.column_config.NumberColumn(t("Assigned"),
                                                                                         format="localized")})
        changes = [LimitChange(r.list_id, None if pd.isna(r.new_limit) else int(r.new_limit), bool(r.free_access))
                   for r in edited.itertuples() if not pd.isna(r.new_limit) or r.free_access]
        same = unchanged(s, changes) if changes else []
        if same:
            st.caption(t("Unchanged, so not written: {lists}.",
                         lists=safe_text(", ".join(s.list_name(c.list_id) for c in same), 1000)))
        changes = [c for c in changes if c not in same]
        warns = cached(limit_risks)(changes) if changes else []
        sure = (st.checkbox(t("Yes, apply them: {risks}", risks=safe_text(said_all(warns), 2000)), key="bulk_sure")
                if warns else True)
        if st.button(t("Apply changes"), type="primary", disabled=not changes or not sure):
            def set_several() -> str:
                what = describe(s, changes)
                return tn("Applied {count} change: {changes}", "Applied {count} changes: {changes}",
                          apply_limits(s, changes, datetime.now(UTC)), changes=said_all(what))

            apply_then_say(set_several)
