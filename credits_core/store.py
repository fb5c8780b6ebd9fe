"""``CreditStore``: the public engine API of SPEC section 4, on one DuckDB file.

What is stored: the input events (lists, purchases, assignments, messages) and the derived checkpoints (the
ledger ``State`` after each control point, see ``ledger``). What is kept in memory: the lists, the control events,
the checkpoints and the *tail* state (after the latest recorded event). Hundreds of control points, not millions of
messages, so this stays small and makes every question cheap:

* appending an event later than every recorded one replays just that event from the tail;
* an event earlier than others (an import, a correction) replays from the last checkpoint before it (R14);
* ``balance(at)`` is one checkpoint plus one range sum over the messages of one phase.

Every write is validated completely in memory first, then written in one transaction; a refused call writes
nothing (R14) and leaves the in-memory state as it was.

Threads: one DuckDB cursor per thread (``con.cursor()``), and one lock around every call, so that two Streamlit
sessions can share a store. One process holds a file read-write (DuckDB locks it); others get ``StoreInUse``.
"""

from __future__ import annotations

import bisect
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from . import ledger
from .calendar import fmt_local, from_us, now_us, utc_us
from .errors import CreditsError, InsufficientCredits, StoreInUse
from .ledger import Checkpoint, Control, MessageArrays, OverdrawError, State
from .policy import Policy
from .schema import APP_ID, DERIVED_VERSION, MIGRATIONS, SCHEMA_VERSION

MIN_KEY = (-(2**62), -(2**62))
MAX_SEQ = 2**62


@dataclass(frozen=True)
class Balance:
    """The account as of ``at``: ``total = unassigned + sum(assigned)`` (R11)."""

    at: datetime
    total: int
    unassigned: int
    assigned: dict[str, int] = field(default_factory=dict)  # limited lists
    lots: dict[str, int] = field(default_factory=dict)  # every lot bought by `at`, 0 included
    expiring: int = 0
    non_expiring: int = 0
    next_expiry: datetime | None = None
    next_expiry_credits: int = 0


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_credits(value: object, name: str, *, positive: bool = True) -> int:
    """R1: credits are whole numbers (never floats or bools); positive where the rule says so."""
    if not _is_int(value):
        raise CreditsError(f"{name}={value!r} must be a whole number of credits (int), got {type(value).__name__}")
    if positive and value <= 0:
        raise CreditsError(f"{name}={value} must be > 0")
    return int(value)


def _check_id(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CreditsError(f"{name}={value!r} must be a non-empty string")
    return value


class CreditStore:
    """The ledger of one account. Open with ``CreditStore.open(path)``; see SPEC section 4."""

    # -- opening -------------------------------------------------------------------------------------------------

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str, policy: Policy | None, read_only: bool):
        self._con = con
        self.path = path
        self.read_only = read_only
        self._lock = threading.RLock()
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._closers: list[Callable[[], None]] = []
        self._in_batch = False
        self._pending: dict[str, tuple] = {}  # message_id -> row, sent in a batch and not yet written
        self._pending_base: tuple | None = None  # the in-memory state before the first pending row
        self._migrate()
        stored = self._meta("policy")
        self.policy = policy or (Policy.from_json(stored) if stored else Policy())
        stale = stored is None or Policy.from_json(stored) != self.policy or self._meta("derived_version") != str(
            DERIVED_VERSION)
        self._load(derived=not stale)
        if stale:  # derived data from another policy or an older meaning: rebuild it from the events
            self._rebuild(persist=not read_only)

    @classmethod
    def open(cls, path: str | Path = ":memory:", policy: Policy | None = None, *,
             read_only: bool = False) -> CreditStore:
        """Open (or create) a store. ``policy=None`` keeps the policy the file was built with (default for a new
        file); another policy rebuilds the derived data under it."""
        path = str(path)
        if policy is not None and not isinstance(policy, Policy):
            raise CreditsError(f"policy={policy!r} must be a credits_core.Policy")
        if path != ":memory:":
            if read_only and not Path(path).exists():
                raise CreditsError(f"database {path} does not exist")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(path, read_only=read_only and path != ":memory:",
                                 config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreInUse(
                    f"database {path} is in use by another process (the dashboard or another command holds it); "
                    f"stop that process or use another file. DuckDB said: {exc}"
                ) from None
            raise CreditsError(f"cannot open database {path}: {exc}") from None
        except duckdb.Error as exc:
            raise CreditsError(f"{path} is not a credits database: {exc}") from None
        try:
            return cls(con, path, policy, read_only)
        except BaseException:
            con.close()
            raise

    def on_close(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` when the store closes (after its connection is closed)."""
        self._closers.append(fn)

    def close(self) -> None:
        with self._lock:
            for cur in self._cursors:
                try:
                    cur.close()
                except duckdb.Error:
                    pass
            self._cursors.clear()
            self._local = threading.local()
            self._con.close()
            for fn in self._closers:
                fn()
            self._closers.clear()

    def __enter__(self) -> CreditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cur(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._con.cursor()
            cur.execute("SET TimeZone = 'UTC'")
            self._local.cur = cur
            self._cursors.append(cur)
        return cur

    def _meta(self, key: str) -> str | None:
        rows = self._cur().execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None

    def _set_meta(self, cur: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
        cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def _migrate(self) -> None:
        cur = self._cur()
        tables = {r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if tables and "meta" not in tables:
            raise CreditsError(f"{self.path} is not a credits database (it has tables {sorted(tables)})")
        version = 0
        if "meta" in tables:
            app = self._meta("app")
            if app != APP_ID:
                raise CreditsError(f"{self.path} is not a credits database (app={app!r})")
            version = int(self._meta("schema_version") or 0)
        if version > SCHEMA_VERSION:
            raise CreditsError(
                f"{self.path} was written by a newer version of this program (schema {version}, this program "
                f"knows up to {SCHEMA_VERSION}); upgrade the program"
            )
        if version == SCHEMA_VERSION:
            return
        if self.read_only:
            raise CreditsError(f"{self.path} has schema {version} and needs a migration to {SCHEMA_VERSION}; "
                               f"open it once without read_only")
        cur.execute("BEGIN TRANSACTION")
        try:
            for step in MIGRATIONS[version:]:
                for sql in step:
                    cur.execute(sql)
            self._set_meta(cur, "app", APP_ID)
            self._set_meta(cur, "schema_version", str(SCHEMA_VERSION))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def _load(self, derived: bool = True) -> None:
        """Read the lists, control events and (if ``derived`` is trusted) the checkpoints into memory, and compute
        the tail state."""
        cur = self._cur()
        rows = cur.execute("SELECT list_no, list_id, name FROM lists ORDER BY list_no").fetchall()
        self._list_ids = [r[1] for r in rows]
        self._list_no = {r[1]: r[0] for r in rows}
        self._names = {r[1]: r[2] for r in rows}
        self._controls = [
            Control(seq, at_us, kind, list_id, credits, lot_id, expiring, None if price is None else str(price))
            for seq, at_us, kind, list_id, credits, lot_id, expiring, price in cur.execute(
                "SELECT seq, epoch_us(occurred_at), kind, list_id, credits, lot_id, expiring, price FROM events "
                "ORDER BY occurred_at, seq"
            ).fetchall()
        ]
        self._ckpts = [
            Checkpoint((at_us, seq), kind, State.from_dict(json.loads(state)), json.loads(detail), ctl_seq)
            for at_us, seq, kind, ctl_seq, state, detail in cur.execute(
                "SELECT at_us, seq, kind, ctl_seq, state, detail FROM checkpoints ORDER BY at_us, seq"
            ).fetchall()
        ] if derived else []
        self._ckpt_keys = [c.key for c in self._ckpts]
        last_msg = cur.execute(
            "SELECT epoch_us(sent_at), seq FROM messages ORDER BY sent_at DESC, seq DESC LIMIT 1").fetchall()
        keys = [c.key for c in self._controls[-1:]] + [tuple(r) for r in last_msg]
        self._last_key = max(keys) if keys else MIN_KEY
        self._n_messages = cur.execute("SELECT count(*) FROM messages").fetchall()[0][0]
        seqs = cur.execute("SELECT max(seq) FROM (SELECT seq FROM events UNION ALL SELECT seq FROM messages "
                           "UNION ALL SELECT created_seq FROM campaigns)").fetchall()[0][0]
        self._next_seq = (seqs or 0) + 1
        self._tail = self._state_from_messages(len(self._ckpts), self._last_key) if derived else State()
        # a new value at every open: caches keyed on (file, revision) never mix up two opens of one file
        self.revision = time.monotonic_ns()

    # -- transactions --------------------------------------------------------------------------------------------

    def _mem(self) -> tuple:
        return (list(self._list_ids), dict(self._list_no), dict(self._names), list(self._controls),
                list(self._ckpts), list(self._ckpt_keys), self._tail, self._last_key, self._n_messages,
                self._next_seq)

    def _restore(self, saved: tuple) -> None:
        (self._list_ids, self._list_no, self._names, self._controls, self._ckpts, self._ckpt_keys, self._tail,
         self._last_key, self._n_messages, self._next_seq) = saved

    @contextmanager
    def _tx(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write: validated before it starts, written in one transaction, memory restored if it fails."""
        if self.read_only:
            raise CreditsError(f"database {self.path} is open read-only; nothing can be recorded")
        with self._lock:
            cur = self._cur()
            if self._in_batch:
                self._flush_batch(cur)
                yield cur
                return
            saved = self._mem()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
                self.revision += 1
            except BaseException:
                cur.execute("ROLLBACK")
                self._restore(saved)
                raise

    @contextmanager
    def batch(self) -> Iterator[CreditStore]:
        """Group many calls into one transaction: ``with store.batch(): ...``.

        Inside, ``send`` calls appended in time order are checked one by one against the in-memory ledger (a refused
        one raises and changes nothing) and written together when the block ends; nothing of the block is durable
        before that. An exception that leaves the block discards the whole block.

        Message ids are checked against the stored messages once, when the sends are written (one join instead of a
        query per send): a stored id with the same content is dropped then (R13, a no-op), one with different content
        raises at that point and discards the block.
        """
        if self.read_only:
            raise CreditsError(f"database {self.path} is open read-only; nothing can be recorded")
        with self._lock:
            if self._in_batch:
                yield self
                return
            cur = self._cur()
            saved = self._mem()
            cur.execute("BEGIN TRANSACTION")
            self._in_batch = True
            try:
                yield self
                self._flush_batch(cur)
                cur.execute("COMMIT")
                self.revision += 1
            except BaseException:
                cur.execute("ROLLBACK")
                self._restore(saved)
                raise
            finally:
                self._in_batch = False
                self._pending, self._pending_base = {}, None

    def _flush_batch(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Write the pending sends of a batch (and the checkpoints they produced) into the open transaction."""
        from .messages import drop_known

        if not self._pending:
            return
        rows, base = list(self._pending.values()), self._pending_base
        self._pending, self._pending_base = {}, None
        df = pd.DataFrame(rows, columns=["seq", "message_id", "list_no", "t_us", "credits", "country", "parts",
                                         "campaign_id", "recipient", "text"])
        df["parts"] = df["parts"].astype("Int32")
        kept = drop_known(self, df, pd.Index(df["message_id"]))
        if len(kept) < len(df):  # some were stored before (R13 no-ops): replay the rest from the state before them
            next_seq = self._next_seq
            self._restore(base)
            arrays = MessageArrays(kept["t_us"].to_numpy(np.int64), kept["seq"].to_numpy(np.int64),
                                   kept["list_no"].to_numpy(np.int32), kept["credits"].to_numpy(np.int64))
            self._next_seq = next_seq
            if len(kept):
                checkpoints, tail, keep = self._replay_with([], arrays, None)
                self._n_messages += len(kept)
                self._insert_messages(cur, kept)
                self._commit_replay(cur, checkpoints, tail, keep, arrays.last_key())
            return
        self._insert_messages(cur, df)
        self._write_checkpoints(cur, self._ckpts[len(base[4]):])

    # -- lists and control events --------------------------------------------------------------------------------

    def add_list(self, list_id: str, name: str | None = None) -> None:
        """Create a mailing list (shared: it spends from the pool). Adding it again is a no-op; a new name renames."""
        list_id = _check_id(list_id, "list_id")
        if name is not None and not isinstance(name, str):
            raise CreditsError(f"name={name!r} of list {list_id!r} must be a string")
        with self._tx() as cur:
            if list_id in self._list_no:
                if name is not None and name != self._names[list_id]:
                    cur.execute("UPDATE lists SET name = ? WHERE list_id = ?", [name, list_id])
                    self._names[list_id] = name
                return
            no = len(self._list_ids)
            cur.execute("INSERT INTO lists VALUES (?, ?, ?)", [no, list_id, name])
            self._list_ids.append(list_id)
            self._list_no[list_id] = no
            self._names[list_id] = name

    def purchase(self, credits: int, at: datetime, *, expiring: bool = True, price: Decimal | None = None,
                 lot_id: str | None = None) -> str:
        """R4, R6: buy a lot; its credits join the unassigned pool. Returns the lot_id."""
        credits = _check_credits(credits, "credits")
        at_us = utc_us(at, "at")
        if not isinstance(expiring, bool):
            raise CreditsError(f"expiring={expiring!r} must be True or False")
        if price is not None:
            try:
                price = Decimal(str(price)) if not isinstance(price, Decimal) else price
            except InvalidOperation:
                raise CreditsError(f"price={price!r} is not a decimal amount") from None
            if not price.is_finite() or price < 0:
                raise CreditsError(f"price={price} must be a finite amount >= 0")
            price = price.quantize(Decimal("0.01"))
        with self._lock:
            if lot_id is not None:
                lot_id = _check_id(lot_id, "lot_id")
                existing = next((c for c in self._controls if c.kind == "purchase" and c.lot_id == lot_id), None)
                if existing is not None:
                    same = (existing.credits, existing.at_us, existing.expiring) == (credits, at_us, expiring) and (
                        price is None or existing.price == str(price))
                    if same:
                        return lot_id  # R13: the same purchase again is a no-op
                    raise CreditsError(f"lot_id {lot_id!r} already exists with different content "
                                       f"({existing.credits} credits at {fmt_local(existing.at_us)})")
            seq = self._next_seq
            lot_id = lot_id or f"L{seq:06d}"
            price_text = None if price is None else str(price)
            ctl = Control(seq, at_us, "purchase", None, credits, lot_id, expiring, price_text)
            self._record_control(ctl)
            return lot_id

    def assign(self, list_id: str, credits: int, at: datetime) -> None:
        """R6: move credits from the pool to a list (negative: give back) and make the list limited."""
        credits = _check_credits(credits, "credits", positive=False)
        at_us = utc_us(at, "at")
        with self._lock:
            self._require_list(list_id)
            self._record_control(Control(self._next_seq, at_us, "assign", list_id, credits))

    def set_shared(self, list_id: str, at: datetime) -> None:
        """R6: the list returns its assigned credits to the pool and spends from the pool."""
        at_us = utc_us(at, "at")
        with self._lock:
            self._require_list(list_id)
            self._record_control(Control(self._next_seq, at_us, "set_shared", list_id))

    def _require_list(self, list_id: object) -> int:
        if not isinstance(list_id, str) or list_id not in self._list_no:
            raise CreditsError(f"list {list_id!r} is unknown; add it first with add_list")
        return self._list_no[list_id]

    def _record_control(self, ctl: Control) -> None:
        checkpoints, tail, keep = self._replay_with([ctl], MessageArrays.empty(), None)
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO events VALUES (?, make_timestamp(?), ?, ?, ?, ?, ?, ?)",
                [ctl.seq, ctl.at_us, ctl.kind, ctl.list_id, ctl.credits, ctl.lot_id, ctl.expiring, ctl.price],
            )
            self._controls = sorted(self._controls + [ctl], key=lambda c: c.key)
            self._next_seq += 1
            self._commit_replay(cur, checkpoints, tail, keep, ctl.key)

    # -- messages ------------------------------------------------------------------------------------------------

    def send(self, list_id: str, credits: int, at: datetime, *, message_id: str | None = None,
             country: str | None = None, parts: int | None = None, campaign_id: str | None = None) -> str:
        """R7: record one message of ``list_id`` costing ``credits``. Refused with ``InsufficientCredits`` when its
        bucket is short. The same message_id with the same content is a no-op (R13). Returns the message_id."""
        credits = _check_credits(credits, "credits")
        t_us = utc_us(at, "at")
        if parts is not None:
            parts = _check_credits(parts, "parts")
        for name, value in (("country", country), ("campaign_id", campaign_id)):
            if value is not None and not isinstance(value, str):
                raise CreditsError(f"{name}={value!r} must be a string")
        with self._lock:
            list_no = self._require_list(list_id)
            if message_id is None:
                message_id = f"msg-{uuid.uuid4().hex}"
            else:
                message_id = _check_id(message_id, "message_id")
                if self._known_message(message_id, list_no, t_us, credits, country, parts, campaign_id):
                    return message_id
            seq = self._next_seq
            msgs = MessageArrays(np.array([t_us], np.int64), np.array([seq], np.int64),
                                 np.array([list_no], np.int32), np.array([credits], np.int64))
            checkpoints, tail, keep = self._replay_with([], msgs, lambda _seq: message_id)
            row = (seq, message_id, list_no, t_us, credits, country, parts, campaign_id, None, None)
            if self._in_batch and keep == len(self._ckpts):
                # Appended in a batch: the ledger in memory is up to date; the row (and any expiry checkpoint it
                # materialised) is written when the batch flushes.
                if not self._pending:
                    self._pending_base = self._mem()
                self._pending[message_id] = row
                self._next_seq += 1
                self._n_messages += 1
                self._ckpts = self._ckpts + checkpoints
                self._ckpt_keys = self._ckpt_keys + [c.key for c in checkpoints]
                self._tail = tail
                self._last_key = max(self._last_key, (t_us, seq))
                return message_id
            insert = "INSERT INTO messages VALUES (?, ?, ?, make_timestamp(?), ?, ?, ?, ?, NULL, NULL)"
            if not checkpoints and keep == len(self._ckpts) and not self._in_batch and not self.read_only:
                # The common case, an append that changes no checkpoint: one INSERT is atomic on its own, so skip
                # BEGIN/COMMIT (each DuckDB statement costs ~0.3 ms from Python). Memory changes only after it.
                self._cur().execute(insert, list(row[:8]))
                self._next_seq += 1
                self._n_messages += 1
                self._tail = tail
                self._last_key = max(self._last_key, (t_us, seq))
                self.revision += 1
                return message_id
            with self._tx() as cur:
                cur.execute(insert, list(row[:8]))
                self._next_seq += 1
                self._n_messages += 1
                self._commit_replay(cur, checkpoints, tail, keep, (t_us, seq))
            return message_id

    def _known_message(self, message_id: str, list_no: int, t_us: int, credits: int, country: str | None,
                       parts: int | None, campaign_id: str | None) -> bool:
        """R13: True if this exact message is already stored; refuses the same id with different content."""
        pending = self._pending.get(message_id)
        rows = [pending[2:8]] if pending else []
        if not rows and not self._in_batch:  # in a batch, stored ids are checked once, at the flush
            rows = self._cur().execute(
                "SELECT list_no, epoch_us(sent_at), credits, country, parts, campaign_id FROM messages "
                "WHERE message_id = ?", [message_id]).fetchall()
        if not rows:
            return False
        if tuple(rows[0]) == (list_no, t_us, credits, country, parts, campaign_id):
            return True
        lno, tu, cr = rows[0][:3]
        raise CreditsError(
            f"message_id {message_id!r} already exists with different content (list {self._list_ids[lno]!r}, "
            f"{cr} credits at {fmt_local(tu)})")

    def record_messages(self, df: pd.DataFrame) -> int:
        """Record many messages at once, all or nothing; returns how many new messages were stored.

        Required columns: message_id, list_id, sent_at (tz-aware), credits; optional: country, parts, campaign_id,
        recipient, text. Rows keep their order for messages at the same instant (R9). Messages already stored with
        the same content are skipped (R13).
        """
        from .messages import prepare_messages  # validation lives with the message table format

        with self._lock:
            if self._pending:
                self._flush_batch(self._cur())
            new, arrays = prepare_messages(self, df)
            if not len(new):
                return 0
            seq0 = int(arrays.seq[0])
            ids = new["message_id"].to_numpy()
            checkpoints, tail, keep = self._replay_with([], arrays, lambda seq: ids[seq - seq0])
            with self._tx() as cur:
                self._insert_messages(cur, new)
                self._next_seq += len(new)
                self._n_messages += len(new)
                self._commit_replay(cur, checkpoints, tail, keep, arrays.last_key())
            return len(new)

    def _insert_messages(self, cur: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> None:
        # through Arrow: DuckDB scans an Arrow table in parallel and without copying its strings
        cur.register("_new_messages", pa.Table.from_pandas(df, preserve_index=False))
        try:
            cur.execute(
                "INSERT INTO messages SELECT seq, message_id, list_no, make_timestamp(t_us), credits, country, "
                "parts, campaign_id, recipient, text FROM _new_messages")
        finally:
            cur.unregister("_new_messages")

    # -- replay plumbing -----------------------------------------------------------------------------------------

    def _replay_with(self, controls: list[Control], msgs: MessageArrays,
                     name_of: Callable[[int], str] | None) -> tuple[list[Checkpoint], State, int]:
        """Replay the new events in memory, from the tail when they come after everything recorded (the common
        case), else from the last checkpoint before the earliest of them (R14). Returns the new checkpoints, the new
        tail and how many old checkpoints stay. Raises, naming the event that fails, before anything is written."""
        keys = [c.key for c in controls]
        if len(msgs):
            i = int(np.lexsort((msgs.seq, msgs.t))[0])
            keys.append((int(msgs.t[i]), int(msgs.seq[i])))
        first = min(keys)
        if first > self._last_key:
            start, start_key, keep = self._tail, self._last_key, len(self._ckpts)
            all_controls, all_msgs = controls, msgs
        else:
            keep = bisect.bisect_left(self._ckpt_keys, first)
            start = self._ckpts[keep - 1].state if keep else State()
            start_key = self._ckpt_keys[keep - 1] if keep else MIN_KEY
            all_controls = [c for c in self._controls if c.key > start_key] + controls
            old = self._messages_after(start_key)
            all_msgs = MessageArrays(*(np.concatenate([a, b]) for a, b in zip(
                (old.t, old.seq, old.list_no, old.credits), (msgs.t, msgs.seq, msgs.list_no, msgs.credits))))
        try:
            checkpoints, tail = ledger.replay(start, start_key, all_controls, all_msgs, self._list_ids, self.policy)
        except OverdrawError as exc:
            o = exc.overdraw
            new_seqs = msgs.seq
            mid = name_of(o.seq) if name_of and o.seq in set(new_seqs.tolist()) else self._message_id(o.seq)
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
        return checkpoints, tail, keep

    def _commit_replay(self, cur: duckdb.DuckDBPyConnection, checkpoints: list[Checkpoint], tail: State,
                       keep: int, last: tuple[int, int]) -> None:
        """Write the replay's checkpoints (dropping those it replaced) and take its tail; ``last`` is the key of the
        latest event just recorded."""
        if keep < len(self._ckpts):
            k = self._ckpt_keys[keep - 1] if keep else MIN_KEY
            cur.execute("DELETE FROM checkpoints WHERE at_us > ? OR (at_us = ? AND seq > ?)", [k[0], k[0], k[1]])
        self._write_checkpoints(cur, checkpoints)
        self._ckpts = self._ckpts[:keep] + checkpoints
        self._ckpt_keys = [c.key for c in self._ckpts]
        self._tail = tail
        self._last_key = max(self._last_key, last)

    def _write_checkpoints(self, cur: duckdb.DuckDBPyConnection, checkpoints: list[Checkpoint]) -> None:
        if not checkpoints:
            return
        rows = pd.DataFrame(
            [(c.key[0], c.key[1], c.kind, c.seq, json.dumps(c.state.to_dict()), json.dumps(c.detail))
             for c in checkpoints],
            columns=["at_us", "seq", "kind", "ctl_seq", "state", "detail"],
        )
        rows["ctl_seq"] = rows["ctl_seq"].astype("Int64")
        cur.register("_new_ckpts", rows)
        try:
            cur.execute("INSERT INTO checkpoints SELECT * FROM _new_ckpts")
        finally:
            cur.unregister("_new_ckpts")

    def _messages_after(self, key: tuple[int, int], until_us: int | None = None) -> MessageArrays:
        """Messages with (sent_at, seq) > key (and sent_at <= until_us) as numpy arrays."""
        sql = ("SELECT epoch_us(sent_at) AS t, seq, list_no, credits FROM messages WHERE sent_at >= make_timestamp(?)"
               " AND NOT (sent_at = make_timestamp(?) AND seq <= ?)")
        params = [max(key[0], -(2**53)), key[0], key[1]]
        if key == MIN_KEY:
            sql, params = "SELECT epoch_us(sent_at) AS t, seq, list_no, credits FROM messages WHERE true", []
        if until_us is not None:
            sql += " AND sent_at <= make_timestamp(?)"
            params.append(until_us)
        d = self._cur().execute(sql, params).fetchnumpy()
        return MessageArrays(np.asarray(d["t"], np.int64), np.asarray(d["seq"], np.int64),
                             np.asarray(d["list_no"], np.int32), np.asarray(d["credits"], np.int64))

    def _message_id(self, seq: int) -> str:
        rows = self._cur().execute("SELECT message_id FROM messages WHERE seq = ?", [seq]).fetchall()
        if rows:
            return rows[0][0]
        pending = [r[1] for r in self._pending.values() if r[0] == seq]
        return pending[0] if pending else f"seq {seq}"

    def _state_from_messages(self, keep: int, until: tuple[int, int]) -> State:
        """Checkpoint ``keep - 1`` plus the spend of the messages after it up to ``until`` (one phase)."""
        start = self._ckpts[keep - 1].state if keep else State()
        start_key = self._ckpt_keys[keep - 1] if keep else MIN_KEY
        if until <= start_key:
            return start.copy()
        params: list = [start_key[0], start_key[0], start_key[1], until[0]]
        rows = self._cur().execute(
            "SELECT list_no, sum(credits)::BIGINT FROM messages WHERE sent_at >= make_timestamp(?) "
            "AND NOT (sent_at = make_timestamp(?) AND seq <= ?) AND sent_at <= make_timestamp(?) GROUP BY list_no",
            params).fetchall() if start_key != MIN_KEY else self._cur().execute(
            "SELECT list_no, sum(credits)::BIGINT FROM messages WHERE sent_at <= make_timestamp(?) GROUP BY list_no",
            [until[0]]).fetchall()
        state = start.copy()
        if rows:
            failing = ledger.apply_spend(state, {self._list_ids[no]: int(c) for no, c in rows}, self.policy)
            assert failing is None, f"stored messages overdraw list {failing}: the derived data is stale"
        return state

    def _rebuild(self, persist: bool) -> None:
        """Replay every event from the start under the current policy; rewrite the checkpoints."""
        msgs = self._messages_after(MIN_KEY)
        checkpoints, tail = ledger.replay(State(), MIN_KEY, self._controls, msgs, self._list_ids, self.policy)
        self._ckpts, self._ckpt_keys, self._tail = checkpoints, [c.key for c in checkpoints], tail
        if persist:
            cur = self._cur()
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute("DELETE FROM checkpoints")
                self._write_checkpoints(cur, checkpoints)
                self._set_meta(cur, "policy", self.policy.to_json())
                self._set_meta(cur, "derived_version", str(DERIVED_VERSION))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise

    def rebuild(self) -> None:
        """Rebuild all derived data from the input events (for repairs and benchmarks)."""
        with self._lock:
            if self.read_only:
                raise CreditsError(f"database {self.path} is open read-only")
            self._rebuild(persist=True)
            self.revision += 1

    # -- questions -----------------------------------------------------------------------------------------------

    def _at_us(self, at: datetime | None) -> int:
        return now_us() if at is None else utc_us(at, "at")

    def state_at(self, at_us: int) -> State:
        """The ledger state as of ``at_us`` (everything at or before it, expiries due then included)."""
        with self._lock:
            if at_us >= self._last_key[0]:
                _, state = ledger.advance(self._tail, at_us, self.policy)
                return state
            keep = bisect.bisect_right(self._ckpt_keys, (at_us, MAX_SEQ))
            return self._state_from_messages(keep, (at_us, MAX_SEQ))

    def balance(self, at: datetime | None = None) -> Balance:
        """The balance as of ``at`` (default now)."""
        at_us = self._at_us(at)
        state = self.state_at(at_us)
        expiring, non_expiring = ledger.summarize_lots(state.lots.values())
        nxt = state.next_expiry_us(self.policy)
        nxt_credits = 0
        if nxt is not None:
            _, after = ledger.advance(state, nxt, self.policy)
            nxt_credits = state.total - after.total
        return Balance(
            at=from_us(at_us), total=state.total, unassigned=state.pool, assigned=dict(sorted(state.assigned.items())),
            lots={k: lot.remaining for k, lot in state.lots.items()}, expiring=expiring, non_expiring=non_expiring,
            next_expiry=None if nxt is None else from_us(nxt), next_expiry_credits=nxt_credits,
        )

    def lots(self, at: datetime | None = None) -> pd.DataFrame:
        """Every lot bought by ``at``: lot_id, purchased_at, credits, expiring, expires_on (after extensions),
        remaining, spent, expired, price_eur."""
        state = self.state_at(self._at_us(at))
        rows = [(lot.lot_id, from_us(lot.purchased_us), lot.credits, lot.expiring, lot.expires_on, lot.remaining,
                 lot.spent, lot.expired, None if lot.price is None else Decimal(lot.price))
                for lot in state.lots.values()]
        df = pd.DataFrame(rows, columns=["lot_id", "purchased_at", "credits", "expiring", "expires_on", "remaining",
                                         "spent", "expired", "price_eur"])
        df["purchased_at"] = pd.to_datetime(df["purchased_at"], utc=True)
        for col in ("credits", "remaining", "spent", "expired"):
            df[col] = df[col].astype("int64")
        df["expiring"] = df["expiring"].astype(bool)
        return df.sort_values(["purchased_at", "lot_id"], ignore_index=True)

    def expiry_checkpoints(self, until_us: int | None = None, *, include_pending: bool = True) -> list[Checkpoint]:
        """Expiry control points up to ``until_us``: the recorded ones, then (if asked) the pending ones that will
        happen if nothing else is recorded."""
        with self._lock:
            until = now_us() if until_us is None else until_us
            done = [c for c in self._ckpts if c.kind == "expiry" and c.key[0] <= until]
            if include_pending and until >= self._last_key[0]:
                pending, _ = ledger.advance(self._tail, until, self.policy)
                done += pending
            return done

    def expiries(self, until: datetime | None = None) -> pd.DataFrame:
        """One row per holder per expiry up to ``until`` (default now): expired_at (UTC), list_id (None for the
        pool), credits (> 0)."""
        until_us = self._at_us(until)
        rows = [(from_us(c.key[0]), holder, credits)
                for c in self.expiry_checkpoints(until_us) for holder, credits in c.detail["holders"]]
        return pd.DataFrame({
            "expired_at": pd.to_datetime(pd.Series([r[0] for r in rows], dtype=object), utc=True),
            "list_id": pd.Series([r[1] for r in rows], dtype=object),
            "credits": pd.Series([r[2] for r in rows], dtype="int64"),
        })

    # -- read access for the other core modules ------------------------------------------------------------------

    def list_table(self) -> pd.DataFrame:
        """Lists with their mode now: list_id, name, list_no."""
        with self._lock:
            return pd.DataFrame({"list_no": range(len(self._list_ids)), "list_id": self._list_ids,
                                 "name": [self._names[i] for i in self._list_ids]})

    @property
    def list_ids(self) -> list[str]:
        return list(self._list_ids)

    def list_name(self, list_id: str) -> str:
        return self._names.get(list_id) or list_id

    @property
    def controls(self) -> list[Control]:
        return list(self._controls)

    @property
    def checkpoints(self) -> list[Checkpoint]:
        return list(self._ckpts)

    @property
    def message_count(self) -> int:
        return self._n_messages

    @property
    def last_event_at(self) -> datetime | None:
        return None if self._last_key == MIN_KEY else from_us(self._last_key[0])

    def query(self, sql: str, params: list | None = None) -> duckdb.DuckDBPyConnection:
        """Run a read query on this thread's cursor (for credits_core modules; pages never call it)."""
        with self._lock:
            if self._pending:
                self._flush_batch(self._cur())
            return self._cur().execute(sql, params or [])

    def tail_state(self) -> State:
        with self._lock:
            return self._tail.copy()
