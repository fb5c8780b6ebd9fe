"""The read model: one immutable picture of the ledger as of a committed write.

Data model
----------
A ``Snapshot`` holds what every question needs and what is small: the lists, the control events (purchases,
assignments, set_shared), the checkpoints (the ledger ``State`` after every control point, see ``ledger``), the
*tail* (the state after the latest recorded event), counters, and the ``token`` of the write it reflects
(``db.Database.token``). Millions of messages stay in the file; a question about the past is one checkpoint plus
one range sum over the messages of one phase.

A snapshot is never changed: a write builds the next one (``journal``) and the store swaps it in whole, so a reader
holding the previous one keeps a consistent picture. When another process writes, the store notices a new token and
loads a fresh snapshot from the file (``load``).
"""

from __future__ import annotations

import bisect
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import date

import duckdb
import numpy as np

from credits_core import ledger
from credits_core.ledger import Checkpoint, Control, CreditsError, Cut, MessageArrays, Policy, State, local_date
from credits_core.storage.database import meta
from credits_core.storage.schema import DERIVED_VERSION

MIN_KEY = (-(2**62), -(2**62))
# messages after the key (instant, seq): the parameters are the instant twice, then seq
AFTER_KEY = "sent_at >= make_timestamp(?) AND NOT (sent_at = make_timestamp(?) AND seq <= ?)"
MAX_SEQ = 2**62


@dataclass(frozen=True)
class Snapshot:
    """The ledger as of one committed write. Treat every field as read-only (states are copied before use)."""

    policy: Policy
    token: str | None  # the file's write token this snapshot reflects (None: no token yet)
    revision: str  # unique per committed state seen by this process: the key of page caches
    list_ids: tuple[str, ...] = ()
    names: dict[str, str | None] = field(default_factory=dict)
    list_no: dict[str, int] = field(default_factory=dict)
    controls: tuple[Control, ...] = ()  # in time order (key)
    lots: dict[str, Control] = field(default_factory=dict)  # purchase controls by lot_id (R13)
    checkpoints: tuple[Checkpoint, ...] = ()
    ckpt_keys: tuple[tuple[int, int], ...] = ()
    tail: State = field(default_factory=State)
    cuts: tuple[Cut, ...] = ()  # where spends move to another lot, in key order (ledger.Cut; valuation)
    last_key: tuple[int, int] = MIN_KEY
    n_messages: int = 0
    next_seq: int = 1
    bought: int = 0  # credits of all lots bought (R1 bound)
    rolled_seq: int = 0  # messages with seq <= this are in the daily_usage rollup
    unrolled: int = 0  # messages not yet in the rollup (reports add them on the fly)
    first_day: date | None = None  # Rome days of the first and last message
    last_day: date | None = None
    # The ledger's state after some messages, noted by the replays of this process (never stored: a reload starts
    # without): a replay of an event before the tail starts at the latest one before it, not at the last checkpoint
    marks: tuple[tuple[tuple[int, int], State], ...] = ()

    def require_list(self, list_id: object) -> int:
        if not isinstance(list_id, str) or list_id not in self.list_no:
            raise CreditsError(f"list {list_id!r} is unknown; add it first with add_list")
        return self.list_no[list_id]

    def with_changes(self, **changes) -> Snapshot:
        return replace(self, **changes)


def new_revision() -> str:
    return uuid.uuid4().hex


def is_stale(cur: duckdb.DuckDBPyConnection, policy: Policy) -> bool:
    """True when the derived data (checkpoints) was built under another policy or an older meaning."""
    stored = meta(cur, "policy")
    return stored is None or Policy.from_json(stored) != policy or meta(cur, "derived_version") != str(
        DERIVED_VERSION)


def stored_policy(cur: duckdb.DuckDBPyConnection) -> Policy | None:
    stored = meta(cur, "policy")
    return Policy.from_json(stored) if stored else None


def load(cur: duckdb.DuckDBPyConnection, policy: Policy, token: str | None, *, trust_derived: bool = True
         ) -> Snapshot:
    """Read the small part of the ledger from the file. With ``trust_derived=False`` the checkpoints are rebuilt
    in memory by a full replay (nothing is written)."""
    rows = cur.execute("SELECT list_no, list_id, name FROM lists ORDER BY list_no").fetchall()
    list_ids = tuple(r[1] for r in rows)
    controls = tuple(
        Control(seq, at_us, kind, list_id, credits, lot_id, expiring, None if price is None else str(price), author)
        for seq, at_us, kind, list_id, credits, lot_id, expiring, price, author in cur.execute(
            "SELECT seq, epoch_us(occurred_at), kind, list_id, credits, lot_id, expiring, price, author FROM events "
            "ORDER BY occurred_at, seq").fetchall())
    n, max_seq, first, last = cur.execute(
        "SELECT count(*), max(seq), epoch_us(min(sent_at)), epoch_us(max(sent_at)) FROM messages").fetchall()[0]
    other_seq = cur.execute("SELECT max(s) FROM (SELECT max(seq) AS s FROM events UNION ALL "
                            "SELECT max(created_seq) FROM campaigns UNION ALL SELECT max(seq) FROM audit)"
                            ).fetchall()[0][0]
    last_msg = cur.execute(
        "SELECT epoch_us(sent_at), seq FROM messages WHERE sent_at = (SELECT max(sent_at) FROM messages) "
        "ORDER BY seq DESC LIMIT 1").fetchall() if n else []
    keys = [c.key for c in controls[-1:]] + [tuple(r) for r in last_msg]
    rolled = int(meta(cur, "usage_seq") or 0)
    unrolled = cur.execute("SELECT count(*) FROM messages WHERE seq > ?", [rolled]).fetchall()[0][0] if n else 0
    snap = Snapshot(
        policy=policy, token=token, revision=new_revision(), list_ids=list_ids,
        names={r[1]: r[2] for r in rows}, list_no={r[1]: r[0] for r in rows}, controls=controls,
        lots={c.lot_id: c for c in controls if c.kind == "purchase"},
        last_key=max(keys) if keys else MIN_KEY, n_messages=int(n),
        next_seq=max(max_seq or 0, other_seq or 0) + 1,
        bought=sum(c.credits for c in controls if c.kind == "purchase"),
        rolled_seq=rolled, unrolled=int(unrolled),
        first_day=None if first is None else local_date(first), last_day=None if last is None else local_date(last),
    )
    if not trust_derived:
        cuts: list[Cut] = []
        checkpoints, tail = ledger.replay(State(), MIN_KEY, controls, messages_after(cur, MIN_KEY), list_ids, policy,
                                          cuts)
        return snap.with_changes(checkpoints=tuple(checkpoints), ckpt_keys=tuple(c.key for c in checkpoints),
                                 tail=tail, cuts=tuple(cuts))
    checkpoints = tuple(
        Checkpoint((at_us, seq), kind, State.from_dict(json.loads(state)), ledger.detail_from_json(detail), ctl_seq)
        for at_us, seq, kind, ctl_seq, state, detail in cur.execute(
            "SELECT at_us, seq, kind, ctl_seq, state, detail FROM checkpoints ORDER BY at_us, seq").fetchall())
    cuts = tuple(Cut((at_us, seq), off, lot_id) for at_us, seq, off, lot_id in cur.execute(
        "SELECT at_us, seq, off, lot_id FROM lot_cuts ORDER BY at_us, seq, off").fetchall())
    snap = snap.with_changes(checkpoints=checkpoints, ckpt_keys=tuple(c.key for c in checkpoints), cuts=cuts)
    return snap.with_changes(tail=state_from_messages(cur, snap, len(checkpoints), snap.last_key))


def messages_after(cur: duckdb.DuckDBPyConnection, key: tuple[int, int], until_us: int | None = None
                   ) -> MessageArrays:
    """Messages with (sent_at, seq) > key (and sent_at <= until_us) as numpy arrays."""
    if key == MIN_KEY:
        sql, params = "SELECT epoch_us(sent_at) AS t, seq, list_no, credits FROM messages WHERE true", []
    else:
        sql = f"SELECT epoch_us(sent_at) AS t, seq, list_no, credits FROM messages WHERE {AFTER_KEY}"
        params = [key[0], key[0], key[1]]
    if until_us is not None:
        sql += " AND sent_at <= make_timestamp(?)"
        params.append(until_us)
    d = cur.execute(sql, params).fetchnumpy()
    return MessageArrays(np.asarray(d["t"], np.int64), np.asarray(d["seq"], np.int64),
                         np.asarray(d["list_no"], np.int32), np.asarray(d["credits"], np.int64))


def state_from_messages(cur: duckdb.DuckDBPyConnection, snap: Snapshot, keep: int, until: tuple[int, int]) -> State:
    """Checkpoint ``keep - 1`` plus the spend of the messages after it up to ``until`` (one phase, no control point
    in between, so the spend is one sum per list)."""
    start = snap.checkpoints[keep - 1].state if keep else State()
    start_key = snap.ckpt_keys[keep - 1] if keep else MIN_KEY
    if until <= start_key:
        return start.copy()
    if start_key == MIN_KEY:
        rows = cur.execute("SELECT list_no, sum(credits)::BIGINT FROM messages WHERE sent_at <= make_timestamp(?) "
                           "GROUP BY list_no", [until[0]]).fetchall()
    else:
        # a plain time range (DuckDB filters it in the scan, ~10% faster than the exact key condition), and whether
        # any message sits at the checkpoint's very instant: only then can some be in the checkpoint already, and
        # the exact condition on (instant, seq) is asked instead
        rows = cur.execute(
            "SELECT list_no, sum(credits)::BIGINT, min(sent_at) = make_timestamp(?) FROM messages "
            "WHERE sent_at >= make_timestamp(?) AND sent_at <= make_timestamp(?) GROUP BY list_no",
            [start_key[0], start_key[0], until[0]]).fetchall()
        if any(tie for _, _, tie in rows):
            rows = cur.execute(f"SELECT list_no, sum(credits)::BIGINT FROM messages WHERE {AFTER_KEY} "
                               "AND sent_at <= make_timestamp(?) GROUP BY list_no",
                               [start_key[0], start_key[0], start_key[1], until[0]]).fetchall()
    state = start.copy()
    if rows:
        failing = ledger.apply_spend(state, {snap.list_ids[r[0]]: int(r[1]) for r in rows}, snap.policy)
        if failing is not None:
            raise CreditsError(f"stored messages overdraw list {failing!r}: the derived data is stale; run "
                               f"`python -m credits_core check` and `rebuild`")
    return state


def needs_messages(snap: Snapshot, at_us: int) -> bool:
    """Whether the state as of ``at_us`` needs the message table (a question about the past)."""
    return at_us < snap.last_key[0]


def state_at(snap: Snapshot, at_us: int, cur: duckdb.DuckDBPyConnection | None = None) -> State:
    """The ledger as of ``at_us``: everything at or before it, expiries due then included. ``cur`` is needed only
    when ``needs_messages``."""
    if not needs_messages(snap, at_us):
        _, state = ledger.advance(snap.tail, at_us, snap.policy)
        return state
    keep = bisect.bisect_right(snap.ckpt_keys, (at_us, MAX_SEQ))
    state = state_from_messages(cur, snap, keep, (at_us, MAX_SEQ))
    _, state = ledger.advance(state, at_us, snap.policy)  # expiries due in that phase, after its checkpoint
    return state
