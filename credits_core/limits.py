"""Changing spending limits in bulk (the Assign page's table), all or nothing.

A change sets a list's *total* assigned credits (``new_limit``) or returns it to free access (``shared``). The
assignments R6 needs are derived from the current state: ``new_limit - assigned``. Credits freed by lists going back
to free access or lowering their limit are counted before those taken, so a set of changes that fits as a whole is
accepted whatever its order; one that does not is refused before anything is written, with the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .calendar import utc_us
from .errors import CreditsError, InsufficientCredits
from .store import CreditStore


@dataclass(frozen=True)
class LimitChange:
    list_id: str
    new_limit: int | None = None  # total assigned credits after the change
    shared: bool = False  # back to free access (its credits return to the pool)


def apply_limits(store: CreditStore, changes: list[LimitChange], at: datetime) -> int:
    """Apply the changes in one transaction, checked against the state as of ``at`` (expiries due by then
    included); returns how many were applied."""
    with store.batch():  # holds the file: the state checked is the state written on
        return _apply(store, changes, at)


def _apply(store: CreditStore, changes: list[LimitChange], at: datetime) -> int:
    state = store.state_at(utc_us(at, "at"))
    deltas = []
    for c in changes:
        store.require_list(c.list_id)
        current = state.assigned.get(c.list_id, 0)
        if c.shared:
            deltas.append((c, -current))
        elif c.new_limit is None or type(c.new_limit) is not int or c.new_limit < 0:
            raise CreditsError(f"new limit {c.new_limit!r} of list {c.list_id!r} must be a whole number >= 0")
        else:
            deltas.append((c, c.new_limit - current))
    need = sum(d for _, d in deltas)
    if need > state.pool:
        raise InsufficientCredits(
            f"these limits need {need:,} more credits from the unassigned pool, which holds only {state.pool:,}; "
            f"nothing was written")
    for c, delta in sorted(deltas, key=lambda cd: cd[1]):  # give back first, then take
        if c.shared:
            store.set_shared(c.list_id, at)
        else:
            store.assign(c.list_id, delta, at)
    return len(deltas)
