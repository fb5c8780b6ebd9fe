"""Issue 32: every figure of a view follows every filter, the search included; a number searched for is personal
data (never whole in a file name or the workbook); it is found however it is written (+39, 0039, spaced, masked as
the pages show it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from credits_core import CreditStore
from credits_core.exports import view_file_name, write_workbook
from credits_core.reporting import ReportFilter, mask_recipient, messages_page, usage_by_list

NUMBERS = ["393366625988", "+393331112223", "00393334445556", "33512345678", "447700900123"]
TEXTS = ["Promo sconto 20%", "Ciao Mario, il tuo ordine", "Avviso consegna", "promo weekend"]


def account(seed: int = 0) -> tuple[CreditStore, pd.DataFrame]:
    """Two lists, three countries, two campaigns; recipients stored in the shapes MailUp and imports give them
    (international without a prefix, with +, with 00)."""
    s = CreditStore.open(":memory:")
    s.add_list("a", "Newsletter Italia")
    s.add_list("b", "Avvisi")
    s.purchase(50_000, datetime(2026, 1, 2, 10, tzinfo=UTC), expiring=False, price=Decimal("2500.00"))
    rows = []
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    for i in range(120):
        k = (i * 7 + seed) % 97
        rows.append((f"m{i}", "ab"[k % 2], start + timedelta(hours=13 * i), 1 + k % 3, ["IT", "FR", "GB"][k % 3],
                     ["C1", "C2", None][i % 3], NUMBERS[k % len(NUMBERS)], TEXTS[(k // 2) % len(TEXTS)]))
    df = pd.DataFrame(rows, columns=["message_id", "list_id", "sent_at", "credits", "country", "campaign_id",
                                     "recipient", "text"])
    s.record_messages(df)
    return s, df


def matching(df: pd.DataFrame, digits: str) -> pd.DataFrame:
    """By hand: the messages whose number, written without its international prefix, holds these digits."""
    plain = df["recipient"].str.replace(r"^(\+|00)", "", regex=True)
    return df[plain.str.contains(digits, regex=False)]


def cells(ws) -> list:
    return [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]


@pytest.mark.parametrize("typed", ["+39 333 111 2223", "00393331112223", "393331112223", "39 333 111 2223",
                                   "393331***223"])
def test_a_number_is_found_however_it_is_written(typed):
    s, df = account()
    want = set(matching(df, "393331112223")["message_id"])
    page = messages_page(s, ReportFilter(), page=1, page_size=500, search=typed)
    assert set(page.rows["message_id"]) == want and page.total_rows == len(want) > 0


def test_the_masked_number_a_page_shows_finds_its_messages():
    s, df = account()
    page = messages_page(s, ReportFilter(), page=1, page_size=500)
    for shown, full in zip(page.rows["recipient"], mask_recipient(page.rows["recipient"]), strict=True):
        assert shown == full  # the page's rows are masked already
    for masked in set(page.rows["recipient"]):
        found = messages_page(s, ReportFilter(), page=1, page_size=500, search=masked)
        assert len(found.rows) and set(found.rows["recipient"]) == {masked}


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 50), st.sampled_from(["+393366625988", "0039 3366 625988", "Promo", "ordine", "33512345678"]),
       st.sampled_from([(), ("a",), ("b",)]), st.sampled_from([(), ("IT",), ("FR", "GB")]))
def test_the_workbook_after_a_search_holds_exactly_the_matching_messages_in_every_sheet(tmp_path_factory, seed,
                                                                                       typed, lists, countries):
    s, df = account(seed)
    f = ReportFilter(date(2026, 3, 1), date(2026, 5, 31), lists, countries, period="month")
    out = tmp_path_factory.mktemp("wb") / "r.xlsx"
    write_workbook(s, f, out, search=typed)
    # by hand: the view's messages, then the search (a number in any writing, or every word in the text)
    rome = df["sent_at"].dt.tz_convert("Europe/Rome").dt.date
    view = df[(rome >= f.date_from) & (rome <= f.date_to)]
    if lists:
        view = view[view["list_id"].isin(lists)]
    if countries:
        view = view[view["country"].isin(countries)]
    digits = "".join(ch for ch in typed if ch.isdigit())
    digits = digits[2:] if digits.startswith("00") else digits
    want = matching(view, digits) if digits else view[view["text"].str.lower().str.contains(typed.lower())]
    wb = load_workbook(out)
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["Credits spent"] == want["credits"].sum()
    assert summary["Messages"] == len(want)
    msgs = list(wb["Messages"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[1] for r in msgs if r[1]) == sorted(want["message_id"])
    usage_rows = list(wb["Usage"].iter_rows(values_only=True))
    total_col = usage_rows[0].index("Total")
    assert next((r[total_col] for r in usage_rows if r[0] == "Total"), 0) == want["credits"].sum()
    by_list = list(wb["By list"].iter_rows(min_row=2, values_only=True))
    assert {r[0]: r[4] for r in by_list if r[4]} == want.groupby("list_id")["credits"].sum().to_dict()
    by_country = list(wb["By country"].iter_rows(min_row=2, values_only=True))
    assert {r[0]: r[3] for r in by_country if isinstance(r[3], int)} == \
        want.groupby("country")["credits"].sum().to_dict()
    by_campaign = list(wb["By campaign"].iter_rows(min_row=2, values_only=True))
    assert {r[0]: r[7] for r in by_campaign if isinstance(r[7], int)} == \
        want.dropna(subset=["campaign_id"]).groupby("campaign_id")["credits"].sum().to_dict()
    by_period = list(wb["Cost by period"].iter_rows(min_row=2, values_only=True))
    assert sum(r[1] for r in by_period if isinstance(r[1], int)) == want["credits"].sum()
    if digits:  # personal data: the number is named masked in the Summary and appears whole nowhere
        for ws in wb.worksheets:
            assert not any(digits in str(c).replace(" ", "") for c in cells(ws)), ws.title
        assert summary["Search in the messages"].startswith("a recipient's number (")


def test_the_page_figures_of_a_search_follow_it():
    s, df = account()
    f = ReportFilter(date(2026, 3, 1), date(2026, 5, 31), search="+39 333 111 2223")
    per_list = usage_by_list(s, f)
    want = matching(df, "393331112223")
    assert int(per_list["credits"].sum()) == want["credits"].sum() and int(per_list["messages"].sum()) == len(want)
    assert per_list["eur"].sum() == pytest.approx(float(want["credits"].sum()) * 0.05)


def test_a_report_file_is_named_after_its_view_never_after_its_search():
    s, _ = account()
    q3 = ReportFilter(date(2026, 7, 1), date(2026, 9, 30), ("a",), search="393366625988")
    assert view_file_name(s, q3) == "usage-2026-Q3-newsletter-italia.xlsx"
    assert view_file_name(s, ReportFilter(date(2026, 3, 1), date(2026, 3, 31), ("a", "b"), ("IT",)),
                          picks=["Città"]) == "usage-2026-03-newsletter-italia-avvisi-it-citta.xlsx"
    assert view_file_name(s, ReportFilter(), "csv.gz") == "usage-all.csv.gz"
