"""What the ledger holds, as of now or any instant: balances (with what campaigns reserve, R15), lots, expiries, lists
and their names, the events. Marked ``@reads``: the write gate lets a page read these and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from credits_core import ledger
from credits_core.ledger import (
    Checkpoint,
    Control,
    MessageArrays,
    State,
    from_us,
    now_us,
    reservations,
    utc_us,
)
from credits_core.storage import (
    MIN_KEY,
    campaign_reads,
    messages_after,
    needs_messages,
    state_at,
)
from credits_core.storage.journal import ROLLUP_SELECT, ROME_DAY  # noqa: F401 - handed on to the reports
from credits_core.store.marks import reads


@dataclass(frozen=True)
class Balance:
    """The account as of ``at``: ``total = unassigned + sum(assigned)`` (R11)."""

    at: datetime
    total: int
    unassigned: int
    assigned: dict[str, int] = field(default_factory=dict)  # limited lists
    lots: dict[str, int] = field(default_factory=dict)  # every lot bought by `at`, 0 included
    expiring: int = 0
    non_expiring: int = 0
    next_expiry: datetime | None = None
    next_expiry_credits: int = 0
    # R15, for a balance as of now (None for another instant): what scheduled campaigns reserve, and what is left
    reserved: int | None = None  # in total
    available: int | None = None  # total - reserved
    pool_available: int | None = None  # unassigned - reserved in the pool
    list_available: dict[str, int] = field(default_factory=dict)  # limited lists: assigned - reserved


@dataclass(frozen=True)
class ReportFacts:
    """What the reports read of the ledger, and nothing more (not the snapshot, the journal's picture of the file):
    the lists in their order and their names, the Rome days of the first and last message, where spends move from one
    lot to the next (``ledger.Cut``, for valuing spend without a replay), each lot's price and credits, and how far
    the daily rollup reaches (messages after ``rolled_seq`` are added on the fly: ``unrolled`` of them)."""

    list_ids: tuple[str, ...]
    names: dict[str, str | None]  # list_id: its name (None: none given)
    first_day: date | None
    last_day: date | None
    cuts: tuple[ledger.Cut, ...]
    lot_prices: dict[str, tuple[Decimal | None, int]]  # lot_id: (price in EUR or None, credits)
    rolled_seq: int
    unrolled: int


class Reads:
    """What the ledger holds, as of now or any instant: balances (with what campaigns reserve, R15), lots, expiries,
    lists and their names, the events. Marked ``@reads``: the write gate lets a page read these and nothing else."""

    # -- questions -----------------------------------------------------------------------------------------------

    @reads
    def report_facts(self) -> ReportFacts:
        """The narrow view the reports take of the ledger as of the latest write (``ReportFacts``)."""
        snap = self.snapshot()
        return ReportFacts(snap.list_ids, dict(snap.names), snap.first_day, snap.last_day, snap.cuts,
                           {lot_id: (None if c.price is None else Decimal(c.price), int(c.credits))
                            for lot_id, c in snap.lots.items()}, snap.rolled_seq, snap.unrolled)

    def _at_us(self, at: datetime | None) -> int:
        return now_us() if at is None else utc_us(at, "at")

    @reads
    def state_at(self, at_us: int) -> State:
        """The ledger state as of ``at_us`` (everything at or before it, expiries due then included)."""
        # a question about the past goes straight to a read turn (which refreshes the snapshot); one about now
        # needs the file only when another process's write made it a question about the past
        if not needs_messages(self._snap, at_us):
            snap = self.snapshot()
            if not needs_messages(snap, at_us):
                return state_at(snap, at_us)
        with self._read_session() as cur:
            return state_at(self._snap, at_us, cur)

    @reads
    def now_state(self) -> State:
        """The ledger as of now (the wall clock): what every page and every check before a write uses."""
        return self.state_at(now_us())

    @reads
    def reservations(self) -> reservations.Reservations:
        """R15: what every scheduled campaign still reserves, and what each bucket has available, as of now."""
        return self._now_and_reservations()[1]

    def _now_and_reservations(self) -> tuple[State, reservations.Reservations]:
        """The state as of now and the reservations on it, in one turn (the same committed write)."""
        with self._read_session() as cur:
            at_us = now_us()
            state = state_at(self._snap, at_us, cur)
            return state, campaign_reads.load(cur, state, self._snap.rolled_seq, at_us)

    @reads
    def balance(self, at: datetime | None = None) -> Balance:
        """The balance as of ``at`` (default now); as of now it also says what is reserved and available (R15)."""
        if at is not None:
            at_us = self._at_us(at)
            return self._balance(at_us, self.state_at(at_us), None)
        state, res = self._now_and_reservations()
        return self._balance(res.now_us, state, res)

    def _balance(self, at_us: int, state: State, res: reservations.Reservations | None) -> Balance:
        expiring, non_expiring = ledger.summarize_lots(state.lots.values())
        nxt = state.next_expiry_us(self.policy)
        # R8: an expiry takes exactly the remaining credits of the lots expiring then (no replay needed to know it)
        nxt_credits = 0 if nxt is None else sum(lot.remaining for lot in ledger.expiring_at(state, nxt))
        return Balance(
            at=from_us(at_us), total=state.total, unassigned=state.pool, assigned=dict(sorted(state.assigned.items())),
            lots={k: lot.remaining for k, lot in state.lots.items()}, expiring=expiring, non_expiring=non_expiring,
            next_expiry=None if nxt is None else from_us(nxt), next_expiry_credits=nxt_credits,
            **({} if res is None else {
                "reserved": res.total_reserved, "available": res.total_available,
                "pool_available": res.available(ledger.POOL),
                "list_available": {lid: res.available(lid) for lid in sorted(state.assigned)}}),
        )

    @reads
    def lots(self, at: datetime | None = None) -> pd.DataFrame:
        """Every lot bought by ``at``: lot_id, purchased_at, credits, expiring, expires_on (after extensions),
        remaining, spent, expired, price_eur."""
        state = self.state_at(self._at_us(at))
        rows = [(lot.lot_id, from_us(lot.purchased_us), lot.credits, lot.expiring, lot.expires_on, lot.remaining,
                 lot.spent, lot.expired, None if lot.price is None else Decimal(lot.price))
                for lot in state.lots.values()]
        df = pd.DataFrame(rows, columns=["lot_id", "purchased_at", "credits", "expiring", "expires_on", "remaining",
                                         "spent", "expired", "price_eur"])
        df["purchased_at"] = pd.to_datetime(df["purchased_at"], utc=True)
        for col in ("credits", "remaining", "spent", "expired"):
            df[col] = df[col].astype("int64")
        df["expiring"] = df["expiring"].astype(bool)
        return df.sort_values(["purchased_at", "lot_id"], ignore_index=True)

    @reads
    def expiry_checkpoints(self, until_us: int | None = None, *, include_pending: bool = True) -> list[Checkpoint]:
        """Expiry control points up to ``until_us`` (default now): the recorded ones, then (if asked) those that
        happen after the last recorded event if nothing else is recorded."""
        snap = self.snapshot()
        until = now_us() if until_us is None else until_us
        done = [c for c in snap.checkpoints if c.kind == "expiry" and c.key[0] <= until]
        if include_pending and until >= snap.last_key[0]:
            pending, _ = ledger.advance(snap.tail, until, snap.policy)
            done += pending
        return done

    @reads
    def expiries(self, until: datetime | None = None) -> pd.DataFrame:
        """One row per holder per expiry up to ``until`` (default now): expired_at (UTC), list_id (None for the
        pool), credits (> 0)."""
        until_us = self._at_us(until)
        rows = [(from_us(c.key[0]), None if holder is ledger.POOL else holder, credits)  # SPEC 4: None is the pool
                for c in self.expiry_checkpoints(until_us) for holder, credits in c.detail["holders"]]
        return pd.DataFrame({
            "expired_at": pd.to_datetime(pd.Series([r[0] for r in rows], dtype=object), utc=True),
            "list_id": pd.Series([r[1] for r in rows], dtype=object),
            "credits": pd.Series([r[2] for r in rows], dtype="int64"),
        })

    # -- read access for the other core modules ------------------------------------------------------------------

    @reads
    def list_table(self) -> pd.DataFrame:
        """Lists: list_no, list_id, name."""
        snap = self.snapshot()
        return pd.DataFrame({"list_no": range(len(snap.list_ids)), "list_id": list(snap.list_ids),
                             "name": [snap.names[i] for i in snap.list_ids]})

    @property
    @reads
    def list_ids(self) -> list[str]:
        return list(self.snapshot().list_ids)

    @reads
    def list_name(self, list_id: str) -> str:
        return self.snapshot().names.get(list_id) or list_id

    @reads
    def holder_name(self, holder: str | ledger.Holder) -> str:
        """A holder of credits as a table shows it: "Unassigned pool", or the list's name."""
        return "Unassigned pool" if holder is ledger.POOL else self.list_name(holder)

    @reads
    def require_list(self, list_id: object) -> int:
        """The list's number; a ``CreditsError`` for an unknown list."""
        return self.snapshot().require_list(list_id)

    @property
    @reads
    def controls(self) -> list[Control]:
        return list(self.snapshot().controls)

    @property
    @reads
    def checkpoints(self) -> list[Checkpoint]:
        return list(self.snapshot().checkpoints)

    @property
    @reads
    def message_count(self) -> int:
        return self.snapshot().n_messages

    @property
    @reads
    def next_seq(self) -> int:
        return self.snapshot().next_seq

    @property
    @reads
    def last_event_at(self) -> datetime | None:
        key = self.snapshot().last_key
        return None if key == MIN_KEY else from_us(key[0])

    @reads
    def messages_until(self, until_us: int) -> MessageArrays:
        """Every message sent at or before ``until_us`` as arrays (for replays under another policy)."""
        with self._read_session() as cur:
            return messages_after(cur, MIN_KEY, until_us)
