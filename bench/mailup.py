"""Bench: the MailUp connector at scale.

1. A sync of N sendings (default 1,000,000: 100 messages of 10,000 on 2 lists, numbers from 5 countries) from a fake
   MailUp API served by another process on loopback (werkzeug, the tests' fake with sendings made on the fly, newest
   first as ``orderby=SentDate desc`` asks): wall time, sendings/s, calls and the peak memory (max RSS) of the
   syncing process, which runs alone in a fresh interpreter. Then the *nightly* sync of the same account after 1% new
   sendings (each message grows by 1%): wall time against the first sync's, and calls. The client's pacing (5 calls
   a second, MailUp's policy) is off here, so the figures are the connector's own work; the time a paced sync takes
   against MailUp is at least calls / 5 seconds, printed beside. Baseline in the same run: placing every number with
   phonenumbers one by one (no cache), the step a naive connector spends most of its time on.
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
    """The sendings of one message, made when a page asks for them (the server holds nothing), newest first: the
    ``extra`` ones (the night's new sendings: sent on 1 December, after every other) before the ``n`` first ones."""

    def __init__(self, id_message: int, n: int, month: int):
        self.id, self.n, self.month, self.extra = id_message, n, month, 0

    def __len__(self) -> int:
        return self.n + self.extra

    def _one(self, k: int) -> dict:
        base = self.id * PER_MESSAGE * 2
        if k < self.extra:  # the new ones, newest first
            j = self.extra - 1 - k
            month, day, who = 12, 1, base + self.n + j
        else:
            j = self.n - 1 - (k - self.extra)
            month, day, who = self.month, 15, base + j
        return {"Receiver": receiver(who), "SentDate": f"2026-{month:02d}-{day:02d} {10 + j // 3600:02d}:"
                f"{(j // 60) % 60:02d}:{j % 60:02d}Z", "Status": 0 if j % 20 else 2, "ErrorCode": ""}

    def __getitem__(self, s: slice) -> list[dict]:
        lo, hi, _ = s.indices(len(self))
        return [self._one(k) for k in range(lo, hi)]


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
    fake.ignore_order = True  # the sendings are made newest first already (sorting them per page would be the cost)
    return fake


def serve(port: int, n: int) -> None:
    from werkzeug import Request
    from werkzeug.serving import run_simple

    fake = fake_account(n)

    def app(request):
        if request.path == "/bench/grow":  # the night's new sendings: each message grows by pct %
            for sendings in fake.sendings.values():
                sendings.extra = sendings.n * int(request.args["pct"]) // 100
            from werkzeug import Response

            return Response("ok")
        return fake(request)

    run_simple("127.0.0.1", port, Request.application(app), threaded=False)


def sync_once(url: str, db: str) -> None:
    """In a fresh interpreter: open the store, sync, print seconds, sendings, calls and max RSS; then the nightly
    sync after 1% new sendings."""
    import urllib.request

    from credits_core import CreditStore
    from credits_core.sources.mailup import Client, MailUpSettings, sync
    from tests.fake_mailup import API, FakeMailUp

    f = FakeMailUp()
    settings = MailUpSettings(f.client_id, f.client_secret, f.username, f.password, auth_url=url,
                              api_url=url + API, page_size=1000, calls_per_second=None)
    out = {}
    with CreditStore.open(db) as store:
        store.purchase(50_000_000, datetime(2025, 12, 1, tzinfo=UTC), expiring=False)
        start = time.perf_counter()
        with Client(settings) as client:
            report = sync(store, client)
        out.update(seconds=time.perf_counter() - start, sendings=report.sendings, recorded=report.recorded,
                   calls=client.requests, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        urllib.request.urlopen(f"{url}/bench/grow?pct=1").read()
        start = time.perf_counter()
        with Client(settings) as client:
            nightly = sync(store, client)
        out.update(nightly_seconds=time.perf_counter() - start, nightly_sendings=nightly.sendings,
                   nightly_recorded=nightly.recorded, nightly_calls=client.requests)
        urllib.request.urlopen(f"{url}/bench/grow?pct=0").read()
    print(json.dumps(out))


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
    assert all(r["recorded"] == n and r["nightly_recorded"] == n // 100 for r in results), results
    secs = statistics.median(r["seconds"] for r in results)
    night = statistics.median(r["nightly_seconds"] for r in results)
    return {"seconds": secs, "rate": n / secs, "peak_mb": max(r["peak_mb"] for r in results),
            "calls": results[0]["calls"], "nightly_seconds": night, "nightly_calls": results[0]["nightly_calls"],
            "nightly_sendings": results[0]["nightly_sendings"]}


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
    from credits_core.sources import import_file

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
        for name, r in (("message ids in time order", s), ("months shuffled across ids (every message backdated)",
                                                          w)):
            print(f"sync, {name}: {r['seconds']:.1f} s, {r['rate']:,.0f} sendings/s, {r['calls']:,} calls "
                  f"(paced at 5/s: >= {r['calls'] / 5:,.0f} s), peak RSS {r['peak_mb']:.0f} MB; nightly with 1% new: "
                  f"{r['nightly_seconds']:.2f} s = {r['nightly_seconds'] / r['seconds']:.1%} of the first, "
                  f"{r['nightly_sendings']:,} sendings read, {r['nightly_calls']:,} calls (paced: >= "
                  f"{r['nightly_calls'] / 5:,.0f} s = {r['nightly_calls'] / r['calls']:.1%})")
        print(f"naive baseline, placing every number with phonenumbers one by one: {naive:.1f} s alone "
              f"({n / naive:,.0f}/s)")
    if args.only in (None, "export"):
        e = bench_export(n, args.runs)
        print(f"export import: {e['seconds']:.1f} s for {n:,} rows ({e['mb']:.0f} MB), {e['rate']:,.0f} rows/s; "
              f"pandas read_csv of the same file alone: {e['floor_s']:.2f} s")


if __name__ == "__main__":
    main()
