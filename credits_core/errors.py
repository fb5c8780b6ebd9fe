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


StoreInUse = StoreBusy  # the name of earlier versions
