"""Reports benchmark (issue 3): prints a table of medians, with a pandas-only baseline measured in the same run.

    PYTHONPATH=. .venv/bin/python bench/reports.py [--sizes 1000000 10000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine import LISTS, START, prepare, timed  # noqa: E402

from credits_core.exports import copy_messages_csv, write_workbook  # noqa: E402
from credits_core.reporting import (  # noqa: E402
    ReportFilter,
    count_messages,
    iter_messages,
    messages_page,
    select,  # noqa: E402
    usage,
)

COUNTRIES = np.array(["IT"] * 17 + ["FR", "DE", "ES"])


def synthetic(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.integers(0, 900 * 86_400_000_000, n)) + int(START.timestamp() * 1_000_000)
    lists = rng.integers(0, len(LISTS), n)
    # campaigns are bursts: one per list per week (a random campaign per message would defeat any rollup)
    camp = lists * 1000 + (t - t[0]) // (7 * 86_400_000_000)
    return pd.DataFrame({
        "message_id": "M" + pd.Series(np.arange(n)).astype(str),
        "list_id": np.array(LISTS)[lists],
        "sent_at": pd.to_datetime(t, unit="us", utc=True),
        "credits": rng.integers(1, 4, n),
        "country": COUNTRIES[rng.integers(0, len(COUNTRIES), n)],
        "parts": rng.integers(1, 3, n).astype("int32"),
        "campaign_id": "C" + pd.Series(camp).astype(str),
        "recipient": "+39" + pd.Series(rng.integers(3_200_000_000, 3_499_999_999, n)).astype(str),
        "text": np.array(["Saldi di fine stagione: -30% su tutto il catalogo fino a domenica.",
                          "Il tuo codice di verifica è 482913."])[camp % 2],
    })


def bench_size(n: int, args: argparse.Namespace, tmp: str, row, first: bool) -> None:
    df = synthetic(n)
    path = f"{tmp}/r{n}.duckdb"
    s = prepare(path, int(df["credits"].sum()) * 2)
    s.record_messages(df)
    del df

    f_all = ReportFilter(period="month")
    usage(s, f_all)
    ours = timed(lambda: usage(s, f_all), args.runs)
    loaded = select(s, "SELECT list_no, sent_at, credits FROM messages").df()

    def pandas_report():
        rome = loaded["sent_at"].dt.tz_localize("UTC").dt.tz_convert("Europe/Rome")
        month = rome.dt.tz_localize(None).dt.to_period("M")
        return loaded.groupby([month, "list_no"])["credits"].sum()

    base = timed(pandas_report, 3)
    ratio = statistics.median(base) / statistics.median(ours)
    row(f"[{n:,}] temporal report by month, all lists, all history (ms)", "< 50 ms",
        statistics.median(ours) * 1000, "ms",
        f"pandas groupby on the loaded table {statistics.median(base) * 1000:,.0f} ms: {ratio:,.0f}x faster")

    end = (START + timedelta(days=900)).date()
    f_drill = ReportFilter(end - timedelta(days=89), end, lists=("list03",))
    messages_page(s, f_drill, page=50, page_size=100)
    drill = timed(lambda: messages_page(s, f_drill, page=50, page_size=100), args.runs)
    row(f"[{n:,}] drill-down, one list, 90 days, page 50 of 100 rows (ms)", "< 50 ms",
        statistics.median(drill) * 1000, "ms")

    t_csv = timed(lambda: copy_messages_csv(s, ReportFilter(), Path(f"{tmp}/m.csv")), 3)
    row(f"[{n:,}] CSV export of all messages (rows/s)", ">= 500,000", n / statistics.median(t_csv), "rows/s")

    if first:
        # Excel speed on a slice of args.excel_rows messages, against DataFrame.to_excel on the same rows
        k = args.excel_rows
        days = max(1, int(900 * k / n))
        f_x = ReportFilter(START.date(), START.date() + timedelta(days=days - 1))
        rows = count_messages(s, f_x)
        t_x = timed(lambda: write_workbook(s, f_x, f"{tmp}/x.xlsx"), 3)
        frame = pd.concat(list(iter_messages(s, f_x)))
        t_pd = timed(lambda: frame.to_excel(f"{tmp}/pd.xlsx", index=False, engine="openpyxl"), 1)
        row(f"[{n:,}] Excel workbook with {rows:,} messages (rows/s)", ">= 20,000",
            rows / statistics.median(t_x), "rows/s",
            f"DataFrame.to_excel(openpyxl) same rows: {rows / t_pd[0]:,.0f} rows/s")
        s.close()
        # peak RSS from VmHWM: ru_maxrss would carry over the size of this (large) parent across fork+exec
        code = ("import sys; sys.path.insert(0, sys.argv[2]);"
                "from credits_core import CreditStore; from credits_core.exports.workbook import write_workbook;"
                "from credits_core.reporting.reports import ReportFilter;"
                "s = CreditStore.open(sys.argv[1], read_only=True);"
                "write_workbook(s, ReportFilter(), sys.argv[1] + '.xlsx');"
                "print([int(x.split()[1]) // 1024 for x in open('/proc/self/status') if x.startswith('VmHWM')][0])")
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code, path, str(ROOT)], capture_output=True, text=True,
                             check=True)
        secs = time.perf_counter() - t0
        row(f"[{n:,}] Excel workbook of all {n:,} messages: peak memory (MB)", "< 500 MB",
            float(out.stdout.strip()), "MB", f"({n / secs:,.0f} rows/s including start-up)")
    else:
        s.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--excel-rows", type=int, default=100_000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-reports-")

    def row(name, target, value, unit, baseline=""):
        print(f"{name:<62} {value:>12,.1f} {unit:<7} target {target}  {baseline}", flush=True)

    for n in args.sizes:
        bench_size(n, args, tmp, row, first=n == args.sizes[0])

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"median of {args.runs} runs (baselines 3, to_excel 1)")


if __name__ == "__main__":
    main()
