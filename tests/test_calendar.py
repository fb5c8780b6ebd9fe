"""R2, R3: Rome calendar, DST, leap days."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from credits_core import CreditsError
from credits_core.calendar import add_years, expires_on, expiry_instant_us, from_us, local_date, utc_us


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
