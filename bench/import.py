"""Import benchmark (issue 6): a 1M-row messages CSV, validated and recorded, with a naive baseline in the same run.

    PYTHONPATH=. .venv/bin/python bench/import.py [--rows 1000000] [--runs 3]

Baseline: pandas.read_csv, then a Python loop per row (parse the instant, check the list and the credits) and one
``send`` per row inside ``store.batch()``: what a straightforward importer does. Measured on 100,000 rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pandas as pd  # noqa: E402
from reports import synthetic  # noqa: E402

from credits_core import CreditStore  # noqa: E402
from credits_core.sources import import_file  # noqa: E402


def new_store(path: str, lists: list[str]) -> CreditStore:
    for p in (path, path + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    s = CreditStore.open(path)
    for lid in lists:
        s.add_list(lid)
    s.purchase(10**10, datetime(2020, 1, 1, tzinfo=UTC), expiring=False)
    return s


def naive(path: str, csv_path: Path, lists: list[str]) -> int:
    s = new_store(path, lists)
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    known = set(lists)
    with s.batch():
        for row in df.itertuples(index=False):
            at = datetime.fromisoformat(row.sent_at.replace("Z", "+00:00"))
            credits = int(row.credits)
            if row.list_id not in known or credits <= 0:
                raise ValueError(row)
            s.send(row.list_id, credits, at, message_id=row.message_id, country=row.country or None,
                   parts=int(row.parts) if row.parts else None, campaign_id=row.campaign_id or None)
    s.close()
    return len(df)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    df = synthetic(args.rows)
    lists = sorted(df["list_id"].unique())
    df["sent_at"] = df["sent_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    csv_path = tmp / "messages.csv"
    df.to_csv(csv_path, index=False)
    pd.DataFrame(df.iloc[:100_000]).to_csv(tmp / "small.csv", index=False)
    data = csv_path.read_bytes()
    secs = []
    for _ in range(args.runs):
        s = new_store(str(tmp / "i.duckdb"), lists)
        t0 = time.perf_counter()
        report = import_file(s, "messages", data, "messages.csv")
        secs.append(time.perf_counter() - t0)
        assert report.ok and report.written == args.rows, report.text()
        s.close()
    t0 = time.perf_counter()
    n = naive(str(tmp / "n.duckdb"), tmp / "small.csv", lists)
    base = n / (time.perf_counter() - t0)
    print(f"import of a {args.rows:,}-row messages CSV ({len(data) / 1e6:,.0f} MB), validated and recorded: "
          f"{args.rows / statistics.median(secs):,.0f} rows/s (target >= 300,000); "
          f"naive read_csv + row loop: {base:,.0f} rows/s")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"median of {args.runs} runs (baseline 1 run of 100,000 rows)")


if __name__ == "__main__":
    main()
