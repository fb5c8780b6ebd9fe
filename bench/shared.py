"""Shared-store benchmark (issue 9): one database file used at once by a dashboard, CLI commands and other writers.

    PYTHONPATH=. .venv/bin/python bench/shared.py [--runs 5] [--big 5000000]

Prints, each the median of ``--runs`` runs with its baseline measured in the same run:

1. CLI ``balance --json`` on a 1M-message file, wall time of the whole process (start included), while the real
   dashboard (``streamlit run``, one browser session opened, then idle) uses the file; baseline: no dashboard.
2. Refreshing a snapshot after another process wrote one event, at 1M and at ``--big`` messages: the time of the
   next ``balance()`` in the process that did not write (it notices the new token, takes its turn, reloads).
3. A single autocommitted ``send`` (an append) against a bare autocommitted DuckDB INSERT of the same row.
4. A 100,000-message CLI import while four dashboard sessions (threads of one process sharing one store, as Streamlit
   sessions do) keep re-running the Usage report's queries: the import's time and the longest wait of a page.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from credits_core import CreditStore  # noqa: E402
from credits_core.reporting import ReportFilter, messages_page, usage, usage_by_list  # noqa: E402

PY = sys.executable


def demo(path: Path, messages: int) -> None:
    if not path.exists():
        subprocess.run([PY, "-m", "credits_core", "demo", "--db", str(path), "--messages", str(messages)],
                       check=True, cwd=ROOT, capture_output=True)


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return time.perf_counter() - t


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def bench_cli_balance(db: Path, runs: int) -> None:
    cmd = [PY, "-m", "credits_core", "balance", "--db", str(db), "--json"]
    wall(cmd)  # warm the OS cache
    alone = [wall(cmd) for _ in range(runs)]
    sys.path.insert(0, str(ROOT / "tests"))
    from playwright.sync_api import sync_playwright

    from tests.conftest import running_app

    with running_app(db) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(url)
        page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
        time.sleep(1.0)  # the dashboard is now idle, its store open
        shared = [wall(cmd) for _ in range(runs)]
        page.reload()  # the dashboard still works after the CLI used its file
        page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
        browser.close()
    print(f"CLI balance --json, 1M messages, dashboard running and idle: {med(shared):.2f} s wall "
          f"(target < 1 s); no dashboard: {med(alone):.2f} s", flush=True)


WRITE_ONE = """
import sys
from datetime import UTC, datetime
from credits_core import CreditStore
with CreditStore.open(sys.argv[1]) as s:
    s.send(s.list_ids[0], 1, datetime.now(UTC))
"""


def bench_refresh(db: Path, runs: int, label: str) -> None:
    reader = CreditStore.open(db)
    reader.balance()
    times = []
    for _ in range(runs):
        before = reader.revision
        reader.release()
        subprocess.run([PY, "-c", WRITE_ONE, str(db)], check=True, cwd=ROOT, capture_output=True)
        t = time.perf_counter()
        reader.balance()
        times.append(time.perf_counter() - t)
        assert reader.revision != before
    # baseline: the same question when nobody wrote (a token check, no file access)
    t = time.perf_counter()
    for _ in range(100):
        reader.balance()
    idle = (time.perf_counter() - t) / 100
    n = reader.message_count
    reader.close()
    print(f"snapshot refresh after another process wrote one event, {label} ({n:,} messages): "
          f"{med(times) * 1000:.0f} ms (target < 100 ms); same question, nobody wrote: {idle * 1000:.2f} ms",
          flush=True)


def bench_single_send(tmp: Path, runs: int) -> None:
    path = tmp / "sends.duckdb"
    for f in tmp.glob("sends.duckdb*"):
        f.unlink()
    for f in tmp.glob("bare.duckdb*"):
        f.unlink()
    s = CreditStore.open(path)
    s.add_list("a")
    s.purchase(10**12, datetime(2026, 1, 1, tzinfo=UTC), expiring=False)
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    ours, bare = [], []
    k = 0
    con = duckdb.connect(str(tmp / "bare.duckdb"))
    con.execute("CREATE TABLE IF NOT EXISTS m (seq BIGINT, message_id VARCHAR, list_no INTEGER, sent_at TIMESTAMP, "
                "credits BIGINT, country VARCHAR, parts INTEGER, campaign_id VARCHAR, recipient VARCHAR, "
                "text VARCHAR)")
    for _ in range(runs):
        t = time.perf_counter()
        for _ in range(1000):
            k += 1
            s.send("a", 1, t0 + timedelta(seconds=k))
        ours.append(1000 / (time.perf_counter() - t))
        t = time.perf_counter()
        for _ in range(1000):
            k += 1
            con.execute("INSERT INTO m VALUES (?, ?, ?, make_timestamp(?), ?, ?, ?, ?, NULL, NULL)",
                        [k, f"msg-{k}", 0, 10**15 + k, 1, None, None, None])
        bare.append(1000 / (time.perf_counter() - t))
    con.close()
    s.close()
    print(f"single autocommitted send: {med(ours):,.0f} sends/s; bare autocommitted DuckDB INSERT, same run: "
          f"{med(bare):,.0f}/s ({med(ours) / med(bare):.0%}, target >= 50%)", flush=True)


def bench_import_under_load(db: Path, tmp: Path) -> None:
    csv = tmp / "import100k.csv"
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with open(csv, "w") as fh:
        fh.write("message_id,list_id,sent_at,credits,country\n")
        for i in range(100_000):
            fh.write(f"BENCH{i},{'newsletter' if i % 2 else 'otp'},"
                     f"{(start + timedelta(seconds=i)).isoformat()},1,IT\n")
    dash = CreditStore.open(db)  # the dashboard process: one store, four sessions
    stop = threading.Event()
    waits: list[float] = []
    failures: list[str] = []
    today = datetime.now(UTC).date()

    def session(k: int) -> None:
        f = ReportFilter(today - timedelta(days=365), today, period=["month", "week", "day", "quarter"][k])
        while not stop.is_set():
            t = time.perf_counter()
            try:
                with dash.reading():
                    usage(dash, f)
                    usage_by_list(dash, f)
                    messages_page(dash, ReportFilter(today - timedelta(days=90), today, lists=("newsletter",)))
            except Exception as exc:  # noqa: BLE001 - a failing page is what we count
                failures.append(repr(exc))
            waits.append(time.perf_counter() - t)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    time.sleep(1.0)
    t = time.perf_counter()
    out = subprocess.run([PY, "-m", "credits_core", "import", "--db", str(db), "messages", str(csv)], cwd=ROOT,
                         capture_output=True, text=True)
    import_s = time.perf_counter() - t
    time.sleep(1.0)
    stop.set()
    for th in threads:
        th.join()
    assert out.returncode == 0, out.stderr
    n_new = dash.message_count
    dash.close()
    print(f"100,000-message CLI import under 4 report-refreshing sessions: import {import_s:.1f} s; page runs "
          f"{len(waits):,}, longest wait {max(waits):.2f} s, median {med(waits) * 1000:.0f} ms, failures "
          f"{len(failures)} (store now {n_new:,} messages)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--big", type=int, default=5_000_000)
    ap.add_argument("--data", default=None, help="folder for the demo files (kept between runs)")
    args = ap.parse_args()
    tmp = Path(args.data or tempfile.mkdtemp(prefix="bench-shared-"))
    tmp.mkdir(parents=True, exist_ok=True)
    one = tmp / "demo1m.duckdb"
    big = tmp / f"demo{args.big // 1_000_000}m.duckdb"
    demo(one, 1_000_000)
    demo(big, args.big)
    bench_single_send(tmp, args.runs)
    bench_refresh(one, args.runs, "1M")
    bench_refresh(big, args.runs, f"{args.big // 1_000_000}M")
    bench_cli_balance(one, args.runs)
    bench_import_under_load(one, tmp)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"DuckDB {duckdb.__version__}, median of {args.runs} runs")


if __name__ == "__main__":
    main()
