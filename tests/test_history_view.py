"""Issue 32: bad History links were dropped silently and stayed in the address bar after the page fell back."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from credits_core.reporting import HistoryView, parse_history_view

KINDS = ["assign", "expiry", "extension", "purchase", "shared"]
LISTS = ["a", "b", "promo"]
SPAN = (date(2024, 6, 1), date(2026, 12, 6))


def test_every_value_the_page_cannot_use_is_named_and_left_out():
    v = parse_history_view({"kind": ["purchase", "bogus"], "list": ["a", "<script>"], "from": ["2026-13-45"],
                            "to": ["2026-01-31"]}, KINDS, LISTS, SPAN)
    assert (v.kinds, v.lists, v.date_from, v.date_to) == (("purchase",), ("a",), None, date(2026, 1, 31))
    said = " ".join(v.notices)
    assert "'bogus'" in said and "'<script>'" in said and "'2026-13-45' is not a date" in said
    assert v.to_params() == {"kind": ["purchase"], "list": ["a"], "to": "2026-01-31"}  # the link written back


def test_reversed_dates_and_dates_beyond_the_events_are_said():
    v = parse_history_view({"from": ["2026-03-01"], "to": ["2026-02-01"]}, KINDS, LISTS, SPAN)
    assert (v.date_from, v.date_to) == (date(2026, 2, 1), date(2026, 3, 1)) and "reversed" in v.notices[0]
    w = parse_history_view({"from": ["0001-01-01"], "to": ["9999-12-31"]}, KINDS, LISTS, SPAN)
    assert (w.date_from, w.date_to) == (None, None) and "beyond the events" in w.notices[0]
    assert w.bounds(*SPAN) == SPAN


@given(st.builds(HistoryView, st.lists(st.sampled_from(KINDS), unique=True).map(tuple),
                 st.lists(st.sampled_from(LISTS), unique=True).map(tuple),
                 st.none() | st.dates(date(2024, 6, 2), date(2025, 6, 1)),
                 st.none() | st.dates(date(2025, 6, 2), date(2026, 12, 5))))
def test_a_link_reads_back_as_the_same_view(v):
    back = parse_history_view({k: ([x] if isinstance(x, str) else x) for k, x in v.to_params().items()}, KINDS,
                              LISTS, SPAN)
    assert back == v and back.notices == ()
