"""Reservations (R15): what scheduled campaigns still hold back, and what is available.

Data model
----------
A scheduled campaign (table ``campaigns``, status ``scheduled``) reserves its estimated cost (R12 parts x rate x
recipients, per country) in the *bucket* it will spend from: its list's assigned credits if the list is limited now,
else the unassigned pool (``ledger.POOL``). As its messages are recorded (messages carrying its ``campaign_id``) the
reservation shrinks: it still reserves ``max(0, estimate - recorded)``, nothing once the messages reach the estimate.
Cancelling it releases everything. A campaign whose send time has passed with nothing recorded keeps its reservation
and is *due, not recorded*: the same credits are never promised twice.

``available = remaining - reserved``, per bucket and in total, is computed here and only here: ``balance()``, every
page, preview, alert and every check made before a write (a new limit, a new campaign) read it from ``Reservations``.

The recorded credits per campaign are read by ``storage.campaign_reads``: from the daily rollup (``daily_usage``,
kept by the journal) plus the few single sends not folded into it yet (two small scans); ``recorded_exact`` reads
the message table itself, for ``verify``. Here: the arithmetic, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from credits_core.ledger.rules import POOL, Holder, State

Bucket = str | Holder  # a limited list's id, or POOL


@dataclass(frozen=True)
class Reservation:
    """One scheduled campaign and what it still reserves."""

    campaign_id: str
    list_id: str
    scheduled_us: int
    estimate: int  # credits reserved when it was scheduled
    recorded: int  # credits of the messages recorded with its campaign_id
    bucket: Bucket

    @property
    def reserved(self) -> int:
        return max(0, self.estimate - self.recorded)

    def due_not_recorded(self, now_us: int) -> bool:
        """Its send time has passed and none of its messages is recorded: it keeps its reservation (R15)."""
        return self.scheduled_us <= now_us and self.recorded == 0


@dataclass(frozen=True)
class Reservations:
    """Every scheduled campaign's reservation, with the remaining credits of the buckets as of ``now_us``."""

    campaigns: tuple[Reservation, ...]
    pool: int  # the unassigned pool's remaining credits
    assigned: dict[str, int] = field(default_factory=dict)  # limited lists' remaining credits
    now_us: int = 0

    def reserved(self, bucket: Bucket) -> int:
        return sum(r.reserved for r in self.campaigns if r.bucket == bucket)

    def remaining(self, bucket: Bucket) -> int:
        return self.pool if bucket is POOL else self.assigned.get(bucket, 0)

    def available(self, bucket: Bucket) -> int:
        """R15: remaining - reserved (negative when recorded spend ate into reservations)."""
        return self.remaining(bucket) - self.reserved(bucket)

    @property
    def total_reserved(self) -> int:
        return sum(r.reserved for r in self.campaigns)

    @property
    def total_available(self) -> int:
        return self.pool + sum(self.assigned.values()) - self.total_reserved

    def buckets(self) -> list[Bucket]:
        """Buckets holding at least one reservation, the pool first."""
        return sorted({r.bucket for r in self.campaigns if r.reserved})

    def in_bucket(self, bucket: Bucket) -> list[Reservation]:
        return [r for r in self.campaigns if r.bucket == bucket and r.reserved]

    def due(self) -> list[Reservation]:
        """Campaigns due and not recorded (shown with a cancel action)."""
        return [r for r in self.campaigns if r.due_not_recorded(self.now_us)]

    def without(self, campaign_id: str) -> Reservations:
        """The same, leaving one campaign out (a campaign replaced by a new version)."""
        return Reservations(tuple(r for r in self.campaigns if r.campaign_id != campaign_id), self.pool,
                            self.assigned, self.now_us)


def from_rows(rows: list[tuple], state: State, now_us: int) -> Reservations:
    """The reservations from (campaign_id, list_id, scheduled instant, estimate, recorded credits) rows, the buckets
    as of ``state``."""
    limited = state.assigned
    return Reservations(
        tuple(Reservation(cid, lid, int(t), int(est), int(rec), lid if lid in limited else POOL)
              for cid, lid, t, est, rec in rows),
        state.pool, dict(limited), now_us)
