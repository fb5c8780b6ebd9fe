"""Exports that scale: a workbook (or the messages as CSV.gz) written in the background, straight to a file.

An ``ExportJob`` runs ``export.write_workbook`` (or ``write_messages_csv_gz``) in a worker thread over its own
read-only view of the file, into a folder of its own under the system's temporary directory, and reports rows
written, the rate and the time left; ``cancel()`` stops it at the next chunk and removes the file. A finished file is
served from disk by the page (never kept in a session) and removed when its job is dropped (the session ends) or
after ``MAX_AGE_S`` (an hour), whichever comes first: ``sweep()`` runs at every new job.

How big an export will be is said before it is written by ``export.estimate`` (from the figures ``bench/``
measured); above ``export.SUMMARY_ONLY_ABOVE`` messages the page offers the summary without messages as the default,
since Excel stops at 1,048,576 rows a sheet and nobody reads millions of rows there.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path

from .errors import CreditsError
from .export import duration, safe_frame, write_workbook
from .filters import ReportFilter
from .store import CreditStore

MAX_AGE_S = 3600.0
ROOT = Path(tempfile.gettempdir()) / "sms-credits-exports"


class Cancelled(Exception):
    pass


def sweep(now: float | None = None) -> int:
    """Remove export folders older than ``MAX_AGE_S``; returns how many."""
    now = time.time() if now is None else now
    gone = 0
    if ROOT.exists():
        for folder in ROOT.iterdir():
            try:
                if now - folder.stat().st_mtime > MAX_AGE_S:
                    shutil.rmtree(folder, ignore_errors=True)
                    gone += 1
            except FileNotFoundError:
                continue
    return gone


class ExportJob:
    """One export in a worker thread. ``kind``: "xlsx" (the workbook, ``with_messages`` or not) or "csv.gz" (the
    messages only). ``owner`` names the folder (the user), so one user's files are apart from another's."""

    def __init__(self, db_path: str, f: ReportFilter, kind: str = "xlsx", *, with_messages: bool = True,
                 preset: str | None = None, search: str | None = None, view: tuple = (), owner: str = "local",
                 total: int = 0):
        if kind not in ("xlsx", "csv.gz"):
            raise CreditsError(f"export kind {kind!r} is unknown: xlsx or csv.gz")
        sweep()
        ROOT.mkdir(parents=True, exist_ok=True)
        safe_owner = "".join(c if c.isalnum() else "_" for c in owner)[:40] or "user"
        self.folder = Path(tempfile.mkdtemp(prefix=f"{safe_owner}-", dir=ROOT))
        self.path = self.folder / ("usage-report.xlsx" if kind == "xlsx" else "messages.csv.gz")
        self.kind, self.total = kind, total if with_messages else 0
        self.done = 0
        self.started = time.monotonic()
        self.finished: float | None = None
        self.error: str | None = None
        self._cancel = threading.Event()
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
        from .reports import iter_messages

        db_path, f, with_messages, preset, search, view = self._args
        try:
            with CreditStore.open(db_path, read_only=True) as store:
                if self.kind == "xlsx":
                    write_workbook(store, f, self.path, include_messages=with_messages, progress=self._progress,
                                   preset=preset, search=search, view=view)
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
        if self.error == "cancelled":
            return "Cancelled: nothing was kept."
        if self.error:
            return f"The export failed: {self.error}"
        if self.ready:
            size = self.path.stat().st_size / 1e6
            return f"Ready: {self.total:,} message rows, {size:,.1f} MB, in {self.finished - self.started:,.1f} s."
        left = self.seconds_left()
        return (f"{self.done:,} of {self.total:,} message rows written" +
                (f", about {duration(left)} left" if left is not None else "") if self.total else
                "Writing the summary sheets ...")

    def remove(self) -> None:
        self.cancel()
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
