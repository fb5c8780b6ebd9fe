"""Changing spending limits in bulk (the Assign page's table), all or nothing.

A change sets a list's *total* assigned credits (``new_limit``) or returns it to free access (``shared``). The
assignments R6 needs are derived from the current state: ``new_limit - assigned``. Credits freed by lists going back
to free access or lowering their limit are counted before those taken, so a set of changes that fits as a whole is
accepted whatever its order; one that does not is refused before anything is written, with the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from credits_core.language import said
from credits_core.ledger import CreditsError, InsufficientCredits, utc_us
from credits_core.store import CreditStore


@dataclass(frozen=True)
class LimitChange:
    list_id: str
    new_limit: int | None = None  # total assigned credits after the change
    shared: bool = False  # back to free access (its credits return to the pool)


def apply_limits(store: CreditStore, changes: list[LimitChange], at: datetime) -> int:
    """Apply the changes in one transaction, checked against the state as of ``at`` (expiries due by then
    included); returns how many were applied. A change that changes nothing (the limit a list already has, free
    access for a list that has it) writes nothing: the History holds only what happened."""
    with store.batch():  # holds the file: the state checked is the state written on
        return _apply(store, changes, at)


def _apply(store: CreditStore, changes: list[LimitChange], at: datetime) -> int:
    state = store.state_at(utc_us(at, "at"))
    deltas = []
    for c in changes:
        store.require_list(c.list_id)
        current = state.assigned.get(c.list_id, 0)
        if c.shared:
            if c.list_id in state.assigned:
                deltas.append((c, -current))
        elif c.new_limit is None or type(c.new_limit) is not int or c.new_limit < 0:
            raise CreditsError(said("new limit {limit} of list {list} must be a whole number of credits, 0 or more (a "
                                    "limit is what the list holds; it cannot be negative)", limit=repr(c.new_limit),
                                    list=repr(c.list_id)))
        elif c.list_id not in state.assigned or c.new_limit != current:
            deltas.append((c, c.new_limit - current))
    need = sum(d for _, d in deltas)
    if need > state.pool:
        raise InsufficientCredits(said(
            "these limits need {need} more credits from the unassigned pool, which holds only {pool}; nothing was "
            "written", need=need, pool=state.pool))
    # R15: credits the pool's campaigns still reserve are not for the taking (counted after the changes, since a
    # list that becomes limited takes its own campaigns' reservations with it)
    limited_after = {c.list_id for c, _ in deltas if not c.shared} | (set(state.assigned) - {
        c.list_id for c, _ in deltas if c.shared})
    pool_reserved = sum(r.reserved for r in store.reservations().campaigns if r.list_id not in limited_after)
    if need > 0 and state.pool - need < pool_reserved:
        raise InsufficientCredits(said(
            "these limits need {need} more credits from the unassigned pool, which has only {available} available "
            "({pool} remaining - {reserved} reserved by scheduled campaigns); nothing was written", need=need,
            available=max(0, state.pool - pool_reserved), pool=state.pool, reserved=pool_reserved))
    for c, delta in sorted(deltas, key=lambda cd: cd[1]):  # give back first, then take
        if c.shared:
            store.set_shared(c.list_id, at)
        else:
            store.assign(c.list_id, delta, at)
    return len(deltas)


def spent_last_days(store: CreditStore, days: int = 30) -> dict[str, int]:
    """Credits each list spent in the last ``days`` Rome days (today included)."""
    from credits_core.ledger import rome_today
    from credits_core.reporting import ReportFilter, usage_by_list

    today = rome_today()
    by = usage_by_list(store, ReportFilter(today - timedelta(days=days - 1), today, period="year"), with_cost=False)
    return {r.list_id: int(r.credits) for r in by.itertuples()}


def risks(store: CreditStore, changes: list[LimitChange]) -> list[str]:
    """Changes a manager should confirm: a limit of 0 (the list can no longer send) or below what the list spent in
    the last 30 days. Plain words, list names."""
    spent = spent_last_days(store)
    out = []
    for c in changes:
        if c.shared or c.new_limit is None:
            continue
        name = store.list_name(c.list_id)
        if c.new_limit == 0:
            out.append(said("{name} gets a limit of 0: it cannot send any message until its limit is raised",
                            name=name))
        elif c.new_limit < spent.get(c.list_id, 0):
            out.append(said("{name} gets {limit} credits, less than the {spent} it spent in the last 30 days",
                            name=name, limit=c.new_limit, spent=spent[c.list_id]))
    return out


def unchanged(store: CreditStore, changes: list[LimitChange]) -> list[LimitChange]:
    """The changes that would change nothing as of now (the limit the list has; free access it has)."""
    state = store.now_state()
    return [c for c in changes
            if (c.shared and c.list_id not in state.assigned)
            or (not c.shared and c.list_id in state.assigned and c.new_limit == state.assigned[c.list_id])]


def describe(store: CreditStore, changes: list[LimitChange]) -> list[str]:
    """What the changes do, in words, against the state as of now (for the confirmation after applying)."""
    state = store.now_state()
    out = []
    for c in changes:
        name = store.list_name(c.list_id)
        before = (said("a limit of {limit}", limit=state.assigned[c.list_id]) if c.list_id in state.assigned
                  else said("free access"))
        after = said("free access") if c.shared else said("a limit of {limit}", limit=c.new_limit)
        out.append(said("{name}: {before} -> {after}", name=name, before=before, after=after))
    return out
