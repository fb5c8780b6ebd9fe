"""Engine benchmark (issue 2): prints a table of medians, with a naive baseline measured in the same run.

    python bench/engine.py [--quick]

--quick uses 200k/1M messages instead of 1M/5M (for a smoke run); the README figures come from the full run.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from credits_core import CreditStore  # noqa: E402
from credits_core.reporting import select  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import LISTS, START, synthetic  # noqa: E402


def prepare(path: str, n_credits: int) -> CreditStore:
    for p in (path, path + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    s = CreditStore.open(path)
    for lid in LISTS:
        s.add_list(lid)
    s.purchase(n_credits // 10, START - timedelta(days=10), expiring=False, lot_id="N")
    for q in range(10):  # a purchase every quarter: control points that cut the history into phases
        s.purchase(n_credits // 10, START - timedelta(days=5) + timedelta(days=90 * q), lot_id=f"Q{q}")
        s.assign("list00", n_credits // 200, START - timedelta(days=4) + timedelta(days=90 * q))
    return s


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def naive_replay(df: pd.DataFrame) -> int:
    """Baseline: a plain Python loop per message over a dict ledger (what the engine avoids)."""
    pool = 10**12
    assigned = {"list00": 10**9}
    lots = [10**12]
    for lid, c in zip(df["list_id"].tolist(), df["credits"].tolist()):
        if lid in assigned:
            assigned[lid] -= c
        else:
            pool -= c
        lots[0] -= c
    return pool


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    small, big = (200_000, 1_000_000) if args.quick else (1_000_000, 5_000_000)
    runs = args.runs
    tmp = tempfile.mkdtemp(prefix="bench-engine-")
    rows = []

    def row(name, target, values, unit, baseline=None):
        med = statistics.median(values)
        rows.append((name, target, med, unit, baseline))
        print(f"{name:<55} {med:>12,.3f} {unit:<10} target {target}" + (f"  baseline {baseline}" if baseline else ""),
              flush=True)

    dfs = {n: synthetic(n) for n in (small, big)}
    # 1. record_messages into a file store
    for n, df in dfs.items():
        credits = int(df["credits"].sum()) * 2
        secs = []
        for _ in range(runs):
            s = prepare(f"{tmp}/rec{n}.duckdb", credits)
            t0 = time.perf_counter()
            s.record_messages(df)
            secs.append(time.perf_counter() - t0)
            s.close()
        base = timed(lambda df=df: naive_replay(df.iloc[:200_000]), runs)
        base_rate = 200_000 / statistics.median(base)
        row(f"record_messages {n:,} (messages/s)", ">= 1,000,000", [n / x for x in secs], "msg/s",
            f"python loop {base_rate:,.0f} msg/s (ledger only, no storage)")

    # 2. balance(at) on the big store
    big_path = f"{tmp}/rec{big}.duckdb"
    s = CreditStore.open(big_path)
    rng = np.random.default_rng(3)
    instants = [START + timedelta(seconds=int(x)) for x in rng.integers(0, 900 * 86_400, 21)]
    s.balance(instants[0])
    bal = timed(lambda: [s.balance(at) for at in instants[1:]], 1)[0] / 20
    loaded = select(s, "SELECT list_no, sent_at, credits FROM messages").df()
    base = timed(lambda: loaded[loaded["sent_at"] <= instants[5].replace(tzinfo=None)].groupby("list_no")[
        "credits"].sum(), runs)
    row(f"balance(at) past instant, {big:,} messages (ms)", "< 50 ms", [bal * 1000], "ms",
        f"pandas filter+groupby on loaded table {statistics.median(base) * 1000:,.0f} ms (load not counted)")

    # 4. one backdated message (full replay of the history after it)
    counter = iter(range(1, 10**6))

    def backdated():
        i = next(counter)
        s.send("list05", 1, START + timedelta(hours=1, seconds=i), message_id=f"late{i}")
    row(f"backdated send into {big:,} store (s)", "< 2 s", timed(backdated, runs), "s")
    t_full = timed(s.rebuild, 1)
    row(f"full rebuild of {big:,} store (s)", "(info)", t_full, "s")
    s.close()

    # 3. 10,000 single sends appended in time order
    s = prepare(f"{tmp}/sends.duckdb", 10**9)
    after = START + timedelta(days=1000)  # after every recorded event: appends
    t = [after + timedelta(seconds=10 * i) for i in range(30_000)]
    auto = timed(lambda: [s.send(LISTS[i % 12], 1, t[i], message_id=f"a{i}") for i in range(2_000)], 1)[0]
    floor_con = __import__("duckdb").connect(f"{tmp}/floor.duckdb")
    floor_con.execute("CREATE TABLE m (seq BIGINT, id VARCHAR, l INTEGER, t TIMESTAMP, c BIGINT)")
    floor = timed(lambda: [floor_con.execute("INSERT INTO m VALUES (?, ?, ?, make_timestamp(?), ?)",
                                             [i, f"x{i}", 1, 10**15 + i, 1]) for i in range(2_000)], 1)[0]
    floor_con.close()
    row("single send, autocommit each (sends/s)", "(info)", [2_000 / auto], "sends/s",
        f"bare autocommitted DuckDB INSERT, same run: {2_000 / floor:,.0f}/s")
    rounds = iter(range(1, 100))

    def batch():
        k = next(rounds)
        with s.batch():
            for i in range(10_000):
                j = 2_000 + (k - 1) * 10_000 + i
                s.send(LISTS[j % 12], 1, t[j % 30_000] + timedelta(days=5 * k), message_id=f"b{j}")
    secs = timed(batch, runs)
    row("10,000 single sends in store.batch() (sends/s)", "(info)", [10_000 / x for x in secs], "sends/s")
    s.close()

    # 5. demo --messages 1,000,000
    def demo():
        p = f"{tmp}/demo.duckdb"
        for f in (p, p + ".wal"):
            if os.path.exists(f):
                os.remove(f)
        subprocess.run([sys.executable, "-m", "credits_core", "demo", "--db", p, "--messages", "1000000"],
                       check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1])
    row("demo --messages 1,000,000 (s)", "< 30 s", timed(demo, runs), "s")

    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, median of {runs} runs")


if __name__ == "__main__":
    main()
