"""Drill-down search benchmark (issue 12): one page of the messages of a quarter (all lists) matching a search, on
an existing demo database, against the naive way (the quarter's messages loaded into pandas and filtered there).

    PYTHONPATH=. .venv/bin/python bench/search.py --db demo10m.duckdb [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from credits_core import CreditStore
from credits_core.ledger import rome_today
from credits_core.reporting import (
    ReportFilter,
    message_where,
    messages_page,
    preset_range,
    select,  # noqa: E402
)


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    lo, hi = preset_range("last_quarter", rome_today())
    q = ReportFilter(lo, hi)
    with CreditStore.open(args.db, read_only=True) as s, s.reading():
        where, params = message_where(s, q)
        rows = select(s, f"SELECT count(*) FROM messages WHERE {where}", params).fetchall()[0][0]
        some_id = select(s, f"SELECT message_id FROM messages WHERE {where} LIMIT 1 OFFSET 1000", params).fetchall()
        for what, term in (("recipient digits", "4567"), ("words of the text", "sconto weekend"),
                           ("message id", some_id[0][0] if some_id else "none")):
            ms = median_ms(lambda t=term: messages_page(s, q, search=t), args.runs)
            print(f"search by {what:<20}{ms:8.1f} ms  (target 300 ms)")

        def naive():
            df = select(s, f"SELECT * FROM messages WHERE {where}", params).df()
            hit = (df["recipient"].str.contains("4567", regex=False)
                   | df["text"].str.lower().str.contains("sconto", regex=False))
            return df[hit].sort_values("sent_at").head(100)

        print(f"naive: the quarter in pandas, filtered{median_ms(naive, 3):8.0f} ms")
    print(f"{rows:,} messages in {lo} .. {hi}, median of {args.runs} runs")


if __name__ == "__main__":
    main()
