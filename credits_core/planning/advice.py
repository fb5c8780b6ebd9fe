"""Sentences a manager can act on, for the alert e-mails: the next expiry as a deadline, what the pace uses of it,
how to keep it (R4), who loses what, which list runs out when."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from credits_core import ledger
from credits_core.language import Said, WholeEuros, said
from credits_core.ledger import (
    POOL,
    ROME,
    State,
    add_years,
    from_us,
    now_us,
    packages,
    utc_us,
    zone,
)
from credits_core.planning.projection import DAY_US, Preview, Scenario, monthly_pace, preview
from credits_core.reporting import lot_prices, value_of
from credits_core.store import CreditStore


def guidance(store: CreditStore, base: Preview | None = None, today_us: int | None = None,
             idle: Preview | None = None) -> list[Said]:
    """Sentences a manager can act on, as facts (``Said``: worded in each reader's language), Rome days and list
    names: the next expiry as a deadline with what the current pace uses of it and what would be lost, the way to
    keep everything (R4), who loses what, and which list runs out when (``RUN_OUT``)."""
    now = today_us or now_us()
    idle = idle or preview(store, Scenario("nothing spent", project_spend=False), today_us=now)
    base = base or preview(store, today_us=now)
    out = []
    state = store.state_at(now)
    monthly = monthly_pace(store, now)
    if not idle.expiries.empty:
        first = idle.expiries["expires_at"].min()
        held = int(idle.expiries.loc[idle.expiries["expires_at"] == first, "credits"].sum())
        lost_rows = base.expiries[base.expiries["expires_at"] == first]
        lost = int(lost_rows["credits"].sum())
        local = first.tz_convert(ROME)
        deadline = utc_us(first.to_pydatetime(), "expiry")
        per = _per_credit(store, state, local.date())
        out.append(said("{held} credits{held_eur} expire at 00:00 on {day} (Rome), in {days} days. At your pace you "
                        "will use {used} of them by then; {lost}{lost_eur} would be lost.", held=held,
                        held_eur=_in_eur(held, per), day=local.date(), days=max(0, (deadline - now) // DAY_US),
                        used=held - lost, lost=lost, lost_eur=_in_eur(lost, per)))
        if store.policy.extend_on_purchase and deadline > now:  # never a deadline that has passed
            today = from_us(now).astimezone(zone(ROME)).date()
            new = add_years(today, store.policy.validity_years)
            cheapest = packages().sort_values("price_eur").iloc[0]
            # R5: non-expiring credits go first, so the pace reaches these credits only once those are spent
            _, non_expiring = ledger.summarize_lots(state.lots.values())
            used_by_new = monthly * ((new - today).days / 30.44)
            used_of_held = int(min(held, max(0.0, used_by_new - non_expiring)))
            out.append(said(
                "Buying any package before {day} (from {price}, {package}) postpones all {held} to {new} if bought "
                "today. At your pace you will have used about {used} of them by then (non-expiring credits are "
                "spent first): a purchase postpones an expiry, it does not save credits the account will not use.",
                day=local.date(), price=Decimal(str(cheapest["price_eur"])), package=str(cheapest["package"]),
                held=held, new=new, used=used_of_held))
    if state.total:
        if monthly:
            months = state.total / monthly
            span = (said("{years} years", years=round(months / 12, 1)) if months >= 24 else
                    said("{months} months", months=round(months)))
            out.append(said("At {pace} credits a month (the last 90 days), the account's {total} credits last about "
                            "{span} (non-expiring credits are spent first).", pace=int(monthly), total=state.total,
                            span=span))
        else:
            out.append(said("Nothing was spent in the last 90 days: the account's {total} credits are not being used.",
                            total=state.total))
    if not idle.expiries.empty:
        if lost:
            who = lost_rows.groupby("holder", sort=False)["credits"].sum().sort_values(ascending=False)
            parts = tuple(said("{holder} {credits}", holder=_holder_name(store, h), credits=int(c))
                          for h, c in who.items())
            out.append(said("Who would lose them at the current pace: {who}.", who=parts))
    for bucket, d in sorted(base.run_out.items(), key=lambda kv: kv[1]):
        out.append(said("The unassigned pool will run out on {day} at its current pace.", day=d) if bucket is POOL
                   else said("List {name} will run out on {day} at its current pace.", name=store.list_name(bucket),
                             day=d))
    return out


RUN_OUT = ("The unassigned pool will run out on {day} at its current pace.",
           "List {name} will run out on {day} at its current pace.")  # the run-out sentences of ``guidance``


def _per_credit(store: CreditStore, state: State, expires_on: date) -> Decimal | None:
    """The euros per credit of the credits held that expire on ``expires_on`` (None: some are unpriced)."""
    pieces = [(lot.lot_id, lot.remaining) for lot in state.lots.values()
              if lot.expiring and lot.remaining > 0 and lot.expires_on == expires_on]
    held = sum(n for _, n in pieces)
    value, unpriced = value_of(pieces, lot_prices(store))
    if not held or value is None or unpriced:
        return None
    return value / held


def _in_eur(credits: int, per_credit: Decimal | None) -> Said | str:
    return "" if per_credit is None else said(" ({euros})", euros=WholeEuros((per_credit * credits).quantize(1)))


def _holder_name(store: CreditStore, holder: str | ledger.Holder) -> Said:
    """A holder in words: the unassigned pool, or the list and its name."""
    if holder is POOL:
        return said("the unassigned pool")
    return said("list {name}", name=store.list_name(holder))
