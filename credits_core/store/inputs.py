"""What a write accepts: credits that are whole numbers, instants between 2000 and 2100, ids that are names (R1, R2,
R13). Checked before anything is written."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from credits_core.ledger import CreditsError, bounds, utc_us
from credits_core.storage import journal


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


def _instant(at: datetime, name: str = "at") -> int:
    """R2, and a range a credits ledger can hold (a lot bought in year 9999 would expire in year 10001)."""
    us = utc_us(at, name)
    if not bounds.EARLIEST_US <= us < bounds.LATEST_US:
        raise CreditsError(f"{name}={at.isoformat()} is out of range: events must fall between 2000 and 2099")
    return us


def _check_id(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CreditsError(f"{name}={value!r} must be a non-empty string")
    problem = bounds.control_problem(value, name)
    if problem:
        raise CreditsError(problem)
    return value
