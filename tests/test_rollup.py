"""The daily rollup written with a batch of messages (its Rome days computed by numpy, journal.rome_days) equals the
rollup computed by SQL from the stored messages (ROME_DAY, DuckDB's ICU time zones), across daylight-saving changes,
with single sends waiting to be folded before the batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from credits_core import CreditStore
from credits_core.reporting import select
from credits_core.storage import ROLLUP_SELECT, rome_days

from .conftest import T

# instants within a day of the Rome DST changes of 2025 and of midnights, where a wrong offset moves the day
EDGES = [datetime(2025, 3, 29, 23, 0, tzinfo=UTC), datetime(2025, 3, 30, 0, 30, tzinfo=UTC),
         datetime(2025, 10, 25, 21, 59, tzinfo=UTC), datetime(2025, 10, 26, 22, 30, tzinfo=UTC),
         datetime(2025, 6, 30, 22, 0, tzinfo=UTC), datetime(2025, 12, 31, 23, 0, tzinfo=UTC)]
INSTANTS = st.builds(lambda e, s: e + timedelta(seconds=s), st.sampled_from(EDGES), st.integers(-7200, 7200))


def test_rome_days_match_the_calendar():
    t = [int(T(x).timestamp() * 1_000_000) for x in ("2025-03-29T23:00:00", "2025-03-29T22:59:59",
                                                       "2025-10-25T22:00:00", "2025-10-25T21:59:59")]
    assert [str(d) for d in rome_days(np.array(t))] == ["2025-03-30", "2025-03-29", "2025-10-26", "2025-10-25"]


@settings(max_examples=30, deadline=None)
@given(st.lists(INSTANTS, min_size=1, max_size=40), st.lists(INSTANTS, max_size=5))
def test_a_batch_rollup_equals_the_sql_rollup(batch, singles):
    s = CreditStore.open(":memory:")
    try:
        s.add_list("A")
        s.add_list("B")
        s.purchase(10_000, T("2025-01-01T00:00:00"))
        for i, at in enumerate(sorted(singles)):  # waiting to be folded when the batch comes
            s.send("A", 1, at, message_id=f"s{i}", country="IT")
        s.record_messages(pd.DataFrame({
            "message_id": [f"b{i}" for i in range(len(batch))], "list_id": ["A" if i % 2 else "B" for i in
                                                                          range(len(batch))],
            "sent_at": batch, "credits": [1 + i % 3 for i in range(len(batch))],
            "country": ["IT" if i % 3 else "FR" for i in range(len(batch))],
            "parts": pd.array([None if i % 4 == 0 else 1 + i % 2 for i in range(len(batch))], "Int64"),
            "campaign_id": [None if i % 2 else "c1" for i in range(len(batch))]}))
        cols = "day, list_no, country, campaign_id, messages, parts, credits"
        stored = select(s, f"SELECT {cols} FROM (SELECT day, list_no, country, campaign_id, sum(messages) AS "
                           f"messages, sum(parts) AS parts, sum(credits) AS credits FROM daily_usage GROUP BY ALL) "
                           f"ORDER BY ALL").fetchall()
        fresh = select(s, f"SELECT {cols} FROM ({ROLLUP_SELECT} GROUP BY ALL) ORDER BY ALL").fetchall()
        assert stored == fresh
    finally:
        s.close()


OFFSETS = st.integers(0, 40 * 86_400)  # seconds after the purchase: six weeks of messages


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(OFFSETS, st.integers(1, 5)), min_size=1, max_size=30),
       st.lists(st.tuples(OFFSETS, st.integers(1, 5)), max_size=10),
       st.lists(OFFSETS, min_size=1, max_size=8))
def test_balances_of_the_past_count_every_message_up_to_the_instant(batch, singles, asked):
    """Balance at a past instant = the purchase less every message at or before it, whether it was recorded in bulk
    (and folded into the rollup) or sent singly after the batch (waiting to be folded), at any time of day."""
    start = T("2025-03-01T10:00:00")
    s = CreditStore.open(":memory:")
    try:
        s.add_list("A")
        s.purchase(100_000, start - timedelta(hours=1))
        s.record_messages(pd.DataFrame({"message_id": [f"b{i}" for i in range(len(batch))], "list_id": "A",
                                        "sent_at": [start + timedelta(seconds=x) for x, _ in batch],
                                        "credits": [c for _, c in batch]}))
        for i, (x, c) in enumerate(singles):
            s.send("A", c, start + timedelta(seconds=x), message_id=f"s{i}")
        spent = batch + singles
        for x in asked:
            at = start + timedelta(seconds=x)
            assert s.balance(at).unassigned == 100_000 - sum(c for y, c in spent if y <= x), at
    finally:
        s.close()
