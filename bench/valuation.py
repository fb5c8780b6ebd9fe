"""Valuation benchmark (issue 12): spend of a year by list and month valued in EUR, against a naive baseline that
values message by message in pandas, in the same run.

    PYTHONPATH=. .venv/bin/python bench/valuation.py --db /tmp/demo10m.duckdb [--runs 5]

Build the database first: python -m credits_core demo --db /tmp/demo10m.duckdb --messages 10000000
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import date
from decimal import Decimal

from engine import timed  # noqa: E402  (bench/ is on the path when run as a script)

from credits_core import CreditStore
from credits_core.reporting import (
    ReportFilter,
    lot_prices,
    message_pieces,
    message_where,
    preset_range,
    select,  # noqa: E402
    value_of,
    value_spend,
)


def naive(store: CreditStore, f: ReportFilter) -> dict[str, Decimal]:
    """Every message of the range loaded into pandas, then valued one by one at the lots it came from."""
    where, params = message_where(store, f)
    df = select(store, f"SELECT epoch_us(sent_at) AS t, seq, list_no, credits FROM messages WHERE {where} "
                     f"ORDER BY sent_at, seq", params).df()
    cuts, prices, out = store.snapshot().cuts, lot_prices(store), {}
    for t, seq, list_no, credits in df.itertuples(index=False, name=None):
        value, _ = value_of(message_pieces(cuts, t, seq, credits), prices)
        if value is not None:
            key = store.list_ids[list_no]
            out[key] = out.get(key, Decimal(0)) + value
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    store = CreditStore.open(args.db, read_only=True)
    lo, hi = preset_range("last_12_months", date.today())
    f = ReportFilter(lo, hi, period="month")
    print(f"machine: {platform.processor() or platform.machine()}, {store.message_count:,} messages, "
          f"{len(store.snapshot().cuts)} cuts; range {lo} .. {hi}")
    res = value_spend(store, f, ["period", "list_id"])
    t = statistics.median(timed(lambda: value_spend(store, f, ["period", "list_id"]), args.runs))
    print(f"value_spend, year by list and month: median {t * 1000:.1f} ms of {args.runs} runs ({len(res)} rows)")
    t_by = statistics.median(timed(lambda: value_spend(store, f, ["campaign_id"]), args.runs))
    print(f"value_spend, year by campaign: median {t_by * 1000:.1f} ms")
    t0 = time.perf_counter()
    base = naive(store, f)
    tn = time.perf_counter() - t0
    mine = res.groupby("list_id")["eur"].sum()
    worst = max(abs(float(base.get(k, 0)) - float(v)) for k, v in mine.items())
    print(f"naive, message by message in pandas: {tn * 1000:.0f} ms (one run); largest difference per list "
          f"{worst:.2f} EUR (cent rounding per month)")
    store.close()


if __name__ == "__main__":
    main()
