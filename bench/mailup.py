"""Bench: the MailUp connector at scale.

1. A sync of N sendings (default 1,000,000: 100 messages of 10,000 on 2 lists, numbers from 5 countries) from a fake
   MailUp API served by another process on loopback (werkzeug, the tests' fake with sendings made on the fly): wall
   time, sendings/s and the peak memory (max RSS) of the syncing process, which runs alone in a fresh interpreter.
   Baseline in the same run: placing every number with phonenumbers one by one (no cache), the step a naive
   connector spends most of its time on.
2. The import of an N-row MailUp SMS export (``mailup-sms-export``, | separated): rows/s; baseline in the same run:
   pandas reading the same file (the floor of any import).

    .venv/bin/python bench/mailup.py [--sendings 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREFIXES = [("39333", 12), ("39347", 12), ("39320", 12), ("447400", 12), ("4915112", 13), ("33612", 11),
            ("1202555", 11)]  # IT x3, GB, DE, FR, US: (leading digits, length)
PER_MESSAGE = 10_000
SHUFFLED = os.environ.get("BENCH_SHUFFLED") == "1"  # months in no relation to message ids


def receiver(i: int) -> str:
    prefix, length = PREFIXES[i % len(PREFIXES)]
    rest = length - len(prefix)
    return prefix + f"{(i * 7919) % 10**rest:0{rest}d}"


class Sendings:
    """The sendings of one message, made when a page asks for them (the server holds nothing)."""

    def __init__(self, id_message: int, n: int, month: int):
        self.id, self.n, self.month = id_message, n, month

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, s: slice) -> list[dict]:
        lo, hi, _ = s.indices(self.n)
        base = self.id * PER_MESSAGE
        return [{"Receiver": receiver(base + i), "SentDate": f"2026-{self.month:02d}-15 10:{i % 60:02d}:"
                 f"{(i // 60) % 60:02d}Z", "Status": 0 if i % 20 else 2, "ErrorCode": ""} for i in range(lo, hi)]


def fake_account(n: int):
    from tests.fake_mailup import FakeMailUp

    fake = FakeMailUp()
    n_messages = max(1, n // PER_MESSAGE)
    fake.lists = [{"IdList": 1, "Name": "Newsletter"}, {"IdList": 2, "Name": "Avvisi"}]
    fake.messages = {1: [], 2: []}
    for m in range(n_messages):
        fake.messages[1 + m % 2].append({"idMessage": 1000 + m, "Subject": f"Campaign {m}",
                                         "Content": f"Offerta {m}: sconti fino al 30% da oggi fino a domenica."})
        # realistic: MailUp numbers messages as they are created, so later ids go out later (SHUFFLED: the worst case)
        month = 1 + (m % 10 if SHUFFLED else m * 10 // n_messages)
        fake.sendings[1000 + m] = Sendings(1000 + m, min(PER_MESSAGE, n - m * PER_MESSAGE), month)
    fake.credits = {"TotalCredits": 0, "CreditsByList": []}
    return fake


def serve(port: int, n: int) -> None:
    from werkzeug import Request
    from werkzeug.serving import run_simple

    fake = fake_account(n)
    run_simple("127.0.0.1", port, Request.application(fake), threaded=False)


def sync_once(url: str, db: str) -> None:
    """In a fresh interpreter: open the store, sync, print seconds, sendings and max RSS."""
    from credits_core import CreditStore
    from credits_core.mailup import Client, MailUpSettings, sync
    from tests.fake_mailup import API, FakeMailUp

    f = FakeMailUp()
    settings = MailUpSettings(f.client_id, f.client_secret, f.username, f.password, auth_url=url,
                              api_url=url + API, page_size=1000)
    with CreditStore.open(db) as store:
        store.purchase(50_000_000, datetime(2025, 12, 1, tzinfo=UTC), expiring=False)
        start = time.perf_counter()
        with Client(settings) as client:
            report = sync(store, client)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "sendings": report.sendings, "recorded": report.recorded, "peak_mb": peak}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_sync(n: int, runs: int, shuffled: bool = False) -> dict:
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--sendings", str(n)], cwd=ROOT,
                              env={**os.environ, "BENCH_SHUFFLED": "1" if shuffled else "0"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        results = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                out = subprocess.run([sys.executable, __file__, "--sync-once", url, str(Path(tmp) / "s.duckdb")],
                                     cwd=ROOT, capture_output=True, text=True, check=True)
                results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        server.terminate()
        server.wait()
    assert all(r["recorded"] == n for r in results), results
    secs = statistics.median(r["seconds"] for r in results)
    return {"seconds": secs, "rate": n / secs, "peak_mb": max(r["peak_mb"] for r in results)}


def bench_naive_countries(n: int) -> float:
    import phonenumbers

    numbers = [receiver(i) for i in range(n)]
    start = time.perf_counter()
    for r in numbers:
        phonenumbers.region_code_for_number(phonenumbers.parse("+" + r))
    return time.perf_counter() - start


def bench_export(n: int, runs: int) -> dict:
    import pandas as pd

    from credits_core import CreditStore
    from credits_core.importer import import_file

    n_messages = max(1, n // PER_MESSAGE)
    lines = ["recipient|idList|idSMS|sentdate|responsedate|status"]
    for i in range(n):
        m = i // PER_MESSAGE
        lines.append(f"{receiver(i)}|{1 + m % 2}|{1000 + m}|2026{1 + m % 10:02d}15T10{i % 60:02d}{(i // 60) % 60:02d}"
                     f"|2026{1 + m % 10:02d}15T11{i % 60:02d}00|{0 if i % 20 else 2}")
    data = ("\n".join(lines) + "\n").encode()
    times, floor = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            store = CreditStore.open(Path(tmp) / "x.duckdb")
            store.purchase(50_000_000, datetime(2025, 12, 1, tzinfo=UTC), expiring=False)
            store.describe_campaigns(pd.DataFrame({"campaign_id": [f"mailup-{1000 + m}" for m in range(n_messages)],
                                                   "name": [f"Campaign {m}" for m in range(n_messages)],
                                                   "text": ["Offerta: sconti fino al 30% da oggi."] * n_messages}))
            start = time.perf_counter()
            report = import_file(store, "mailup-sms-export", data, "export.csv")
            times.append(time.perf_counter() - start)
            assert report.ok and report.written == n, report.text()[:500]
            store.close()
            path = Path(tmp) / "export.csv"
            path.write_bytes(data)
            start = time.perf_counter()
            pd.read_csv(path, sep="|", dtype=str)
            floor.append(time.perf_counter() - start)
    secs = statistics.median(times)
    return {"seconds": secs, "rate": n / secs, "floor_s": statistics.median(floor), "mb": len(data) / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sendings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", type=int, default=None)
    parser.add_argument("--sync-once", nargs=2, default=None)
    parser.add_argument("--only", choices=["sync", "export"], default=None)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.sendings)
    if args.sync_once:
        return sync_once(*args.sync_once)
    n = args.sendings
    print(f"machine: {os.cpu_count()} cores; {n:,} sendings; median of {args.runs}")
    if args.only in (None, "sync"):
        s = bench_sync(n, args.runs)
        w = bench_sync(n, args.runs, shuffled=True)
        naive = bench_naive_countries(min(n, 200_000)) * n / min(n, 200_000)
        print(f"sync, message ids in time order: {s['seconds']:.1f} s, {s['rate']:,.0f} sendings/s, peak RSS "
              f"{s['peak_mb']:.0f} MB")
        print(f"sync, months shuffled across ids (every message backdated): {w['seconds']:.1f} s, {w['rate']:,.0f} "
              f"sendings/s, peak RSS {w['peak_mb']:.0f} MB")
        print(f"naive baseline, placing every number with phonenumbers one by one: {naive:.1f} s alone "
              f"({n / naive:,.0f}/s)")
    if args.only in (None, "export"):
        e = bench_export(n, args.runs)
        print(f"export import: {e['seconds']:.1f} s for {n:,} rows ({e['mb']:.0f} MB), {e['rate']:,.0f} rows/s; "
              f"pandas read_csv of the same file alone: {e['floor_s']:.2f} s")


if __name__ == "__main__":
    main()
