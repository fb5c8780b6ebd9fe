"""Usage report: credits and euros spent per list and period, comparisons, and the drill-down to the messages.

The link is the view: every choice is read from the URL (``credits_core.reporting.usage_view``) and each change writes
the URL back before the page runs again, so a link, a reload or the browser's back button show the same view.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    BLANK,
    LEGEND_BELOW,
    cached,
    colour_scale,
    db_path,
    download_link,
    draw_chart,
    empty_state,
    eur,
    int_columns,
    n,
    period_words,
    safe_label,
    safe_text,
    static_table,
    store,
    table,
)
from credits_core.exports import ExportJob, estimate, searched_words, view_file_name
from credits_core.ledger import rome_today
from credits_core.reporting import (
    DRILLS,
    MAX_SEARCH,
    PAGE_SIZES,
    PERIODS,
    PRESETS,
    SORTS,
    TABS,
    ReportFilter,
    campaigns_in_view,
    comparison_ranges,
    data_span,
    describe,
    estimated_credits,
    messages_page,
    parse_view,
    period_end,
    period_totals,
    resolve_pick,
    usage,
    usage_by,
    usage_by_list,
    usage_matrix,
    value_spend,
)
from credits_core.reporting import countries as report_countries

DRILL_WORDS = {"list": "List", "campaign": "Campaign", "country": "Country"}
SORT_WORDS = {"sent_at": "Time sent", "credits": "Credits", "parts": "Parts", "country": "Country",
              "campaign_id": "Campaign", "message_id": "Message id"}


def current_view():
    """The view of the link, with the search of this session: a search is never in the link (it may be a phone
    number); a link that carries one (``q``, as older links did) gives it to the session once."""
    s = store()
    qp = st.query_params
    view = parse_view({k: qp.get_all(k) for k in qp}, rome_today(), s.list_ids, cached(report_countries)(),
                      span=cached(data_span)())
    ss = st.session_state
    if view.search:
        ss["u_search"] = view.search
    return replace(view, search=ss.get("u_search", ""))


def write_view(view) -> None:
    st.query_params.from_dict(view.to_params())


def changed(what: str) -> None:
    """A widget changed: the view it makes goes to the URL; anything but the page number goes back to page 1."""
    ss = st.session_state
    view, today = current_view(), rome_today()
    if what == "preset":
        view = view.with_preset(ss["u_preset"] or view.preset, today)
        if view.preset == "custom":  # the date picker stays open for the rest of the session
            ss["u_dates_open"] = True
    elif what == "dates":
        picked = ss["u_dates"]
        if not (isinstance(picked, tuple) and len(picked) == 2):
            return  # one end picked so far: the page waits for the other (and says so)
        view = view.with_dates(picked[0], picked[1], today)
    elif what == "tab":
        view = replace(view, tab=next(k for k, v in TABS.items() if v == ss["u_tab"]))
    else:
        value = {"period": ss.get("u_by"), "lists": tuple(ss.get("u_lists") or ()),
                 "countries": tuple(ss.get("u_countries") or ()), "drill": ss.get("u_drill"),
                 "pick": ss.get("u_pick"), "search": " ".join((ss.get("u_q") or "").split())[:MAX_SEARCH],
                 "sort": ss.get("u_sort"),
                 "descending": bool(ss.get("u_desc")), "page_size": ss.get("u_size"),
                 "page": int(ss.get("u_page") or 1)}[what]
        if what == "drill":
            view = replace(view, pick=None)
        if what == "search":  # kept by the session, never in the link
            ss["u_search"] = value
        view = replace(view, **{what: value})
        if what in ("lists", "countries", "period"):
            view = replace(view, drill_period=None)
    if what != "page":
        view = replace(view, page=1)
    write_view(view)


def clicked(key: str) -> None:
    """A bar was clicked: the drill-down of that list and period."""
    points = (st.session_state.get(key) or {}).get("selection", {}).get("bar") or []
    if points and points[0].get("list_id") and points[0].get("start"):
        point = points[0]
        write_view(current_view().drill_into(str(point["list_id"]), date.fromisoformat(str(point["start"])[:10])))
        st.session_state["u_scroll"] = True  # the next run brings the clicked bar's messages into view


MESSAGE_COLUMNS = {"sent_at_rome": ("Sent at (Rome)", "time"), "message_id": ("Message id", "text"),
                   "list_id": ("List", "text"), "campaign_id": ("Campaign", "text"), "country": ("Country", "text"),
                   "parts": ("Parts", "int"), "credits": ("Credits", "int"), "eur": ("Cost (EUR)", "eur_fine"),
                   "recipient": ("Recipient", "text"), "text": ("Text", "long"),
                   "estimated": ("Credits", "text")}  # shown only when a message's credits are estimated

# a fixed script (no value from data or the URL in it): scroll the tabs, whose open tab holds the messages, to the
# top of the window once they are drawn
SCROLL_TO_MESSAGES = """<script>
setTimeout(() => {
  const tabs = document.querySelector('[data-testid="stTabs"]');
  if (tabs) tabs.scrollIntoView({block: "start"});
}, 400);
</script>"""


def clear_period() -> None:
    write_view(replace(current_view(), drill_period=None, page=1))


def answers(view):
    """The report of the view's range and filters: (its filter, usage, usage_by_list, comparison_ranges, the cost
    per period and list), each a kept answer."""
    f = ReportFilter(view.date_from, view.date_to, view.lists, view.countries, None, view.period, view.search)
    return (f, cached(usage)(f), cached(usage_by_list)(f, view.preset), cached(comparison_ranges)(f, view.preset),
            cached(value_spend)(f, ("period", "list_id")))


def searched(search: str) -> str:
    """A search in words: a number masked as the rows show recipients, anything else quoted."""
    words = searched_words(search)
    return words if words != search else f"“{search}”"


def count(value: int, noun: str) -> str:
    return f"{value:,} {noun}" + ("" if value == 1 else "s")


def show(key: str, value) -> None:
    """Set a widget to the view's value before it is drawn (the URL is the truth; widgets follow it)."""
    if st.session_state.get(key) != value:
        st.session_state[key] = value


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


@st.fragment
def report_body() -> None:
    """The chart, its tabs and the Excel section. A click on a bar and the drill-down's own widgets (search, sort,
    page ...) rerun only this part: the filters and headline figures above are not sent or drawn again (in the
    browser either, bench/README.md). It reads the view from the URL, which the click has just changed."""
    s = store()
    view = current_view()
    f, report, per_list, (prev, last_year), by_period = answers(view)
    excel_f, excel_words, excel_picks = f, [], []  # the workbook is the view: the drill-down narrows it below
    excel_count = int(per_list["messages"].sum())  # the view's messages, as the workbook counts them

    # -- the chart: one bar per period and list; a click drills into it ------------------------------------------
    is_partial = report["coverage"].ne("")
    said_period = pd.Series([period_words(p, view.period) for p in report["period"]], index=report.index, dtype=object)
    long = report.assign(
        shown=said_period.where(~is_partial, said_period + " (" + report["coverage"] + ")"),
        start=report["period"].dt.strftime("%Y-%m-%d"))
    long = long.merge(by_period[["period", "list_id", "eur"]].astype({"period": "datetime64[us]"}),
                      on=["period", "list_id"], how="left").astype({"eur": "float64"})
    long["cost"] = [eur(v) if pd.notna(v) else BLANK for v in long["eur"]]
    long["name"] = [safe_label(x) for x in long["name"]]  # one cleaned label per list, as in its colour
    order = long.sort_values("period", kind="stable")["shown"].unique().tolist()
    # the bars lit: the clicked one (the drill-down by list), or every list's in the clicked period (by campaign or
    # country); the others are dimmed. They are the chart's own selection, so a click changes nothing in the chart's
    # spec or data and the browser does not draw it again (bench/README.md); a chart drawn anew starts from the view's.
    target = []
    if view.drill_period is not None:
        start = view.drill_period.isoformat()
        target = [{"list_id": x, "start": start} for x in ([view.pick] if view.drill == "list" else
                                                            dict.fromkeys(long["list_id"]))]
    gen, drawn = st.session_state.get("u_chart", (0, None))  # the chart's generation, the bars lit when drawn
    clicked_bars = (st.session_state.get(f"u_chart_{gen}") or {}).get("selection", {}).get("bar")
    if (clicked_bars or drawn) != target:  # a first chart, or the view changed otherwise (a link, back, another
        gen, drawn = gen + 1, target       # drill, a cleared period): a new chart, with no stale selection in it
        st.session_state["u_chart"] = (gen, drawn)
    chart_key = f"u_chart_{gen}"
    # Vega-Lite (bundled with Streamlit, 0.8 MB of script; Plotly's is 4.7 MB and cost ~0.6 s of every fresh load in
    # Chromium, bench/README.md), drawn as SVG: every bar is an element, periods are labels on a category axis
    bars = alt.selection_point(name="bar", fields=["list_id", "start"], on="click", clear=False, toggle=False,
                               **({"value": drawn} if drawn else {}))
    long["said"] = [f"{p}, {x}: {c:,} credits, {e}" for p, x, c, e in  # what a screen reader says of a bar
                    zip(long["shown"], long["name"], long["credits"], long["cost"], strict=True)]
    # a list that spent nothing in the view has no bar: it is not in the legend either (its zero rows are left out;
    # every period keeps a place on the axis through the lists that spent)
    spent = long.groupby("list_id")["credits"].sum()
    drawn_rows = long[long["list_id"].isin(spent[spent > 0].index)] if (spent > 0).any() else long
    # a click on a list's name in the legend lights its bars and dims the others (another click: all again)
    legend = alt.selection_point(name="legend", fields=["name"], bind="legend")
    chart = alt.Chart(drawn_rows[["shown", "start", "list_id", "name", "credits", "cost", "said"]]).mark_bar().encode(
        x=alt.X("shown:N", sort=order, title=view.period, axis=alt.Axis(labelAngle=-30 if len(order) > 8 else 0)),
        y=alt.Y("credits:Q", title="credits", axis=alt.Axis(format=",d")),
        color=alt.Color("name:N", title="list", scale=colour_scale(s, drawn_rows["name"]), legend=LEGEND_BELOW),
        opacity=alt.condition(bars & legend, alt.value(1.0), alt.value(0.25)),
        description="said:N",
        tooltip=[alt.Tooltip("shown:N", title=view.period), alt.Tooltip("name:N", title="list"),
                 alt.Tooltip("credits:Q", format=","), alt.Tooltip("cost:N", title="cost")],
    ).add_params(bars, legend)
    if is_partial.any():
        st.caption("Periods marked with days (\"3 of 30 days\") are only partly in the range.")
    draw_chart(chart, key=chart_key, on_select=partial(clicked, chart_key), selection_mode="bar",
               file_name=view_file_name(s, f, "chart").removesuffix(".chart"))

    # -- tabs: only the open one is computed --------------------------------------------------------------------
    show("u_tab", TABS[view.tab])
    tab_lists, tab_periods, tab_messages = st.tabs(list(TABS.values()), key="u_tab", on_change=changed, args=("tab",))

    if tab_lists.open:
        with tab_lists:
            same = (prev.lo, prev.hi) == (last_year.lo, last_year.hi)  # 12 months: the year before is both
            by_list = per_list.drop(columns=["last_year_credits", "change_last_year"] if same else [])
            if not (by_list["unpriced_credits"] > 0).any():  # a column of zeros says nothing
                by_list = by_list.drop(columns=["unpriced_credits"])
            by_list = by_list.assign(**{  # each change beside its ratio to what it is compared with
                col: [(c, c / b if b else float("inf") if c else None)  # spent nothing before: new
                      for c, b in zip(by_list[col], by_list[base], strict=True)]
                for col, base in (("change", "previous_credits"), ("change_last_year", "last_year_credits"))
                if col in by_list})
            static_table(by_list, {
                "name": ("List", "text"), "messages": ("Messages", "int"),
                "parts": ("Parts", "int"), "credits": ("Credits", "int"), "eur": ("Cost (EUR)", "eur"),
                "unpriced_credits": ("Unpriced credits", "int"), "share": ("Share", "pct"),
                "previous_credits": (prev.label, "int"), "change": (f"Change vs {prev.label}", "change"),
                "last_year_credits": (last_year.label, "int"),
                "change_last_year": (f"Change vs {last_year.label}", "change")})
            st.caption(f"Compared like with like: {describe(view.date_from, view.date_to)} against the same span of "
                       f"the previous period, {prev.lo:%d %b %Y} to {prev.hi:%d %b %Y}"
                       + (", which is also the same span last year." if same else
                          f", and of last year, {last_year.lo:%d %b %Y} to {last_year.hi:%d %b %Y}."))

    if tab_periods.open:
        with tab_periods:
            matrix = usage_matrix(long.assign(label=long["shown"]))
            names = {c: (s.list_name(c) if c != "Total" else "Total") for c in matrix.columns}
            shown = matrix.rename(columns=names)
            if not shown.empty:  # what each period cost, all lists together
                cost_of = long.groupby("shown", sort=False)["eur"].sum(min_count=1)
                shown["Cost (EUR)"] = [cost_of.get(i) if i != "Total" else cost_of.sum() for i in shown.index]
            table(shown, width="stretch", column_config={
                "_index": st.column_config.TextColumn(view.period.capitalize(), width="medium", pinned=True),
                **{v: st.column_config.NumberColumn(v, format="localized") for v in names.values()},
                "Cost (EUR)": st.column_config.NumberColumn("Cost (EUR)", format="euro")})

    if tab_messages.open:
        with tab_messages:
            if st.session_state.pop("u_scroll", False):  # after a click on a bar: its messages, not the chart, in view
                st.html(SCROLL_TO_MESSAGES, unsafe_allow_javascript=True)
            lo, hi = view.drill_range(period_end(view.drill_period, view.period) if view.drill_period else None)
            base = ReportFilter(lo, hi, view.lists, view.countries, None, view.period, view.search)
            show("u_drill", view.drill)
            with st.container(horizontal=True, wrap=True, vertical_alignment="bottom"):
                st.segmented_control("Drill down by", DRILLS, format_func=DRILL_WORDS.get, key="u_drill",
                                     required=True, on_change=changed, args=("drill",))
                dim = {"list": "list_id", "campaign": "campaign_id", "country": "country"}[view.drill]
                if view.drill == "campaign":
                    totals = cached(campaigns_in_view)(base)
                    names = dict(zip(totals["campaign_id"], totals["name"]))
                else:
                    # a click on a bar: that period's totals are in the report shown above (no query, ~50 ms at 10M)
                    totals = period_totals(report, by_period, view.drill_period) if (
                        view.drill == "list" and view.drill_period is not None) else None
                    if totals is None:
                        totals = cached(usage_by)(dim, base)
                    totals = totals[totals[dim].notna()]
                    names = dict(zip(totals[dim], totals["name"])) if view.drill == "list" else {}
                values = totals[dim].tolist()
                pick = resolve_pick(view.pick, values, names) or (values[0] if values else None)
                if pick is not None:
                    show("u_pick", pick)
                    # the label is the pick's identity only: a figure in it changed with the period and was taken for
                    # the pick itself (pick=IT · 16,380 credits in the link); the figures are shown below it
                    st.selectbox(DRILL_WORDS[view.drill], values, key="u_pick", on_change=changed, args=("pick",),
                                 width=380, format_func=lambda v: f"{names[v]} ({v})" if names.get(v) not in (None, v)
                                 else v)
                if view.drill_period is not None:
                    st.button(f"✕ {describe(lo, hi)} only", on_click=clear_period, key="u_clear_period",
                              help="Show the messages of the whole range again")
            if view.pick and pick != view.pick and resolve_pick(view.pick, values, names) is None:
                st.warning(f"{safe_text(repr(view.pick))} has no spend in this view: showing "
                           f"{safe_text(names.get(pick) or pick)} instead.")
            if pick is None:
                st.info("Nothing was spent in this view: no messages to show.")
                return
            row = totals.set_index(dim).loc[pick]
            if view.drill == "campaign":
                st.markdown(f"**{safe_text(row['name'])}** · {safe_text(pick)} · sent {row['sent_at']:%d %b %Y %H:%M} "
                            f"(Rome) · lists {safe_text(row['lists'])}")
                if isinstance(row["text"], str):
                    st.caption(f"“{safe_text(row['text'], 1000)}”")
            with st.container(horizontal=True, wrap=True):
                st.metric("Messages", n(row["messages"]), width=140)
                st.metric("Parts", n(row["parts"]), width=140)
                st.metric("Credits", n(row["credits"]), width=140)
                st.metric("Cost", "unpriced" if pd.isna(row["eur"]) else eur(row["eur"]), width=160)
            if view.drill == "campaign":
                with st.expander(f"All {len(totals):,} campaigns in this view"):
                    table(totals, hide_index=True, width="stretch", column_config={
                        "campaign_id": "Campaign", "name": st.column_config.TextColumn("Name", pinned=True),
                        "sent_at": st.column_config.DatetimeColumn("Sent (Rome)", format="YYYY-MM-DD HH:mm"),
                        "lists": "Lists", "text": st.column_config.TextColumn("Text", width="large"),
                        **int_columns(totals, ["messages", "parts", "credits", "unpriced_credits"]),
                        "eur": st.column_config.NumberColumn("Cost (EUR)", format="euro")})

            drill_f = replace(base, lists=(pick,) if view.drill == "list" else base.lists,
                              countries=(pick,) if view.drill == "country" else base.countries,
                              campaign=pick if view.drill == "campaign" else None)
            excel_f = drill_f
            excel_words = [("Drill-down", f"{DRILL_WORDS.get(view.drill, view.drill)}: {names.get(pick) or pick}")]
            excel_picks = [] if view.drill == "list" else [names.get(pick) or pick]  # a list pick is in the filter
            if view.drill_period is not None:
                excel_words.append(("Clicked period", describe(lo, hi)))
            show("u_sort", view.sort)
            show("u_desc", view.descending)
            show("u_size", view.page_size)
            first = cached(messages_page)(drill_f, page=1, page_size=view.page_size, sort=view.sort,
                                          descending=view.descending)
            page_no = min(view.page, first.pages)
            show("u_page", page_no)
            with st.container(horizontal=True, wrap=True, vertical_alignment="bottom"):
                st.selectbox("Sort by", SORTS, format_func=SORT_WORDS.get, key="u_sort", on_change=changed,
                             args=("sort",), width=160)
                st.toggle("Descending", key="u_desc", on_change=changed, args=("descending",))
                st.selectbox("Rows per page", PAGE_SIZES, key="u_size", on_change=changed, args=("page_size",),
                             width=130)
                st.number_input(f"Page (of {first.pages:,})", min_value=1, max_value=first.pages, key="u_page",
                                on_change=changed, args=("page",), width=150)
            pg = first if page_no == 1 else cached(messages_page)(
                drill_f, page=page_no, page_size=view.page_size, sort=view.sort, descending=view.descending)
            found = f" matching {safe_text(searched(view.search), 300)}" if view.search else ""
            st.caption(f"{count(pg.total_rows, 'message')}{found}, {count(pg.total_credits, 'credit')}, "
                       f"{describe(lo, hi)}; times are Rome local time; recipients are masked.")
            # paged, sorted and searched on the server: plain HTML suffices; the drilled-by column would repeat one
            # value
            shown = {k: v for k, v in MESSAGE_COLUMNS.items() if k != dim}
            if not pg.rows["estimated"].notna().any():
                shown.pop("estimated")
            static_table(pg.rows, shown)
            excel_count = pg.total_rows  # the messages of the drill-down and its search: the workbook's

    # -- Excel: written in the background, to a file, with progress; served from that file ------------------------
    st.subheader("Excel")
    view_key = (excel_f, tuple(excel_words), s.revision)
    est = estimate(excel_count)
    st.caption(f"This view: {est.words()}. Excel stops at 1,048,576 rows a sheet: millions of messages are better as "
               "CSV.gz.")
    choices = {"summary": "Summary sheets only", "xlsx": "Summary and messages (Excel)", "csv.gz": "Messages (CSV.gz)"}
    what = st.radio("What to write", list(choices), format_func=choices.get, horizontal=True, key="x_kind",
                    index=0 if est.summary_by_default else 1)
    job_entry = st.session_state.get("export_job")
    if st.button("Prepare the Excel workbook of this view" if what != "csv.gz" else "Prepare the messages as CSV.gz",
                 key="x_go"):
        if job_entry:
            job_entry[1].remove()
        kind = "csv.gz" if what == "csv.gz" else "xlsx"
        job = ExportJob(db_path(), excel_f, kind, with_messages=what != "summary", preset=view.preset,
                        view=tuple(excel_words), owner=str(st.session_state.get("credits_user", ("local",))[0] or
                                                           "local"), total=est.messages,
                        name=view_file_name(s, excel_f, kind, excel_picks))
        st.session_state["export_job"] = job_entry = (view_key, job)

    # the fragment ticks once a second only while a job runs: a timer on every page view kept the browser busy (a rerun
    # a second) and made the page slower to settle and to answer
    running = bool(job_entry and job_entry[1].running)


    @st.fragment(run_every=1.0 if running else None)
    def export_progress(ticking: bool) -> None:
        entry = st.session_state.get("export_job")
        if not entry:
            return
        key, job = entry
        if key != view_key:
            st.caption("The view changed since the workbook was prepared: prepare it again for this view.")
            return
        if job.running:
            st.progress(job.fraction, text=job.status())
            if st.button("Cancel", key="x_cancel"):
                job.cancel()
            return
        if ticking:  # the job ended since the last full run: one more draws its result and stops the timer
            st.rerun()
        if job.ready:
            st.caption(job.status())
            download_link(job)
        else:
            st.warning(safe_text(job.status(), 500))


    export_progress(running)


report_body()
