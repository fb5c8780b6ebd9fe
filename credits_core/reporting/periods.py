"""Calendar ranges for reports: presets (this month, last quarter, ...), the periods a range covers only in part, and
the ranges to compare a range with (the previous calendar period of the same kind, the same period last year).

Every date is a Europe/Rome calendar date (R2); both ends of a range are included.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, timedelta

from credits_core.language import Words, words


def N_(message: str) -> str:  # noqa: N802 (a message marked for the catalogs, translated where it is shown)
    return message


PRESETS = {  # the presets' names in English; a page shows them with ``Words.t``
    "this_month": N_("This month"),
    "last_month": N_("Last month"),
    "this_quarter": N_("This quarter"),
    "last_quarter": N_("Last quarter"),
    "ytd": N_("Year to date"),
    "last_year": N_("Last year"),
    "last_12_months": N_("Last 12 full months"),
    "custom": N_("Custom"),
}


def month_end(d: date) -> date:
    return d.replace(day=_cal.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), clamped to the month's end (31 Mar - 1 month = 28 Feb)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The dates a preset covers as of ``today`` ("this ..." ranges end today)."""
    first = today.replace(day=1)
    if preset == "this_month":
        return first, today
    if preset == "last_month":
        lo = add_months(first, -1)
        return lo, month_end(lo)
    if preset == "this_quarter":
        return quarter_start(today), today
    if preset == "last_quarter":
        lo = add_months(quarter_start(today), -3)
        return lo, month_end(add_months(lo, 2))
    if preset == "ytd":
        return date(today.year, 1, 1), today
    if preset == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if preset == "last_12_months":
        return add_months(first, -12), first - timedelta(days=1)
    raise ValueError(f"preset {preset!r} has no fixed range; use one of {', '.join(PRESETS)}")


def preset_of(lo: date, hi: date, today: date) -> str:
    """The preset a range is (so a link with plain dates still shows its preset), else 'custom'."""
    for p in PRESETS:
        if p != "custom" and preset_range(p, today) == (lo, hi):
            return p
    return "custom"


@dataclass(frozen=True)
class Comparison:
    """A range to compare with, and how to name it."""

    lo: date
    hi: date
    label: str  # "Q2 2026", "October 2026", "1-28 Oct 2026", "previous 30 days"
    kind: str  # "previous" | "last_year"


def _months_spanned(lo: date, hi: date) -> int | None:
    """How many whole calendar months [lo, hi] is, or None when it is not whole months."""
    if lo.day != 1 or hi != month_end(hi):
        return None
    return (hi.year - lo.year) * 12 + hi.month - lo.month + 1


def describe(lo: date, hi: date, w: Words | None = None) -> str:
    """A range in words, in ``w``'s language (English by default): "Q3 2026", "October 2026", "2025", "Jan-Mar 2026",
    "1-28 Nov 2026", "3 Mar - 2 Apr 2026" (Italian: "T3 2026", "ottobre 2026", "gen-mar 2026", "1-28 nov 2026")."""
    w = w or words()
    months = _months_spanned(lo, hi)
    if months == 1:
        return w.month_long(lo)
    if months == 3 and lo.month in (1, 4, 7, 10):
        return w.quarter(lo)
    if months == 12 and lo.month == 1:
        return str(lo.year)
    if months:
        return f"{w.month(lo)} - {w.month(hi)}" if lo.year != hi.year else f"{w.month_abbr(lo)}-{w.month(hi)}"
    if (lo.year, lo.month) == (hi.year, hi.month):
        return f"{lo.day}-{hi.day} {w.month(lo)}"
    return f"{w.day_short(lo)} - {w.day_short(hi)}" if lo.year != hi.year else \
        f"{lo.day} {w.month_abbr(lo)} - {w.day_short(hi)}"


def comparison_words(c: Comparison, w: Words | None = None) -> str:
    """A compared range's name in ``w``'s language (``Comparison.label`` is the English one)."""
    w = w or words()
    if c.label.startswith("previous "):
        return w.t("previous {days} days ({range})", days=(c.hi - c.lo).days + 1, range=describe(c.lo, c.hi, w))
    return describe(c.lo, c.hi, w)


def comparisons(lo: date, hi: date, preset: str | None = None) -> tuple[Comparison, Comparison]:
    """The previous calendar period of the same kind and the same period last year.

    Whole months compare with as many months before (Q3 with Q2, a month with the month before, a year with the
    year before); a range from the first of a month to a later day of it ("this month" so far) with the same days of
    the month before; a range from the first of a quarter or a year to a day in it (so far) with the same span of
    the quarter or year before (``preset`` tells "this quarter" from "year to date" in January to March); any other
    range with the days of equal number just before it.
    """
    # a period so far compares with the same span of the period before, also on the last day of a month, when the
    # range happens to be whole months (year to date on 30 November is not "11 months": it is 1 Jan - 30 Nov)
    so_far = {"this_month": 1, "this_quarter": 3, "ytd": 12}.get(preset or "")
    months = _months_spanned(lo, hi)
    if so_far:
        prev = _shifted(lo, hi, so_far, "previous")
    elif months:
        p_lo, p_hi = add_months(lo, -months), lo - timedelta(days=1)
        prev = Comparison(p_lo, p_hi, describe(p_lo, p_hi), "previous")
    elif lo.day == 1 and (hi.year, hi.month) == (lo.year, lo.month):
        prev = _shifted(lo, hi, 1, "previous")
    elif lo == quarter_start(lo) and hi < add_months(lo, 3) and (lo.month != 1 or preset == "this_quarter"):
        prev = _shifted(lo, hi, 3, "previous")
    elif lo == date(lo.year, 1, 1) and hi.year == lo.year:
        prev = _shifted(lo, hi, 12, "previous")
    else:
        days = (hi - lo).days + 1
        p_lo, p_hi = lo - timedelta(days=days), lo - timedelta(days=1)
        prev = Comparison(p_lo, p_hi, f"previous {days} days ({describe(p_lo, p_hi)})", "previous")
    return prev, _shifted(lo, hi, 12, "last_year")


def _shifted(lo: date, hi: date, months: int, kind: str) -> Comparison:
    p_lo = add_months(lo, -months)
    p_hi = month_end(add_months(hi, -months)) if hi == month_end(hi) else add_months(hi, -months)
    return Comparison(p_lo, p_hi, describe(p_lo, p_hi), kind)


def period_end(period_start: date, period: str) -> date:
    """The last day of the period (day, week, month, quarter, year) that starts on ``period_start``."""
    if period == "day":
        return period_start
    if period == "week":
        return period_start + timedelta(days=6)
    if period == "month":
        return month_end(period_start)
    if period == "quarter":
        return month_end(add_months(period_start, 2))
    return date(period_start.year, 12, 31)


def coverage(lo: date, hi: date, period: str, period_start: date) -> tuple[int, int]:
    """(days of the period inside [lo, hi], days of the period): (3, 30) for a month the range covers from the 28th."""
    if period == "day":
        return 1, 1
    end = period_end(period_start, period)
    total = (end - period_start).days + 1
    inside = (min(end, hi) - max(period_start, lo)).days + 1
    return max(inside, 0), total
