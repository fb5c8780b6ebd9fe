"""The Usage report's parts: the chart, the tabs (per list, per period, the drill-down to the messages) and the
Excel section. ``usage.py`` is the page script that lays them out; ``usage_state`` holds the view."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    BLANK,
    LEGEND_BELOW,
    W,
    cached,
    colour_scale,
    db_path,
    download_link,
    draw_chart,
    eur,
    int_columns,
    n,
    period_words,
    safe_label,
    safe_text,
    static_table,
    store,
    t,
    table,
    tn,
)
from app_pages.usage_state import (
    SCROLL_TO_MESSAGES,
    answers,
    changed,
    clear_period,
    clicked,
    current_view,
    drill_words,
    message_columns,
    searched,
    show,
    sort_words,
)
from credits_core.exports import ExportJob, estimate, view_file_name
from credits_core.reporting import (
    DRILLS,
    PAGE_SIZES,
    PERIOD_WORDS,
    SORTS,
    TABS,
    ReportFilter,
    campaigns_in_view,
    comparison_words,
    describe,
    messages_page,
    period_end,
    period_totals,
    resolve_pick,
    usage_by,
    usage_matrix,
)


@dataclass
class ExcelScope:
    """What the Excel section writes: the view, narrowed by the drill-down when it is open (its filter, the words
    the Summary sheet says of it, the picks the file name carries, and how many messages it holds)."""

    filter: ReportFilter
    words: list = field(default_factory=list)
    picks: list = field(default_factory=list)
    count: int = 0


def chart_rows(report: pd.DataFrame, by_period: pd.DataFrame, period: str) -> pd.DataFrame:
    """One row per period and list as the chart shows it: the period's words (with the days of a partial one), its
    first day, the list's cleaned name, the cost in words and what a screen reader says of the bar."""
    w = W()
    is_partial = report["coverage"].ne("")
    said_period = pd.Series([period_words(p, period) for p in report["period"]], index=report.index, dtype=object)
    cover = pd.Series([w.say(c) for c in report["coverage"]], index=report.index, dtype=object)
    long = report.assign(
        shown=said_period.where(~is_partial, said_period + " (" + cover + ")"),
        start=report["period"].dt.strftime("%Y-%m-%d"))
    long = long.merge(by_period[["period", "list_id", "eur"]].astype({"period": "datetime64[us]"}),
                      on=["period", "list_id"], how="left").astype({"eur": "float64"})
    long["cost"] = [eur(v) if pd.notna(v) else BLANK for v in long["eur"]]
    long["name"] = [safe_label(x) for x in long["name"]]  # one cleaned label per list, as in its colour
    long["said"] = [t("{period}, {name}: {credits} credits, {cost}", period=p, name=x, credits=int(c), cost=e)
                    for p, x, c, e in  # what a screen reader says of a bar
                    zip(long["shown"], long["name"], long["credits"], long["cost"], strict=True)]
    return long


def lit_bars(view, long: pd.DataFrame) -> list[dict]:
    """The bars lit: the clicked one (the drill-down by list), or every list's in the clicked period (by campaign or
    country); the others are dimmed. They are the chart's own selection, so a click changes nothing in the chart's
    spec or data and the browser does not draw it again (bench/README.md); a chart drawn anew starts from the view's.
    Returns the selection the chart is drawn with, and keeps the chart's generation in the session."""
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
    return drawn


def usage_chart(s, view, f: ReportFilter, long: pd.DataFrame) -> None:
    """The chart: one bar per period and list; a click drills into it. Vega-Lite (bundled with Streamlit, 0.8 MB of
    script; Plotly's is 4.7 MB and cost ~0.6 s of every fresh load in Chromium, bench/README.md), drawn as SVG: every
    bar is an element, periods are labels on a category axis."""
    order = long.sort_values("period", kind="stable")["shown"].unique().tolist()
    drawn = lit_bars(view, long)
    chart_key = f"u_chart_{st.session_state['u_chart'][0]}"
    bars = alt.selection_point(name="bar", fields=["list_id", "start"], on="click", clear=False, toggle=False,
                               **({"value": drawn} if drawn else {}))
    # a list that spent nothing in the view has no bar: it is not in the legend either (its zero rows are left out;
    # every period keeps a place on the axis through the lists that spent)
    spent = long.groupby("list_id")["credits"].sum()
    drawn_rows = long[long["list_id"].isin(spent[spent > 0].index)] if (spent > 0).any() else long
    # a click on a list's name in the legend lights its bars and dims the others (another click: all again)
    legend = alt.selection_point(name="legend", fields=["name"], bind="legend")
    period = W().say(PERIOD_WORDS[view.period])
    chart = alt.Chart(drawn_rows[["shown", "start", "list_id", "name", "credits", "cost", "said"]]).mark_bar().encode(
        x=alt.X("shown:N", sort=order, title=period, axis=alt.Axis(labelAngle=-30 if len(order) > 8 else 0)),
        y=alt.Y("credits:Q", title=t("credits"), axis=alt.Axis(format=",d")),
        color=alt.Color("name:N", title=t("list"), scale=colour_scale(s, drawn_rows["name"]), legend=LEGEND_BELOW),
        opacity=alt.condition(bars & legend, alt.value(1.0), alt.value(0.25)),
        description="said:N",
        tooltip=[alt.Tooltip("shown:N", title=period), alt.Tooltip("name:N", title=t("list")),
                 alt.Tooltip("credits:Q", title=t("credits"), format=","), alt.Tooltip("cost:N", title=t("cost"))],
    ).add_params(bars, legend)
    if long["coverage"].ne("").any():
        st.caption(t("Periods marked with days (\"3 of 30 days\") are only partly in the range."))
    draw_chart(chart, key=chart_key, on_select=partial(clicked, chart_key), selection_mode="bar",
               file_name=view_file_name(s, f, "chart").removesuffix(".chart"))


def lists_tab(view, per_list: pd.DataFrame, prev, last_year) -> None:
    """Per list: spend, its share, and each change beside its ratio to the period it is compared with."""
    same = (prev.lo, prev.hi) == (last_year.lo, last_year.hi)  # 12 months: the year before is both
    by_list = per_list.drop(columns=["last_year_credits", "change_last_year"] if same else [])
    if not (by_list["unpriced_credits"] > 0).any():  # a column of zeros says nothing
        by_list = by_list.drop(columns=["unpriced_credits"])
    by_list = by_list.assign(**{  # each change beside its ratio to what it is compared with
        col: [(c, c / b if b else float("inf") if c else None)  # spent nothing before: new
              for c, b in zip(by_list[col], by_list[base], strict=True)]
        for col, base in (("change", "previous_credits"), ("change_last_year", "last_year_credits"))
        if col in by_list})
    w = W()
    prev_name, year_name = comparison_words(prev, w), comparison_words(last_year, w)
    static_table(by_list, {
        "name": (t("List"), "text"), "messages": (t("Messages"), "int"),
        "parts": (t("Parts"), "int"), "credits": (t("Credits"), "int"), "eur": (t("Cost (EUR)"), "eur"),
        "unpriced_credits": (t("Unpriced credits"), "int"), "share": (t("Share"), "pct"),
        "previous_credits": (prev_name, "int"), "change": (t("Change vs {period}", period=prev_name), "change"),
        "last_year_credits": (year_name, "int"),
        "change_last_year": (t("Change vs {period}", period=year_name), "change")})
    now = describe(view.date_from, view.date_to, w)
    before = dict(lo=w.day_short(prev.lo), hi=w.day_short(prev.hi))
    st.caption(t("Compared like with like: {range} against the same span of the previous period, {lo} to {hi}, "
                 "which is also the same span last year.", range=now, **before) if same else
               t("Compared like with like: {range} against the same span of the previous period, {lo} to {hi}, and "
                 "of last year, {year_lo} to {year_hi}.", range=now, **before, year_lo=w.day_short(last_year.lo),
                 year_hi=w.day_short(last_year.hi)))


def periods_tab(s, view, long: pd.DataFrame) -> None:
    """Periods down, lists across, with what each period cost, all lists together."""
    matrix = usage_matrix(long.assign(label=long["shown"]))
    total, cost = t("Total"), t("Cost (EUR)")
    names = {c: (s.list_name(c) if c != "Total" else total) for c in matrix.columns}
    shown = matrix.rename(columns=names, index={"Total": total})
    if not shown.empty:  # what each period cost, all lists together
        cost_of = long.groupby("shown", sort=False)["eur"].sum(min_count=1)
        shown[cost] = [cost_of.get(i) if i != total else cost_of.sum() for i in shown.index]
    table(shown, width="stretch", column_config={
        "_index": st.column_config.TextColumn(W().say(PERIOD_WORDS[view.period]).capitalize(), width="medium",
                                              pinned=True),
        **{v: st.column_config.NumberColumn(v, format="localized") for v in names.values()},
        cost: st.column_config.NumberColumn(cost, format="euro")})


def drill_choice(view, base: ReportFilter, report: pd.DataFrame, by_period: pd.DataFrame, lo: date, hi: date):
    """The drill-down's widgets: by what, and which one. Returns (the column drilled by, the totals per value, their
    names, the value picked or None)."""
    with st.container(horizontal=True, wrap=True, vertical_alignment="bottom"):
        said_drill = drill_words()
        st.segmented_control(t("Drill down by"), DRILLS, format_func=said_drill.get, key="u_drill",
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
            st.selectbox(said_drill[view.drill], values, key="u_pick", on_change=changed, args=("pick",),
                         width=380, format_func=lambda v: f"{names[v]} ({v})" if names.get(v) not in (None, v)
                         else v)
        if view.drill_period is not None:
            st.button("✕ " + t("{range} only", range=describe(lo, hi, W())), on_click=clear_period,
                      key="u_clear_period", help=t("Show the messages of the whole range again"))
    if view.pick and pick != view.pick and resolve_pick(view.pick, values, names) is None:
        st.warning(t("{pick} has no spend in this view: showing {instead} instead.", pick=safe_text(repr(view.pick)),
                     instead=safe_text(names.get(pick) or pick)))
    return dim, totals, names, pick


def pick_figures(view, dim: str, totals: pd.DataFrame, pick: str) -> None:
    """What the picked list, campaign or country spent; for a campaign, its name, time, lists and text too."""
    row = totals.set_index(dim).loc[pick]
    if view.drill == "campaign":
        st.markdown(t("**{name}** · {campaign} · sent {when} (Rome) · lists {lists}", name=safe_text(row["name"]),
                      campaign=safe_text(pick), when=W().moment(row["sent_at"]), lists=safe_text(row["lists"])))
        if isinstance(row["text"], str):
            st.caption(f"“{safe_text(row['text'], 1000)}”")
    with st.container(horizontal=True, wrap=True):
        st.metric(t("Messages"), n(row["messages"]), width=140)
        st.metric(t("Parts"), n(row["parts"]), width=140)
        st.metric(t("Credits"), n(row["credits"]), width=140)
        st.metric(t("Cost"), t("unpriced") if pd.isna(row["eur"]) else eur(row["eur"]), width=160)
    if view.drill == "campaign":
        with st.expander(tn("The {count} campaign in this view", "All {count} campaigns in this view", len(totals))):
            table(totals, hide_index=True, width="stretch", column_config={
                "campaign_id": t("Campaign"), "name": st.column_config.TextColumn(t("Name"), pinned=True),
                "sent_at": st.column_config.DatetimeColumn(t("Sent (Rome)"), format="YYYY-MM-DD HH:mm"),
                "lists": t("Lists"), "text": st.column_config.TextColumn(t("Text"), width="large"),
                **int_columns(totals, ["messages", "parts", "credits", "unpriced_credits"]),
                "eur": st.column_config.NumberColumn(t("Cost (EUR)"), format="euro")})


def message_rows(view, drill_f: ReportFilter, dim: str, lo: date, hi: date) -> int:
    """The messages of the drill-down, paged, sorted and searched on the server. Returns how many there are."""
    show("u_sort", view.sort)
    show("u_desc", view.descending)
    show("u_size", view.page_size)
    first = cached(messages_page)(drill_f, page=1, page_size=view.page_size, sort=view.sort,
                                  descending=view.descending)
    page_no = min(view.page, first.pages)
    show("u_page", page_no)
    with st.container(horizontal=True, wrap=True, vertical_alignment="bottom"):
        st.selectbox(t("Sort by"), SORTS, format_func=sort_words().get, key="u_sort", on_change=changed,
                     args=("sort",), width=160)
        st.toggle(t("Descending"), key="u_desc", on_change=changed, args=("descending",))
        st.selectbox(t("Rows per page"), PAGE_SIZES, key="u_size", on_change=changed, args=("page_size",),
                     width=130)
        st.number_input(t("Page (of {pages})", pages=first.pages), min_value=1, max_value=first.pages, key="u_page",
                        on_change=changed, args=("page",), width=150)
    pg = first if page_no == 1 else cached(messages_page)(
        drill_f, page=page_no, page_size=view.page_size, sort=view.sort, descending=view.descending)
    messages = (tn("{count} message matching {search}", "{count} messages matching {search}", pg.total_rows,
                   search=safe_text(searched(view.search), 300)) if view.search else
                tn("{count} message", "{count} messages", pg.total_rows))
    st.caption(t("{messages}, {credits}, {range}; times are Rome local time; recipients are masked.",
                 messages=messages, credits=tn("{count} credit", "{count} credits", pg.total_credits),
                 range=describe(lo, hi, W())))
    # plain HTML suffices for a page of rows; the drilled-by column would repeat one value
    shown = {k: v for k, v in message_columns().items() if k != dim}
    if not pg.rows["estimated"].notna().any():
        shown.pop("estimated")
    static_table(pg.rows, shown)
    return pg.total_rows


def messages_tab(view, report: pd.DataFrame, by_period: pd.DataFrame) -> ExcelScope | None:
    """The drill-down to the messages. Returns what the Excel section writes (the drill-down), or None when the view
    spent nothing (no messages, no workbook)."""
    if st.session_state.pop("u_scroll", False):  # after a click on a bar: its messages, not the chart, in view
        st.html(SCROLL_TO_MESSAGES, unsafe_allow_javascript=True)
    lo, hi = view.drill_range(period_end(view.drill_period, view.period) if view.drill_period else None)
    base = ReportFilter(lo, hi, view.lists, view.countries, None, view.period, view.search)
    show("u_drill", view.drill)
    dim, totals, names, pick = drill_choice(view, base, report, by_period, lo, hi)
    if pick is None:
        st.info(t("Nothing was spent in this view: no messages to show."))
        return None
    pick_figures(view, dim, totals, pick)
    drill_f = replace(base, lists=(pick,) if view.drill == "list" else base.lists,
                      countries=(pick,) if view.drill == "country" else base.countries,
                      campaign=pick if view.drill == "campaign" else None)
    words = [(t("Drill-down"), f"{drill_words().get(view.drill, view.drill)}: {names.get(pick) or pick}")]
    if view.drill_period is not None:
        words.append((t("Clicked period"), describe(lo, hi, W())))
    picks = [] if view.drill == "list" else [names.get(pick) or pick]  # a list pick is in the filter
    total = message_rows(view, drill_f, dim, lo, hi)
    return ExcelScope(drill_f, words, picks, total)  # the messages of the drill-down and its search


def excel_section(s, view, scope: ExcelScope) -> None:
    """Excel: written in the background, to a file, with progress; served from that file."""
    st.subheader("Excel")
    w = W()
    view_key = (scope.filter, tuple(scope.words), s.revision, w.lang)
    est = estimate(scope.count)
    st.caption(t("This view: {size}. Excel stops at {rows} rows a sheet: millions of messages are better as CSV.gz.",
                 size=est.words(w), rows=1_048_576))
    choices = {"summary": t("Summary sheets only"), "xlsx": t("Summary and messages (Excel)"),
               "csv.gz": t("Messages (CSV.gz)")}
    what = st.radio(t("What to write"), list(choices), format_func=choices.get, horizontal=True, key="x_kind",
                    index=0 if est.summary_by_default else 1)
    job_entry = st.session_state.get("export_job")
    if st.button(t("Prepare the Excel workbook of this view") if what != "csv.gz" else
                 t("Prepare the messages as CSV.gz"), key="x_go"):
        if job_entry:
            job_entry[1].remove()
        kind = "csv.gz" if what == "csv.gz" else "xlsx"
        owner = str(st.session_state.get("credits_user", ("local",))[0] or "local")
        job = ExportJob(db_path(), scope.filter, kind, with_messages=what != "summary", preset=view.preset,
                        view=tuple(scope.words), owner=owner, total=est.messages,
                        name=view_file_name(s, scope.filter, kind, scope.picks), lang=w.lang)
        st.session_state["export_job"] = job_entry = (view_key, job)
    # the fragment ticks once a second only while a job runs: a timer on every page view kept the browser busy (a
    # rerun a second) and made the page slower to settle and to answer
    export_progress(view_key, bool(job_entry and job_entry[1].running))


def export_progress(view_key, running: bool) -> None:
    @st.fragment(run_every=1.0 if running else None)
    def progress(ticking: bool) -> None:
        entry = st.session_state.get("export_job")
        if not entry:
            return
        key, job = entry
        if key != view_key:
            st.caption(t("The view changed since the workbook was prepared: prepare it again for this view."))
            return
        if job.running:
            st.progress(job.fraction, text=job.status())
            if st.button(t("Cancel"), key="x_cancel"):
                job.cancel()
            return
        if ticking:  # the job ended since the last full run: one more draws its result and stops the timer
            st.rerun()
        if job.ready:
            st.caption(job.status())
            download_link(job)
        else:
            st.warning(safe_text(job.status(), 500))

    progress(running)


@st.fragment
def report_body() -> None:
    """The chart, its tabs and the Excel section. A click on a bar and the drill-down's own widgets (search, sort,
    page ...) rerun only this part: the filters and headline figures above are not sent or drawn again (in the
    browser either, bench/README.md). It reads the view from the URL, which the click has just changed."""
    s = store()
    view = current_view()
    f, report, per_list, (prev, last_year), by_period = answers(view)
    # the workbook is the view (its messages, as the workbook counts them): the drill-down narrows it below
    scope = ExcelScope(f, count=int(per_list["messages"].sum()))
    long = chart_rows(report, by_period, view.period)
    usage_chart(s, view, f, long)

    # -- tabs: only the open one is computed --------------------------------------------------------------------
    show("u_tab", t(TABS[view.tab]))
    tab_lists, tab_periods, tab_messages = st.tabs([t(x) for x in TABS.values()], key="u_tab", on_change=changed,
                                                   args=("tab",))
    if tab_lists.open:
        with tab_lists:
            lists_tab(view, per_list, prev, last_year)
    if tab_periods.open:
        with tab_periods:
            periods_tab(s, view, long)
    if tab_messages.open:
        with tab_messages:
            scope = messages_tab(view, report, by_period)
    if scope is not None:
        excel_section(s, view, scope)

