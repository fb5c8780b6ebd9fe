"""Integrity: everything the file derives, checked against a full replay of its input events.

``verify(store)`` replays every event from the start (the same ``ledger.replay`` as every write) and compares:
the stored checkpoints (state and detail after every control point), the lot cuts, the tail, the R11 invariants of
every state, and the daily rollup against the messages it summarises. It returns what differs, in words; an empty
list means the file is sound. ``python -m credits_core check`` prints it (exit 1 when something differs) and
``rebuild`` repairs the derived data from the events.
"""

from __future__ import annotations

import json

from credits_core import ledger
from credits_core.ledger import State, now_us
from credits_core.storage import MIN_KEY, ROLLUP_SELECT, campaign_reads, messages_after, state_at
from credits_core.store.credit_store import CreditStore


def _canon(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def verify(store: CreditStore) -> list[str]:
    """What differs between the derived data and a full replay of the events (empty: all is sound)."""
    problems: list[str] = []
    with store.reading() as cur:
        snap = store.snapshot()
        cuts: list[ledger.Cut] = []
        checkpoints, tail = ledger.replay(State(), MIN_KEY, snap.controls, messages_after(cur, MIN_KEY),
                                          snap.list_ids, snap.policy, cuts)
        if list(snap.cuts) != cuts:
            problems.append(f"the lot cuts (where spends move to the next lot) differ from the replay: "
                            f"{len(snap.cuts)} stored, {len(cuts)} replayed")
        stored = {c.key: c for c in snap.checkpoints}
        fresh = {c.key: c for c in checkpoints}
        for key in sorted(set(stored) | set(fresh)):
            a, b = stored.get(key), fresh.get(key)
            if a is None or b is None:
                problems.append(f"checkpoint at {key}: {'missing' if a is None else 'not produced by the replay'}")
            elif _canon(a.state.to_dict()) != _canon(b.state.to_dict()) or _canon(a.detail) != _canon(b.detail):
                problems.append(f"checkpoint at {key} ({a.kind}) differs from the replay")
        if _canon(snap.tail.to_dict()) != _canon(tail.to_dict()):
            problems.append("the state after the last event differs from the replay")
        for c in snap.checkpoints:
            problems += [f"checkpoint at {c.key}: {p}" for p in c.state.problems()]
        problems += [f"state after the last event: {p}" for p in snap.tail.problems()]
        diff = cur.execute(
            f"SELECT day, list_no, sum(credits)::BIGINT AS c FROM (SELECT day, list_no, credits FROM daily_usage "
            f"UNION ALL SELECT day, list_no, -credits FROM ({ROLLUP_SELECT} WHERE seq <= ? GROUP BY ALL)) "
            f"GROUP BY ALL HAVING c <> 0 ORDER BY ALL LIMIT 5", [snap.rolled_seq]).fetchall()
        problems += [f"daily rollup for {day} list {snap.list_ids[no]!r} is off by {c} credits" for day, no, c in diff]
        problems += _check_reservations(cur, snap)
    return problems


def _check_reservations(cur, snap) -> list[str]:
    """R15: what each scheduled campaign still reserves, as every page computes it (from the rollup), against the
    messages recorded with its campaign_id; every campaign on a known list with a positive estimate."""
    now = now_us()
    state = state_at(snap, now, cur)
    fast = campaign_reads.load(cur, state, snap.rolled_seq, now)
    exact = {r.campaign_id: r for r in campaign_reads.recorded_exact(cur, state, now).campaigns}
    out = []
    for r in fast.campaigns:
        e = exact[r.campaign_id]
        if r.recorded != e.recorded:
            out.append(f"campaign {r.campaign_id}: {e.recorded:,} credits of its messages are recorded but the "
                       f"reservations count {r.recorded:,} (R15)")
        if r.list_id not in snap.list_no:
            out.append(f"campaign {r.campaign_id} is scheduled on an unknown list {r.list_id!r}")
        if r.estimate <= 0:
            out.append(f"campaign {r.campaign_id} reserves {r.estimate} credits (R15: its estimate must be > 0)")
    return out
