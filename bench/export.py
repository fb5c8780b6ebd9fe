"""Bench: exports of a year at scale (issue 21). Each run is a fresh interpreter, so its peak memory (max RSS) is
the export's own.

    .venv/bin/python bench/export.py --db data/demo-1m.duckdb [--runs 3]

Measures, for the last 12 full months of the demo: the summary workbook (no messages), the full workbook (every
message), and the messages as CSV.gz, each written by an ``ExportJob`` (the dashboard's worker) to a file; beside
them, in the same run, the way the page did it before issue 21: the same workbook written in the script run and
then read whole into memory (``st.session_state``) for the download.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one(db: str, mode: str) -> dict:
    from credits_core import CreditStore
    from credits_core.exports import ExportJob, write_workbook
    from credits_core.ledger import rome_today
    from credits_core.reporting import ReportFilter, count_messages, preset_range

    lo, hi = preset_range("last_12_months", rome_today())
    f = ReportFilter(lo, hi, period="month")
    with CreditStore.open(db, read_only=True) as s:
        n = count_messages(s, f)
    start = time.perf_counter()
    if mode == "before":
        import tempfile

        with CreditStore.open(db, read_only=True) as s, tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            write_workbook(s, f, tmp.name, preset="last_12_months")
            held = open(tmp.name, "rb").read()  # what the page kept in the session
            size = len(held)
    else:
        kind = "csv.gz" if mode == "csv.gz" else "xlsx"
        job = ExportJob(db, f, kind, with_messages=mode != "summary", preset="last_12_months", total=n)
        while job.running:
            time.sleep(0.05)
        assert job.ready, job.status()
        size = job.path.stat().st_size
        job.remove()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"messages": n, "seconds": seconds, "mb": size / 1e6, "peak_mb": peak}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--one", default=None)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.db, args.one)))
        return
    print(f"{args.db}: the last 12 full months; median of {args.runs} fresh processes each")
    for mode in ("summary", "xlsx", "csv.gz", "before"):
        runs = [json.loads(subprocess.run([sys.executable, __file__, "--db", args.db, "--one", mode], check=True,
                                          capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()[-1])
                for _ in range(args.runs)]
        med = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "mb", "peak_mb")}
        label = {"summary": "summary workbook (no messages), worker to file",
                 "xlsx": "full workbook, worker to file", "csv.gz": "messages as CSV.gz, worker to file",
                 "before": "full workbook in the script run, then held in memory (before issue 21)"}[mode]
        print(f"{label}: {runs[0]['messages']:,} messages, {med['seconds']:.1f} s, {med['mb']:.1f} MB file, "
              f"peak RSS {med['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
