"""Worker processes for the multi-process tests (importable by a spawned interpreter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

BASE = datetime(2024, 3, 1, tzinfo=UTC)


def op_events(worker: int, n_ops: int) -> list[tuple]:
    """The deterministic operations of one worker: (kind, at, args); sends mostly, some purchases and limits."""
    out = []
    for k in range(n_ops):
        at = BASE + timedelta(seconds=k * 60 + worker)
        if k % 50 == 49:
            out.append(("purchase", at, (100, f"P{worker}-{k}")))
        elif k % 100 == 10:
            out.append(("assign", at, (f"q{worker}", 3)))
        elif k % 10 == 5:
            out.append(("balance", at, ()))
        elif k % 100 == 20:
            out.append(("send", at, (f"q{worker}", 1, f"w{worker}-{k}")))
        else:
            out.append(("send", at, (f"l{worker}", 1 + k % 3, f"w{worker}-{k}")))
    return out


def apply(store, kind, at, args) -> None:
    if kind == "purchase":
        store.purchase(args[0], at, expiring=False, lot_id=args[1])
    elif kind == "assign":
        store.assign(args[0], args[1], at)
    elif kind == "send":
        store.send(args[0], args[1], at, message_id=args[2])
    elif kind == "balance":
        b = store.balance()
        assert b.total == b.unassigned + sum(b.assigned.values()) == sum(b.lots.values()), b


def run(path: str, worker: int, n_ops: int, start_event=None) -> int:
    from credits_core import CreditStore

    store = CreditStore.open(path)
    if start_event is not None:
        start_event.wait()
    done = 0
    for kind, at, args in op_events(worker, n_ops):
        apply(store, kind, at, args)
        done += 1
    store.close()
    return done


def write_forever(path: str) -> None:
    """Batches of sends, forever (to be killed with SIGKILL in the middle of one)."""
    import sys

    from credits_core import CreditStore

    store = CreditStore.open(path)
    k = 0
    while True:
        with store.batch():
            for _ in range(200):
                store.send("l9", 1, BASE + timedelta(seconds=k), message_id=f"k{k}")
                k += 1
            if k == 1000:
                print("writing", flush=True)
        sys.stdout.flush()
