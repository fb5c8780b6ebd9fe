"""The usage page's link: read back exactly, defaults and parameters that do not apply left out, bad values
replaced with a notice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from credits_core.reporting import (
    DRILLS,
    PAGE_SIZES,
    PERIODS,
    PRESETS,
    SORTS,
    TABS,
    UsageView,
    fitting_period,
    parse_view,
    preset_range,
    resolve_pick,
)

TODAY = date(2026, 11, 28)
LISTS = ["newsletter", "otp", "promo"]
COUNTRIES = ["IT", "FR", "DE"]


def as_params(d: dict) -> dict[str, list[str]]:
    return {k: (v if isinstance(v, list) else [v]) for k, v in d.items()}


def test_the_default_view_has_an_empty_link():
    v = parse_view({}, TODAY, LISTS, COUNTRIES)
    assert v.to_params() == {} and v.notices == ()
    assert (v.date_from, v.date_to) == (date(2025, 11, 1), date(2026, 10, 31))  # 12 full months, none partial


def test_a_bad_link_falls_back_with_notices():
    v = parse_view(as_params({"by": "fortnight", "from": "2026-13-01", "country": ["zz", "it"],
                              "list": ["newsletter", "nope"], "tab": "x", "size": "7", "page": "-2"}),
                   TODAY, LISTS, COUNTRIES)
    assert v.period == "month" and v.lists == ("newsletter",) and v.countries == ("IT",)
    assert v.tab == "lists" and v.page_size == 100 and v.page == 1
    text = " ".join(v.notices)
    for word in ("fortnight", "2026-13-01", "ZZ", "nope", "'x'", "7", "-2"):
        assert word in text
    rev = parse_view(as_params({"from": "2026-05-01", "to": "2026-04-01"}), TODAY, [], [])
    assert (rev.date_from, rev.date_to) == (date(2026, 4, 1), date(2026, 5, 1)) and "reversed" in rev.notices[0]


def test_dates_of_a_preset_read_as_that_preset():
    v = parse_view(as_params({"from": "2026-07-01", "to": "2026-09-30"}), TODAY, [], [])
    assert v.preset == "last_quarter" and v.to_params() == {"range": "last_quarter"}


def test_drill_parameters_only_on_the_drill_down_tab():
    v = UsageView(date(2026, 7, 1), date(2026, 9, 30), preset="last_quarter", drill="campaign", pick="C1",
                  page=4, search="promo", tab="periods")
    assert v.to_params() == {"range": "last_quarter", "tab": "periods"}
    assert replace(v, tab="messages").to_params() == {"range": "last_quarter", "tab": "messages",
                                                      "drill": "campaign", "pick": "C1", "page": "4"}


@given(st.sampled_from(["+393366625988", "0039 336 662 5988", "promo", "m-123"]))
def test_a_search_is_never_in_the_link(q):
    """Issue 32: the link carried q=%2B393366625988; a link travels (history, logs, e-mails), a number is personal."""
    for tab in TABS:
        v = UsageView(date(2026, 7, 1), date(2026, 9, 30), tab=tab, search=q, drill_period=date(2026, 8, 1))
        assert q not in str(v.to_params()) and "q" not in v.to_params()
        assert v.drill_into("otp", date(2026, 8, 1)).search == q  # a click on a bar keeps the search


def test_a_click_opens_the_period_of_the_list_on_page_one():
    v = UsageView(date(2026, 7, 1), date(2026, 9, 30), preset="last_quarter", page=9, drill="country")
    d = v.drill_into("otp", date(2026, 8, 1))
    assert (d.tab, d.drill, d.pick, d.drill_period, d.page) == ("messages", "list", "otp", date(2026, 8, 1), 1)
    assert d.drill_range(date(2026, 8, 31)) == (date(2026, 8, 1), date(2026, 8, 31))
    # the clicked period is cut to the range: a week that starts before it
    w = UsageView(date(2026, 7, 1), date(2026, 9, 30), drill_period=date(2026, 6, 29))
    assert w.drill_range(date(2026, 7, 5)) == (date(2026, 7, 1), date(2026, 7, 5))


def test_a_preset_switch_sets_its_dates_and_forgets_the_clicked_period():
    v = UsageView(date(2026, 7, 1), date(2026, 9, 30), drill_period=date(2026, 8, 1), page=3)
    p = v.with_preset("this_month", TODAY)
    assert (p.date_from, p.date_to, p.drill_period, p.page) == (date(2026, 11, 1), TODAY, None, 1)
    c = v.with_dates(date(2026, 1, 5), date(2026, 2, 3), TODAY)
    assert c.preset == "custom" and c.to_params() == {"from": "2026-01-05", "to": "2026-02-03"}


def test_picks_resolve_ids_then_names():
    names = {"C1": "Saldi estivi 01/07/2026", "C2": "Black Friday", "C3": "Saldi invernali"}
    assert resolve_pick("C2", list(names), names) == "C2"
    assert resolve_pick("black friday", list(names), names) == "C2"
    assert resolve_pick("invernali", list(names), names) == "C3"
    assert resolve_pick("saldi", list(names), names) is None  # two match: ambiguous
    assert resolve_pick(None, list(names), names) is None and resolve_pick("C1", [], names) is None


views = st.builds(
    UsageView,
    date_from=st.dates(date(2020, 1, 1), date(2026, 6, 30)), date_to=st.dates(date(2026, 7, 1), TODAY),
    preset=st.just("custom"), period=st.sampled_from(PERIODS),
    lists=st.lists(st.sampled_from(LISTS), unique=True).map(tuple),
    countries=st.lists(st.sampled_from(COUNTRIES), unique=True).map(tuple),
    tab=st.sampled_from(list(TABS)), drill=st.sampled_from(DRILLS),
    pick=st.none() | st.sampled_from(LISTS + ["C0001", "IT"]),
    drill_period=st.none() | st.just(date(2026, 7, 1)),
    search=st.sampled_from(["", "promo", "+39 320"]), sort=st.sampled_from(SORTS), descending=st.booleans(),
    page_size=st.sampled_from(PAGE_SIZES), page=st.integers(1, 500))


@given(views.filter(lambda v: fitting_period(v.date_from, v.date_to, v.period) == v.period))
def test_a_link_reads_back_as_the_same_view(v):
    """Every view a page can show (periods a chart shows) survives its own link (the parts the link leaves out are
    those that do not apply)."""
    back = parse_view(as_params(v.to_params()), TODAY, LISTS, COUNTRIES)
    assert back.notices == ()
    expected = replace(v, search="") if v.tab == "messages" else replace(
        v, drill="list", pick=None, drill_period=None, search="", sort="sent_at", descending=False, page_size=100,
        page=1)
    if (expected.date_from, expected.date_to) in [preset_range(p, TODAY) for p in PRESETS if p != "custom"]:
        expected = replace(expected, preset=back.preset)
    assert back == expected


def test_a_link_of_millions_of_days_is_brought_back_to_the_data_and_a_chart_it_can_show():
    """Issue 31.2: usage?from=0001-01-01&to=9999-12-31&by=day built a grid of 3.65M days x lists in Python (31 s of
    CPU, 4.6 GB). The dates come back to the data's span, and days beyond what a chart shows become weeks."""
    from credits_core.reporting import MAX_PERIODS, periods_in

    span = (date(2024, 6, 1), TODAY)
    v = parse_view(as_params({"from": "0001-01-01", "to": "9999-12-31", "by": "day"}), TODAY, LISTS, COUNTRIES,
                   span=span)
    assert (v.date_from, v.date_to) == span
    assert v.period == "week" and periods_in(v.date_from, v.date_to, v.period) <= MAX_PERIODS
    said = " ".join(v.notices)
    assert "beyond the account's data" in said and "more than a chart shows" in said and "grouped by week" in said
    short = parse_view(as_params({"from": "2026-01-01", "to": "2026-03-31", "by": "day"}), TODAY, LISTS, COUNTRIES,
                       span=span)
    assert short.period == "day" and not short.notices  # a range within the data, a chart's worth: as asked


def test_the_engine_and_the_cli_never_build_a_grid_no_chart_shows(tmp_path):
    import subprocess
    import sys
    from datetime import UTC, datetime

    import pytest

    from credits_core import CreditsError, CreditStore
    from credits_core.reporting import ReportFilter, usage

    db = tmp_path / "x.duckdb"
    with CreditStore.open(db) as s:
        s.add_list("a")
        s.purchase(100, datetime(2025, 1, 1, tzinfo=UTC), expiring=False)
        s.send("a", 1, datetime(2025, 1, 2, tzinfo=UTC))
        with pytest.raises(CreditsError, match="a report holds at most 2,000,000 rows"):
            usage(s, ReportFilter(date(1, 1, 1), date(9999, 12, 31), period="day"))
    out = subprocess.run([sys.executable, "-m", "credits_core", "report", "--db", str(db), "--from", "0001-01-01",
                          "--to", "9999-12-31", "--by", "day", "--csv", str(tmp_path / "days")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr  # the CLI brings the range back to the data's span: one day
    ok = subprocess.run([sys.executable, "-m", "credits_core", "report", "--db", str(db), "--from", "0001-01-01",
                         "--to", "9999-12-31", "--by", "month", "--csv", str(tmp_path / "csv")],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr  # brought back to the data's span: months since January 2025
