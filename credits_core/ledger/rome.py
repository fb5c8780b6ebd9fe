"""Time rules (R2, R3): instants are UTC; calendar questions are answered in the policy's zone (Europe/Rome).

Internally an instant is an ``int`` of microseconds since the Unix epoch (UTC). That keeps the ledger exact and
lets numpy compare millions of instants at once. This module converts at the edges:

* ``utc_us(value, name)`` refuses naive datetimes (R2) and returns microseconds;
* ``expires_on(purchased_at)`` is the local calendar date of the purchase plus the validity (29 Feb -> 28 Feb, R3);
* ``expiry_instant_us(date)`` is 00:00 local time on that date, as a UTC instant (R3, E4).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd

from credits_core.ledger.errors import CreditsError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ROME = "Europe/Rome"


def utc_us(value: datetime | pd.Timestamp, name: str = "at") -> int:
    """Microseconds since the epoch for a tz-aware datetime. Naive or non-datetime values are refused (R2)."""
    if isinstance(value, pd.Timestamp):
        if value.tz is None:
            raise CreditsError(f"{name}={value!s} is a naive datetime; give a time zone (for example UTC)")
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        raise CreditsError(f"{name}={value!r} is not a datetime")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise CreditsError(f"{name}={value.isoformat()} is a naive datetime; give a time zone (for example UTC)")
    delta = value.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    """The UTC datetime of an instant in microseconds."""
    return EPOCH + timedelta(microseconds=int(us))


def now_us() -> int:
    return utc_us(datetime.now(UTC))


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(us: int, tz: str = ROME) -> date:
    """The calendar date of an instant in the zone ``tz``."""
    return from_us(us).astimezone(zone(tz)).date()


def add_years(d: date, years: int) -> date:
    """``d`` plus whole years; 29 February becomes 28 February in a non-leap year (R3, E6)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def expires_on(purchased_us: int, years: int = 2, tz: str = ROME) -> date:
    """R3: the local date of the purchase plus the validity."""
    return add_years(local_date(purchased_us, tz), years)


@lru_cache(maxsize=4096)
def expiry_instant_us(d: date, tz: str = ROME) -> int:
    """R3: a lot with ``expires_on = d`` expires at 00:00 local time on ``d`` (midnight exists on every DST day)."""
    return utc_us(datetime(d.year, d.month, d.day, tzinfo=zone(tz)))


def local_midnight_us(d: date, tz: str = ROME) -> int:
    """00:00 local time on ``d`` as a UTC instant (the start of a local calendar day)."""
    return expiry_instant_us(d, tz)


def rome_instant(wall: datetime, name: str = "at") -> datetime:
    """A Rome wall-clock time (naive) as an aware instant. A time the clock skips (02:30 on the last Sunday of
    March) or shows twice (02:30 on the last Sunday of October) is refused, naming both readings: never read as the
    hour before or the first of the two, silently (R2)."""
    z = zone(ROME)
    first, second = wall.replace(tzinfo=z, fold=0), wall.replace(tzinfo=z, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    if first.astimezone(UTC).astimezone(z).replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise CreditsError(f"{name}={wall:%Y-%m-%d %H:%M} does not exist in Rome (the clocks go forward that night): "
                           f"give an offset, for example {wall:%Y-%m-%dT%H:%M}+01:00")
    raise CreditsError(f"{name}={wall:%Y-%m-%d %H:%M} happens twice in Rome (the clocks go back that night): give "
                       f"its offset, {wall:%Y-%m-%dT%H:%M}+02:00 (the first) or +01:00 (the second)")


def fmt_local(us: int, tz: str = ROME) -> str:
    """A human label of an instant in local time, with the zone abbreviation (CET/CEST)."""
    return from_us(us).astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M %Z")


def rome_today() -> date:
    """Today on the Rome calendar (the wall clock, or the clock a test froze)."""
    return local_date(now_us())
