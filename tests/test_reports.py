"""Reports on the Rome calendar, filters, drill-down, history, and the Excel/CSV exports."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from credits_core import CreditsError, CreditStore
from credits_core.exports import write_csv, write_workbook
from credits_core.reporting import (
    ReportFilter,
    history,
    messages_page,
    period_end,
    period_totals,
    usage,
    usage_by,
    usage_by_list,
    usage_matrix,
    value_spend,
)

from .conftest import T, rome_date


@pytest.fixture
def acct():
    s = CreditStore.open(":memory:")
    s.add_list("a", "=cmd|' /C calc'!A0")   # a formula-looking list name
    s.add_list("b", "Alerts")
    s.purchase(100_000, T("2024-01-01T00:00"), expiring=False)
    s.assign("b", 10_000, T("2024-01-01T00:10"))
    rows = [
        ("m1", "a", "2025-03-31T22:30", 3, "IT", "C1", "+393201234567", "=HYPERLINK(\"http://x\")"),  # Rome: 1 April
        ("m2", "a", "2025-03-31T21:30", 2, "FR", "C1", "+393201234568", "@SUM(A1)"),                  # Rome: 31 March
        ("m3", "b", "2024-12-31T23:30", 5, "IT", None, "+393201234569", "-2+3"),                      # Rome: 2025-01-01
        ("m4", "b", "2020-12-28T10:00", 1, "IT", None, None, "week 53"),
    ]
    df = pd.DataFrame(rows, columns=["message_id", "list_id", "sent_at", "credits", "country", "campaign_id",
                                     "recipient", "text"])
    df["sent_at"] = pd.to_datetime(df["sent_at"], utc=True)
    s.purchase(10, T("2020-01-01T00:00"), expiring=False, lot_id="old")
    s.record_messages(df)
    yield s
    s.close()


def test_rome_calendar_buckets(acct):
    f = ReportFilter(date(2025, 3, 31), date(2025, 4, 1), period="day")
    long = usage(acct, f)
    got = {(r.label, r.list_id): r.credits for r in long.itertuples()}
    assert got[("2025-03-31", "a")] == 2 and got[("2025-04-01", "a")] == 3
    assert got[("2025-03-31", "b")] == 0  # no holes: zero rows for periods without spend
    y = usage(acct, ReportFilter(date(2024, 12, 1), date(2025, 1, 31), period="year"))
    assert {(r.label, r.list_id): r.credits for r in y.itertuples()}[("2025", "b")] == 5  # New Year in Rome
    w = usage(acct, ReportFilter(date(2020, 12, 28), date(2021, 1, 3), period="week"))
    assert w["label"].unique().tolist() == ["2020-W53"]


def test_filters_totals_and_previous_period(acct):
    f = ReportFilter(date(2025, 3, 1), date(2025, 4, 30), lists=("a",), countries=("IT",), period="month")
    long = usage(acct, f)
    assert long["credits"].sum() == 3 and set(long["list_id"]) == {"a"}
    m = usage_matrix(usage(acct, ReportFilter(date(2025, 3, 1), date(2025, 4, 30))))
    assert m.loc["Total", "Total"] == 5 and m.loc["2025-04", "a"] == 3
    by = usage_by_list(acct, ReportFilter(date(2025, 1, 1), date(2025, 4, 30)))
    assert by.set_index("list_id").loc["a", "share"] == pytest.approx(0.5)
    camp = usage_by(acct, "campaign_id", ReportFilter())
    assert camp.set_index("campaign_id").loc["C1", "credits"] == 5 and camp["credits"].sum() == 11
    with pytest.raises(CreditsError, match="empty"):
        ReportFilter(date(2025, 2, 1), date(2025, 1, 1))


def test_empty_range_and_rollup_follows_new_messages(acct):
    assert usage(acct, ReportFilter(date(2030, 1, 1), date(2030, 1, 2)))["credits"].sum() == 0
    acct.send("a", 7, T("2025-04-01T08:00"))
    assert usage(acct, ReportFilter(date(2025, 4, 1), date(2025, 4, 1)))["credits"].sum() == 10
    acct.send("a", 4, T("2025-03-31T08:00"))  # backdated: reports see it at once (unfolded sends on the fly)
    assert usage(acct, ReportFilter(date(2025, 3, 31), date(2025, 4, 1)))["credits"].sum() == 16


def test_drill_down_pages_and_masks(acct):
    for i in range(250):
        acct.send("b", 1, T("2025-05-01T08:00") + timedelta(minutes=i), message_id=f"p{i:03d}")
    f = ReportFilter(date(2025, 5, 1), date(2025, 5, 1), lists=("b",))
    p1 = messages_page(acct, f, page=1, page_size=100)
    p3 = messages_page(acct, f, page=3, page_size=100)
    assert (p1.total_rows, p1.pages, len(p1.rows), len(p3.rows)) == (250, 3, 100, 50)
    assert p1.rows["message_id"].iloc[0] == "p000" and p3.rows["message_id"].iloc[-1] == "p249"
    desc = messages_page(acct, f, page=1, page_size=10, descending=True)
    assert desc.rows["message_id"].iloc[0] == "p249"
    one = messages_page(acct, ReportFilter(lists=("a",)), page_size=10, sort="credits", descending=True)
    assert one.rows["credits"].tolist() == [3, 2] and one.rows["recipient"].iloc[0] == "+39320****567"
    assert str(one.rows["sent_at_rome"].iloc[0]) == "2025-04-01 00:30:00"
    with pytest.raises(CreditsError):
        messages_page(acct, f, page_size=5000)


def test_history_has_balances_after_each_event(acct):
    h = history(acct)
    assert h["kind"].tolist()[:3] == ["purchase", "purchase", "assignment"]
    assert h["total_after"].iloc[0] == 10 and h["assigned_after"].iloc[-1] == 10_000


def test_workbook_is_safe_and_finished(acct, tmp_path):
    out = tmp_path / "r.xlsx"
    info = write_workbook(acct, ReportFilter(period="month"), out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["Summary", "Usage", "By list", "Cost by period", "By campaign", "By country", "Messages",
                             "History", "Expiries"]
    ws = wb["Messages"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:K")
    assert ws["A1"].font.bold
    assert [c.value for c in ws[1]] == ["Sent at (Rome)", "Message id", "List", "Campaign", "Country", "Parts",
                                         "Credits", "Cost (EUR)", "Recipient", "Text", "Credits estimated"]
    texts = [c.value for c in ws["J"][1:]]
    assert '=HYPERLINK("http://x")' in texts and "@SUM(A1)" in texts and "-2+3" in texts
    for c in ws["J"][1:]:
        assert c.data_type == "s"          # never a formula
    assert ws["A2"].is_date and ws["G2"].number_format == "#,##0" and "€" in ws["H2"].number_format
    usage_ws = wb["Usage"]
    assert usage_ws["B1"].value == "=cmd|' /C calc'!A0" and usage_ws["B1"].data_type == "s"
    charts = usage_ws._charts  # noqa: SLF001 - openpyxl has no public list of a sheet's charts
    assert len(charts) == 1 and charts[0].grouping == "stacked"
    assert info["messages"] == 4


def test_row_limit_continues_on_next_sheet(acct, tmp_path):
    out = tmp_path / "r.xlsx"
    info = write_workbook(acct, ReportFilter(), out, max_rows=3)  # header + 2 rows per sheet
    assert info["message_sheets"] == ["Messages", "Messages (2)"]
    wb = load_workbook(out)
    assert wb["Messages"].max_row == 3 and wb["Messages (2)"].max_row == 3
    ids = [c.value for c in wb["Messages"]["B"][1:]] + [c.value for c in wb["Messages (2)"]["B"][1:]]
    assert ids == ["m4", "m3", "m2", "m1"]
    notes = [r[1].value for r in wb["Summary"].iter_rows() if r[0].value and str(r[0].value).startswith("Note")]
    assert any("Messages (2)" in n for n in notes)


def test_csv_export_escapes_formulas(acct, tmp_path):
    write_csv(acct, ReportFilter(), tmp_path)
    text = (tmp_path / "messages.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    assert len(pd.read_csv(tmp_path / "messages.csv")) == 4


def test_dst_change_days_bucket_by_rome_date():
    """Around both 2025 DST changes, messages land on the Rome calendar day, not the UTC one."""
    s = CreditStore.open(":memory:")
    s.add_list("a")
    s.purchase(1000, T("2025-01-01T00:00"), expiring=False)
    for mid, at in [("spring-before", "2025-03-29T23:30"),   # Rome 30 March 00:30 CET (the DST day)
                    ("spring-after", "2025-03-30T22:30"),    # Rome 31 March 00:30 CEST
                    ("autumn-before", "2025-10-25T21:30"),   # Rome 25 October 23:30 CEST
                    ("autumn-after", "2025-10-25T22:30")]:   # Rome 26 October 00:30 CEST (the DST day)
        s.send("a", 1, T(at), message_id=mid)
    days = usage(s, ReportFilter(date(2025, 3, 29), date(2025, 10, 27), period="day"))
    spent = {r.label: r.credits for r in days.itertuples() if r.credits}
    assert spent == {"2025-03-30": 1, "2025-03-31": 1, "2025-10-25": 1, "2025-10-26": 1}
    page = messages_page(s, ReportFilter(date(2025, 10, 26), date(2025, 10, 26)))
    assert page.rows["message_id"].tolist() == ["autumn-after"]


def test_read_only_store_reports_from_any_thread(tmp_path):
    """A read-only file cannot hold the rollup; the session rollup must be seen by every thread's cursor."""
    import threading

    path = tmp_path / "ro.duckdb"
    with CreditStore.open(path) as s:
        s.add_list("a")
        s.purchase(100, T("2025-01-01T00:00"), expiring=False)
        s.send("a", 7, T("2025-02-01T10:00"))
    ro = CreditStore.open(path, read_only=True)
    results = []
    for _ in range(2):
        t = threading.Thread(target=lambda: results.append(int(usage(ro, ReportFilter())["credits"].sum())))
        t.start()
        t.join()
    ro.close()
    assert results == [7, 7]


def test_history_includes_expiries_after_the_last_recorded_event():
    """Balance 0 after an expiry nothing followed: the History shows the expiry, not only the purchase."""
    from credits_core import CreditStore
    from credits_core.reporting import history

    s = CreditStore.open(":memory:")
    s.purchase(1000, T("2023-01-10T10:00"), lot_id="X")
    s.purchase(500, T("2024-06-01T10:00"), lot_id="Y")  # moves X's 1,000 to 2026-06-01
    h = history(s)
    assert s.balance().total == 0
    expired = h[h["kind"] == "expiry"]
    assert int(expired["credits"].sum()) == -1500 and int(h["total_after"].iloc[-1]) == 0
    ext = h[h["kind"] == "extension"].iloc[0]
    assert ext["credits"] == 1000 and "10 January 2025" in ext["detail"] and "R4" not in ext["detail"]


def test_countries_offered_include_imported_ones(acct):
    from credits_core.reporting import countries

    acct.send("a", 1, T("2025-05-02T08:00"), country="XX")
    got = countries(acct)
    assert "XX" in got and "IT" in got and "DE" in got


def test_workbook_finish_dates_filters_and_empty_sheets(acct, tmp_path):
    import re
    import zipfile

    from openpyxl import load_workbook

    from credits_core.exports import frame_to_xlsx, write_workbook
    from credits_core.reporting import history

    out = tmp_path / "r.xlsx"
    write_workbook(acct, ReportFilter(date(2025, 1, 1), date(2025, 4, 30), period="month"), out)
    wb = load_workbook(out)
    u = wb["Usage"]
    assert u["A1"].value == "Month" and u["A2"].is_date and u["A2"].number_format == "mmm yyyy"
    last = u.max_row
    assert u.cell(last, 1).value == "Total" and u.auto_filter.ref.endswith(str(last - 1))  # Total outside
    summary = [r[0].value for r in wb["Summary"].iter_rows()]
    assert "Account" not in summary
    with zipfile.ZipFile(out) as z:  # one filter range per sheet: the sheet's own and the workbook's agree
        names = dict(re.findall(r"'([^']+)'!\$A\$1:(\$[A-Z]+\$\d+)", z.read("xl/workbook.xml").decode()))
    for ws in wb.worksheets:
        if ws.auto_filter.ref:
            assert names[ws.title].replace("$", "") == ws.auto_filter.ref.split(":")[1], ws.title
    from credits_core import CreditStore

    bare = CreditStore.open(":memory:")
    bare.add_list("a")
    empty = tmp_path / "e.xlsx"
    write_workbook(bare, ReportFilter(), empty)
    wb = load_workbook(empty)
    assert "No credits were spent" in wb["Usage"]["A2"].value and "No credit is due" in wb["Expiries"]["A2"].value
    hist = load_workbook(__import__("io").BytesIO(frame_to_xlsx(history(acct), "History")))["History"]
    assert [c.value for c in hist[1]][:3] == ["At (Rome)", "Event", "Lot"]


def test_workbook_costs_in_euros_and_compares_with_the_quarter_before_and_last_year(tmp_path):
    """Q3 2025 against Q2 2025 and Q3 2024, in credits; cost at each lot's price; unpriced credits apart; campaigns
    by name."""
    from decimal import Decimal

    s = CreditStore.open(":memory:")
    s.add_list("a", "Newsletter")
    s.purchase(100, T("2024-01-01T00:00"), expiring=False, lot_id="free")  # no price: spent first (non-expiring)
    s.purchase(10_000, T("2024-01-01T00:00"), price=Decimal("650"), lot_id="paid")  # 0.065 a credit
    rows = [("m1", "a", "2024-08-01T10:00", 40, "IT", "C1"), ("m2", "a", "2025-05-01T10:00", 100, "IT", "C1"),
            ("m3", "a", "2025-08-01T10:00", 200, "FR", "C2"), ("m4", "a", "2025-09-01T10:00", 300, "IT", "C2")]
    df = pd.DataFrame(rows, columns=["message_id", "list_id", "sent_at", "credits", "country", "campaign_id"])
    df["sent_at"] = pd.to_datetime(df["sent_at"], utc=True)
    s.record_messages(df)
    s.describe_campaigns(pd.DataFrame({"campaign_id": ["C2"], "name": ["Saldi estivi"]}))
    out = tmp_path / "q3.xlsx"
    write_workbook(s, ReportFilter(date(2025, 7, 1), date(2025, 9, 30), period="month"), out)
    wb = load_workbook(out)
    # m1 took 40 free credits, m2 the last 60 free and 40 paid: Q3's 500 credits are all paid, 500 x 0.065 = 32.50
    by_list = [[c.value for c in r] for r in wb["By list"].iter_rows()]
    header, row = by_list[0], by_list[1]
    assert header[5:7] == ["Cost (EUR)", "Unpriced credits"] and row[4:7] == [500, 32.5, 0]
    assert header[8:12] == ["Q2 2025", "Change vs Q2 2025", "Q3 2024", "Change vs Q3 2024"]
    assert row[8:12] == [100, 400, 40, 460]
    assert wb["By list"]["F2"].number_format == '"€"#,##0.00'
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if len(r) > 1}
    assert summary["Cost (EUR)"] == 32.5 and summary["Change vs Q2 2025"] == 400
    assert summary["Credits spent in Q3 2024 (same period last year)"] == 40
    camp = {r[0].value: [c.value for c in r] for r in wb["By campaign"].iter_rows(min_row=2)}
    assert camp["C2"][1] == "Saldi estivi" and camp["C2"][7:9] == [500, 32.5]
    countries = {r[0].value: [c.value for c in r] for r in wb["By country"].iter_rows(min_row=2)}
    assert countries["IT"][3:5] == [300, 19.5] and countries["FR"][3:5] == [200, 13.0]
    # a quarter that took credits from the lot with no price: counted apart, never as free
    q2 = tmp_path / "q2.xlsx"
    write_workbook(s, ReportFilter(date(2025, 4, 1), date(2025, 6, 30), period="month"), q2)
    row = [c.value for c in load_workbook(q2)["By list"][2]]
    assert row[4:7] == [100, 2.6, 60]  # 40 paid credits x 0.065; 60 unpriced
    s.close()


def test_search_matches_id_recipient_digits_or_every_word(acct):
    from credits_core.reporting import messages_page

    f = ReportFilter()
    assert messages_page(acct, f, search="m3").rows["message_id"].tolist() == ["m3"]
    assert set(messages_page(acct, f, search="+39 320 123456").rows["message_id"]) == {"m1", "m2", "m3"}
    assert messages_page(acct, f, search="4568").rows["message_id"].tolist() == ["m2"]
    assert messages_page(acct, f, search="WEEK 53").rows["message_id"].tolist() == ["m4"]
    assert messages_page(acct, f, search="week 54").total_rows == 0  # every word must be there
    assert messages_page(acct, f, search="  ").total_rows == 4


def test_usage_by_list_without_cost_has_the_same_credits_and_no_euros(acct):
    f = ReportFilter(date(2025, 1, 1), date(2025, 4, 30))
    full, bare = usage_by_list(acct, f), usage_by_list(acct, f, with_cost=False)
    pd.testing.assert_series_equal(full["credits"], bare["credits"])
    assert bare["eur"].isna().all() and list(bare.columns) == list(full.columns)


def test_a_drilled_workbook_is_the_view_and_reads_back_whole(tmp_path, now):
    """Issue 23.3: drilled to country IT the workbook wrote every message and "Countries all"; the search was not
    applied; the By list sheet repeated the comparison columns; messages carried list ids."""

    from openpyxl import load_workbook

    from credits_core import CreditStore
    from credits_core.reporting import count_messages
    from credits_core.sources import build_demo

    s = CreditStore.open(":memory:")
    build_demo(s, messages=4_000, end=now)
    from credits_core.reporting import preset_range

    lo, hi = preset_range("last_12_months", rome_date(now))
    drilled = ReportFilter(lo, hi, (), ("IT",), None, "month")
    word = "sconto"
    want = count_messages(s, drilled, word)
    assert 0 < want < count_messages(s, ReportFilter(lo, hi, period="month"))
    out = tmp_path / "drilled.xlsx"
    write_workbook(s, drilled, out, preset="last_12_months", search=word, view=[("Drill-down", "Country: IT")])
    wb = load_workbook(out, read_only=True)
    sheets = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}  # every sheet reads back
    summary = {r[0]: r[1] for r in sheets["Summary"] if len(r) > 1 and r[0]}
    assert summary["Countries"] == "IT" and summary["Drill-down"] == "Country: IT"
    assert summary["Search in the messages"] == word
    messages = sheets["Messages"]
    header, rows = messages[0], [r for r in messages[1:] if any(v is not None for v in r)]
    assert len(rows) == want
    col = {name: i for i, name in enumerate(header)}
    assert {r[col["Country"]] for r in rows} == {"Italy"}
    assert all(word in (r[col["Text"]] or "").lower() for r in rows)
    assert set(r[col["List"]] for r in rows) <= {s.list_name(x) for x in s.list_ids}  # names, not ids
    by_list = sheets["By list"][0]
    assert len(by_list) == len(set(by_list))  # each column once (last year is the previous period here)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lots=st.lists(st.tuples(st.integers(50, 2_000), st.booleans(),
                               st.one_of(st.none(), st.decimals("0.01", "99.99", places=2))), min_size=1, max_size=3),
       sends=st.lists(st.tuples(st.sampled_from("abc"), st.integers(1, 40), st.integers(0, 200 * 24),
                                st.sampled_from(["IT", "FR"])), max_size=30),
       period=st.sampled_from(["day", "week", "month", "quarter", "year"]),
       start=st.integers(0, 120), days=st.integers(0, 150),
       lists=st.sampled_from([(), ("a",), ("b", "c")]), countries=st.sampled_from([(), ("IT",)]))
def test_a_periods_totals_from_the_report_equal_the_drill_downs_own(tmp_path_factory, lots, sends, period, start,
                                                                     days, lists, countries):
    """A click on a bar shows the list totals of that period. The page takes them from the report it already holds
    (``period_totals``), not from a new query: they must be ``usage_by`` of the clicked period's days, to the cent
    and in the same order, whatever the lots' prices (none, several), the filters and a range that cuts periods."""
    s = CreditStore.open(tmp_path_factory.mktemp("pt") / "p.duckdb")
    for x in "abc":
        s.add_list(x)
    t0 = T("2025-01-01T00:00")
    for i, (credits, expiring, price) in enumerate(lots):
        s.purchase(credits, t0 + timedelta(minutes=i), expiring=expiring, price=price, lot_id=f"L{i}")
    held = sum(c for c, _, _ in lots)
    for j, (lst, credits, hour, country) in enumerate(sends):
        if credits <= held:
            s.send(lst, credits, t0 + timedelta(hours=hour, minutes=5), message_id=f"m{j}", country=country)
            held -= credits
    lo = date(2025, 1, 1) + timedelta(days=start)
    f = ReportFilter(lo, lo + timedelta(days=days), lists, countries, None, period)
    long = usage(s, f)
    valued = value_spend(s, f, ("period", "list_id"))
    for p in long["period"].unique():
        first = p.date()
        g = replace(f, date_from=max(f.date_from, first), date_to=min(f.date_to, period_end(first, period)))
        pd.testing.assert_frame_equal(period_totals(long, valued, first), usage_by(s, "list_id", g))
    assert period_totals(long, valued, date(2024, 6, 1)) is None  # not a period of the report
    s.close()


def test_a_page_of_messages_shows_names_given_since_the_last_page(tmp_path):
    """The names a page of messages shows (lists, campaigns) are read once and kept per store until one changes: a
    list renamed, or a campaign named, here or by another process, shows on the next page read."""
    path = tmp_path / "n.duckdb"
    s = CreditStore.open(path)
    s.add_list("a", "Alpha")
    s.purchase(1_000, T("2025-01-01T00:00"))
    s.send("a", 2, T("2025-01-02T10:00"), message_id="m1", campaign_id="c1")
    f = ReportFilter(date(2025, 1, 1), date(2025, 1, 31))
    row = messages_page(s, f).rows.iloc[0]
    assert (row["list_id"], row["campaign_id"]) == ("Alpha", "c1")
    s.add_list("a", "Alpha renamed")
    s.describe_campaigns(pd.DataFrame({"campaign_id": ["c1"], "name": ["Winter sale"]}))
    row = messages_page(s, f).rows.iloc[0]
    assert (row["list_id"], row["campaign_id"]) == ("Alpha renamed", "Winter sale")
    s.release()  # another process names it again
    other = CreditStore.open(path)
    other.describe_campaigns(pd.DataFrame({"campaign_id": ["c1"], "name": ["Winter sale 2"]}))
    other.close()
    assert messages_page(s, f).rows.iloc[0]["campaign_id"] == "Winter sale 2"
    s.close()


@settings(max_examples=30, deadline=None)
@given(minutes=st.lists(st.integers(0, 5), min_size=0, max_size=25), size=st.integers(1, 7),
       descending=st.booleans(), list_a=st.booleans())
def test_pages_of_messages_by_time_are_the_messages_in_order_once_each(minutes, size, descending, list_a):
    """Every page sorted by time (the first read at once, the others found by key), put end to end, is each message
    of the filter once, in (time, recording order), whatever the ties on the same instant and the page size; a
    page past the last has no rows."""
    s = CreditStore.open(":memory:")
    s.add_list("a")
    s.add_list("b")
    s.purchase(10_000, T("2025-01-01T00:00"))
    for i, m in enumerate(minutes):
        s.send("ab"[i % 2], 1, T("2025-01-02T10:00") + timedelta(minutes=m), message_id=f"m{i}")
    f = ReportFilter(lists=("a",) if list_a else ())
    want = [f"m{i}" for i, m in sorted(enumerate(minutes), key=lambda im: (im[1], im[0]))
            if not list_a or i % 2 == 0]
    if descending:
        want.reverse()
    first = messages_page(s, f, page=1, page_size=size, descending=descending)
    got = [x for p in range(1, first.pages + 1) for x in
           messages_page(s, f, page=p, page_size=size, descending=descending).rows["message_id"]]
    assert got == want and first.total_rows == len(want)
    past = messages_page(s, f, page=first.pages + 1, page_size=size, descending=descending)
    assert past.rows.empty and past.total_rows == len(want)  # past the last page: no rows, the same totals
    s.close()


def test_the_workbook_chart_gives_each_list_its_colour_on_the_pages(acct, tmp_path):
    from credits_core.reporting import list_colour

    out = tmp_path / "r.xlsx"
    write_workbook(acct, ReportFilter(period="month"), out)
    chart = load_workbook(out)["Usage"]._charts[0]  # noqa: SLF001 - openpyxl has no public list of a sheet's charts
    fills = [str(s.graphicalProperties.solidFill.srgbClr).upper() for s in chart.series]
    assert fills == [list_colour(acct.list_ids.index(x)).lstrip("#").upper() for x in ("a", "b")]


def test_the_usage_headline_is_the_engine_s_sum_of_the_per_list_answer():
    """Issue 33: the Usage page's headline figures come from the engine (reporting.headline), not the page."""
    from decimal import Decimal

    import pandas as pd

    from credits_core.reporting import headline

    per_list = pd.DataFrame({"name": ["Promo", "Avvisi"], "credits": [700, 300], "previous_credits": [500, 100],
                             "last_year_credits": [0, 50], "eur": [35.5, None], "unpriced_credits": [0, 300],
                             "messages": [350, 300], "parts": [700, 300], "share": [0.7, 0.3]})
    h = headline(per_list)
    assert (h.credits, h.change, h.change_last_year, h.unpriced, h.messages, h.parts) == (1000, 400, 950, 300, 650,
                                                                                         1000)
    assert h.eur == Decimal("35.50") and h.top_name == "Promo" and h.top_share == 0.7 and h.top_eur == Decimal("35.5")
    empty = headline(per_list.iloc[0:0])
    assert empty.credits == 0 and empty.top_name is None and empty.eur == 0
    unpriced_top = headline(per_list.iloc[::-1].reset_index(drop=True))
    assert unpriced_top.top_name == "Avvisi" and unpriced_top.top_eur is None
