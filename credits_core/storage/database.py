"""The database file and who may use it when: connections, the cross-process lock, schema migrations.

Data model
----------
One DuckDB file is the only state shared between processes (the dashboard, the CLI, cron jobs, a read-only
dashboard). DuckDB lets one process at a time hold a file, so every process takes turns:

* a process holds the file only while it works: ``Database.session()`` takes a ``flock`` on the database file
  itself (exclusive for a process that may write, shared for a read-only one; released by the kernel if the process
  dies, even by ``kill -9``), opens a DuckDB connection and hands the caller a cursor of its own. The lock, the
  token and the waiters' signal are keyed on the *resolved* file (``os.path.realpath``): a symlink or a relative
  path leads every process to the same turns (R16). A read-only process creates no file at all (R16): it locks the
  database file it opened for reading and signals only through a ``<file>.wait`` a writer already made;
* when the operation ends the connection *lingers* (``linger_s``, 0.25 s) so that a burst of operations (a page
  render, a loop of sends) does not pay the ~15 ms that opening DuckDB costs each time; it is closed and the lock
  released as soon as the burst is over, or when another process is waiting: a waiter holds a shared lock on
  ``<file>.wait``, which the holder tests (one non-blocking ``flock``) between operations once it has had the file
  for ``quantum_s`` (100 ms: several operations per turn, so that turns are not all spent opening), and every 10 ms
  while idle;
* a process that finds the file busy waits its turn, up to ``wait_s`` (60 s), and says once what it waits for
  (``on_wait``); past that it raises ``StoreBusy``.

DuckDB's own locks are ``fcntl`` record locks, independent of ``flock`` on Linux, so the two never interfere. A new
file is created under an exclusive ``flock`` on its folder, so two processes creating it at once make one file.

Change detection: every write replaces ``<file>.rev`` (a token unique to that write) *before* its commit. A process
compares the token with the one its snapshot was loaded under (a ``stat`` and a tiny read) to tell cheaply whether
anyone else wrote. A writer killed between the token and the commit only costs the others one needless refresh.

Inside a process, threads take turns too (a re-entrant lock), and nested sessions of one thread share one cursor;
cursors are closed when the outermost session ends, so nothing grows with reruns or threads.

Long module: the file's life in one place: turns between processes, the write token, the read cursor that runs one
SELECT at a time, storage failures in one sentence; they share the lock and the connection.
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import logging
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from credits_core.ledger import CreditsError, StoreBusy
from credits_core.storage.schema import APP_ID, MIGRATIONS, SCHEMA_VERSION, missing_columns

log = logging.getLogger("credits_core")

# No connection of this program reads or writes a file other than its database: read_text(), read_csv(), COPY TO and
# the like are refused by DuckDB itself (a read runs one SELECT, but a SELECT can call read_text('/etc/...')).
# Python objects reach SQL only when registered by name (``register``); exports write files in Python.
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                 "enable_external_access": False}
if os.environ.get("CREDITS_DUCKDB_MEMORY_LIMIT"):  # e.g. "256MB": DuckDB's buffer pool, which caches table data
    DUCKDB_CONFIG["memory_limit"] = os.environ["CREDITS_DUCKDB_MEMORY_LIMIT"]


UTC_SESSIONS = "SET GLOBAL TimeZone = 'UTC'"  # once per connection: every cursor of it reads and writes UTC


def _log_wait(message: str) -> None:
    log.warning(message)


_OPEN: weakref.WeakSet[Database] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """Close what is still open before the interpreter stops its threads (a connection closed by a dying daemon
    thread aborts the process)."""
    for db in list(_OPEN):
        db.close()


class FileTurn:
    """A ``flock`` on the database file itself: exclusive for writers, shared for read-only processes.

    A missing file is created first, by DuckDB, under an exclusive lock on its folder (a file of 0 bytes is not a
    DuckDB database). Only a writer ever creates it."""

    def __init__(self, file: str, *, shared: bool):
        self.file = file
        self.shared = shared
        self._fd: int | None = None

    def _create(self) -> None:
        folder = os.open(os.path.dirname(self.file) or ".", os.O_RDONLY)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
            if not os.path.exists(self.file):
                duckdb.connect(self.file, config=DUCKDB_CONFIG).close()
        finally:
            os.close(folder)  # closing drops the lock

    def acquire(self, timeout: float, poll_interval: float = 0.001) -> None:
        """Take the lock within ``timeout`` seconds, or raise ``TimeoutError``."""
        if self._fd is None:
            if not self.shared and not os.path.exists(self.file):
                self._create()
            self._fd = os.open(self.file, os.O_RDONLY)
        mode = (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._fd, mode)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(self.file) from None
                time.sleep(poll_interval)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor drops the flock


class Database:
    """One database file (or ``:memory:``) and the turns this process takes on it."""

    def __init__(self, path: str, *, read_only: bool = False, wait_s: float = 60.0, linger_s: float = 0.25,
                 quantum_s: float = 0.1, on_wait: Callable[[str], None] | None = None):
        self.path = path
        self.read_only = read_only
        self.memory = path == ":memory:"
        self.wait_s = wait_s
        self.linger_s = linger_s
        self.quantum_s = quantum_s
        self._next_wait_check = 0.0
        self._acquired_at = 0.0
        self.on_wait = on_wait or _log_wait
        self._mutex = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._cur: duckdb.DuckDBPyConnection | None = None
        self._depth = 0
        self._last_used = 0.0
        self._closed = False
        self.opens = 0  # how many times the file was opened (for tests and benchmarks)
        self._memory_token: str | None = None
        self.created = self.memory or not os.path.exists(path)  # a new ledger, not a file someone else made
        if self.memory:
            self._con = duckdb.connect(":memory:", config=DUCKDB_CONFIG)
            self._con.execute(UTC_SESSIONS)
            self._lock = None
            _OPEN.add(self)
            return
        if read_only and not Path(path).exists():
            raise CreditsError(f"database {path} does not exist (read-only: nothing is created)")
        self.file = os.path.realpath(path)  # R16: every path to the file shares its turns, token and waiters
        if not read_only:
            Path(self.file).parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileTurn(self.file, shared=read_only)
        self._wait_path = self.file + ".wait"
        self._rev_path = self.file + ".rev"
        self._wake = threading.Condition(self._mutex)
        self._janitor: threading.Thread | None = None
        _OPEN.add(self)  # once whole: a file refused above leaves nothing for the exit to close

    # -- sessions --------------------------------------------------------------------------------------------------

    @contextmanager
    def turn(self) -> Iterator[None]:
        """This process's threads take turns (without opening the file): for reading the snapshot consistently."""
        with self._mutex:
            yield

    @property
    def held(self) -> bool:
        """Whether this process holds the file right now (a lingering connection counts)."""
        return self._con is not None and not self.memory

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the open file, held by this thread until the block ends (re-entrant)."""
        with self._mutex:
            if self._closed:
                raise CreditsError(f"database {self.path} is closed")
            if self._depth:
                self._depth += 1
                try:
                    yield self._cur
                finally:
                    self._depth -= 1
                return
            if not self.memory:
                now = time.monotonic()
                if (self._con is not None and now - self._acquired_at > self.quantum_s
                        and now >= self._next_wait_check):
                    # past its quantum the holder looks for waiters between operations, at most every 2 ms (a look
                    # is a file open and a lock attempt: back-to-back questions would pay it each time)
                    self._next_wait_check = now + 0.002
                    if self._someone_waits():
                        self._release()
                        self._let_waiters_in()
                if self._con is None:
                    self._acquire()
            self._cur = self._con.cursor()  # UTC already (UTC_SESSIONS): a SET here cost 0.15 ms a session
            self._depth = 1
            try:
                yield self._cur
            finally:
                self._depth = 0
                try:
                    self._cur.close()
                finally:
                    self._cur = None
                    self._last_used = time.monotonic()
                    if not self.memory:
                        self._wake.notify_all()

    def _acquire(self) -> None:
        """Take the file lock (waiting our turn, bounded) and open DuckDB."""
        start = time.monotonic()
        told = False
        wait_fd = None
        try:
            while True:
                try:
                    self._lock.acquire(timeout=0.05 if not told else 0.01, poll_interval=0.001)
                    break
                except TimeoutError:
                    if wait_fd is None:  # tell the holder that someone waits
                        wait_fd = self._signal_waiting()
                    waited = time.monotonic() - start
                    if not told and waited > 1.0:
                        self.on_wait(f"waiting for database {self.path}: another process (the dashboard, a CLI "
                                     f"command or a scheduled job) is using it; waiting up to {self.wait_s:.0f} s")
                        told = True
                    if waited > self.wait_s:
                        raise StoreBusy(f"database {self.path} stayed busy for {self.wait_s:.0f} s (another process "
                                        f"holds it); try again later") from None
        finally:
            if wait_fd is not None and wait_fd >= 0:
                fcntl.flock(wait_fd, fcntl.LOCK_UN)
                os.close(wait_fd)
        try:
            self._con = duckdb.connect(self.file, read_only=self.read_only, config=DUCKDB_CONFIG)
            self._con.execute(UTC_SESSIONS)
        except duckdb.Error as exc:
            self._lock.release()
            if "could not set lock" in str(exc).lower() or "conflicting lock" in str(exc).lower():
                raise StoreBusy(f"database {self.path} is locked by a program that does not take turns "
                                f"(DuckDB said: {exc})") from None
            log.warning("cannot open %s", self.path, exc_info=exc)
            raise CreditsError(what_file(self.file, exc)) from None
        self.opens += 1
        self._acquired_at = time.monotonic()
        self._start_janitor()

    def _release(self) -> None:
        if self._con is not None:
            try:
                self._con.close()
            finally:
                self._con = None
                self._lock.release()

    def _signal_waiting(self) -> int:
        """Hold a shared lock on ``<file>.wait`` while waiting (-1 when a read-only process finds none to use)."""
        try:
            if self.read_only:
                fd = os.open(self._wait_path, os.O_RDONLY)
            else:
                fd = os.open(self._wait_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            return -1  # the holder still lets go after its linger (0.25 s)
        fcntl.flock(fd, fcntl.LOCK_SH)
        return fd

    def _someone_waits(self) -> bool:
        try:
            fd = os.open(self._wait_path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN)
        finally:
            os.close(fd)  # closing drops the lock if we took it
        return False

    def _let_waiters_in(self) -> None:
        """After handing the file over, pause for a few of the waiters' polls (1 ms each) so that one of them takes
        it before we ask again."""
        time.sleep(0.003)

    def _start_janitor(self) -> None:
        if self._janitor is None or not self._janitor.is_alive():
            self._janitor = threading.Thread(target=self._janitor_loop, name=f"credits-db-{self.path}", daemon=True)
            self._janitor.start()

    def _janitor_loop(self) -> None:
        """Close a lingering connection when idle for ``linger_s``, or when another process waits and this one
        is between operations (idle a few ms, or past its quantum)."""
        with self._mutex:
            while self._con is not None and not self._closed:
                self._wake.wait(timeout=0.01)
                if self._con is None or self._depth:
                    continue
                now = time.monotonic()
                idle = now - self._last_used
                if idle > self.linger_s or ((idle > 0.005 or now - self._acquired_at > self.quantum_s)
                                            and self._someone_waits()):
                    self._release()

    def release(self) -> None:
        """Let the file go now (a command that is done, a test that hands the file to another process)."""
        if self.memory:
            return
        with self._mutex:
            if not self._depth:
                self._release()

    def close(self) -> None:
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            if self.memory:
                self._con.close()
                self._con = None
            else:
                self._release()
                self._wake.notify_all()

    # -- change detection -------------------------------------------------------------------------------------------

    def token(self) -> str | None:
        """The token of the latest write to the file (None for a file no process of this version wrote)."""
        if self.memory:
            return self._memory_token
        try:
            with open(self._rev_path, encoding="ascii") as fh:
                return fh.read() or None
        except FileNotFoundError:
            return None

    def publish(self) -> str:
        """Announce a write (called inside the write, before its commit): returns the new token."""
        token = f"{time.time_ns():020d}-{os.getpid():010d}-{uuid.uuid4().hex[:12]}"  # always 44 characters
        if self.memory:
            self._memory_token = token
        else:
            # one write of a fixed length in place (a rename costs ten times more): a reader that catches it half
            # written sees a token that is neither old nor new, and merely reloads once more
            fd = os.open(self._rev_path, os.O_WRONLY | os.O_CREAT, 0o666)
            try:
                os.pwrite(fd, token.encode("ascii"), 0)
            finally:
                os.close(fd)
        return token

    # -- schema ----------------------------------------------------------------------------------------------------

    def migrate(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Bring the file to this program's schema version (all steps in one transaction), or refuse it."""
        tables = {r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if tables and "meta" not in tables:
            raise CreditsError(f"{os.path.basename(self.path)} is not a credits database (another program's DuckDB "
                               f"database, with tables {sorted(tables)[:5]})")
        if not tables and not self.memory and not self.created:  # a DuckDB file this program did not make
            raise CreditsError(f"{os.path.basename(self.path)} is an empty DuckDB database made by another program "
                               f"(or left by a first open that was cut short): a credits database is created by "
                               f"this program at a new path. Delete it, or use another path")
        version = 0
        if "meta" in tables:
            app = meta(cur, "app")
            if app != APP_ID:
                raise CreditsError(f"{self.path} is not a credits database (app={app!r})")
            version = int(meta(cur, "schema_version") or 0)
        if version > SCHEMA_VERSION:
            raise CreditsError(
                f"{self.path} was written by a newer version of this program (schema {version}, this program "
                f"knows up to {SCHEMA_VERSION}); upgrade the program")
        if version == SCHEMA_VERSION:
            return
        if self.read_only and not self.memory:  # a read-only memory store starts empty: its schema is new
            raise CreditsError(f"{self.path} has schema {version} and needs a migration to {SCHEMA_VERSION}; "
                               f"open it once without read-only")
        cur.execute("BEGIN TRANSACTION")
        try:
            for step in MIGRATIONS[version:]:
                for sql in step:
                    cur.execute(sql) if isinstance(sql, str) else sql(cur)
            missing = missing_columns(cur)
            if missing:  # a file whose history no step knows: refused whole, nothing changed
                raise CreditsError(f"{self.path} lacks {', '.join(missing)} after its migration from schema "
                                   f"{version}: it was not written by a released version of this program")
            set_meta(cur, "app", APP_ID)
            set_meta(cur, "schema_version", str(SCHEMA_VERSION))
            cur.execute("COMMIT")
        except BaseException:
            try:
                cur.execute("ROLLBACK")
            except duckdb.Error:
                pass  # the first error is the one to report
            raise


def what_file(path: str, exc: BaseException | None = None) -> str:
    """Why a file cannot be opened as a ledger, in words: another program's file (SQLite, anything not DuckDB), or a
    damaged credits database (a DuckDB file cut short or corrupted), never DuckDB's own advice for its extensions."""
    name = os.path.basename(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
        size = os.path.getsize(path)
    except OSError as err:
        return f"cannot read {name}: {err.strerror}"
    if head.startswith(b"SQLite format 3"):
        return f"{name} is a SQLite database, not a credits database (this program's files are DuckDB databases)"
    if size == 0:
        return f"{name} is an empty file, not a credits database (delete it to start a new one)"
    if head[8:12] == b"DUCK":  # DuckDB's magic bytes: a DuckDB file it could not read
        return (f"{name} is a damaged database: DuckDB cannot read it ({_first_line(exc)}). Restore it from a "
                f"backup; nothing was changed")
    return f"{name} is not a credits database (it is not a DuckDB database at all)"


def _first_line(exc: BaseException | None) -> str:
    text = str(exc or "").split("\n")[0]
    return " ".join(text.split())[:160] or "unknown error"


def meta(cur: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = cur.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_meta(cur: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def require_select(cur: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Reading never writes: a read runs exactly one SELECT (parsed by DuckDB, not guessed from the text)."""
    statements = cur.extract_statements(sql)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise CreditsError("only one SELECT statement can be run as a read; writes go through the journal")


class Rows:
    """The rows of one SELECT: fetched once, as tuples, a DataFrame or numpy arrays (never the cursor)."""

    __slots__ = ("_cur",)

    def __init__(self, cur: duckdb.DuckDBPyConnection):
        self._cur = cur

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall()

    def fetchone(self) -> tuple | None:
        return self._cur.fetchone()

    def df(self):
        return self._cur.df()

    def fetchnumpy(self) -> dict:
        return self._cur.fetchnumpy()


class ReadCursor:
    """What a read session hands out (``CreditStore.reading()``): one SELECT at a time, small frames registered by
    name for a join, and a SELECT copied to a CSV file. No other statement, and never the DuckDB cursor itself, so
    no reader (a report, a page through the gate) can write through it."""

    __slots__ = ("_cur",)

    def __init__(self, cur: duckdb.DuckDBPyConnection):
        self._cur = cur

    def execute(self, sql: str, params: list | tuple | None = None) -> Rows:
        require_select(self._cur, sql)
        self._cur.execute(sql, list(params or []))
        return Rows(self._cur)

    def register(self, name: str, frame) -> None:
        self._cur.register(name, frame)

    def unregister(self, name: str) -> None:
        self._cur.unregister(name)

    def copy_to_csv(self, select_sql: str, params: list, path: str) -> None:
        """The rows of one SELECT to a CSV file (header, comma, double quotes where needed), streamed in Arrow
        batches: an export that writes a file, never the database (DuckDB itself may not touch other files)."""
        import pyarrow.csv as pacsv

        require_select(self._cur, select_sql)
        batches = self._cur.sql(select_sql, params=list(params)).to_arrow_reader(100_000)
        with pacsv.CSVWriter(str(path), batches.schema) as out:
            for batch in batches:
                out.write_batch(batch)
