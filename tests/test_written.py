"""Issue 35 (input in the reader's way): an invoice written the Italian way (15/09/2026, 5.000 credits, 375,00 EUR)
is recorded as an Italian reads it; a value that reads differently two ways is refused with both readings named,
never guessed; a file is never read half one way and half the other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from credits_core import CreditStore
from credits_core.sources import import_file
from credits_core.sources.written import numeric_dates, parse_amount, whole_number

from .conftest import rome_date

ROME = ZoneInfo("Europe/Rome")


def grouped(value: Decimal, style: str) -> str:
    """``value`` written with thousands grouped and two decimals, the way ``style`` writes it (by hand, not by the
    code under test)."""
    whole, frac = f"{value:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    thousands, dec = (".", ",") if style == "it" else (",", ".")
    return thousands.join(groups) + dec + frac


def test_an_italian_invoice_is_recorded_as_an_italian_reads_it(tmp_path, now):
    day = rome_date(now) - timedelta(days=40)  # in the past whatever the clock
    other = day - timedelta(days=3)
    text = ("lot_id;purchased_at;credits;expiring;price_eur\n"
            f"F-1;{day:%d/%m/%Y};5.000;sì;375,00\n"
            f"F-2;{other:%d/%m/%Y} 10:30;12.000;si;1.234,50\n")
    with CreditStore.open(tmp_path / "it.duckdb") as s:
        report = import_file(s, "purchases", text.encode(), "fatture.csv", numbers="it", date_order="dmy")
        assert report.ok, report.text()
        lots = {r.lot_id: r for r in s.lots().itertuples()}
        assert lots["F-1"].credits == 5_000 and lots["F-2"].credits == 12_000
        assert Decimal(str(lots["F-1"].price_eur)) == Decimal("375.00")
        assert Decimal(str(lots["F-2"].price_eur)) == Decimal("1234.50")
        want_1 = datetime(day.year, day.month, day.day, tzinfo=ROME).astimezone(UTC)
        want_2 = datetime(other.year, other.month, other.day, 10, 30, tzinfo=ROME).astimezone(UTC)
        got = {r.lot_id: pd.Timestamp(r.purchased_at).tz_convert("UTC").to_pydatetime() for r in s.lots().itertuples()}
        assert got == {"F-1": want_1, "F-2": want_2}
        assert s.balance().total == 17_000


def test_without_a_number_style_a_number_that_reads_two_ways_is_refused_and_nothing_written(tmp_path):
    text = "lot_id,purchased_at,credits,expiring,price_eur\nF-1,2025-09-15,5.000,true,\"375,00\"\n"
    with CreditStore.open(tmp_path / "x.duckdb") as s:
        report = import_file(s, "purchases", text.encode(), "f.csv")
        assert not report.ok and s.balance().total == 0 and not s.controls
        ((row, column, value, why),) = report.problems
        assert (row, column, value) == (2, "credits", "5.000")
        assert "5000 the Italian way" in why and "5 the English way" in why
        # stated the English way, 5.000 is five credits and 375,00 is written the other way: refused, named
        en = import_file(s, "purchases", text.encode(), "f.csv", numbers="en", dry_run=True)
        assert [(p[1], p[3]) for p in en.problems] == [
            ("price_eur", "written the Italian way (1.234,50), where it is 375, but the file's numbers are the "
                          "English way (1,234.50)")]


def test_a_date_the_file_cannot_tell_is_refused_with_both_readings(tmp_path):
    text = "lot_id,purchased_at,credits\nF-1,03/04/2025,100\n"
    with CreditStore.open(tmp_path / "d.duckdb") as s:
        report = import_file(s, "purchases", text.encode(), "f.csv")
        assert not report.ok and not s.controls
        why = report.problems[0][3]
        assert "3 April 2025 (day first) or 4 March 2025 (month first)" in why
        both = import_file(s, "purchases", b"lot_id,purchased_at,credits\nA,15/09/2025,1\nB,09/15/2025,1\n", "f.csv")
        assert [p[3] for p in both.problems] == ["the file has dates with the day first and dates with the month "
                                                 "first"] * 2
        told = import_file(s, "purchases", text.encode(), "f.csv", date_order="mdy")
        assert told.ok and s.lots()["purchased_at"].iloc[0] == pd.Timestamp("2025-03-04", tz=ROME)
        wrong = import_file(s, "purchases", b"lot_id,purchased_at,credits\nG,15/09/2025,1\n", "f.csv",
                            date_order="mdy", dry_run=True)
        assert "no month 15" in wrong.problems[0][3] and "15 September 2025" in wrong.problems[0][3]


@given(cents=st.integers(0, 10**12), style=st.sampled_from(["it", "en"]))
@example(cents=500_000, style="it")  # 5.000,00
@example(cents=123_450, style="en")  # 1,234.50
def test_an_amount_written_one_way_reads_back_and_is_never_read_as_another(cents, style):
    value = Decimal(cents) / 100
    text = grouped(value, style)
    assert parse_amount(text, style) == (value, None)
    got, why = parse_amount(text)  # no style: the same value, or refused with a reason: never another value
    assert (got, why) == (value, None) or (got is None and why)
    bare = text[: -3]  # without the decimals: 5.000 is five thousand the Italian way
    whole, _ = whole_number(bare, style)
    assert whole == int(value)
    other, why = whole_number(bare)
    assert other == int(value) or (other is None and ("ambiguous" in why or "Italian" in why))


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), order=st.sampled_from(["dmy", "mdy"]),
       sep=st.sampled_from(["/", ".", "-"]))
@example(day=date(2026, 9, 15), order="dmy", sep="/")
@example(day=date(2026, 4, 3), order="dmy", sep="/")
def test_a_numeric_date_reads_back_in_its_order_and_is_never_read_as_another(day, order, sep):
    first, second = (day.day, day.month) if order == "dmy" else (day.month, day.day)
    text = pd.Series([f"{first:02d}{sep}{second:02d}{sep}{day.year}"])
    iso, refused, used = numeric_dates(text, order)
    assert (iso.iloc[0][:10], refused, used) == (day.isoformat(), {}, order)
    iso, refused, used = numeric_dates(text, None)  # the file alone: read as written, or refused with both readings
    if refused:
        assert day.day <= 12 and "(day first) or" in refused[0] and used is None
    else:
        assert iso.iloc[0][:10] == day.isoformat() and (day.day > 12 or day.day == day.month)


def test_the_import_command_reads_the_italian_way_when_told(tmp_path, capsys):
    from credits_core.cli import main as cli

    path = tmp_path / "fatture.csv"
    path.write_text("lot_id;purchased_at;credits;price_eur\nF-9;03/04/2025;5.000;1.234,50\n", encoding="utf-8")
    db = str(tmp_path / "c.duckdb")
    assert cli.main(["import", "--db", db, "purchases", str(path)]) == 1  # neither way said: refused, both readings
    said = capsys.readouterr().out
    assert "REJECTED" in said and "3 April 2025 (day first) or 4 March 2025" in said and "5000 the Italian way" in said
    assert cli.main(["import", "--db", db, "purchases", str(path), "--numbers", "it", "--date-order", "dmy"]) == 0
    with CreditStore.open(db, read_only=True) as s:
        lot = s.lots().iloc[0]
        assert (lot["credits"], Decimal(str(lot["price_eur"]))) == (5_000, Decimal("1234.50"))
        assert lot["purchased_at"] == pd.Timestamp("2025-04-03", tz=ROME)
