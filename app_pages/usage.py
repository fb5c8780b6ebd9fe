"""Usage report: credits and euros spent per list and period, comparisons, and the drill-down to the messages.

The link is the view: every choice is read from the URL (``credits_core.reporting.usage_view``) and each change writes
the URL back before the page runs again, so a link, a reload or the browser's back button show the same view.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import (
    cached,
    empty_state,
    eur,
    n,
    safe_text,
    store,
)
from app_pages.usage_parts import (
    report_body,
)
from app_pages.usage_state import (
    answers,
    changed,
    current_view,
    searched,
    show,
    write_view,
)
from credits_core.reporting import (
    MAX_SEARCH,
    PERIODS,
    PRESETS,
    ReportFilter,
    describe,
    estimated_credits,
)
from credits_core.reporting import countries as report_countries

st.title("📈 Usage report")
st.caption("Credits spent, and what they cost, per list and period on the Europe/Rome calendar (ISO weeks start on "
           "Monday). Click a bar to see its messages.")
if empty_state():
    st.stop()
s = store()
offered = cached(report_countries)()
view = current_view()
if "q" in st.query_params:  # a link with a search (as older links had): the search stays, the address loses it
    write_view(view)
for notice in view.notices:
    st.warning(f"The link had a value this page cannot use: {safe_text(notice, 400)}.")

# -- filters: they wrap on a narrow screen instead of being cut ---------------------------------------------------
show("u_preset", view.preset)
st.pills("Range", list(PRESETS), format_func=PRESETS.get, key="u_preset", required=True, on_change=changed,
         args=("preset",))
dates = st.session_state.get("u_dates")
if not (isinstance(dates, tuple) and len(dates) == 1):  # keep a half-picked range while the user picks its end
    show("u_dates", (view.date_from, view.date_to))
show("u_by", view.period)
show("u_lists", list(view.lists))
show("u_countries", list(view.countries))
with st.container(horizontal=True, wrap=True, vertical_alignment="bottom"):
    # a preset's dates are in the heading below; the picker is for Custom (once opened it stays): it is the
    # page's heaviest widget to load (~0.1 s of a fresh load in Chromium, bench/README.md)
    if view.preset == "custom" or st.session_state.get("u_dates_open"):
        st.date_input("Dates (Rome, inclusive)", key="u_dates", on_change=changed, args=("dates",), width=230,
                      format="YYYY-MM-DD")
    st.selectbox("Group by", PERIODS, key="u_by", on_change=changed, args=("period",), width=130)
    st.multiselect("Lists", s.list_ids, format_func=lambda x: f"{s.list_name(x)} ({x})", key="u_lists",
                   on_change=changed, args=("lists",), width=340, placeholder="All lists")
    st.multiselect("Countries", offered, key="u_countries", on_change=changed, args=("countries",), width=220,
                   placeholder="All countries")
    show("u_q", view.search)
    st.text_input("Search messages", key="u_q", on_change=changed, args=("search",), width=260, max_chars=MAX_SEARCH,
                  placeholder="a number, a message id or words", help="Every figure, chart and table of the page, "
                  "and the workbook, follow the search. It is not kept in the link: it may be a phone number.")
if isinstance(st.session_state.get("u_dates"), tuple) and len(st.session_state["u_dates"]) == 1:
    st.info(f"Pick the last day of the range too. Until then the report shows {describe(view.date_from, view.date_to)}"
            f" ({view.date_from} to {view.date_to}).")

with st.spinner("Computing the report ..."):
    _, _, per_list, (prev, last_year), _ = answers(view)

# -- headline figures -----------------------------------------------------------------------------------------
total = int(per_list["credits"].sum())
cost = float(per_list["eur"].fillna(0).sum())
unpriced = int(per_list["unpriced_credits"].sum())
st.subheader(f"{describe(view.date_from, view.date_to)}"
             + (f" · {PRESETS[view.preset]}" if view.preset != "custom" else ""))
if view.search:
    st.caption(f"Messages matching {safe_text(searched(view.search), 300)} only: every figure below follows the "
               "search.")
with st.container(horizontal=True, wrap=True):
    before, year_ago = int(per_list["previous_credits"].sum()), int(per_list["last_year_credits"].sum())
    st.metric("Credits spent", n(total), delta=f"{total - before:+,} vs {prev.label}", delta_color="off",
              help=f"Compared with the same span of the previous period: {prev.lo:%d %b %Y} to {prev.hi:%d %b %Y}",
              width=260)
    if (prev.lo, prev.hi) != (last_year.lo, last_year.hi):
        st.metric("Same period last year", n(year_ago), delta=f"{total - year_ago:+,} now", delta_color="off",
                  help=f"The same span last year: {last_year.lo:%d %b %Y} to {last_year.hi:%d %b %Y}", width=230)
    st.metric("Cost", eur(cost), help="Each credit at the price per credit of the lot it came from"
              + (f"; {unpriced:,} credits came from lots bought without a price and are not valued" if unpriced
                 else ""), width=170)
    st.metric("Messages", n(per_list["messages"].sum()), width=140)
    st.metric("Parts", n(per_list["parts"].sum()), width=140)
if total:
    top = per_list.iloc[0]
    st.markdown(f"**{safe_text(top['name'])}** spent the most: {int(top['credits']):,} credits, "
                f"{top['share']:.1%} of the total" + (f", {eur(top['eur'])}." if pd.notna(top["eur"]) else "."))
if unpriced:
    st.caption(f"{unpriced:,} credits came from lots bought without a price: they are shown as unpriced, not as "
               "free.")
estimated = cached(estimated_credits)(ReportFilter(view.date_from, view.date_to, view.lists, view.countries, None,
                                                   view.period)) if total else 0
if estimated:
    st.caption(f"≈ {estimated:,} of these credits are estimated: texts with merge tags ([nome]) are priced for the "
               "longest value known, not MailUp's exact charge.")


report_body()
