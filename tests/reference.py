"""A small, obviously-correct reference ledger for the property tests.

It keeps every event and answers by replaying them one at a time, message by message, credit-lot by credit-lot,
with Fractions for the proportional split. Slow on purpose: nothing vectorised, nothing cached, nothing shared with
credits_core except the SPEC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")


def expires_on(at: datetime, years: int = 2) -> date:
    d = at.astimezone(ROME).date()
    if d.month == 2 and d.day == 29:
        return date(d.year + years, 2, 28)
    return date(d.year + years, d.month, d.day)


def expiry_instant(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=ROME).astimezone(UTC)


@dataclass
class RLot:
    lot_id: str
    at: datetime
    credits: int
    expiring: bool
    expires: date | None
    remaining: int


@dataclass
class RState:
    lots: list[RLot] = field(default_factory=list)
    pool: int = 0
    assigned: dict[str, int] = field(default_factory=dict)
    expired: list[tuple[datetime, str | None, int]] = field(default_factory=list)
    used: dict[tuple[str, str], int] = field(default_factory=dict)  # (list_id, lot_id) -> credits spent from it


class Refused(Exception):
    pass


class Reference:
    def __init__(self, consumption: str = "non_expiring_first", extend: bool = True):
        self.events: list[tuple[datetime, int, str, tuple]] = []
        self.seq = 0
        self.consumption = consumption
        self.extend = extend

    def add(self, at: datetime, kind: str, *args) -> None:
        """Record an event if the replay with it succeeds; else raise Refused and keep nothing."""
        self.seq += 1
        candidate = self.events + [(at, self.seq, kind, args)]
        self.replay(candidate, until=None)
        self.events = candidate

    def add_all(self, events: list[tuple]) -> None:
        """Record several events (at, kind, *args) all or nothing (an import, ``record_messages``)."""
        candidate = list(self.events)
        for at, kind, *args in events:
            self.seq += 1
            candidate.append((at, self.seq, kind, tuple(args)))
        self.replay(candidate, until=None)
        self.events = candidate

    def order(self, lots: list[RLot]) -> list[RLot]:
        def key(lot: RLot):
            expiring_first = self.consumption != "non_expiring_first"
            group = (0 if lot.expiring else 1) if expiring_first else (1 if lot.expiring else 0)
            return (group, lot.expires or date.max, lot.at, lot.lot_id)
        return sorted(lots, key=key)

    def expire_until(self, s: RState, t: datetime, inclusive: bool) -> None:
        while True:
            due = [expiry_instant(lot.expires) for lot in s.lots if lot.expiring and lot.remaining > 0]
            due = [d for d in due if (d <= t if inclusive else d < t)]
            if not due:
                return
            instant = min(due)
            x = 0
            for lot in s.lots:
                if lot.expiring and lot.remaining > 0 and expiry_instant(lot.expires) == instant:
                    x += lot.remaining
                    lot.remaining = 0
            from_pool = min(x, s.pool)
            s.pool -= from_pool
            if from_pool:
                s.expired.append((instant, None, from_pool))
            rest = x - from_pool
            if rest:
                total = sum(v for v in s.assigned.values() if v > 0)
                exact = {k: Fraction(rest * v, total) for k, v in s.assigned.items() if v > 0}
                parts = {k: int(v) for k, v in exact.items()}  # floor (positive)
                left = rest - sum(parts.values())
                ranked = sorted(exact, key=lambda k: (-(exact[k] - int(exact[k])), k))
                for k in ranked[:left]:
                    parts[k] += 1
                for k in sorted(parts):
                    if parts[k]:
                        assert parts[k] <= s.assigned[k]
                        s.assigned[k] -= parts[k]
                        s.expired.append((instant, k, parts[k]))

    def replay(self, events, until: datetime | None) -> RState:
        s = RState()
        for at, _seq, kind, args in sorted(events, key=lambda e: (e[0], e[1])):
            if until is not None and at > until:
                break
            self.expire_until(s, at, inclusive=True)
            if kind == "purchase":
                lot_id, credits, expiring = args
                exp = expires_on(at) if expiring else None
                if expiring and self.extend:
                    for lot in s.lots:
                        if lot.expiring and lot.remaining > 0 and lot.expires < exp:
                            lot.expires = exp
                s.lots.append(RLot(lot_id, at, credits, expiring, exp, credits))
                s.pool += credits
            elif kind == "assign":
                list_id, n = args
                if n > s.pool or s.assigned.get(list_id, 0) + n < 0:
                    raise Refused(kind)
                s.pool -= n
                s.assigned[list_id] = s.assigned.get(list_id, 0) + n
            elif kind == "set_shared":
                (list_id,) = args
                s.pool += s.assigned.pop(list_id, 0)
            elif kind == "send":
                list_id, credits = args
                if list_id in s.assigned:
                    if s.assigned[list_id] < credits:
                        raise Refused(kind)
                    s.assigned[list_id] -= credits
                else:
                    if s.pool < credits:
                        raise Refused(kind)
                    s.pool -= credits
                for _ in range(credits):  # one credit at a time, from the first lot in order with credits
                    lot = next(lot for lot in self.order(s.lots) if lot.remaining > 0)
                    lot.remaining -= 1
                    s.used[list_id, lot.lot_id] = s.used.get((list_id, lot.lot_id), 0) + 1
        if until is not None:
            self.expire_until(s, until, inclusive=True)
        return s

    def state(self, at: datetime) -> RState:
        return self.replay(self.events, until=at)


def both(ref: Reference, at: datetime, kind: str, args: tuple, call) -> bool:
    """Record one event in the reference and through ``call()`` in the engine: both accept it or both refuse it
    (``InsufficientCredits``). Returns whether it was accepted."""
    from credits_core import InsufficientCredits

    try:
        ref.add(at, kind, *args)
        ref_ok = True
    except Refused:
        ref_ok = False
    try:
        call()
        ok = True
    except InsufficientCredits:
        ok = False
    assert ok == ref_ok, f"{kind}{args} at {at}: engine {'accepted' if ok else 'refused'}, reference not"
    return ok


def t0() -> datetime:
    return datetime(2024, 1, 1, 9, tzinfo=UTC)


def days(n: float) -> timedelta:
    return timedelta(days=n)
