"""A purchase or a campaign before it is recorded: what a purchase would extend (R3, R4), what a campaign would cost
and whether its bucket can hold it now and on its day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from credits_core import ledger
from credits_core.language import said
from credits_core.ledger import (
    POOL,
    ROME,
    CreditsError,
    State,
    add_years,
    local_date,
    message_cost,
    now_us,
    utc_us,
    zone,
)
from credits_core.planning.projection import DAY_US, preview
from credits_core.reporting import lot_prices, value_of
from credits_core.store import CreditStore


@dataclass(frozen=True)
class PurchasePreview:
    """What recording a purchase at ``at`` would do (R3, R4), shown before the manager confirms."""

    at: datetime
    expires_on: date | None  # the new lot's expiry (Rome date), None for a non-expiring lot
    extended_credits: int  # credits of older lots whose expiry moves to expires_on
    extended_lots: int
    extended_from: date | None  # the earliest expiry date that moves


def purchase_instant(day: date, now: datetime | None = None) -> datetime:
    """The instant recorded for a purchase on Rome date ``day``: now if it is today, 12:00 Rome on a past day.
    A future day is refused (a purchase is recorded when it is made)."""
    now = now or datetime.now(zone(ROME))
    today = now.astimezone(zone(ROME)).date()
    if day > today:
        raise CreditsError(said("a purchase cannot be dated in the future ({day}; today is {today})", day=day,
                                today=today))
    if day == today:
        return now
    return datetime(day.year, day.month, day.day, 12, tzinfo=zone(ROME))


def purchase_preview(store: CreditStore, at: datetime, expiring: bool) -> PurchasePreview:
    """The new lot's expiry and what it would extend, by the store's policy (validity, extension on purchase)."""
    at_us = utc_us(at, "at")
    policy = store.policy
    if not expiring:
        return PurchasePreview(at, None, 0, 0, None)
    new_exp = add_years(local_date(at_us), policy.validity_years)
    state = store.state_at(at_us)
    moved = [lot for lot in state.lots.values()
             if policy.extend_on_purchase and lot.expiring and lot.remaining > 0 and lot.expires_on < new_exp]
    return PurchasePreview(at, new_exp, sum(lot.remaining for lot in moved), len(moved),
                           min((lot.expires_on for lot in moved), default=None))


@dataclass(frozen=True)
class CampaignQuote:
    """What a campaign would cost and whether its bucket can hold it, shown before scheduling."""

    parts: int
    encoding: str
    unicode_char: str | None  # the character that forced UCS-2
    by_country: pd.DataFrame  # country, recipients, parts, rate, credits
    credits: int
    eur: Decimal | None  # the credits valued at the lots they would come from (R5); None when a lot has no price
    bucket: str  # "list <name>" or "the unassigned pool"
    available: int  # the bucket now, minus what other scheduled campaigns reserve in it
    fits: bool
    projected: int | None = None  # what the bucket holds at the send date at the current pace (campaigns included)

    @property
    def fits_then(self) -> bool | None:
        return None if self.projected is None else self.credits <= self.projected


def _value_next(store: CreditStore, state: State, credits: int) -> tuple[Decimal | None, int, int]:
    """What the next ``credits`` spent would cost: the lots they would come from (R5) at their prices. Returns
    (euros, credits from unpriced lots, credits the lots cannot cover)."""
    pieces, left = [], credits
    for lot in ledger.consumption_order(state, store.policy):
        if left == 0:
            break
        pieces.append((lot.lot_id, min(lot.remaining, left)))
        left -= pieces[-1][1]
    eur, unpriced = value_of(pieces, lot_prices(store))
    return eur, unpriced, left


def value_of_next(store: CreditStore, credits: int) -> Decimal | None:
    """The euros the next ``credits`` spent would cost at the lots they come from (None: some are unpriced or not
    held)."""
    eur, unpriced, left = _value_next(store, store.now_state(), credits)
    return None if eur is None or unpriced or left else eur.quantize(Decimal("0.01"))


def campaign_quote(store: CreditStore, list_id: str, text: str, recipients: dict[str, int],
                   at: datetime | None = None) -> CampaignQuote:
    """Parts, credits per country and in total, their value in euros, whether the bucket holds them now and (with
    ``at``) at the send date, after the spend at the current pace and the campaigns scheduled before it."""
    store.require_list(list_id)
    if not recipients:
        raise CreditsError(said("a campaign needs recipients in at least one country"))
    rows = []
    for country, n in recipients.items():
        c = message_cost(text, country, n)
        rows.append((country.upper(), n, c.text.parts, c.rate, c.credits))
    by = pd.DataFrame(rows, columns=["country", "recipients", "parts", "rate", "credits"])
    credits = int(by["credits"].sum())
    state = store.now_state()
    limited = list_id in state.assigned
    available = store.reservations().available(list_id if limited else POOL)  # R15
    eur, unpriced, left = _value_next(store, state, credits)
    tp = message_cost(text, next(iter(recipients)), 1).text
    projected = None
    if at is not None:
        now = now_us()
        send = utc_us(at, "at")
        if send > now:
            p = preview(store, horizon_days=max(1, -(-(send - now) // DAY_US)), today_us=now)
            projected = p.end_state.bucket_balance(list_id) if list_id in p.end_state.assigned or not limited \
                else 0
    return CampaignQuote(tp.parts, tp.encoding, tp.unicode_char, by, credits,
                         None if eur is None or unpriced or left else eur.quantize(Decimal("0.01")),
                         said("list {name}", name=store.list_name(list_id)) if limited else
                         said("the unassigned pool"), available,
                         credits <= available, projected)
