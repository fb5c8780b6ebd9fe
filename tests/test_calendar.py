"""R2, R3: Rome calendar, DST, leap days."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from credits_core import CreditsError
from credits_core.ledger import add_years, expires_on, expiry_instant_us, from_us, local_date, utc_us


def test_naive_refused_with_argument_name():
    with pytest.raises(CreditsError, match="sent_at"):
        utc_us(datetime(2024, 1, 1), "sent_at")


def test_offsets_normalised_to_utc():
    plus2 = timezone(timedelta(hours=2))
    assert utc_us(datetime(2024, 6, 1, 2, tzinfo=plus2)) == utc_us(datetime(2024, 6, 1, tzinfo=UTC))
    assert from_us(utc_us(datetime(2024, 6, 1, 12, 30, 1, 5, tzinfo=UTC))) == datetime(2024, 6, 1, 12, 30, 1, 5,
                                                                                         tzinfo=UTC)


def test_rome_date_and_expiry_instants():
    assert local_date(utc_us(datetime(2025, 3, 31, 22, 30, tzinfo=UTC))) == date(2025, 4, 1)
    assert expires_on(utc_us(datetime(2024, 3, 30, 23, 30, tzinfo=UTC))) == date(2026, 3, 31)
    # winter (CET, +1) and summer (CEST, +2) midnights
    assert from_us(expiry_instant_us(date(2026, 1, 15))) == datetime(2026, 1, 14, 23, tzinfo=UTC)
    assert from_us(expiry_instant_us(date(2026, 7, 15))) == datetime(2026, 7, 14, 22, tzinfo=UTC)
    # the DST change days themselves
    assert from_us(expiry_instant_us(date(2026, 3, 29))) == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert from_us(expiry_instant_us(date(2026, 10, 25))) == datetime(2026, 10, 24, 22, tzinfo=UTC)


def test_leap_years():
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2023, 12, 31), 2) == date(2025, 12, 31)


@pytest.mark.parametrize("wall, says", [("2026-03-29T02:30", "does not exist in Rome"),
                                        ("2026-10-25T02:30", "happens twice in Rome")])
def test_a_rome_time_that_does_not_exist_or_happens_twice_is_refused_everywhere(wall, says, tmp_path):
    """Issue 31.16: `balance --at 2026-03-29T02:30` was read silently as 01:30Z, and the ambiguous 02:30 of 25
    October as its first occurrence, while the importer refused both."""
    import subprocess
    import sys

    from credits_core import CreditStore
    from credits_core.ledger import rome_instant
    from credits_core.sources import import_file

    with pytest.raises(CreditsError, match=says):
        rome_instant(datetime.fromisoformat(wall))
    assert rome_instant(datetime(2026, 3, 29, 3, 30)).utcoffset() == timedelta(hours=2)
    db = tmp_path / "x.duckdb"
    with CreditStore.open(db) as s:
        s.add_list("a")
        report = import_file(s, "purchases", f"lot_id,purchased_at,credits\nL1,{wall},100\n".encode(), "p.csv")
        assert not report.ok and "ambiguous or non-existent Rome local time" in report.text()
    out = subprocess.run([sys.executable, "-m", "credits_core", "balance", "--db", str(db), "--at", wall],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and says in out.stderr
