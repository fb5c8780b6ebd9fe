"""Forecast benchmark: the expiry preview over the full horizon (up to the last expiry of every credit held, about
two years) with 3 what-if changes on a 5M-message store.

    PYTHONPATH=. .venv/bin/python bench/forecast.py [--messages 5000000] [--runs 5]

The figure is the whole comparison a manager asks for: the baseline preview (projection from the last 90 days),
the scenario with three changes (a purchase, a new limit, an extra campaign), and the side-by-side table.
A naive baseline in the same run: the same question answered by rebuilding the whole ledger in memory from every
event (what a tool without checkpoints has to do), once per preview.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine import LISTS, START, prepare, synthetic  # noqa: E402

from credits_core import ledger  # noqa: E402
from credits_core.ledger import State, utc_us  # noqa: E402
from credits_core.planning import Scenario, compare, preview  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-forecast-")
    df = synthetic(args.messages)
    s = prepare(f"{tmp}/f.duckdb", int(df["credits"].sum()) * 2)
    s.record_messages(df)
    now = START + timedelta(days=900, hours=1)
    today = utc_us(now)
    d = now.date()
    scenario = Scenario("what-if", purchases=(("XL", d + timedelta(days=30)),), limits=((LISTS[0], 5_000),),
                        campaigns=((LISTS[1], d + timedelta(days=60), 20_000),))

    def ours():
        base = preview(s, today_us=today)
        alt = preview(s, scenario, today_us=today)
        compare(base, alt)
        return base, alt

    base, alt = ours()
    months = [(p.horizon_end - now).days / 30.44 for p in (base, alt)]
    t = [time.perf_counter()]
    for _ in range(args.runs):
        ours()
        t.append(time.perf_counter())
    secs = statistics.median(b - a for a, b in zip(t, t[1:]))

    def naive():  # rebuild the ledger from every event, as without checkpoints
        msgs = s.messages_until(2**62)
        ledger.replay(State(), (-(2**62), -(2**62)), s.controls, msgs, s.list_ids, s.policy)

    t0 = time.perf_counter()
    naive()
    naive_secs = (time.perf_counter() - t0) * 2  # two previews
    print(f"full-horizon preview ({months[0]:.1f} months; the what-if {months[1]:.1f}) + 3 what-if changes, "
          f"{args.messages:,} messages: {secs * 1000:,.0f} ms (target < 1 s); naive full rebuild per preview: "
          f"{naive_secs * 1000:,.0f} ms")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"median of {args.runs} runs")


if __name__ == "__main__":
    main()
