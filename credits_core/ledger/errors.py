"""Errors of the credit engine.

Every refusal is a ``CreditsError`` (a ``ValueError``) whose message says what was wrong and with which value:
the list, the message id, the amount, the instant. A refused call writes nothing.
"""

from __future__ import annotations


class CreditsError(ValueError):
    """An operation was refused; nothing was written."""


class InsufficientCredits(CreditsError):
    """A spend or an assignment would take a balance (pool, list or lot) below zero (R6, R7, R14)."""


class StoreBusy(CreditsError):
    """The database file stayed busy (another process held it) for longer than the wait allowed."""


class StorageError(CreditsError):
    """The database file could not be written (a full disk, a read-only or failing volume). The write was rolled
    back whole: the file is as it was before, and the message says so."""


StoreInUse = StoreBusy  # the name of earlier versions


def storage_error(exc: BaseException, path: str) -> StorageError:
    """One sentence for a failed write to ``path``: what failed, which file, the space left, that nothing was
    written. The full error goes to the log."""
    import errno
    import logging
    import os
    import shutil

    logging.getLogger("credits_core").info("writing to %s failed", path, exc_info=exc)  # the server's log
    name = os.path.basename(path)
    text = str(exc)
    full = getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in text or "disk is full" in text.lower()
    try:
        free = shutil.disk_usage(os.path.dirname(os.path.abspath(path)) or ".").free
        space = f"{free / 1e6:,.1f} MB free"
    except OSError:
        space = "free space unknown"
    if full:
        return StorageError(f"Writing to {name} failed: the disk is full ({space}). Nothing was written: the "
                            f"ledger is as it was. Free some space and do it again.")
    first = " ".join(text.split("\n")[0].split())[:200]
    return StorageError(f"Writing to {name} failed ({first}; {space}). Nothing was written: the ledger is as it was.")
