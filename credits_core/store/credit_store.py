"""``CreditStore``: the public engine API (the rules it keeps: docs/rules.md), on one DuckDB file shared by any number
of processes.

The store is a small facade over three pieces:

* ``db.Database``: the file and the turns processes take on it (a cross-process lock held only for the operation
  at hand, a connection that lingers through a burst of operations, a token announcing every write);
* ``journal``: the only code that writes; every write is checked against the ledger before anything is written and
  runs in one transaction (a single send is one autocommitted INSERT);
* ``snapshot.Snapshot``: the immutable read model. The store keeps the current one, replaces it whole after each
  of its own commits, and reloads it from the file when the file's token says another process wrote.

"Now" is the wall clock (SPEC 4): ``balance()``, the pages and every check made before a write see expiries due by
now even when nothing was recorded since. ``batch()`` groups calls into one transaction and runs each of them
through exactly the code it runs alone, so the state and the refusals are those of the same calls one by one.
"""

from __future__ import annotations

import json
import threading
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

from credits_core import ledger
from credits_core.ledger import (
    Checkpoint,
    Control,
    CreditsError,
    MessageArrays,
    Policy,
    State,
    bounds,
    fmt_local,
    from_us,
    now_us,
    reservations,
    storage_error,
    utc_us,
)
from credits_core.storage import (
    MIN_KEY,
    Database,
    KnownIds,
    ReadCursor,
    Snapshot,
    campaign_reads,
    is_stale,
    journal,
    load,
    messages_after,
    needs_messages,
    new_revision,
    prepare_messages,
    state_at,
    stored_policy,
)
from credits_core.storage.journal import ROLLUP_SELECT, ROME_DAY  # noqa: F401 - handed on to the reports


@dataclass(frozen=True)
class Basis:
    """What an answer was computed from, enough to tell later which writes could have changed it: the snapshot's
    revision, the first sequence number not yet used, a fingerprint of every name an answer may show (lists and
    campaigns) and the policy. See ``CreditStore.changed_from``."""

    revision: str
    next_seq: int
    names: int
    policy: Policy


NEVER_US = 2**62  # ``changed_from``: nothing recorded since (no instant is affected)
ALWAYS_US = -(2**62)  # ``changed_from``: names or the policy changed (every answer may differ)


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
    # R15, for a balance as of now (None for another instant): what scheduled campaigns reserve, and what is left
    reserved: int | None = None  # in total
    available: int | None = None  # total - reserved
    pool_available: int | None = None  # unassigned - reserved in the pool
    list_available: dict[str, int] = field(default_factory=dict)  # limited lists: assigned - reserved


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_credits(value: object, name: str, *, positive: bool = True) -> int:
    """R1: credits are whole numbers (never floats or bools), positive where the rule says so, below 10**15."""
    if not _is_int(value):
        raise CreditsError(f"{name}={value!r} must be a whole number of credits (int), got {type(value).__name__}")
    if positive and value <= 0:
        raise CreditsError(f"{name}={value} must be > 0")
    journal.check_amount(int(value), name)
    return int(value)


EARLIEST_US = 946_684_800_000_000  # 2000-01-01 UTC
LATEST_US = 4_102_444_800_000_000  # 2100-01-01 UTC


def _instant(at: datetime, name: str = "at") -> int:
    """R2, and a range a credits ledger can hold (a lot bought in year 9999 would expire in year 10001)."""
    us = utc_us(at, name)
    if not EARLIEST_US <= us < LATEST_US:
        raise CreditsError(f"{name}={at.isoformat()} is out of range: events must fall between 2000 and 2099")
    return us


def _check_id(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CreditsError(f"{name}={value!r} must be a non-empty string")
    problem = bounds.control_problem(value, name)
    if problem:
        raise CreditsError(problem)
    return value


def writes(method: Callable) -> Callable:
    """Marks a method that changes the file. ``access.WriteGate`` is built from these marks: a method is a write
    because it says so here, and the gate lets it through only for a manager (deny by default)."""
    method.__credits_write__ = True
    return method


def write_methods(cls: type) -> frozenset[str]:
    """The names of the methods of ``cls`` marked with ``@writes``."""
    return frozenset(name for name in dir(cls) if getattr(getattr(cls, name, None), "__credits_write__", False))


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    """Roll back after a failed write without hiding why it failed: a ROLLBACK that fails too (the transaction may
    already be gone, after a failed COMMIT) must not replace the first error, which the caller re-raises."""
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _is_storage_failure(exc: BaseException) -> bool:
    """A write that failed for the disk's sake (DuckDB's IO errors, the OS's), not for the ledger's rules."""
    return isinstance(exc, (OSError, duckdb.IOException)) or (
        isinstance(exc, duckdb.Error) and "No space left" in str(exc))


def describe_policy(policy: Policy) -> str:
    """A policy in words, for errors: its consumption order, extension and validity."""
    return (f"{policy.consumption!r} (extend_on_purchase={policy.extend_on_purchase}, "
            f"validity_years={policy.validity_years})")


class CreditStore:
    """The ledger of one account. Open with ``CreditStore.open(path)``; the rules it keeps are in docs/rules.md."""

    # -- opening -------------------------------------------------------------------------------------------------

    def __init__(self, db: Database, policy: Policy | None, author: str | None = None):
        self._db = db
        self._explicit_policy = policy
        self._in_batch = False
        self._default_author = author
        self._acting = threading.local()
        self._bases: dict[str, Basis] = {}  # basis() per revision, changed_from() per (revision, since)
        self._changes: dict[tuple[str, int], int] = {}
        self._known_ids = KnownIds()  # R13 without a scan of every stored id (message_ids)
        self._checked_in = -1  # the turn on the file (db.opens) in which the token was last compared
        with db.session() as cur:
            db.migrate(cur)
            stored = stored_policy(cur)
            if policy is not None and stored is not None and policy != stored:
                # R16: one file, one ledger: derived data written under two policies would not agree
                raise CreditsError(f"{db.path} was created with the policy {describe_policy(stored)}; it cannot be "
                                   f"opened with {describe_policy(policy)} (a file's policy is fixed when it is "
                                   f"created; open it without a policy, or build another file)")
            self._snap = Snapshot(policy=policy or stored or Policy(), token=db.token(), revision=new_revision())
            if is_stale(cur, self._snap.policy) and not db.read_only:
                # derived data from another policy or an older meaning: rebuild it from the events, once
                cur.execute("BEGIN TRANSACTION")
                try:
                    snap = load(cur, self._snap.policy, None, trust_derived=False)
                    snap = journal.rebuild(cur, snap)
                    token = db.publish()
                    cur.execute("COMMIT")
                except BaseException:
                    _rollback(cur)
                    raise
                self._snap = snap.with_changes(token=token)
            else:
                self._reload(cur)

    @classmethod
    def open(cls, path: str | Path = ":memory:", policy: Policy | None = None, *, read_only: bool = False,
             wait_s: float = 60.0, on_wait: Callable[[str], None] | None = None,
             author: str | None = None) -> CreditStore:
        """Open (or create) a store. ``policy=None`` keeps the policy the file was built with (default for a new
        file); another policy rebuilds the derived data under it. ``read_only`` refuses every write and creates
        nothing (a missing file is an error). A file busy in another process is waited for, up to ``wait_s``.
        ``author`` names who records what this store writes (see ``acting_as``)."""
        path = str(path)
        if policy is not None and not isinstance(policy, Policy):
            raise CreditsError(f"policy={policy!r} must be a credits_core.Policy")
        db = Database(path, read_only=read_only, wait_s=wait_s, on_wait=on_wait)
        try:
            return cls(db, policy, author)
        except duckdb.Error as exc:
            db.close()
            raise CreditsError(f"{path} is not a credits database: {exc}") from None
        except BaseException:
            db.close()
            raise

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def acting_as(self, author: str | None) -> Iterator[CreditStore]:
        """Writes made by this thread inside the block are recorded as ``author``'s (a dashboard user)."""
        before = getattr(self._acting, "author", None)
        self._acting.author = author
        try:
            yield self
        finally:
            self._acting.author = before

    @property
    def author(self) -> str | None:
        """Who the current thread's writes are recorded as."""
        return getattr(self._acting, "author", None) or self._default_author

    def release(self) -> None:
        """Let other processes have the file now instead of after the short linger."""
        self._db.release()

    def __enter__(self) -> CreditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> str:
        return self._db.path

    @property
    def read_only(self) -> bool:
        return self._db.read_only

    @property
    def policy(self) -> Policy:
        return self._snap.policy

    @property
    def opens(self) -> int:
        """How many times this store opened its file (each turn it took)."""
        return self._db.opens

    # -- the snapshot ----------------------------------------------------------------------------------------------

    def _reload(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Load the snapshot from the file (another process wrote, or at open)."""
        token = self._db.token()
        policy = self._explicit_policy or stored_policy(cur) or Policy()
        self._snap = load(cur, policy, token, trust_derived=not is_stale(cur, policy))

    def _fresh(self, cur: duckdb.DuckDBPyConnection) -> Snapshot:
        """The current snapshot, reloaded first if another process wrote (called holding the file). While this
        process has held the file since the last look at the token, no other process can have written: the token is
        read once per turn on the file, not once per question."""
        if self._in_batch or self._checked_in == self._db.opens:
            return self._snap
        if self._db.token() != self._snap.token:
            self._reload(cur)
        self._checked_in = self._db.opens
        return self._snap

    def snapshot(self) -> Snapshot:
        """The ledger as of the latest write by any process (a token check; a reload only when someone wrote)."""
        with self._db.turn():
            if self._in_batch or self._db.held or self._db.token() == self._snap.token:
                return self._snap
        with self._read_session():
            return self._snap

    @contextmanager
    def reading(self) -> Iterator[ReadCursor]:
        """Hold the file for several reads (one turn, one consistent snapshot). Yields a ``db.ReadCursor``: the read
        SQL of the modules that own it (reports, valuation, forecast) runs there, one SELECT at a time; the store has
        no raw query of its own to hand out."""
        with self._read_session() as cur:
            yield ReadCursor(cur)

    @contextmanager
    def _read_session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The store's own read turn (its snapshot, state and reservation readers take the DuckDB cursor)."""
        with self._db.session() as cur:
            self._fresh(cur)
            yield cur

    # -- writing ---------------------------------------------------------------------------------------------------

    def _require_writable(self) -> None:
        if self.read_only:
            raise CreditsError(f"database {self.path} is open read-only; nothing can be recorded")

    @contextmanager
    def _writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write: a transaction, the token announced before the commit, the snapshot swapped after it."""
        self._require_writable()
        with self._db.session() as cur:
            before = self._fresh(cur)
            if self._in_batch:
                yield cur
                return
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                token = self._db.publish() if self._snap is not before else before.token
                cur.execute("COMMIT")
            except BaseException as exc:
                self._snap = before
                self._known_ids.forget_from(before.next_seq)  # ids it may have added were not written
                _rollback(cur)
                if _is_storage_failure(exc):  # a full disk, a failing volume: one sentence, never a traceback
                    raise storage_error(exc, self.path) from None
                raise
            if self._snap is not before:
                self._snap = self._snap.with_changes(token=token, revision=new_revision())

    @contextmanager
    def batch(self) -> Iterator[CreditStore]:
        """Group calls into one transaction: ``with store.batch(): ...``. Each call inside is checked and written
        exactly as alone (a refused one raises and writes nothing); the block commits when it ends, and an exception
        leaving the block discards all of it."""
        with self._writing():
            if self._in_batch:
                yield self
                return
            self._in_batch = True
            try:
                yield self
            finally:
                self._in_batch = False

    # -- lists and control events --------------------------------------------------------------------------------

    @writes
    def add_list(self, list_id: str, name: str | None = None) -> None:
        """Create a mailing list (shared: it spends from the pool). Adding it again is a no-op; a new name renames."""
        list_id = _check_id(list_id, "list_id")
        if name is not None and not isinstance(name, str):
            raise CreditsError(f"name={name!r} of list {list_id!r} must be a string")
        if len(list_id) > bounds.MAX_NAME_CHARS:
            raise CreditsError(f"list_id {bounds.echo(list_id)!r} is longer than {bounds.MAX_NAME_CHARS} characters")
        if name is not None:
            try:
                name = bounds.clean_name(name, f"the name of list {list_id!r}") or None
            except ValueError as exc:
                raise CreditsError(str(exc)) from None
        with self._writing() as cur:
            self._snap = journal.add_list(cur, self._snap, list_id, name)

    @writes
    def purchase(self, credits: int, at: datetime, *, expiring: bool = True, price: Decimal | None = None,
                 lot_id: str | None = None) -> str:
        """R4, R6: buy a lot; its credits join the unassigned pool. Returns the lot_id."""
        credits = _check_credits(credits, "credits")
        at_us = _instant(at)
        if not isinstance(expiring, bool):
            raise CreditsError(f"expiring={expiring!r} must be True or False")
        if price is not None:
            try:
                price = Decimal(str(price)) if not isinstance(price, Decimal) else price
            except InvalidOperation:
                raise CreditsError(f"price={price!r} is not a decimal amount") from None
            if not price.is_finite() or price < 0 or price >= Decimal(10) ** 15:
                raise CreditsError(f"price={price} must be a finite amount >= 0 and below 10**15")
            price = price.quantize(Decimal("0.01"))
        if lot_id is not None:
            lot_id = _check_id(lot_id, "lot_id")
        with self._writing() as cur:
            snap = self._snap
            if lot_id is not None and lot_id in snap.lots:
                existing = snap.lots[lot_id]
                same = (existing.credits, existing.at_us, existing.expiring) == (credits, at_us, expiring) and (
                    price is None or existing.price == str(price))
                if same:
                    return lot_id  # R13: the same purchase again is a no-op
                raise CreditsError(f"lot_id {lot_id!r} already exists with different content "
                                   f"({existing.credits} credits at {fmt_local(existing.at_us)})")
            seq = snap.next_seq
            lot_id = lot_id or self._automatic_lot_id(snap, seq)
            price_text = None if price is None else str(price)
            ctl = Control(seq, at_us, "purchase", None, credits, lot_id, expiring, price_text, self.author)
            self._snap = journal.record_control(cur, snap, ctl)
            return lot_id

    @staticmethod
    def _automatic_lot_id(snap: Snapshot, seq: int) -> str:
        """``L`` and the sequence number; never one a user already chose."""
        lot_id, n = f"L{seq:06d}", 0
        while lot_id in snap.lots:
            n += 1
            lot_id = f"L{seq:06d}-{n}"
        return lot_id

    @writes
    def assign(self, list_id: str, credits: int, at: datetime) -> None:
        """R6: move credits from the pool to a list (negative: give back) and make the list limited."""
        credits = _check_credits(credits, "credits", positive=False)
        at_us = _instant(at)
        with self._writing() as cur:
            self._snap.require_list(list_id)
            self._snap = journal.record_control(cur, self._snap,
                                                Control(self._snap.next_seq, at_us, "assign", list_id, credits,
                                                        author=self.author))

    @writes
    def set_shared(self, list_id: str, at: datetime) -> None:
        """R6: the list returns its assigned credits to the pool and spends from the pool."""
        at_us = _instant(at)
        with self._writing() as cur:
            self._snap.require_list(list_id)
            self._snap = journal.record_control(cur, self._snap,
                                                Control(self._snap.next_seq, at_us, "set_shared", list_id,
                                                        author=self.author))

    # -- messages ------------------------------------------------------------------------------------------------

    @writes
    def send(self, list_id: str, credits: int, at: datetime, *, message_id: str | None = None,
             country: str | None = None, parts: int | None = None, campaign_id: str | None = None) -> str:
        """R7: record one message of ``list_id`` costing ``credits``. Refused with ``InsufficientCredits`` when its
        bucket is short. The same message_id with the same content is a no-op (R13). Returns the message_id."""
        credits = _check_credits(credits, "credits")
        t_us = _instant(at)
        if parts is not None:
            parts = _check_credits(parts, "parts")
        for name, value in (("country", country), ("campaign_id", campaign_id)):
            if value is not None and not isinstance(value, str):
                raise CreditsError(f"{name}={value!r} must be a string")
        if message_id is not None:
            message_id = _check_id(message_id, "message_id")
        self._require_writable()
        with self._db.session() as cur:
            snap = self._fresh(cur)
            list_no = snap.require_list(list_id)
            check_id = message_id is not None  # an id we make up is new by construction
            message_id = message_id or f"msg-{uuid.uuid4().hex}"
            args = (message_id, list_no, t_us, credits, country, parts, campaign_id)
            if not self._in_batch:
                # the common case, an append that changes no checkpoint: one autocommitted INSERT
                try:
                    new, needs_tx = journal.send_one(cur, snap, *args, in_transaction=False,
                                                     announce=self._db.publish, check_id=check_id,
                                                     known=self._known_ids)
                except (OSError, duckdb.Error) as exc:
                    if _is_storage_failure(exc):
                        raise storage_error(exc, self.path) from None
                    raise
                if not needs_tx:
                    self._snap = new
                    return message_id
            with self._writing():
                self._snap, _ = journal.send_one(cur, self._snap, *args, in_transaction=True, check_id=check_id,
                                                 known=self._known_ids)
            return message_id

    @writes
    def record_messages(self, df: pd.DataFrame) -> int:
        """Record many messages at once, all or nothing; returns how many new messages were stored.

        Required columns: message_id, list_id, sent_at (tz-aware), credits; optional: country, parts, campaign_id,
        recipient, text. Rows keep their order for messages at the same instant (R9). Messages already stored with
        the same content are skipped (R13).
        """
        with self._writing() as cur:
            new, arrays = prepare_messages(self._snap, df, cur)
            self._snap = journal.record_messages(cur, self._snap, new, arrays)
            return len(new)

    def check_messages(self, df: pd.DataFrame) -> int:
        """Validate messages as ``record_messages`` would (columns, values, ids, lists) without the ledger replay and
        without writing; returns how many are new. Raises ``messages.MessagesRejected`` with every problem."""
        with self._read_session() as cur:
            new, _ = prepare_messages(self._snap, df, cur)
            return len(new)

    # -- scheduled campaigns (the checks live in ``forecast``) -----------------------------------------------------

    @writes
    def save_campaign(self, campaign_id: str | None, list_id: str, at_us: int, text: str,
                      recipients: dict[str, int], credits: int,
                      check: Callable[[CreditStore], None] | None = None) -> str:
        """Store a scheduled campaign; ``check(store)`` runs first, holding the file, and may refuse it."""
        if campaign_id is not None:
            campaign_id = _check_id(campaign_id, "campaign_id")
        with self._writing() as cur:
            self._snap.require_list(list_id)
            if check is not None:
                check(self)
            self._snap, campaign_id = journal.save_campaign(cur, self._snap, campaign_id, list_id, at_us, text,
                                                            recipients, credits, self.author)
            return campaign_id

    @writes
    def describe_campaigns(self, rows: pd.DataFrame) -> int:
        """Name campaigns: ``rows`` has campaign_id and name, and may have list_id, sent_at (aware), text (None:
        unknown), is_unicode (the platform sends the text as UCS-2), estimated (its messages' credits are an
        estimate: a text with merge tags) and parts (per recipient, as priced for its messages). Checked whole
        before anything is written; returns how many campaigns were new or changed."""
        df = pd.DataFrame({"campaign_id": rows["campaign_id"].astype("string")})
        for c in ("name", "list_id", "text"):
            df[c] = rows[c].astype("string") if c in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
        for c in ("is_unicode", "estimated"):
            df[c] = rows[c].astype("boolean") if c in rows else pd.Series(pd.NA, index=rows.index, dtype="boolean")
        df["parts"] = rows["parts"].astype("Int32") if "parts" in rows else pd.Series(pd.NA, index=rows.index,
                                                                                      dtype="Int32")
        for i, cid in enumerate(df["campaign_id"].fillna("")):
            if not cid.strip():
                raise CreditsError(f"row {i + 1}: campaign_id is empty")
            if problem := bounds.control_problem(cid, f"row {i + 1}: campaign_id"):
                raise CreditsError(problem)
        try:
            df["name"] = pd.array([None if pd.isna(x) else bounds.clean_name(x, f"row {i + 1}: the campaign name")
                                   for i, x in enumerate(df["name"])], dtype="string")
        except ValueError as exc:
            raise CreditsError(str(exc)) from None
        dup = df["campaign_id"].duplicated()
        if dup.any():
            raise CreditsError(f"campaign_id {df['campaign_id'][dup].iloc[0]!r} appears twice")
        at = rows["sent_at"] if "sent_at" in rows else pd.Series(None, index=rows.index, dtype=object)
        df["t_us"] = pd.array([None if x is None or pd.isna(x) else utc_us(pd.Timestamp(x).floor("us"), "sent_at")
                               for x in at], "Int64")
        with self._writing() as cur:
            for lid in df["list_id"].dropna().unique():
                self._snap.require_list(str(lid))
            self._snap, n = journal.describe_campaigns(cur, self._snap, df)
            return n

    def campaign_info(self) -> pd.DataFrame:
        """Campaigns named by ``describe_campaigns``: campaign_id, name, list_id, t_us (UTC microseconds), text,
        is_unicode, estimated, parts."""
        with self._read_session() as cur:
            return cur.execute("SELECT campaign_id, name, list_id, epoch_us(sent_at) AS t_us, text, is_unicode, "
                               "coalesce(estimated, false) AS estimated, parts FROM campaign_info "
                               "ORDER BY campaign_id").df()

    @writes
    def audit(self, action: str, detail: str) -> None:
        """Record a write that is not a ledger event (an import: the file and what it wrote) with its author."""
        with self._writing() as cur:
            self._snap = journal.audit(cur, self._snap, now_us(), self.author, action, detail)

    def audit_trail(self) -> pd.DataFrame:
        """The writes recorded with ``audit``: t_us (UTC microseconds), author, action, detail."""
        with self._read_session() as cur:
            return cur.execute("SELECT epoch_us(done_at) AS t_us, author, action, detail FROM audit "
                               "ORDER BY done_at, seq").df()

    @writes
    def cancel_campaign(self, campaign_id: str) -> None:
        with self._writing() as cur:
            self._snap = journal.cancel_campaign(cur, self._snap, campaign_id, self.author)

    @writes
    def mark_alert_sent(self, key: str, figure: int) -> None:
        """Remember that the alert ``key`` was e-mailed with ``figure`` (see ``alerts``)."""
        with self._writing() as cur:
            self._snap = journal.mark_alert_sent(cur, self._snap, key, int(figure), now_us())

    @writes
    def save_mailup_bookmark(self, id_message: int, list_id: str, sendings: int, complete: bool,
                             last_sent_us: int | None = None) -> None:
        """The MailUp sync's bookmark of one message (call inside the ``batch`` that records its sendings):
        ``last_sent_us``, the latest send time recorded for it (the next sync reads only from there)."""
        with self._writing() as cur:
            self._snap = journal.save_mailup_bookmark(cur, self._snap, int(id_message), list_id, int(sendings),
                                                      bool(complete), now_us(), last_sent_us)

    def mailup_bookmarks(self) -> dict[int, tuple[int, bool, int | None]]:
        """id_message -> (sendings read, complete, last send time recorded in UTC microseconds) as of the last
        sync."""
        with self._read_session() as cur:
            rows = cur.execute("SELECT id_message, sendings, complete, epoch_us(last_sent) FROM mailup_messages"
                               ).fetchall()
        return {int(i): (int(n), bool(c), None if t is None else int(t)) for i, n, c, t in rows}

    @writes
    def mailup_id_key(self) -> str:
        """This file's key for MailUp sending ids (``schema.mailup_id_key``), created on first use."""
        from credits_core.storage import mailup_id_key

        with self._writing() as cur:
            return mailup_id_key(cur)

    def mailup_account(self) -> dict | None:
        """The MailUp account this file holds (``uid``, ``username``), recorded by its first sync."""
        with self._read_session() as cur:
            rows = cur.execute("SELECT value FROM meta WHERE key = 'mailup_account'").fetchall()
        return json.loads(rows[0][0]) if rows else None

    @writes
    def save_mailup_account(self, uid: str, username: str) -> None:
        """Record the MailUp account of this file (its first sync)."""
        with self._writing() as cur:
            self._snap = journal.set_meta_value(cur, self._snap, "mailup_account",
                                                json.dumps({"uid": str(uid), "username": str(username)}))

    @writes
    def save_mailup_status(self, total: int, by_list: dict[str, int], detail: dict) -> None:
        """MailUp's credit figures and what the sync brought (``mailup.sync``)."""
        with self._writing() as cur:
            self._snap = journal.save_mailup_status(cur, self._snap, int(total), by_list, json.dumps(detail),
                                                    now_us())

    def mailup_status(self) -> dict | None:
        """The last sync: synced_at (UTC), total and by_list (MailUp's figures), detail (what it brought)."""
        with self._read_session() as cur:
            rows = cur.execute("SELECT list_id, credit, epoch_us(synced_at), detail FROM mailup_status").fetchall()
        if not rows:
            return None
        total = next(r for r in rows if r[0] is None)
        return {"synced_at": from_us(total[2]), "total": int(total[1]), "detail": json.loads(total[3] or "{}"),
                "by_list": {r[0]: int(r[1]) for r in rows if r[0] is not None}}

    @writes
    def forget_alerts_except(self, active: list[str]) -> None:
        """Forget every alert sent whose key is not in ``active`` (resolved since)."""
        with self._writing() as cur:
            self._snap = journal.forget_alerts_except(cur, self._snap, [str(k) for k in active])

    def alerts_sent(self) -> dict[str, int]:
        """Alerts e-mailed in their current episode: key -> figure."""
        with self._read_session() as cur:
            return dict(cur.execute("SELECT key, figure FROM alerts_sent").fetchall())

    @writes
    def rebuild(self) -> None:
        """Rebuild all derived data (checkpoints, rollup) from the input events."""
        with self._writing() as cur:
            self._snap = journal.rebuild(cur, self._snap)

    # -- questions -----------------------------------------------------------------------------------------------

    def _at_us(self, at: datetime | None) -> int:
        return now_us() if at is None else utc_us(at, "at")

    def state_at(self, at_us: int) -> State:
        """The ledger state as of ``at_us`` (everything at or before it, expiries due then included)."""
        # a question about the past goes straight to a read turn (which refreshes the snapshot); one about now
        # needs the file only when another process's write made it a question about the past
        if not needs_messages(self._snap, at_us):
            snap = self.snapshot()
            if not needs_messages(snap, at_us):
                return state_at(snap, at_us)
        with self._read_session() as cur:
            return state_at(self._snap, at_us, cur)

    def now_state(self) -> State:
        """The ledger as of now (the wall clock): what every page and every check before a write uses."""
        return self.state_at(now_us())

    def reservations(self) -> reservations.Reservations:
        """R15: what every scheduled campaign still reserves, and what each bucket has available, as of now."""
        return self._now_and_reservations()[1]

    def _now_and_reservations(self) -> tuple[State, reservations.Reservations]:
        """The state as of now and the reservations on it, in one turn (the same committed write)."""
        with self._read_session() as cur:
            at_us = now_us()
            state = state_at(self._snap, at_us, cur)
            return state, campaign_reads.load(cur, state, self._snap.rolled_seq, at_us)

    def balance(self, at: datetime | None = None) -> Balance:
        """The balance as of ``at`` (default now); as of now it also says what is reserved and available (R15)."""
        if at is not None:
            at_us = self._at_us(at)
            return self._balance(at_us, self.state_at(at_us), None)
        state, res = self._now_and_reservations()
        return self._balance(res.now_us, state, res)

    def _balance(self, at_us: int, state: State, res: reservations.Reservations | None) -> Balance:
        expiring, non_expiring = ledger.summarize_lots(state.lots.values())
        nxt = state.next_expiry_us(self.policy)
        # R8: an expiry takes exactly the remaining credits of the lots expiring then (no replay needed to know it)
        nxt_credits = 0 if nxt is None else sum(lot.remaining for lot in ledger.expiring_at(state, nxt))
        return Balance(
            at=from_us(at_us), total=state.total, unassigned=state.pool, assigned=dict(sorted(state.assigned.items())),
            lots={k: lot.remaining for k, lot in state.lots.items()}, expiring=expiring, non_expiring=non_expiring,
            next_expiry=None if nxt is None else from_us(nxt), next_expiry_credits=nxt_credits,
            **({} if res is None else {
                "reserved": res.total_reserved, "available": res.total_available,
                "pool_available": res.available(ledger.POOL),
                "list_available": {lid: res.available(lid) for lid in sorted(state.assigned)}}),
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
        """Expiry control points up to ``until_us`` (default now): the recorded ones, then (if asked) those that
        happen after the last recorded event if nothing else is recorded."""
        snap = self.snapshot()
        until = now_us() if until_us is None else until_us
        done = [c for c in snap.checkpoints if c.kind == "expiry" and c.key[0] <= until]
        if include_pending and until >= snap.last_key[0]:
            pending, _ = ledger.advance(snap.tail, until, snap.policy)
            done += pending
        return done

    def expiries(self, until: datetime | None = None) -> pd.DataFrame:
        """One row per holder per expiry up to ``until`` (default now): expired_at (UTC), list_id (None for the
        pool), credits (> 0)."""
        until_us = self._at_us(until)
        rows = [(from_us(c.key[0]), None if holder is ledger.POOL else holder, credits)  # SPEC 4: None is the pool
                for c in self.expiry_checkpoints(until_us) for holder, credits in c.detail["holders"]]
        return pd.DataFrame({
            "expired_at": pd.to_datetime(pd.Series([r[0] for r in rows], dtype=object), utc=True),
            "list_id": pd.Series([r[1] for r in rows], dtype=object),
            "credits": pd.Series([r[2] for r in rows], dtype="int64"),
        })

    # -- read access for the other core modules ------------------------------------------------------------------

    def list_table(self) -> pd.DataFrame:
        """Lists: list_no, list_id, name."""
        snap = self.snapshot()
        return pd.DataFrame({"list_no": range(len(snap.list_ids)), "list_id": list(snap.list_ids),
                             "name": [snap.names[i] for i in snap.list_ids]})

    @property
    def list_ids(self) -> list[str]:
        return list(self.snapshot().list_ids)

    def list_name(self, list_id: str) -> str:
        return self.snapshot().names.get(list_id) or list_id

    def holder_name(self, holder: str | ledger.Holder) -> str:
        """A holder of credits as a table shows it: "Unassigned pool", or the list's name."""
        return "Unassigned pool" if holder is ledger.POOL else self.list_name(holder)

    def require_list(self, list_id: object) -> int:
        """The list's number; a ``CreditsError`` for an unknown list."""
        return self.snapshot().require_list(list_id)

    @property
    def controls(self) -> list[Control]:
        return list(self.snapshot().controls)

    @property
    def checkpoints(self) -> list[Checkpoint]:
        return list(self.snapshot().checkpoints)

    @property
    def message_count(self) -> int:
        return self.snapshot().n_messages

    @property
    def next_seq(self) -> int:
        return self.snapshot().next_seq

    @property
    def revision(self) -> str:
        """Changes with every write by any process: the key of page caches."""
        return self.snapshot().revision

    def basis(self) -> Basis:
        """What answers computed now are computed from (``Basis``); the same object for one revision."""
        with self._read_session() as cur:
            snap = self._snap
            known = self._bases.get(snap.revision)
            if known is None:
                campaigns = cur.execute(
                    "SELECT (SELECT bit_xor(hash(campaign_id, name, list_id, sent_at, text, estimated)) "
                    "FROM campaign_info), "
                    "(SELECT bit_xor(hash(campaign_id, list_id, scheduled_at, text)) FROM campaigns)").fetchall()[0]
                names = hash((snap.list_ids, tuple(sorted(snap.names.items(), key=lambda kv: kv[0])), campaigns))
                known = Basis(snap.revision, snap.next_seq, names, snap.policy)
                self._bases[snap.revision] = known
                while len(self._bases) > 64:
                    self._bases.pop(next(iter(self._bases)))
            return known

    def changed_from(self, since: Basis) -> int:
        """The earliest instant (UTC microseconds) at which the ledger may differ from what it was at ``since``: the
        earliest event or message recorded after it (a purchase, an assignment, a send, backdated or not). The
        ledger before that instant is unchanged (it is replayed in time order), so an answer about the instants
        before it still holds. ``NEVER_US``: nothing was recorded since; ``ALWAYS_US``: a list or campaign name or
        the policy changed, which any answer may show."""
        now = self.basis()
        same = (now.names, now.policy) == (since.names, since.policy)
        if now.revision == since.revision or (same and now.next_seq == since.next_seq):
            return NEVER_US
        if not same:
            return ALWAYS_US
        memo = (now.revision, since.next_seq)
        if memo not in self._changes:
            with self._read_session() as cur:
                snap = self._snap
                first = cur.execute("SELECT min(epoch_us(sent_at)) FROM messages WHERE seq >= ?",
                                    [since.next_seq]).fetchall()[0][0]
            instants = [c.at_us for c in snap.controls if c.seq >= since.next_seq]
            if first is not None:
                instants.append(int(first))
            self._changes[memo] = min(instants, default=NEVER_US)
            while len(self._changes) > 256:
                self._changes.pop(next(iter(self._changes)))
        return self._changes[memo]

    @property
    def last_event_at(self) -> datetime | None:
        key = self.snapshot().last_key
        return None if key == MIN_KEY else from_us(key[0])

    def messages_until(self, until_us: int) -> MessageArrays:
        """Every message sent at or before ``until_us`` as arrays (for replays under another policy)."""
        with self._read_session() as cur:
            return messages_after(cur, MIN_KEY, until_us)
