import plotly.express as px
import streamlit as st

from app_pages.common import PALETTE, cached, empty_state, int_columns, n, store
from credits_core import CreditsError
from credits_core.export import write_workbook
from credits_core.reports import (
    PERIODS,
    ReportFilter,
    messages_page,
    usage,
    usage_by,
    usage_by_list,
    usage_matrix,
    view_params,
)
from credits_core.reports import countries as report_countries
from credits_core.views import rome_today

st.title("📈 Usage report")
st.caption("Credits spent per list and period, on the Europe/Rome calendar (ISO weeks start on Monday).")
s = store()
qp = st.query_params
if not empty_state():
    today = rome_today()
    offered = cached(report_countries)()
    vp = view_params({k: qp.get_all(k) for k in qp}, today, s.list_ids, offered)
    for notice in vp.notices:
        st.warning(f"The link had a value this page cannot use: {notice}.")
    c1, c2, c3, c4 = st.columns([1, 2, 2, 2])
    period = c1.selectbox("Period", PERIODS, index=PERIODS.index(vp.period), key="by")
    rng = c2.date_input("Dates (Rome, inclusive)", value=(vp.date_from, vp.date_to), key="dates")
    lists = c3.multiselect("Lists", s.list_ids, default=list(vp.lists),
                           format_func=lambda x: f"{s.list_name(x)} ({x})", key="lists")
    countries = c4.multiselect("Countries", offered, default=list(vp.countries), key="countries")
    if isinstance(rng, tuple) and len(rng) == 2:
        f = ReportFilter(rng[0], rng[1], tuple(lists), tuple(countries), None, period)
        st.query_params["by"] = period
        st.query_params["from"], st.query_params["to"] = str(rng[0]), str(rng[1])
        st.query_params["list"] = list(lists)
        st.query_params["country"] = list(countries)
        with st.spinner("Computing the report ..."):
            long = cached(usage)(f)
            per_list = cached(usage_by_list)(f)
        total = int(per_list["credits"].sum()) if not per_list.empty else 0
        prev = int(per_list["previous_credits"].sum()) if not per_list.empty else 0
        m = st.columns(3)
        m[0].metric("Credits spent", n(total), delta=f"{total - prev:+,} vs the previous {(rng[1]-rng[0]).days + 1} "
                    "days", delta_color="off")
        m[1].metric("Messages", n(per_list["messages"].sum() if not per_list.empty else 0))
        m[2].metric("Parts", n(per_list["parts"].sum() if not per_list.empty else 0))
        fig = px.bar(long, x="label", y="credits", color="name", labels={"label": period, "name": "list"},
                 color_discrete_sequence=PALETTE)
        fig.update_layout(barmode="stack", yaxis_tickformat=",", height=380, margin={"t": 10})
        fig.update_xaxes(type="category")  # periods are labels: one period must not become a time axis
        st.plotly_chart(fig, width="stretch")
        tab1, tab2, tab3 = st.tabs(["Periods × lists", "Per list", "Messages (drill-down)"])
        matrix = usage_matrix(long)
        names = {c: (s.list_name(c) if c != "Total" else "Total") for c in matrix.columns}
        tab1.dataframe(matrix.rename(columns=names), width="stretch", column_config={
            "_index": st.column_config.TextColumn(period.capitalize(), width="medium", pinned=True),
            **{v: st.column_config.NumberColumn(v, format="localized") for v in names.values()}})
        tab2.dataframe(per_list, hide_index=True, width="stretch", column_config={
            "list_id": "List id", "name": "List",
            **int_columns(per_list, ["messages", "parts", "credits", "previous_credits", "change"]),
            "share": st.column_config.ProgressColumn("Share", format="percent", min_value=0, max_value=1)})
        with tab3:
            b1, b2 = st.columns([1, 3])
            by = b1.radio("Drill down by", ["list", "campaign", "country"], horizontal=True, key="drill_by")
            if by == "list":
                pick = b2.selectbox("List", s.list_ids, format_func=lambda x: f"{s.list_name(x)} ({x})",
                                    index=s.list_ids.index(qp["drill"]) if qp.get("drill") in s.list_ids else 0,
                                    key="drill")
                st.query_params["drill"] = pick
                df_ = ReportFilter(rng[0], rng[1], (pick,), tuple(countries), None, period)
            else:
                dim = "campaign_id" if by == "campaign" else "country"
                totals = cached(usage_by)(dim, f)
                values = [v for v in totals[dim].tolist() if v is not None and v == v]
                if not values:
                    st.info(f"No {by} in this view.")
                    st.stop()
                pick = b2.selectbox(by.capitalize(), values, key=f"drill_{dim}",
                                    format_func=lambda v: f"{v} ({int(totals.set_index(dim).loc[v, 'credits']):,} "
                                                          f"credits)")
                df_ = ReportFilter(rng[0], rng[1], tuple(lists), (pick,) if by == "country" else tuple(countries),
                                   pick if by == "campaign" else None, period)
            d2, d3, d4 = st.columns([1, 1, 1])
            sort = d2.selectbox("Sort by", ["sent_at", "credits", "parts", "country", "campaign_id"], key="sort")
            desc = d3.toggle("Descending", key="desc")
            size = d4.selectbox("Rows per page", [50, 100, 500, 1000], index=1, key="size")
            first = messages_page(s, df_, page=1, page_size=size, sort=sort, descending=desc)
            page = st.number_input(f"Page (of {first.pages:,})", min_value=1, max_value=first.pages, value=1,
                                   key="page")
            pg = first if page == 1 else messages_page(s, df_, page=int(page), page_size=size, sort=sort,
                                                        descending=desc)
            st.caption(f"{pg.total_rows:,} messages, {pg.total_credits:,} credits; times are Rome local time.")
            st.dataframe(pg.rows, hide_index=True, width="stretch",
                         column_config={"sent_at_rome": st.column_config.DatetimeColumn("sent at (Rome)"),
                                        **int_columns(pg.rows, ["credits", "parts"])})

        st.subheader("Excel")
        if st.button("Prepare the Excel workbook of this view"):
            import tempfile

            with st.spinner("Writing the workbook ..."), tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
                try:
                    write_workbook(s, f, tmp.name)
                    # remembered with the view it shows: another view never offers this file
                    st.session_state["xlsx"] = (f, s.revision, open(tmp.name, "rb").read())
                except CreditsError as exc:
                    st.error(str(exc))
        prepared = st.session_state.get("xlsx")
        if prepared and prepared[:2] == (f, s.revision):
            st.download_button("Download usage-report.xlsx", prepared[2], "usage-report.xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        elif prepared:
            st.caption("The view changed since the workbook was prepared: prepare it again for this view.")
