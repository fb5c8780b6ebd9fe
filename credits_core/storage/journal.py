"""The journal: the only code that writes the ledger's tables.

Every function here takes an open cursor (inside the caller's transaction, see ``store.CreditStore``) and the
current ``Snapshot``, checks the write completely against the ledger (R1, R13, R14: a replay in memory that names
the event that would fail), writes it, and returns the next snapshot. Nothing is written when a check fails, and the
snapshot passed in is never changed, so a failed or rolled-back write leaves the caller's picture as it was.

What is written: the input events (``lists``, ``events``, ``messages``, ``campaigns``) and the derived data kept
current with them: ``checkpoints`` (the replay's state after every control point) and ``daily_usage`` (spend per
Rome day, list, country and campaign). A single send is one autocommitted INSERT (the cheapest durable write DuckDB
has); the messages it adds are folded into ``daily_usage`` by the next write that opens a transaction, or once
``FOLD_AFTER`` of them are waiting. Reports add the few not yet folded on the fly (``reports.usage_source``), so
reading never writes.

Long module: the journal is the only code that writes, on purpose: events, messages, campaigns, checkpoints and the
daily rollup are written in one transaction by one module.
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from credits_core import ledger
from credits_core.ledger import (
    ROME,
    Checkpoint,
    Control,
    CreditsError,
    Cut,
    InsufficientCredits,
    MessageArrays,
    OverdrawError,
    State,
    fmt_local,
    local_date,
    now_us,
)
from credits_core.storage.database import set_meta
from credits_core.storage.message_ids import KnownIds
from credits_core.storage.schema import DERIVED_VERSION
from credits_core.storage.snapshot import MIN_KEY, Snapshot, messages_after, new_revision

MAX_AMOUNT = 10**15  # R1: every amount and every total the ledger keeps stays below this
FOLD_AFTER = 5_000  # single sends waiting to be folded into the rollup before a send folds them
ROME_DAY = "CAST((sent_at AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Rome' AS DATE)"
ROLLUP_SELECT = (f"SELECT {ROME_DAY} AS day, list_no, country, campaign_id, count(*) AS messages, "
                 f"sum(coalesce(parts, 1)) AS parts, sum(credits) AS credits FROM messages")


def rome_days(t_us: np.ndarray) -> np.ndarray:
    """The Rome calendar day (datetime64[D]) of each UTC instant in microseconds: ``ROME_DAY`` in numpy."""
    local = pd.DatetimeIndex(pd.to_datetime(np.asarray(t_us, np.int64), unit="us", utc=True)).tz_convert(ROME)
    return local.tz_localize(None).to_numpy().astype("datetime64[D]")


def exact_total(credits: np.ndarray) -> int:
    """The sum of an int64 column as a Python int, without the wrap-around of an int64 sum: each amount is below
    10**15 (< 2**50), so chunks of 4,096 sum exactly in int64 and their sums add up in Python."""
    if not len(credits):
        return 0
    if float(credits.sum(dtype=np.float64)) < MAX_AMOUNT * 0.9:  # far from the bound: the int64 sum did not wrap
        return int(credits.sum())
    return sum(int(x) for x in np.add.reduceat(credits, np.arange(0, len(credits), 4096)))


def check_amount(value: int, name: str) -> None:
    """R1: amounts stay below 10**15 (a clean refusal, never an overflow in the database)."""
    if abs(value) >= MAX_AMOUNT:
        raise CreditsError(f"{name}={value} is too large: amounts must stay below 10**15 (R1)")


# -- lists -------------------------------------------------------------------------------------------------------


def add_list(cur: duckdb.DuckDBPyConnection, snap: Snapshot, list_id: str, name: str | None) -> Snapshot:
    """A new shared list, or a new name for a known one (None keeps the name)."""
    if list_id in snap.list_no:
        if name is None or name == snap.names[list_id]:
            return snap
        cur.execute("UPDATE lists SET name = ? WHERE list_id = ?", [name, list_id])
        return snap.with_changes(names={**snap.names, list_id: name})
    no = len(snap.list_ids)
    cur.execute("INSERT INTO lists VALUES (?, ?, ?)", [no, list_id, name])
    return snap.with_changes(list_ids=snap.list_ids + (list_id,), names={**snap.names, list_id: name},
                             list_no={**snap.list_no, list_id: no})


# -- control events ----------------------------------------------------------------------------------------------


def record_control(cur: duckdb.DuckDBPyConnection, snap: Snapshot, ctl: Control) -> Snapshot:
    """A purchase, assignment or set_shared: checked by replay (R14), then written with its checkpoints."""
    if ctl.kind == "purchase":
        check_amount(ctl.credits, "credits")
        if snap.bought + ctl.credits >= MAX_AMOUNT:
            raise CreditsError(f"purchase of {ctl.credits} credits is refused: all lots bought would total "
                               f"{snap.bought + ctl.credits}, and ledger totals must stay below 10**15 (R1)")
    elif ctl.credits is not None:
        check_amount(ctl.credits, "credits")
    replayed = replay_with(cur, snap, [ctl], MessageArrays.empty(), None)
    cur.execute("INSERT INTO events VALUES (?, make_timestamp(?), ?, ?, ?, ?, ?, ?, ?)",
                [ctl.seq, ctl.at_us, ctl.kind, ctl.list_id, ctl.credits, ctl.lot_id, ctl.expiring, ctl.price,
                 ctl.author])
    controls = snap.controls
    i = bisect.bisect_right([c.key for c in controls], ctl.key)
    snap = snap.with_changes(
        controls=controls[:i] + (ctl,) + controls[i:], next_seq=max(snap.next_seq, ctl.seq + 1),
        lots={**snap.lots, ctl.lot_id: ctl} if ctl.kind == "purchase" else snap.lots,
        bought=snap.bought + (ctl.credits if ctl.kind == "purchase" else 0))
    snap = commit_replay(cur, snap, replayed, ctl.key)
    return fold_usage(cur, snap)


# -- messages ----------------------------------------------------------------------------------------------------


def known_message(cur: duckdb.DuckDBPyConnection, snap: Snapshot, message_id: str, row: tuple) -> bool:
    """R13: True if this exact message (list_no, t_us, credits, country, parts, campaign_id) is stored; the same id
    with other content is refused."""
    rows = cur.execute("SELECT list_no, epoch_us(sent_at), credits, country, parts, campaign_id FROM messages "
                       "WHERE message_id = ?", [message_id]).fetchall()
    if not rows:
        return False
    if tuple(rows[0]) == tuple(row):
        return True
    lno, tu, cr = rows[0][:3]
    raise CreditsError(f"message_id {message_id!r} already exists with different content (list "
                       f"{snap.list_ids[lno]!r}, {cr} credits at {fmt_local(tu)})")


def send_one(cur: duckdb.DuckDBPyConnection, snap: Snapshot, message_id: str, list_no: int, t_us: int,
             credits: int, country: str | None, parts: int | None, campaign_id: str | None,
             in_transaction: bool, announce: Callable[[], str] | None = None, check_id: bool = True,
             known: KnownIds | None = None) -> tuple[Snapshot, bool]:
    """One message. Outside a transaction, an append that changes no checkpoint and folds nothing is written as
    one autocommitted INSERT (``announce()`` gives the write's token just before); anything else returns
    ``needs_tx=True`` having written nothing, and the caller calls again inside a transaction.

    R13 (``check_id``, for ids the caller chose): the INSERT itself skips an id already stored, so the common case
    costs one statement; a skipped one is then compared (same content: a no-op; other content: refused), and so is a
    message the replay refuses, since a repeat of a stored message is a no-op even when its bucket is empty now.
    ``known`` (``message_ids.KnownIds``, the store's), once built, proves most ids new without the scan."""
    check_amount(credits, "credits")
    content = (list_no, t_us, credits, country, parts, campaign_id)
    seq = snap.next_seq
    msgs = MessageArrays(np.array([t_us], np.int64), np.array([seq], np.int64), np.array([list_no], np.int32),
                         np.array([credits], np.int64))
    try:
        replayed = replay_with(cur, snap, [], msgs, lambda _seq: message_id)
    except InsufficientCredits:
        if check_id and known_message(cur, snap, message_id, content):
            return snap, False
        raise
    simple = (replayed.appends and not replayed.checkpoints and not replayed.cuts and not in_transaction
              and snap.unrolled < FOLD_AFTER)
    if not simple and not in_transaction:
        return snap, True
    token = announce() if simple and announce is not None else snap.token
    values = [seq, message_id, list_no, t_us, credits, country, parts, campaign_id]
    known = known if check_id else None
    key = known.proves_new(cur, message_id, snap.n_messages, seq) if known is not None else None
    if check_id and key is None:
        started = time.perf_counter()
        written = cur.execute(
            "INSERT INTO messages SELECT ?, ?, ?, make_timestamp(?), ?, ?, ?, ?, NULL, NULL "
            "WHERE NOT EXISTS (SELECT 1 FROM messages WHERE message_id = ?)", values + [message_id]).fetchall()[0][0]
        if known is not None:
            known.scanned(time.perf_counter() - started)
        if not written:
            known_message(cur, snap, message_id, content)  # raises when the stored one differs
            return snap.with_changes(token=token), False  # R13: the same message again, nothing written
    else:  # an id we made up, or one the known ids prove new
        cur.execute("INSERT INTO messages VALUES (?, ?, ?, make_timestamp(?), ?, ?, ?, ?, NULL, NULL)", values)
    if key is not None:
        known.added(key, seq)
    snap = _counted(snap, seq, 1, t_us, t_us)
    if simple:
        return snap.with_changes(tail=replayed.tail, last_key=max(snap.last_key, (t_us, seq)), token=token,
                                 revision=new_revision()), False
    snap = commit_replay(cur, snap, replayed, (t_us, seq))
    return (fold_usage(cur, snap) if snap.unrolled >= FOLD_AFTER else snap), False


def record_messages(cur: duckdb.DuckDBPyConnection, snap: Snapshot, new: pd.DataFrame,
                    arrays: MessageArrays) -> Snapshot:
    """Messages validated by ``messages.prepare_messages`` (with their seqs): replayed, then written in bulk."""
    if not len(new):
        return snap
    total = exact_total(arrays.credits)
    if total >= MAX_AMOUNT:  # R1: a total past the bound is refused before any sum could overflow
        raise CreditsError(f"these {len(new):,} messages cost {total:,} credits in all; ledger totals must stay below "
                           f"10**15 (R1); nothing was recorded")
    seq0 = int(arrays.seq[0])
    ids = new["message_id"]  # named only in an error: a million strings are not copied out for it
    replayed = replay_with(cur, snap, [], arrays, lambda seq: ids.iloc[seq - seq0])
    # through Arrow: DuckDB scans an Arrow table in parallel and without copying its strings
    table = pa.Table.from_pandas(new, preserve_index=False)
    cur.register("_new_messages", table)
    try:
        cur.execute("INSERT INTO messages SELECT seq, message_id, list_no, make_timestamp(t_us), credits, country, "
                    "parts, campaign_id, recipient, text FROM _new_messages")
    finally:
        try:  # after a failed INSERT the transaction is aborted: this must not replace the error that aborted it
            cur.unregister("_new_messages")
        except duckdb.Error:
            pass
    snap = _counted(snap, int(arrays.seq.max()), len(new), int(arrays.t.min()), int(arrays.t.max()))
    snap = commit_replay(cur, snap, replayed, arrays.last_key())
    return fold_usage(cur, snap, (seq0, table))


def _counted(snap: Snapshot, max_seq: int, n: int, t_min: int, t_max: int) -> Snapshot:
    lo, hi = local_date(t_min), local_date(t_max)
    return snap.with_changes(
        n_messages=snap.n_messages + n, unrolled=snap.unrolled + n, next_seq=max(snap.next_seq, max_seq + 1),
        first_day=min(snap.first_day, lo) if snap.first_day else lo,
        last_day=max(snap.last_day, hi) if snap.last_day else hi)


def fold_usage(cur: duckdb.DuckDBPyConnection, snap: Snapshot, batch: tuple[int, pa.Table] | None = None
               ) -> Snapshot:
    """Fold the messages not yet in the daily rollup into it (inside the caller's transaction). ``batch``: the
    messages just written from seq ``batch[0]`` on, as the Arrow table they were written from: they are folded from
    it, their Rome days computed by numpy (about half the time of re-reading them and converting each instant with
    ICU in SQL); the rest (single sends waiting) from the table."""
    if not snap.unrolled:
        return snap
    upto = snap.next_seq - 1
    first, new = batch if batch is not None else (upto + 1, None)
    if snap.rolled_seq < first - 1:
        cur.execute(f"INSERT INTO daily_usage {ROLLUP_SELECT} WHERE seq > ? AND seq < ? GROUP BY ALL",
                    [snap.rolled_seq, first])
    if new is not None:
        days = rome_days(new.column("t_us").to_numpy())
        cur.register("_new_days", new.select(["list_no", "country", "campaign_id", "parts", "credits"])
                     .append_column("day", pa.array(days)))
        try:
            cur.execute("INSERT INTO daily_usage SELECT day, list_no, country, campaign_id, count(*) AS messages, "
                        "sum(coalesce(parts, 1)) AS parts, sum(credits) AS credits FROM _new_days GROUP BY ALL")
        finally:
            cur.unregister("_new_days")
    set_meta(cur, "usage_seq", str(upto))
    return snap.with_changes(rolled_seq=upto, unrolled=0)


def rebuild_usage(cur: duckdb.DuckDBPyConnection, snap: Snapshot) -> Snapshot:
    cur.execute("DELETE FROM daily_usage")
    upto = snap.next_seq - 1
    cur.execute(f"INSERT INTO daily_usage {ROLLUP_SELECT} GROUP BY ALL")
    set_meta(cur, "usage_seq", str(upto))
    return snap.with_changes(rolled_seq=upto, unrolled=0)


# -- campaigns -----------------------------------------------------------------------------------------------------


def save_campaign(cur: duckdb.DuckDBPyConnection, snap: Snapshot, campaign_id: str | None, list_id: str,
                  at_us: int, text: str, recipients: dict[str, int], credits: int, author: str | None = None
                  ) -> tuple[Snapshot, str]:
    """Store a scheduled campaign (replacing one with the same id); the caller checked that it fits."""
    check_amount(credits, "campaign credits")
    seq = snap.next_seq
    campaign_id = campaign_id or f"S{seq:06d}"
    cur.execute("DELETE FROM campaigns WHERE campaign_id = ?", [campaign_id])
    cur.execute("INSERT INTO campaigns VALUES (?, ?, make_timestamp(?), ?, ?, ?, 'scheduled', ?, ?, make_timestamp(?))",
                [campaign_id, list_id, at_us, text, json.dumps(recipients), credits, seq, author, now_us()])
    return snap.with_changes(next_seq=seq + 1), campaign_id


def describe_campaigns(cur: duckdb.DuckDBPyConnection, snap: Snapshot, rows: pd.DataFrame) -> tuple[Snapshot, int]:
    """Names (and optionally list, send instant, text) of campaigns, checked by the caller: a new campaign_id is
    added, a known one takes the new values; a row equal to the stored one writes nothing. Returns how many rows
    were new or changed."""
    cols = ["campaign_id", "name", "list_id", "t_us", "text", "is_unicode", "estimated", "parts"]
    cur.register("_campaign_rows", pa.Table.from_pandas(rows[cols], preserve_index=False))
    try:
        changed = cur.execute(
            "SELECT r.campaign_id FROM _campaign_rows r LEFT JOIN campaign_info c USING (campaign_id) WHERE "
            "c.campaign_id IS NULL OR c.name IS DISTINCT FROM r.name OR c.list_id IS DISTINCT FROM r.list_id OR "
            "epoch_us(c.sent_at) IS DISTINCT FROM r.t_us OR c.text IS DISTINCT FROM r.text OR "
            "c.is_unicode IS DISTINCT FROM r.is_unicode OR c.estimated IS DISTINCT FROM r.estimated OR "
            "c.parts IS DISTINCT FROM r.parts").fetchall()
        if changed:
            cur.execute("INSERT OR REPLACE INTO campaign_info SELECT campaign_id, name, list_id, "
                        "CASE WHEN t_us IS NULL THEN NULL ELSE make_timestamp(t_us) END, text, is_unicode, estimated, "
                        "parts "
                        "FROM _campaign_rows")
    finally:
        cur.unregister("_campaign_rows")
    return (snap.with_changes() if changed else snap), len(changed)


def audit(cur: duckdb.DuckDBPyConnection, snap: Snapshot, at_us: int, author: str | None, action: str,
          detail: str) -> Snapshot:
    """A write that is not a ledger event (an import), for the History: who, when, what."""
    seq = snap.next_seq
    cur.execute("INSERT INTO audit VALUES (?, make_timestamp(?), ?, ?, ?)", [seq, at_us, author, action, detail])
    return snap.with_changes(next_seq=seq + 1)


def cancel_campaign(cur: duckdb.DuckDBPyConnection, snap: Snapshot, campaign_id: str,
                    author: str | None = None) -> Snapshot:
    n = cur.execute("SELECT count(*) FROM campaigns WHERE campaign_id = ? AND status = 'scheduled'",
                    [campaign_id]).fetchall()[0][0]
    if not n:
        raise CreditsError(f"campaign {campaign_id!r} is not scheduled")
    cur.execute("UPDATE campaigns SET status = 'cancelled' WHERE campaign_id = ?", [campaign_id])
    return audit(cur, snap, now_us(), author, "campaign cancelled", f"campaign {campaign_id} cancelled")


def mark_alert_sent(cur: duckdb.DuckDBPyConnection, snap: Snapshot, key: str, figure: int, at_us: int) -> Snapshot:
    """Remember that an alert went out, with its figure (``alerts``)."""
    cur.execute("INSERT OR REPLACE INTO alerts_sent VALUES (?, ?, make_timestamp(?))", [key, figure, at_us])
    return snap.with_changes()  # a new snapshot: the write is announced


def save_mailup_bookmark(cur: duckdb.DuckDBPyConnection, snap: Snapshot, id_message: int, list_id: str,
                         sendings: int, complete: bool, at_us: int, last_sent_us: int | None) -> Snapshot:
    """The MailUp sync's bookmark of one message (inside the transaction of the records it covers)."""
    cur.execute("INSERT OR REPLACE INTO mailup_messages (id_message, list_id, sendings, complete, synced_at, "
                "last_sent) VALUES (?, ?, ?, ?, make_timestamp(?), make_timestamp(?))",
                [id_message, list_id, sendings, complete, at_us, last_sent_us])
    return snap.with_changes()


def set_meta_value(cur: duckdb.DuckDBPyConnection, snap: Snapshot, key: str, value: str) -> Snapshot:
    """A fact about the file itself (``meta``): the MailUp account it holds."""
    cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
    return snap.with_changes()


def save_mailup_status(cur: duckdb.DuckDBPyConnection, snap: Snapshot, total: int, by_list: dict[str, int],
                       detail: str, at_us: int) -> Snapshot:
    """MailUp's credit figures at the end of a sync (replacing the previous ones), with what the sync brought."""
    check_amount(total, "MailUp TotalCredits")
    cur.execute("DELETE FROM mailup_status")
    cur.executemany("INSERT INTO mailup_status VALUES (?, ?, make_timestamp(?), ?)",
                    [[None, total, at_us, detail]] + [[k, v, at_us, None] for k, v in by_list.items()])
    return snap.with_changes()


def forget_alerts_except(cur: duckdb.DuckDBPyConnection, snap: Snapshot, active: list[str]) -> Snapshot:
    """Forget the alerts no longer active (resolved): their next episode is news."""
    gone = cur.execute("DELETE FROM alerts_sent WHERE NOT list_contains(?, key)", [active]).fetchall()[0][0]
    return snap.with_changes() if gone else snap  # a new snapshot (the write announced) only when one went


# -- replay plumbing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replayed:
    """What a replay of new events found: the checkpoints and cuts after ``start_key`` (those stored after it are
    replaced), the new tail, and how many stored checkpoints stay."""

    checkpoints: list[Checkpoint]
    cuts: list[Cut]
    tail: State
    keep: int
    start_key: tuple[int, int]
    appends: bool  # the new events all come after everything recorded (nothing stored is replaced)
    marks: tuple = ()  # (key, state) noted by this replay after start_key (``Snapshot.marks``)


MARK_EVERY = 20_000  # messages between two noted states: a send before the tail replays at most about this many
MAX_MARKS = 500

def replay_with(cur: duckdb.DuckDBPyConnection, snap: Snapshot, controls: list[Control], msgs: MessageArrays,
                name_of: Callable[[int], str] | None) -> Replayed:
    """Replay new events in memory: from the tail when they come after everything recorded (the common case), else
    from the last checkpoint before the earliest of them (R14). Raises, naming the event that fails, before anything
    is written."""
    if not controls and len(msgs) == 1 and (int(msgs.t[0]), int(msgs.seq[0])) > snap.last_key:
        tail = ledger.append_one(snap.tail, snap.list_ids[int(msgs.list_no[0])], int(msgs.credits[0]),
                                 int(msgs.t[0]), snap.policy)
        if tail is not None:  # one message appended inside the head lot: nothing to replay
            return Replayed([], [], tail, len(snap.checkpoints), snap.last_key, True, ())
    keys = [c.key for c in controls]
    if len(msgs):
        i = int(np.lexsort((msgs.seq, msgs.t))[0])
        keys.append((int(msgs.t[i]), int(msgs.seq[i])))
    first = min(keys)
    if first > snap.last_key:
        start, start_key, keep = snap.tail, snap.last_key, len(snap.checkpoints)
        all_controls, all_msgs = controls, msgs
    else:
        keep = bisect.bisect_left(snap.ckpt_keys, first)
        start = snap.checkpoints[keep - 1].state if keep else State()
        start_key = snap.ckpt_keys[keep - 1] if keep else MIN_KEY
        noted = [m for m in snap.marks if start_key < m[0] < first]
        if noted:  # a state noted after the checkpoint: only what follows it is read and replayed (R14 all the same)
            start_key, start = noted[-1][0], noted[-1][1].copy()
            keep = bisect.bisect_right(snap.ckpt_keys, start_key)
        all_controls = [c for c in snap.controls if c.key > start_key] + list(controls)
        old = messages_after(cur, start_key)
        all_msgs = MessageArrays(*(np.concatenate([a, b]) for a, b in zip(
            (old.t, old.seq, old.list_no, old.credits), (msgs.t, msgs.seq, msgs.list_no, msgs.credits))))
    cuts: list[Cut] = []
    marks: list = []
    try:
        checkpoints, tail = ledger.replay(start, start_key, all_controls, all_msgs, snap.list_ids, snap.policy, cuts,
                                          marks, MARK_EVERY)
    except OverdrawError as exc:
        o = exc.overdraw
        if name_of is not None and o.seq in set(msgs.seq.tolist()):
            mid = name_of(o.seq)
        else:
            rows = cur.execute("SELECT message_id FROM messages WHERE seq = ?", [o.seq]).fetchall()
            mid = rows[0][0] if rows else f"seq {o.seq}"
        text = (f"message {mid!r} of list {o.list_id!r} at {fmt_local(o.at_us)} costs {o.credits} credits but "
                f"{o.bucket} holds only {o.available} then")
        if controls:
            text = f"{controls[0].describe()} is refused: {text}"
        raise InsufficientCredits(text) from None
    except InsufficientCredits as exc:
        if controls and controls[0].describe() not in str(exc):
            raise InsufficientCredits(f"{controls[0].describe()} is refused: {exc}") from None
        if not controls:
            raise InsufficientCredits(f"recording these messages is refused: {exc}") from None
        raise
    return Replayed(checkpoints, cuts, tail, keep, start_key, first > snap.last_key, tuple(marks))


def commit_replay(cur: duckdb.DuckDBPyConnection, snap: Snapshot, r: Replayed, last: tuple[int, int]) -> Snapshot:
    """Write the replay's checkpoints and cuts (dropping those it replaced); ``last`` is the key of the latest event
    just recorded."""
    kept_cuts = snap.cuts
    if not r.appends:  # a replay from a stored checkpoint replaces everything derived after it
        k = r.start_key
        for table in ("checkpoints", "lot_cuts"):
            cur.execute(f"DELETE FROM {table} WHERE at_us > ? OR (at_us = ? AND seq > ?)", [k[0], k[0], k[1]])
        kept_cuts = tuple(c for c in kept_cuts if c.key <= k)
    write_checkpoints(cur, r.checkpoints)
    write_cuts(cur, r.cuts)
    kept = snap.checkpoints[:r.keep] + tuple(r.checkpoints)
    marks = tuple(m for m in snap.marks if m[0] <= r.start_key) + r.marks  # the later ones were replayed again
    return snap.with_changes(checkpoints=kept, ckpt_keys=tuple(c.key for c in kept), tail=r.tail,
                             cuts=kept_cuts + tuple(r.cuts), last_key=max(snap.last_key, last),
                             marks=marks[-MAX_MARKS:])


def write_cuts(cur: duckdb.DuckDBPyConnection, cuts: list[Cut]) -> None:
    if cuts:
        cur.executemany("INSERT INTO lot_cuts VALUES (?, ?, ?, ?)",
                        [[c.key[0], c.key[1], c.offset, c.lot_id] for c in cuts])


def write_checkpoints(cur: duckdb.DuckDBPyConnection, checkpoints: list[Checkpoint]) -> None:
    if not checkpoints:
        return
    rows = pd.DataFrame(
        [(c.key[0], c.key[1], c.kind, c.seq, json.dumps(c.state.to_dict()), ledger.detail_json(c.detail))
         for c in checkpoints],
        columns=["at_us", "seq", "kind", "ctl_seq", "state", "detail"])
    rows["ctl_seq"] = rows["ctl_seq"].astype("Int64")
    cur.register("_new_ckpts", rows)
    try:
        cur.execute("INSERT INTO checkpoints SELECT * FROM _new_ckpts")
    finally:
        cur.unregister("_new_ckpts")


def rebuild(cur: duckdb.DuckDBPyConnection, snap: Snapshot) -> Snapshot:
    """Replay every event from the start under the snapshot's policy; rewrite checkpoints and the rollup."""
    cuts: list[Cut] = []
    marks: list = []
    checkpoints, tail = ledger.replay(State(), MIN_KEY, snap.controls, messages_after(cur, MIN_KEY), snap.list_ids,
                                      snap.policy, cuts, marks, MARK_EVERY)
    cur.execute("DELETE FROM checkpoints")
    write_checkpoints(cur, checkpoints)
    cur.execute("DELETE FROM lot_cuts")
    write_cuts(cur, cuts)
    set_meta(cur, "policy", snap.policy.to_json())
    set_meta(cur, "derived_version", str(DERIVED_VERSION))
    snap = snap.with_changes(checkpoints=tuple(checkpoints), ckpt_keys=tuple(c.key for c in checkpoints), tail=tail,
                             cuts=tuple(cuts), marks=tuple(marks[-MAX_MARKS:]))
    return rebuild_usage(cur, snap)
