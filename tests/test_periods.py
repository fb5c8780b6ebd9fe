"""Calendar presets and comparisons (issue 12): Q3 compares with Q2, not with the previous 92 days."""

from datetime import date

import pytest

from credits_core.reporting import PRESETS, comparisons, coverage, preset_of, preset_range

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize("preset, lo, hi, previous, last_year", [
    ("this_month", date(2026, 11, 1), TODAY, (date(2026, 10, 1), date(2026, 10, 28)),
     (date(2025, 11, 1), date(2025, 11, 28))),
    ("last_month", date(2026, 10, 1), date(2026, 10, 31), (date(2026, 9, 1), date(2026, 9, 30)),
     (date(2025, 10, 1), date(2025, 10, 31))),
    ("this_quarter", date(2026, 10, 1), TODAY, (date(2026, 7, 1), date(2026, 8, 28)),
     (date(2025, 10, 1), date(2025, 11, 28))),
    ("last_quarter", date(2026, 7, 1), date(2026, 9, 30), (date(2026, 4, 1), date(2026, 6, 30)),
     (date(2025, 7, 1), date(2025, 9, 30))),
    ("ytd", date(2026, 1, 1), TODAY, (date(2025, 1, 1), date(2025, 11, 28)), (date(2025, 1, 1), date(2025, 11, 28))),
    ("last_year", date(2025, 1, 1), date(2025, 12, 31), (date(2024, 1, 1), date(2024, 12, 31)),
     (date(2024, 1, 1), date(2024, 12, 31))),
    ("last_12_months", date(2025, 11, 1), date(2026, 10, 31), (date(2024, 11, 1), date(2025, 10, 31)),
     (date(2024, 11, 1), date(2025, 10, 31))),
])
def test_presets_and_what_they_compare_with(preset, lo, hi, previous, last_year):
    assert preset_range(preset, TODAY) == (lo, hi)
    assert preset_of(lo, hi, TODAY) == preset
    prev, ly = comparisons(lo, hi, preset)
    assert (prev.lo, prev.hi) == previous
    assert (ly.lo, ly.hi) == last_year


def test_names_of_ranges_and_other_ranges():
    prev, _ = comparisons(date(2026, 7, 1), date(2026, 9, 30))
    assert prev.label == "Q2 2026"
    prev, ly = comparisons(date(2026, 3, 5), date(2026, 4, 3))
    assert (prev.lo, prev.hi) == (date(2026, 2, 3), date(2026, 3, 4)) and "previous 30 days" in prev.label
    assert (ly.lo, ly.hi) == (date(2025, 3, 5), date(2025, 4, 3))
    _, ly = comparisons(date(2024, 2, 1), date(2024, 2, 29))  # a leap February against the month a year before
    assert (ly.lo, ly.hi) == (date(2023, 2, 1), date(2023, 2, 28))
    assert preset_of(date(2026, 3, 5), date(2026, 4, 3), TODAY) == "custom"
    assert "custom" in PRESETS


def test_partial_periods_are_counted_in_days():
    assert coverage(date(2025, 11, 28), TODAY, "month", date(2025, 11, 1)) == (3, 30)
    assert coverage(date(2025, 11, 28), TODAY, "month", date(2026, 2, 1)) == (28, 28)
    assert coverage(date(2026, 7, 1), date(2026, 8, 15), "quarter", date(2026, 7, 1)) == (46, 92)
    assert coverage(date(2026, 11, 25), TODAY, "week", date(2026, 11, 23)) == (4, 7)


@pytest.mark.parametrize("preset, previous, last_year", [
    ("ytd", (date(2025, 1, 1), date(2025, 11, 30)), (date(2025, 1, 1), date(2025, 11, 30))),
    ("this_quarter", (date(2026, 7, 1), date(2026, 8, 31)), (date(2025, 10, 1), date(2025, 11, 30))),
    ("this_month", (date(2026, 10, 1), date(2026, 10, 31)), (date(2025, 11, 1), date(2025, 11, 30))),
])
def test_a_period_so_far_on_a_month_end_compares_like_with_like(preset, previous, last_year):
    """Issue 23: on 30 November year to date was compared with Feb-Dec 2025 and this quarter with Aug-Sep 2026
    (the ranges were whole months, so they were taken as "the months before")."""
    lo, hi = preset_range(preset, date(2026, 11, 30))
    prev, ly = comparisons(lo, hi, preset)
    assert ((prev.lo, prev.hi), (ly.lo, ly.hi)) == (previous, last_year)
