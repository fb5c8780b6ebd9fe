"""Exports that scale: a workbook (or the messages as CSV.gz) written in the background, straight to a file.

An ``ExportJob`` runs ``export.write_workbook`` (or ``write_messages_csv_gz``) in a worker thread over its own
read-only view of the file and reports rows written, the rate and the time left; ``cancel()`` stops it at the next
chunk and removes the file.

Where the files live. Other users of the machine must not read them or swap them: every process writes under a folder
of its own (``mkdtemp``: mode 0700) inside a per-user folder (``sms-credits-exports-<uid>`` in the system's temporary
directory) that must be a real folder, owned by this user, with no access for anyone else, or nothing is written
(another user may have made it first). Job folders are named by a hash of their owner, never an e-mail address.

Serving. A finished file is streamed from disk by ``serve.py``'s ``/_credits/download/<token>`` route, which gives it
only to the user who made it (``download``): the token alone is not enough, it is never kept in a session, and no
other process or user can fetch it by URL. A file is removed when its job is dropped (the session ends), when its
owner signs out (``forget_owner``), after ``MAX_AGE_S`` (an hour), or when the server starts again (``sweep`` removes
the folders of processes that are gone). Ages are measured against the file system's own clock (a file touched now),
so a shifted process clock never sweeps a job that runs.

How big an export will be is said before it is written by ``export.estimate`` (from the figures ``bench/``
measured); above ``export.SUMMARY_ONLY_ABOVE`` messages the page offers the summary without messages as the default,
since Excel stops at 1,048,576 rows a sheet and nobody reads millions of rows there.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import secrets
import shutil
import stat
import tempfile
import threading
import time
import weakref
from pathlib import Path

from credits_core.exports.workbook import duration, safe_frame, write_workbook
from credits_core.language import words
from credits_core.ledger import CreditsError
from credits_core.reporting import ReportFilter
from credits_core.store import CreditStore

MAX_AGE_S = 3600.0
BASE = Path(tempfile.gettempdir())
_ROOT: Path | None = None  # this process's folder (made on first use)
_ROOT_LOCK = threading.Lock()
_DOWNLOADS: weakref.WeakValueDictionary[str, ExportJob] = weakref.WeakValueDictionary()


class Cancelled(Exception):
    pass


def _private(folder: Path) -> Path:
    """``folder`` if it is a real folder of this user that nobody else can open (checked without following links)."""
    st = os.lstat(folder)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise CreditsError(f"{folder} is not a private folder of this user (a link, another owner, or open to "
                           f"others: mode {oct(st.st_mode & 0o777)}): exports are not written there; remove it")
    return folder


def user_root() -> Path:
    """The per-user folder of exports, made private if it does not exist, refused if it is not private."""
    folder = BASE / f"sms-credits-exports-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    return _private(folder)


def process_root() -> Path:
    """This process's folder of exports (0700, inside ``user_root``)."""
    global _ROOT
    with _ROOT_LOCK:
        if _ROOT is None or not _ROOT.exists():
            _ROOT = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=user_root()))
        return _ROOT


def _fs_now(folder: Path) -> float:
    """Now, on the file system's clock: the instant a file written now gets (file ages compare with it)."""
    mark = folder / ".now"
    mark.touch()
    return mark.stat().st_mtime


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(entry: Path) -> None:
    st = os.lstat(entry)
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(entry, ignore_errors=True)  # never follows a link inside
    else:
        entry.unlink(missing_ok=True)  # a link or a stray file: the link itself, never its target


def sweep() -> int:
    """Remove the folders of processes that are gone and every job folder older than ``MAX_AGE_S``; returns how
    many. Looks at entries with ``lstat`` (a link is removed as a link, never followed)."""
    try:
        root = user_root()
    except CreditsError:
        return 0
    now, gone = _fs_now(root), 0
    for folder in root.iterdir():
        if folder.name == ".now":
            continue
        try:
            st = os.lstat(folder)
            pid = int(folder.name.split("-", 1)[0]) if folder.name.split("-", 1)[0].isdigit() else None
            if not stat.S_ISDIR(st.st_mode) or pid is None or not _alive(pid):
                _remove(folder)
                gone += 1
                continue
            for job in folder.iterdir():
                if now - os.lstat(job).st_mtime > MAX_AGE_S:
                    _remove(job)
                    gone += 1
        except FileNotFoundError:
            continue
    return gone


def owner_tag(owner: str) -> str:
    """A job folder's name for its owner: a hash, never the e-mail address itself."""
    return hashlib.sha256(owner.strip().lower().encode()).hexdigest()[:12]


def forget_owner(owner: str) -> int:
    """Remove every export of ``owner`` in this process (at sign-out); returns how many."""
    n = 0
    for token, job in list(_DOWNLOADS.items()):
        if job.owner == owner:
            job.remove()
            _DOWNLOADS.pop(token, None)
            n += 1
    return n


def download(token: str, user: str | None) -> ExportJob | None:
    """The finished export behind ``token`` when ``user`` made it (None otherwise: unknown token, another user, not
    ready or removed)."""
    job = _DOWNLOADS.get(token)
    if job is None or not job.ready or (job.owner or "").lower() != (user or "").lower():
        return None
    return job


class ExportJob:
    """One export in a worker thread. ``kind``: "xlsx" (the workbook, ``with_messages`` or not) or "csv.gz" (the
    messages only). ``owner`` names the folder (the user), so one user's files are apart from another's."""

    def __init__(self, db_path: str, f: ReportFilter, kind: str = "xlsx", *, with_messages: bool = True,
                 preset: str | None = None, search: str | None = None, view: tuple = (), owner: str = "local",
                 total: int = 0, name: str | None = None, lang: str = "en"):
        if kind not in ("xlsx", "csv.gz"):
            raise CreditsError(f"export kind {kind!r} is unknown: xlsx or csv.gz")
        sweep()
        self.owner = owner
        self.folder = Path(tempfile.mkdtemp(prefix=f"{owner_tag(owner)}-", dir=process_root()))
        self.path = self.folder / ("usage-report.xlsx" if kind == "xlsx" else "messages.csv.gz")
        # what the download is called: the view's name (``export.view_file_name``), letters, digits, dots and dashes
        self.file_name = name if name and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,150}", name) else self.path.name
        self.token = secrets.token_urlsafe(32)  # names the download; ``download`` also checks the user
        _DOWNLOADS[self.token] = self
        self.kind, self.total = kind, total if with_messages else 0
        self.done = 0
        self.started = time.monotonic()
        self.finished: float | None = None
        self.error: str | None = None
        self._cancel = threading.Event()
        self.filter = f  # the view it writes
        self.words = words(lang)  # the language of its sheets, Summary and status
        self._args = (db_path, f, with_messages, preset, search, tuple(view))
        self._thread = threading.Thread(target=self._run, name="credits-export", daemon=True)
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.folder), True)  # the session ended
        self._thread.start()

    # -- the worker ------------------------------------------------------------------------------------------------

    def _progress(self, done: int) -> None:
        self.done = done
        if self._cancel.is_set():
            raise Cancelled

    def _run(self) -> None:
        from credits_core.reporting import iter_messages

        db_path, f, with_messages, preset, search, view = self._args
        try:
            with CreditStore.open(db_path, read_only=True) as store:
                if self.kind == "xlsx":
                    write_workbook(store, f, self.path, include_messages=with_messages, progress=self._progress,
                                   preset=preset, search=search, view=view, w=self.words)
                else:
                    write_messages_csv_gz(iter_messages(store, f, search=search), self.path, self._progress)
            self.finished = time.monotonic()
        except Cancelled:
            self.error = "cancelled"
            self.path.unlink(missing_ok=True)
        except Exception as exc:  # said on the page; the worker must never die silently
            self.error = str(exc)[:300]
            self.path.unlink(missing_ok=True)

    # -- the page's questions --------------------------------------------------------------------------------------

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def ready(self) -> bool:
        return self.finished is not None and self.error is None and self.path.exists()

    @property
    def fraction(self) -> float:
        if self.ready:
            return 1.0
        return min(0.99, self.done / self.total) if self.total else 0.0

    def seconds_left(self) -> float | None:
        elapsed = time.monotonic() - self.started
        if not self.done or not self.total:
            return None
        return max(0.0, elapsed / self.done * (self.total - self.done))

    def status(self) -> str:
        """Where the export is, in its reader's language."""
        w = self.words
        if self.error == "cancelled":
            return w.t("Cancelled: nothing was kept.")
        if self.error:
            return w.t("The export failed: {why}", why=self.error)
        if self.ready:
            size = self.path.stat().st_size / 1e6
            return w.t("Ready: {rows} message rows, {mb} MB, in {seconds} s.", rows=self.total,
                       mb=w.number(size, 1), seconds=w.number(self.finished - self.started, 1))
        left = self.seconds_left()
        if not self.total:
            return w.t("Writing the summary sheets ...")
        if left is None:
            return w.t("{done} of {total} message rows written", done=self.done, total=self.total)
        return w.t("{done} of {total} message rows written, about {left} left", done=self.done, total=self.total,
                   left=duration(left, w))

    def remove(self) -> None:
        self.cancel()
        _DOWNLOADS.pop(self.token, None)
        self._finalizer()


def write_messages_csv_gz(chunks, path: Path, progress=None) -> int:
    """The messages as gzip-compressed CSV (UTF-8, header; text cells escaped against formulas), chunk by chunk."""
    done = 0
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=5) as out:
        for i, chunk in enumerate(chunks):
            safe_frame(chunk).to_csv(out, index=False, header=i == 0)
            done += len(chunk)
            if progress:
                progress(done)
    return done
