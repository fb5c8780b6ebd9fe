"""Several processes on one database file, as a team runs it: the dashboard, CLI commands, cron jobs.

Each worker (``tests/mp_worker.py``) runs 1,000 operations (sends with ids, purchases, limits, balance reads that
check R11) in its own interpreter, all at once on the same file. Nothing may be lost, the invariants hold, and the
final state equals the same events applied one by one in a single in-memory store. A writer killed with SIGKILL in
the middle of a batch leaves the others running and the file whole.
"""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from credits_core import CreditStore
from credits_core.store import verify

from .mp_worker import BASE, apply, op_events, run

ROOT = Path(__file__).resolve().parents[1]
N_OPS = 1000


def setup_file(path: Path, workers: int) -> None:
    with CreditStore.open(path) as s:
        for w in range(workers):
            s.add_list(f"l{w}")
            s.add_list(f"q{w}")
        s.purchase(10**9, BASE - timedelta(days=1), expiring=False, lot_id="BIG")


def one_by_one(workers: int) -> CreditStore:
    """The same events, applied one by one in time order in one in-memory store."""
    s = CreditStore.open(":memory:")
    for w in range(workers):
        s.add_list(f"l{w}")
        s.add_list(f"q{w}")
    s.purchase(10**9, BASE - timedelta(days=1), expiring=False, lot_id="BIG")
    events = sorted((at, w, kind, args) for w in range(workers) for kind, at, args in op_events(w, N_OPS))
    for at, _w, kind, args in events:
        apply(s, kind, at, args)
    return s


@pytest.mark.parametrize("workers", [2, 3])
def test_processes_writing_and_reading_one_file(tmp_path, workers):
    path = tmp_path / "shared.duckdb"
    setup_file(path, workers)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Manager().Event()
    with ctx.Pool(workers) as pool:
        jobs = [pool.apply_async(run, (str(path), w, N_OPS, start)) for w in range(workers)]
        start.set()
        done = [j.get(timeout=600) for j in jobs]
    assert done == [N_OPS] * workers
    expected = one_by_one(workers)
    with CreditStore.open(path) as s:
        assert verify(s) == []
        assert s.message_count == expected.message_count
        at = BASE + timedelta(days=30)
        assert s.balance(at) == expected.balance(at)
        assert s.lots().equals(expected.lots())
        assert sorted(c.key[0] for c in s.controls) == sorted(c.key[0] for c in expected.controls)
    expected.close()


def test_a_writer_killed_mid_batch_leaves_the_others_going_and_the_file_whole(tmp_path):
    path = tmp_path / "killed.duckdb"
    setup_file(path, 10)
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from tests.mp_worker import write_forever; "
                             "write_forever(sys.argv[1])", str(path)], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"writing"  # 1,000 sends committed, more batches under way
        time.sleep(0.05)
        with CreditStore.open(path, wait_s=30) as other:  # waits its turn while the writer works
            seen = other.message_count
            assert seen >= 1000 and seen % 200 == 0  # whole batches only
            other.send("l0", 1, BASE + timedelta(days=1), message_id="other-1")
            other.release()
        proc.send_signal(signal.SIGKILL)  # most likely in the middle of a batch: it holds the file all the time
        proc.wait()
    finally:
        proc.kill()
    with CreditStore.open(path, wait_s=10) as s:  # the kernel dropped the dead process's lock
        assert verify(s) == []
        n = s.message_count
        assert (n - 1) % 200 == 0 and n > seen  # whole batches, plus the other process's send
        s.send("l0", 1, BASE + timedelta(days=2), message_id="after-kill")
        assert s.message_count == n + 1
