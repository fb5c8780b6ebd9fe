"""What a manager must hear about now, as facts: the one set of rules the Overview's warnings and the alert e-mails
both word (``alerts`` words them for e-mail, the Overview for the page).

* an expiry within the largest window (``DAYS``: 90, 30 or 7 days): the credits that expire then if nothing more is
  spent, and in which window it falls;
* a list (or the unassigned pool) running out at its current pace within the same windows, counted in Rome days
  (today is the Rome date of ``today_us``), unless an expiry empties it that day (the expiry says it);
* reservations at risk: a bucket whose remaining credits no longer cover its scheduled campaigns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from credits_core.ledger import ROME, from_us, local_date, now_us
from credits_core.planning.projection import Preview, Scenario, preview
from credits_core.planning.scheduled import at_risk
from credits_core.store import CreditStore

DAYS = (90, 30, 7)


@dataclass(frozen=True)
class ExpiryWarning:
    expires_at: pd.Timestamp  # the instant (UTC) the credits expire: 00:00 Rome time
    credits: int  # what expires then if nothing more is spent
    days_left: float
    window: int  # the smallest of ``DAYS`` it falls within


@dataclass(frozen=True)
class RunOutWarning:
    bucket: object  # a list id, or POOL
    on: date  # the Rome date it runs out at its current pace
    days_left: int  # Rome days from today
    window: int


@dataclass(frozen=True)
class RiskWarning:
    bucket: object
    reserved: int
    remaining: int
    campaigns: str


@dataclass
class Warnings:
    expiry: ExpiryWarning | None = None
    run_outs: list[RunOutWarning] = field(default_factory=list)
    at_risk: list[RiskWarning] = field(default_factory=list)
    base: Preview | None = None  # the projection at the current pace they were read from

    def __bool__(self) -> bool:
        return self.expiry is not None or bool(self.run_outs) or bool(self.at_risk)


def window(days_left: float, days: Sequence[int] = DAYS) -> int | None:
    """The smallest window that ``days_left`` falls within, or None beyond the largest."""
    fits = [d for d in sorted(days) if days_left <= d]
    return fits[0] if fits else None


def warnings(store: CreditStore, days: Sequence[int] = DAYS, today_us: int | None = None,
             base: Preview | None = None) -> Warnings:
    """Every warning due at ``today_us`` (default: now). ``base``: the projection at the current pace, when the
    caller has it already (the Overview draws it)."""
    now = today_us or now_us()
    out = Warnings(base=base if base is not None else preview(store, today_us=now))
    idle = preview(store, Scenario("nothing spent", project_spend=False), today_us=now)
    if not idle.expiries.empty:
        first = idle.expiries["expires_at"].min()
        credits = int(idle.expiries.loc[idle.expiries["expires_at"] == first, "credits"].sum())
        left = (first.to_pydatetime() - from_us(now)).total_seconds() / 86_400
        w = window(left, days)
        if w is not None:
            out.expiry = ExpiryWarning(first, credits, left, w)
    today = local_date(now)
    expiry_days = {t.tz_convert(ROME).date() for t in out.base.expiries["expires_at"]}
    for bucket, d in sorted(out.base.run_out.items(), key=lambda kv: kv[1]):
        left = (d - today).days
        w = window(left, days)
        if w is not None and d not in expiry_days:  # emptied by an expiry: the expiry warning says it
            out.run_outs.append(RunOutWarning(bucket, d, left, w))
    out.at_risk = [RiskWarning(r.bucket, int(r.reserved), int(r.remaining), r.campaigns_at_risk)
                   for r in at_risk(store).itertuples()]
    return out
