"""Usage report: credits and euros spent per list and period, comparisons, and the drill-down to the messages.

The link is the view: every choice is read from the URL (``credits_core.reporting.usage_view``) and each change writes
the URL back before the page runs again, so a link, a reload or the browser's back button show the same view.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import (
    W,
    cached,
    empty_state,
    eur,
    n,
    safe_text,
    store,
    t,
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
    PERIOD_WORDS,
    PERIODS,
    PRESETS,
    ReportFilter,
    comparison_words,
    describe,
    estimated_credits,
    headline,
)
from credits_core.reporting import countries as report_countries

st.title("📈 " + t("Usage report"))
st.caption(t("Credits spent, and what they cost, per list and period on the Europe/Rome calendar (ISO weeks start on "
             "Monday). Click a bar to see its messages."))
w = W()
if empty_state():
    st.stop()
s = store()
offered = cached(report_countries)()
view = current_view()
if "q" in st.query_params:  # a link with a search (as older links had): the search stays, the address loses it
    write_view(view)
for notice in view.notices:
    st.warning(t("The link had a value this page cannot use: {what}.", what=safe_text(w.say(notice), 400)))

# -- filters: they wrap on a narrow screen instead of being cut ---------------------------------------------------
show("u_preset", view.preset)
st.pills(t("Range"), list(PRESETS), format_func=lambda p: t(PRESETS[p]), key="u_preset", required=True,
         on_change=changed,
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
        st.date_input(t("Dates (Rome, inclusive)"), key="u_dates", on_change=changed, args=("dates",), width=230,
                      format="DD/MM/YYYY" if w.lang == "it" else "YYYY-MM-DD")
    st.selectbox(t("Group by"), PERIODS, key="u_by", on_change=changed, args=("period",), width=130,
                 format_func=lambda p: w.say(PERIOD_WORDS[p]))
    st.multiselect(t("Lists"), s.list_ids, format_func=lambda x: f"{s.list_name(x)} ({x})", key="u_lists",
                   on_change=changed, args=("lists",), width=340, placeholder=t("All lists"))
    st.multiselect(t("Countries"), offered, key="u_countries", on_change=changed, args=("countries",), width=220,
                   placeholder=t("All countries"))
    show("u_q", view.search)
    st.text_input(t("Search messages"), key="u_q", on_change=changed, args=("search",), width=260,
                  max_chars=MAX_SEARCH, placeholder=t("a number, a message id or words"),
                  help=t("Every figure, chart and table of the page, and the workbook, follow the search. It is not "
                         "kept in the link: it may be a phone number."))
if isinstance(st.session_state.get("u_dates"), tuple) and len(st.session_state["u_dates"]) == 1:
    st.info(t("Pick the last day of the range too. Until then the report shows {range} ({lo} to {hi}).",
              range=describe(view.date_from, view.date_to, w), lo=w.day_short(view.date_from),
              hi=w.day_short(view.date_to)))

with st.spinner(t("Computing the report ...")):
    _, _, per_list, (prev, last_year), _ = answers(view)

# -- headline figures (the engine's: reporting.headline) --------------------------------------------------------
head = headline(per_list)
total, unpriced = head.credits, head.unpriced
st.subheader(describe(view.date_from, view.date_to, w)
             + (f" · {t(PRESETS[view.preset])}" if view.preset != "custom" else ""))
if view.search:
    st.caption(t("Messages matching {search} only: every figure below follows the search.",
                 search=safe_text(searched(view.search), 300)))
with st.container(horizontal=True, wrap=True):
    st.metric(t("Credits spent"), n(total),
              delta=t("{change} vs {period}", change=w.signed(head.change), period=comparison_words(prev, w)),
              delta_color="off", width=260,
              help=t("Compared with the same span of the previous period: {lo} to {hi}", lo=w.day_short(prev.lo),
                     hi=w.day_short(prev.hi)))
    if (prev.lo, prev.hi) != (last_year.lo, last_year.hi):
        st.metric(t("Same period last year"), n(head.last_year), delta=t("{change} now",
                                                                          change=w.signed(head.change_last_year)),
                  delta_color="off", width=230,
                  help=t("The same span last year: {lo} to {hi}", lo=w.day_short(last_year.lo),
                         hi=w.day_short(last_year.hi)))
    st.metric(t("Cost"), eur(head.eur), help=t("Each credit at the price per credit of the lot it came from")
              + (t("; {credits} credits came from lots bought without a price and are not valued", credits=unpriced)
                 if unpriced else ""), width=170)
    st.metric(t("Messages"), n(head.messages), width=140)
    st.metric(t("Parts"), n(head.parts), width=140)
if head.top_name is not None:
    top = dict(name=safe_text(head.top_name), credits=head.top_credits, share=w.percent(head.top_share))
    st.markdown(t("**{name}** spent the most: {credits} credits, {share} of the total, {cost}.", cost=eur(head.top_eur),
                  **top) if head.top_eur is not None else
                t("**{name}** spent the most: {credits} credits, {share} of the total.", **top))
if unpriced:
    st.caption(t("{credits} credits came from lots bought without a price: they are shown as unpriced, not as free.",
                 credits=unpriced))
estimated = cached(estimated_credits)(ReportFilter(view.date_from, view.date_to, view.lists, view.countries, None,
                                                   view.period)) if total else 0
if estimated:
    st.caption(t("≈ {credits} of these credits are estimated: texts with merge tags ([nome]) are priced for the "
                 "longest value known, not MailUp's exact charge.", credits=estimated))


report_body()
