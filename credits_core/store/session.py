"""How the store holds its file: opening it (migrated, with its policy), turns, reading one snapshot, writing in one
transaction, batches, and who is writing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import duckdb

from credits_core.ledger import (
    CreditsError,
    Policy,
    storage_error,
)
from credits_core.storage import (
    Database,
    KnownIds,
    ReadCursor,
    Snapshot,
    is_stale,
    journal,
    load,
    new_revision,
    stored_policy,
)
from credits_core.store.freshness import Basis
from credits_core.store.marks import reads


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


class Session:
    """How the store holds its file: opening it (migrated, with its policy), turns, reading one snapshot, writing in
    one transaction, batches, and who is writing."""

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
             author: str | None = None) -> Self:
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
    def acting_as(self, author: str | None) -> Iterator[Self]:
        """Writes made by this thread inside the block are recorded as ``author``'s (a dashboard user)."""
        before = getattr(self._acting, "author", None)
        self._acting.author = author
        try:
            yield self
        finally:
            self._acting.author = before

    @property
    @reads
    def author(self) -> str | None:
        """Who the current thread's writes are recorded as."""
        return getattr(self._acting, "author", None) or self._default_author

    def release(self) -> None:
        """Let other processes have the file now instead of after the short linger."""
        self._db.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    @reads
    def path(self) -> str:
        return self._db.path

    @property
    @reads
    def read_only(self) -> bool:
        return self._db.read_only

    @property
    @reads
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

    @reads
    def snapshot(self) -> Snapshot:
        """The ledger as of the latest write by any process (a token check; a reload only when someone wrote)."""
        with self._db.turn():
            if self._in_batch or self._db.held or self._db.token() == self._snap.token:
                return self._snap
        with self._read_session():
            return self._snap

    @contextmanager
    @reads
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
    def batch(self) -> Iterator[Self]:
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
