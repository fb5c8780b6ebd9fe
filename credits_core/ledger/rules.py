"""The ledger: lots, the unassigned pool and the limited lists, and how events change them.

Data model
----------
A ``State`` is the whole account at one instant: every ``Lot`` (credits bought, remaining, spent, expired, its
current ``expires_on``), the unassigned ``pool`` and ``assigned`` credits per limited list. A list absent from
``assigned`` is shared (it spends from the pool).

Time is cut into *phases* at the few control points (OpenMeter's idea): recorded control events (purchase,
assignment, set_shared) and expiry instants. Inside a phase only messages happen; list modes and the lot order are
fixed, so a phase's messages are applied in bulk: the spend of each list is summed with numpy, each bucket (pool or
limited list) is checked once (credits are > 0, so a running total only grows: a bucket overdraws in a phase iff the
phase total exceeds its balance), and the total leaves the lots in the R5 order. Only when a bucket overdraws do we
look at single messages, to name the first one that fails.

``replay`` runs from a start ``State`` over control events and message arrays and returns the ``Checkpoint`` taken
after every control point plus the final state. The store keeps the checkpoints, so a question "as of ``at``" is one
checkpoint plus the messages of one phase, and appending an event later than everything replays only that event.

The rules live here: consumption order (R5) in ``consumption_order``, purchase and extension (R4) in
``apply_purchase``, assignment (R6) in ``apply_assign``, spend (R7) in ``apply_spend``, expiry (R8) in
``apply_expiry``, same-instant order (R9) in the control-point keys: an expiry at ``t`` has key ``(t, -1)``.

Long module: the rules of the ledger (lots, state, order, assignment, spend, expiry) and the replay that applies
them are one body of rules, read against docs/rules.md; cut apart, a rule and the replay step that applies it would
sit in different files.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from credits_core.ledger.apportion import split
from credits_core.ledger.errors import CreditsError, InsufficientCredits
from credits_core.ledger.policy import Policy
from credits_core.ledger.rome import expires_on, expiry_instant_us, fmt_local


class Holder(enum.Enum):
    """The one typed sentinel for the unassigned pool wherever a holder of credits is named beside list ids (expiry
    deductions, reservations, previews, alerts). It equals no string, so no list id, "(vip)" included, is ever taken
    for the pool. It sorts before every list id."""

    POOL = "pool"

    def __str__(self) -> str:
        return "the unassigned pool"

    def __lt__(self, other: object) -> bool:
        return other is not self

    def __gt__(self, other: object) -> bool:
        return False


POOL = Holder.POOL


def holder_key(holder: str | Holder) -> str:
    """A text key for a holder that no list id can collide with (alert keys, widget keys)."""
    return "pool" if holder is POOL else f"list:{holder}"


def detail_json(detail: dict) -> str:
    """A checkpoint's detail as stored: the pool is ``null`` among the holders (the format files have always had)."""
    return json.dumps(detail, default=lambda v: None if v is POOL else str(v))


def detail_from_json(text: str) -> dict:
    detail = json.loads(text)
    if "holders" in detail:
        detail["holders"] = [[POOL if h is None else h, c] for h, c in detail["holders"]]
    return detail

Key = tuple[int, int]  # (instant in UTC microseconds, seq); expiries use seq -1 so they come first (R9)


@dataclass
class Lot:
    lot_id: str
    purchased_us: int
    credits: int
    expiring: bool
    expires_on: date | None  # current, after extensions (R4)
    price: str | None = None  # Decimal as text, EUR
    remaining: int = 0
    spent: int = 0
    expired: int = 0

    def order_key(self, policy: Policy) -> tuple:
        """R5: non-expiring first (or expiring first), then earliest expires_on, purchased_at, lot_id."""
        group = int(self.expiring) if policy.consumption == "non_expiring_first" else int(not self.expiring)
        return (group, self.expires_on or date.max, self.purchased_us, self.lot_id)


@dataclass
class State:
    lots: dict[str, Lot] = field(default_factory=dict)
    pool: int = 0
    assigned: dict[str, int] = field(default_factory=dict)  # limited lists only

    def copy(self) -> State:
        # field by field: copy.copy on every lot was a third of the cost of a single send
        return State({k: Lot(v.lot_id, v.purchased_us, v.credits, v.expiring, v.expires_on, v.price, v.remaining,
                             v.spent, v.expired) for k, v in self.lots.items()}, self.pool, dict(self.assigned))

    @property
    def total(self) -> int:
        return sum(lot.remaining for lot in self.lots.values())

    def problems(self) -> list[str]:
        """What breaks the R11 invariants in this state (empty when it is sound)."""
        out = []
        if self.total != self.pool + sum(self.assigned.values()):
            out.append(f"R11: lots hold {self.total} but pool + assigned = {self.pool + sum(self.assigned.values())}")
        if self.pool < 0 or any(v < 0 for v in self.assigned.values()):
            out.append(f"R11: a negative balance (pool {self.pool}, assigned {self.assigned})")
        for lot in self.lots.values():
            if lot.remaining < 0 or lot.credits != lot.remaining + lot.spent + lot.expired:
                out.append(f"R11: lot {lot.lot_id} has credits {lot.credits} != remaining {lot.remaining} + spent "
                           f"{lot.spent} + expired {lot.expired}")
        return out

    def check(self) -> None:
        """R11 invariants; a failure here is a bug in the engine, never bad input (a real error, even under -O)."""
        problems = self.problems()
        if problems:
            raise CreditsError("; ".join(problems))

    def bucket_balance(self, list_id: str) -> int:
        """What a list can spend now: its assigned credits if limited, else the pool (R7)."""
        return self.assigned[list_id] if list_id in self.assigned else self.pool

    def next_expiry_us(self, policy: Policy) -> int | None:
        """The next instant at which some lot with credits expires (R3), or None."""
        instants = [
            expiry_instant_us(lot.expires_on)
            for lot in self.lots.values()
            if lot.expiring and lot.remaining > 0
        ]
        return min(instants) if instants else None

    def to_dict(self) -> dict:
        return {
            "pool": self.pool,
            "assigned": self.assigned,
            "lots": [
                [
                    lot.lot_id,
                    lot.purchased_us,
                    lot.credits,
                    lot.expiring,
                    lot.expires_on.isoformat() if lot.expires_on else None,
                    lot.price,
                    lot.remaining,
                    lot.spent,
                    lot.expired,
                ]
                for lot in self.lots.values()
            ],
        }

    @classmethod
    def from_dict(cls, d: dict) -> State:
        lots = {}
        for lot_id, p_us, credits, expiring, exp, price, remaining, spent, expired in d["lots"]:
            lots[lot_id] = Lot(
                lot_id, p_us, credits, expiring, date.fromisoformat(exp) if exp else None, price, remaining, spent,
                expired,
            )
        return cls(lots, d["pool"], dict(d["assigned"]))


@dataclass(frozen=True)
class Control:
    """A recorded control event (the truth, as stored in the ``events`` table)."""

    seq: int
    at_us: int
    kind: str  # 'purchase' | 'assign' | 'set_shared'
    list_id: str | None = None
    credits: int | None = None
    lot_id: str | None = None
    expiring: bool | None = None
    price: str | None = None
    author: str | None = None  # who recorded it (None: before authors were recorded)

    @property
    def key(self) -> Key:
        return (self.at_us, self.seq)

    def describe(self) -> str:
        when = fmt_local(self.at_us)
        if self.kind == "purchase":
            return f"purchase of lot {self.lot_id} ({self.credits} credits) at {when}"
        if self.kind == "assign":
            return f"assignment of {self.credits} credits to list {self.list_id} at {when}"
        return f"set_shared of list {self.list_id} at {when}"


@dataclass(frozen=True)
class Checkpoint:
    """The state right after a control point, and what that control point did.

    ``detail`` for an expiry: ``{"lots": {lot_id: credits}, "holders": [[list_id|POOL, credits], ...]}``;
    for a purchase: ``{"extended": [[lot_id, old_iso, new_iso, remaining], ...]}``; else ``{}``.
    """

    key: Key
    kind: str  # 'purchase' | 'assign' | 'set_shared' | 'expiry'
    state: State
    detail: dict
    seq: int | None = None  # the control event's seq (None for an expiry)


@dataclass(frozen=True)
class Cut:
    """Where spends start drawing from another lot: from credit ``offset`` of the event at ``key`` on (a message's
    credits ``offset+1 ..``, or 0 at a control point), the credits spent come from ``lot_id`` (R5, R7).

    Between two cuts every credit spent comes from one lot, so the lot behind any spend, and its price, is known
    without replaying (``valuation``). A replay emits a cut whenever the lot at the head of the R5 order changes."""

    key: Key
    offset: int
    lot_id: str


@dataclass
class MessageArrays:
    """Messages as parallel numpy arrays: instant (UTC us), seq, list index, credits."""

    t: np.ndarray
    seq: np.ndarray
    list_no: np.ndarray
    credits: np.ndarray

    @classmethod
    def empty(cls) -> MessageArrays:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.int64))

    def __len__(self) -> int:
        return len(self.t)

    def last_key(self) -> Key | None:
        if not len(self.t):
            return None
        i = int(np.lexsort((self.seq, self.t))[-1])
        return (int(self.t[i]), int(self.seq[i]))


@dataclass
class Overdraw:
    """Raised inside replay when a bucket would go below zero; the store turns it into a named error."""

    seq: int
    list_id: str
    credits: int
    available: int
    at_us: int
    bucket: str


class OverdrawError(InsufficientCredits):
    def __init__(self, overdraw: Overdraw, message: str):
        super().__init__(message)
        self.overdraw = overdraw


# --- the rules -------------------------------------------------------------------------------------------------


def consumption_order(state: State, policy: Policy) -> list[Lot]:
    """R5: the lots with credits, in the order spends take them."""
    return sorted((lot for lot in state.lots.values() if lot.remaining > 0), key=lambda lot: lot.order_key(policy))


def take_from_lots(state: State, amount: int, policy: Policy) -> None:
    """R7: ``amount`` credits leave the lots in the R5 order."""
    for lot in consumption_order(state, policy):
        if amount == 0:
            break
        used = min(lot.remaining, amount)
        lot.remaining -= used
        lot.spent += used
        amount -= used
    if amount:
        raise CreditsError(f"R11 violated: the buckets hold {amount} credits more than the lots")


def apply_purchase(state: State, lot: Lot, policy: Policy) -> dict:
    """R4, R6: the lot's credits join the pool; an expiring lot moves the expiry of every other expiring lot that
    still has credits to the later of the two dates."""
    if lot.lot_id in state.lots:
        raise CreditsError(f"lot_id {lot.lot_id!r} already exists")
    extended = []
    if lot.expiring and policy.extend_on_purchase:
        for other in state.lots.values():
            if other.expiring and other.remaining > 0 and other.expires_on < lot.expires_on:
                extended.append([other.lot_id, other.expires_on.isoformat(), lot.expires_on.isoformat(),
                                 other.remaining])
                other.expires_on = lot.expires_on
    state.lots[lot.lot_id] = lot
    state.pool += lot.credits
    return {"extended": extended}


def apply_assign(state: State, list_id: str, credits: int, what: str) -> dict:
    """R6: move ``credits`` from the pool to the list (negative: back to the pool); the list becomes limited."""
    current = state.assigned.get(list_id, 0)
    if credits > state.pool:
        raise InsufficientCredits(
            f"{what}: the unassigned pool holds only {state.pool} credits, cannot assign {credits}"
        )
    if current + credits < 0:
        raise InsufficientCredits(
            f"{what}: list {list_id!r} holds only {current} assigned credits, cannot give back {-credits}"
        )
    state.pool -= credits
    state.assigned[list_id] = current + credits
    return {}


def apply_set_shared(state: State, list_id: str) -> dict:
    """R6: the list returns all its assigned credits to the pool and spends from the pool from now on."""
    returned = state.assigned.pop(list_id, 0)
    state.pool += returned
    return {"returned": returned}


def expiring_at(state: State, instant_us: int) -> list[Lot]:
    """The lots whose remaining credits expire at ``instant_us`` (R3): what an expiry then takes (R8)."""
    return [lot for lot in state.lots.values()
            if lot.expiring and lot.remaining > 0 and expiry_instant_us(lot.expires_on) == instant_us]


def apply_expiry(state: State, instant_us: int, policy: Policy) -> dict:
    """R8: every lot expiring at ``instant_us`` loses its remaining credits X; X is taken from the pool first, the
    rest from the limited lists in proportion to their assigned credits (largest remainder)."""
    by_lot = {}
    for lot in expiring_at(state, instant_us):
        by_lot[lot.lot_id] = lot.remaining
        lot.expired += lot.remaining
        lot.remaining = 0
    x = sum(by_lot.values())
    from_pool = min(x, state.pool)
    state.pool -= from_pool
    holders: list[list] = [[POOL, from_pool]] if from_pool else []
    for list_id, part in sorted(split(x - from_pool, state.assigned).items()):
        state.assigned[list_id] -= part
        holders.append([list_id, part])
    return {"lots": by_lot, "holders": holders}


def apply_spend(state: State, spent_by_list: dict[str, int], policy: Policy) -> str | None:
    """R7: each list's spend leaves its bucket; the total leaves the lots. Returns the id of the first list whose
    bucket would go below zero (and changes nothing), or None."""
    shared = 0
    for list_id, credits in spent_by_list.items():
        if list_id in state.assigned:
            if credits > state.assigned[list_id]:
                return list_id
        else:
            shared += credits
    if shared > state.pool:
        return next(lid for lid in sorted(spent_by_list) if lid not in state.assigned and spent_by_list[lid])
    for list_id, credits in spent_by_list.items():
        if list_id in state.assigned:
            state.assigned[list_id] -= credits
    state.pool -= shared
    take_from_lots(state, sum(spent_by_list.values()), policy)
    return None


def new_lot(control: Control, policy: Policy) -> Lot:
    exp = expires_on(control.at_us, policy.validity_years) if control.expiring else None
    return Lot(control.lot_id, control.at_us, control.credits, bool(control.expiring), exp, control.price,
               remaining=control.credits)


def apply_control(state: State, control: Control, policy: Policy) -> dict:
    if control.kind == "purchase":
        return apply_purchase(state, new_lot(control, policy), policy)
    if control.kind == "assign":
        return apply_assign(state, control.list_id, control.credits, control.describe())
    if control.kind == "set_shared":
        return apply_set_shared(state, control.list_id)
    raise AssertionError(f"unknown control kind {control.kind}")


# --- replay ----------------------------------------------------------------------------------------------------


def _phase_of(msgs: MessageArrays, bt: np.ndarray, bs: np.ndarray) -> np.ndarray:
    """For each message, how many control points have a smaller key (t, seq): its phase number."""
    phase = np.searchsorted(bt, msgs.t, side="left")
    if not len(bt):
        return phase
    at_point = np.nonzero(bt[np.minimum(phase, len(bt) - 1)] == msgs.t)[0]
    for i in at_point:  # messages at the very instant of a control point: rare, compare seqs
        hi = int(np.searchsorted(bt, msgs.t[i], side="right"))
        phase[i] += int(np.sum(bs[phase[i]:hi] < msgs.seq[i]))
    return phase


def _candidate_expiries(state: State, controls: Sequence[Control], policy: Policy) -> set[int]:
    """Every instant at which an expiry may happen: an extension only ever moves a lot to another lot's original
    expires_on, so the current dates in ``state`` plus the dates of the lots bought by ``controls`` cover them."""
    dates = {lot.expires_on for lot in state.lots.values() if lot.expiring and lot.remaining > 0}
    dates |= {expires_on(c.at_us, policy.validity_years)
              for c in controls if c.kind == "purchase" and c.expiring}
    return {expiry_instant_us(d) for d in dates}


_MARK = object()  # a point of the replay where the state is only noted (``marks``), not changed


# Long: the replay loop is the order of the rules (R9, R14): control points, phases, bulk spends, checkpoints; in one
# place it can be read against docs/rules.md.
def replay(
    start: State,
    start_key: Key,
    controls: Sequence[Control],
    msgs: MessageArrays,
    list_ids: Sequence[str],
    policy: Policy,
    cuts: list[Cut] | None = None,
    marks: list[tuple[Key, State]] | None = None,
    mark_every: int = 0,
) -> tuple[list[Checkpoint], State]:
    """Apply ``controls`` and ``msgs`` (all with keys after ``start_key``) to a copy of ``start``. When ``cuts`` is
    a list, the ``Cut`` of every change of the lot spent from after ``start_key`` is appended to it. When ``marks``
    is a list, the state after every ``mark_every``-th message is appended to it with that message's key: a later
    replay of events after such a key can start there instead of at the last checkpoint (``journal.replay_with``).

    Expiries are applied up to the last event given, not beyond: an expiry after every recorded event is still
    pending and is computed on demand (``advance``). Raises ``OverdrawError`` naming the first message that a
    bucket cannot pay, or ``InsufficientCredits`` naming the control event that fails.
    """
    state = start.copy()
    controls = sorted(controls, key=lambda c: c.key)
    ends = [c.key for c in controls]
    last = msgs.last_key()
    if last is not None:
        ends.append(last)
    if not ends:
        return [], state
    end = max(ends)
    points: list[tuple[Key, object]] = [((c.at_us, c.seq), c) for c in controls]
    points += [((t, -1), None) for t in _candidate_expiries(state, controls, policy) if start_key < (t, -1) <= end]
    if marks is not None and mark_every and len(msgs) >= mark_every:
        # a message's own key: that message is in the phase before the point, so the noted state includes it
        order = np.lexsort((msgs.seq, msgs.t))[mark_every - 1::mark_every]
        points += [((int(msgs.t[i]), int(msgs.seq[i])), _MARK) for i in order]
    points.sort(key=lambda p: p[0])
    bt = np.fromiter((p[0][0] for p in points), np.int64, len(points))
    bs = np.fromiter((p[0][1] for p in points), np.int64, len(points))
    phase = _phase_of(msgs, bt, bs)
    sums = np.zeros((len(points) + 1, max(len(list_ids), 1)), np.int64)
    np.add.at(sums, (phase, msgs.list_no), msgs.credits)
    nonzero_phases = set(np.unique(phase).tolist())
    cutter = _Cutter(msgs, phase, head_lot(state, policy)) if cuts is not None else None

    checkpoints: list[Checkpoint] = []
    for p in range(len(points) + 1):
        if p in nonzero_phases:
            row = sums[p]
            spent = {list_ids[i]: int(row[i]) for i in np.nonzero(row)[0]}
            order = [(lot.lot_id, lot.remaining) for lot in consumption_order(state, policy)] if cutter else []
            if apply_spend(state, spent, policy) is not None:
                raise _first_overdraw(state, spent, msgs, phase == p, list_ids)
            if cutter:
                cuts += cutter.spend(p, order, int(row.sum()))
        if p == len(points):
            break
        key, control = points[p]
        if control is _MARK:
            marks.append((key, state.copy()))
            continue
        if control is None:
            detail = apply_expiry(state, key[0], policy)
            if detail["lots"]:
                checkpoints.append(Checkpoint(key, "expiry", state.copy(), detail))
        else:
            detail = apply_control(state, control, policy)
            checkpoints.append(Checkpoint(key, control.kind, state.copy(), detail, control.seq))
        if cutter:
            cuts += cutter.control(key, head_lot(state, policy))
    return checkpoints, state


def append_one(state: State, list_id: str, credits: int, t_us: int, policy: Policy) -> State | None:
    """The state after one message that comes after every recorded event, when nothing else can happen with it: no
    expiry due up to it, and its credits inside the head lot (so no cut). None: use ``replay`` (which also names an
    overdraw). The single send's fast path: the same result as ``replay`` without building its arrays."""
    due = state.next_expiry_us(policy)
    if due is not None and due <= t_us:
        return None
    order = consumption_order(state, policy)
    if not order or order[0].remaining <= credits:
        return None
    after = state.copy()
    if apply_spend(after, {list_id: credits}, policy) is not None:
        return None
    return after


def head_lot(state: State, policy: Policy) -> str | None:
    """The lot the next credit spent comes from (R5), or None when no lot holds credits."""
    held = [lot for lot in state.lots.values() if lot.remaining > 0]
    return min(held, key=lambda lot: lot.order_key(policy)).lot_id if held else None


class _Cutter:
    """Finds the cuts of a replay: where, within the messages of a phase in key order, the running spend passes the
    end of a lot (and at control points, where the head of the R5 order may change)."""

    def __init__(self, msgs: MessageArrays, phase: np.ndarray, head: str | None):
        self.msgs, self.phase, self.head = msgs, phase, head
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _by_key(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._sorted is None:
            order = np.lexsort((self.msgs.seq, self.msgs.t))
            self._sorted = (order, self.phase[order], np.cumsum(self.msgs.credits[order]))
        return self._sorted

    def control(self, key: Key, head: str | None) -> list[Cut]:
        if head is None or head == self.head:
            return []
        self.head = head
        return [Cut(key, 0, head)]

    def spend(self, p: int, order: list[tuple[str, int]], spent: int) -> list[Cut]:
        """Cuts inside phase ``p``, whose spend (``spent`` credits) took credits from ``order`` (lot ids and
        remaining credits in the R5 order before it)."""
        if len(order) < 2 or order[0][1] > spent:
            return []  # the phase ends inside the head lot: no cut, and no need to sort a million messages for it
        idx, ph, cum = self._by_key()
        a, b = np.searchsorted(ph, p, "left"), np.searchsorted(ph, p, "right")
        base = int(cum[a - 1]) if a else 0
        total = int(cum[b - 1]) - base
        out, end = [], 0
        for (_, remaining), nxt in zip(order, order[1:] + [None]):
            end += remaining
            if end > total or nxt is None:
                break
            j = a + int(np.searchsorted(cum[a:b] - base, end, "left"))  # the message holding credit number `end`
            before = (int(cum[j - 1]) if j else 0) - base
            i = idx[j]
            out.append(Cut((int(self.msgs.t[i]), int(self.msgs.seq[i])), end - before, nxt[0]))
            self.head = nxt[0]
        return out


def advance(state: State, until_us: int, policy: Policy) -> tuple[list[Checkpoint], State]:
    """The pending expiries up to and including ``until_us`` when nothing else happens (R8 on the same code path)."""
    state = state.copy()
    out = []
    while (t := state.next_expiry_us(policy)) is not None and t <= until_us:
        detail = apply_expiry(state, t, policy)
        out.append(Checkpoint((t, -1), "expiry", state.copy(), detail))
    return out, state


def _first_overdraw(state: State, spent: dict[str, int], msgs: MessageArrays, in_phase: np.ndarray,
                    list_ids: Sequence[str]) -> OverdrawError:
    """R14: of every bucket the phase overdraws (limited lists, the pool), name the message that fails first in
    time."""
    errors = [_overdraw(state, lid, msgs, in_phase, list_ids)
              for lid, c in spent.items() if lid in state.assigned and c > state.assigned[lid]]
    shared = [lid for lid, c in spent.items() if lid not in state.assigned and c]
    if sum(spent[lid] for lid in shared) > state.pool:
        errors.append(_overdraw(state, shared[0], msgs, in_phase, list_ids))
    return min(errors, key=lambda e: (e.overdraw.at_us, e.overdraw.seq))


def _overdraw(state: State, list_id: str, msgs: MessageArrays, in_phase: np.ndarray,
              list_ids: Sequence[str]) -> OverdrawError:
    """Name the first message of the phase that its bucket cannot pay."""
    limited = list_id in state.assigned
    if limited:
        members = np.array([list_ids.index(list_id)])
        bucket = f"list {list_id!r} (spending limit)"
    else:
        members = np.array([i for i, lid in enumerate(list_ids) if lid not in state.assigned])
        bucket = "the unassigned pool"
    balance = state.bucket_balance(list_id)
    idx = np.nonzero(in_phase & np.isin(msgs.list_no, members))[0]
    order = idx[np.lexsort((msgs.seq[idx], msgs.t[idx]))]
    running = np.cumsum(msgs.credits[order])
    j = int(np.argmax(running > balance))
    i = order[j]
    available = balance - (int(running[j - 1]) if j else 0)
    o = Overdraw(int(msgs.seq[i]), list_ids[int(msgs.list_no[i])], int(msgs.credits[i]), available, int(msgs.t[i]),
                 bucket)
    return OverdrawError(o, f"message of list {o.list_id!r} at {fmt_local(o.at_us)} costs {o.credits} credits but "
                            f"{bucket} holds only {available}")


def summarize_lots(lots: Iterable[Lot]) -> tuple[int, int]:
    """(expiring, non-expiring) remaining credits."""
    exp = non = 0
    for lot in lots:
        if lot.expiring:
            exp += lot.remaining
        else:
            non += lot.remaining
    return exp, non
