"""One engine figure measured in the code tree on PYTHONPATH (``bench/against.py`` runs it in two trees, one after
the other): ``record`` (record_messages of 1M synthetic messages into a fresh file store), ``balance`` (balance(at)
at 20 past instants of a 5M store), ``send`` (2,000 autocommitted single sends with ids on a 1M store, and a bare
autocommitted DuckDB INSERT into a file table holding 1M rows, the floor); ``send_random`` the same with UUIDs for
every id, stored and sent (ids in no order: no zone map can skip R13's look for the id). Prints one JSON line. Only
the public API (CreditStore.open, add_list, purchase, assign, record_messages, balance, send) is used, so older trees
run it too."""

import json
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np

import credits_core  # noqa: E402 - the tree on PYTHONPATH, the one under test (against.py checks which)
from credits_core import CreditStore  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import LISTS, START, synthetic  # noqa: E402 - imports nothing of credits_core


def prepare(path: str, n_credits: int) -> CreditStore:
    s = CreditStore.open(path)
    for lid in LISTS:
        s.add_list(lid)
    s.purchase(n_credits // 10, START - timedelta(days=10), expiring=False, lot_id="N")
    for q in range(10):
        s.purchase(n_credits // 10, START - timedelta(days=5) + timedelta(days=90 * q), lot_id=f"Q{q}")
        s.assign("list00", n_credits // 200, START - timedelta(days=4) + timedelta(days=90 * q))
    return s

what = sys.argv[1]  # record | balance | send
tmp = tempfile.mkdtemp()
out = {}
if what == "record":
    df = synthetic(1_000_000)
    s = prepare(f"{tmp}/r.duckdb", int(df["credits"].sum()) * 3)
    t = time.perf_counter()
    s.record_messages(df)
    out["record_1m_s"] = time.perf_counter() - t
    s.close()
elif what == "balance":
    df = synthetic(5_000_000)
    s = prepare(f"{tmp}/b.duckdb", int(df["credits"].sum()) * 3)
    s.record_messages(df)
    rng = np.random.default_rng(3)
    inst = [START + timedelta(seconds=int(x)) for x in rng.integers(0, 900 * 86_400, 21)]
    s.balance(inst[0])
    t = time.perf_counter()
    for a in inst[1:]:
        s.balance(a)
    out["balance_ms"] = (time.perf_counter() - t) / 20 * 1000
    s.close()
elif what in ("send", "send_random"):
    df = synthetic(1_000_000)
    if what == "send_random":  # ids in no order (UUIDs): no zone map can skip a scan of the stored ids
        df["message_id"] = [uuid.uuid4().hex for _ in range(len(df))]
    s = prepare(f"{tmp}/s.duckdb", int(df["credits"].sum()) * 3)
    s.record_messages(df)
    after = START + timedelta(days=1000)
    ids = [uuid.uuid4().hex if what == "send_random" else f"a{i}" for i in range(2000)]
    t0 = time.perf_counter()
    for i in range(2000):
        s.send(LISTS[i % 12], 1, after + timedelta(seconds=10 * i), message_id=ids[i])
    ours = time.perf_counter() - t0
    s.close()
    con = duckdb.connect(f"{tmp}/floor.duckdb")
    con.execute("CREATE TABLE m (seq BIGINT, id VARCHAR, l INTEGER, t TIMESTAMP, c BIGINT)")
    con.execute("INSERT INTO m SELECT range, 'x' || range, 1, TIMESTAMP '2024-01-01' + to_seconds(range), 1 "
                "FROM range(1000000)")
    t0 = time.perf_counter()
    for i in range(2000):
        con.execute("INSERT INTO m VALUES (?, ?, ?, make_timestamp(?), ?)", [10**7 + i, f"x{i}", 1, 10**15 + i, 1])
    floor = time.perf_counter() - t0
    out.update(sends_per_s=2000 / ours, floor_per_s=2000 / floor, ratio=floor / ours)
out["tree"] = str(Path(credits_core.__file__).resolve().parents[1])
print(json.dumps(out))
