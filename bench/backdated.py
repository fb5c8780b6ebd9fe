"""Bench: a single send's cost when messages were recorded after it (issue 31.17).

A file of N messages (default 500,000) since its last purchase; then a few messages dated in the future (a clock set
wrong, an import of scheduled sends), so every later send lands *before* recorded events and the ledger must check
that nothing after it is overdrawn (R14). Before the fix each such send replayed every message since the last
checkpoint: about 3 sends a second at 500k. Measured: the median and p99 of 200 sends now, on the same file, with
and without the future-dated messages, and a bare DuckDB INSERT into a table of N rows as the baseline.

    .venv/bin/python bench/backdated.py [--messages 500000] [--sends 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(path: Path, n: int, start: datetime) -> None:
    from credits_core import CreditStore

    with CreditStore.open(path) as s:
        s.add_list("a")
        s.purchase(10 * n + 1_000_000, start - timedelta(days=400), expiring=False)
        t = pd.date_range(start - timedelta(days=300), start - timedelta(days=1), periods=n, tz="UTC")
        s.record_messages(pd.DataFrame({"message_id": [f"m{i}" for i in range(n)], "list_id": "a", "sent_at": t,
                                        "credits": 1}))


def sends(path: Path, count: int, at: datetime) -> list[float]:
    from credits_core import CreditStore

    times = []
    with CreditStore.open(path) as s:
        for i in range(count):
            started = time.perf_counter()
            s.send("a", 1, at + timedelta(seconds=i))
            times.append(time.perf_counter() - started)
    return times


def bare_inserts(n: int, count: int) -> list[float]:
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "b.duckdb"))
        con.execute("CREATE TABLE m AS SELECT range AS seq, 'm' || range AS message_id, 1 AS credits FROM range(?)",
                    [n])
        con.execute("CHECKPOINT")
        times = []
        for i in range(count):
            started = time.perf_counter()
            con.execute("INSERT INTO m VALUES (?, ?, 1)", [n + i, f"x{i}"])
            times.append(time.perf_counter() - started)
        con.close()
    return times


def summary(times: list[float]) -> str:
    ms = np.array(times) * 1000
    median = statistics.median(ms)
    return f"median {median:.2f} ms, p99 {np.percentile(ms, 99):.2f} ms ({1000 / median:,.0f}/s)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--sends", type=int, default=200)
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"{args.messages:,} messages since the last purchase; {args.sends} single sends")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.duckdb"
        build(path, args.messages, now)
        print(f"  after every recorded message:           {summary(sends(path, args.sends, now))}")
        from credits_core import CreditStore

        with CreditStore.open(path) as s:  # a few messages dated in the future
            for i in range(3):
                s.send("a", 1, now + timedelta(days=30 + i))
        print(f"  before 3 future-dated messages:         {summary(sends(path, args.sends, now + timedelta(hours=1)))}")
    bare = summary(bare_inserts(args.messages, args.sends))
    print(f"  baseline, a bare DuckDB INSERT into {args.messages:,} rows: {bare}")


if __name__ == "__main__":
    main()
