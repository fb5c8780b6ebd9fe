"""Scheduled campaigns: their estimated cost (R12 parts x rate x recipients per country) is reserved in their
bucket (the list if limited, else the pool) until their messages are recorded (R15); ``available = remaining -
reserved``. Recorded messages are never refused because of reservations (R7 is unchanged); a bucket whose recorded
spend has eaten into its reservations is flagged with the campaigns at risk."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from credits_core import ledger
from credits_core.language import said
from credits_core.ledger import (
    POOL,
    ROME,
    CreditsError,
    InsufficientCredits,
    Reservations,
    fmt_local,
    from_us,
    message_cost,
    now_us,
    utc_us,
)
from credits_core.reporting import select
from credits_core.store import CreditStore


def campaign_cost(text: str, recipients: dict[str, int]) -> int:
    """R12 parts x rate x recipients, summed over countries."""
    if not recipients:
        raise CreditsError(said("a campaign needs recipients in at least one country"))
    return sum(message_cost(text, country, n).credits for country, n in recipients.items())


def campaigns(store: CreditStore, include_cancelled: bool = False) -> pd.DataFrame:
    """Scheduled campaigns: campaign_id, list_id, scheduled_at (UTC), text, recipients (dict), credits, status."""
    where = "" if include_cancelled else "WHERE status = 'scheduled'"
    df = select(store, f"SELECT campaign_id, list_id, scheduled_at, text, recipients, credits, status FROM campaigns "
                     f"{where} ORDER BY scheduled_at, campaign_id").df()
    df["scheduled_at"] = pd.to_datetime(df["scheduled_at"]).dt.tz_localize("UTC")
    df["recipients"] = [json.loads(r) for r in df["recipients"]]
    return df


def reserved(store: CreditStore) -> dict[str | ledger.Holder, int]:
    """Credits still reserved per bucket (R15): a limited list's id, or POOL."""
    res = store.reservations()
    return {b: res.reserved(b) for b in res.buckets()}


def schedule_campaign(store: CreditStore, list_id: str, at: datetime, text: str, recipients: dict[str, int],
                      campaign_id: str | None = None) -> str:
    """Store a scheduled campaign, or replace the scheduled one with ``campaign_id``. Refused when it is dated in
    the past, has no text, names a campaign that is not scheduled, or does not fit in its bucket's available
    credits now (remaining - reserved by the other campaigns)."""
    at_us = utc_us(at, "scheduled_at")
    store.require_list(list_id)
    if not isinstance(text, str) or not text.strip():
        raise CreditsError(said("a campaign needs a text (its cost depends on it)"))
    if at_us <= now_us():
        raise CreditsError(said("a campaign must be scheduled in the future; {when} has passed", when=fmt_local(at_us)))
    cost = campaign_cost(text, recipients)

    def check(s: CreditStore) -> None:  # runs holding the file, against the state as of now (R15)
        res = s.reservations()
        if campaign_id is not None:
            if campaign_id not in {r.campaign_id for r in res.campaigns}:
                raise CreditsError(said("campaign {campaign} is not scheduled, so it cannot be replaced",
                                        campaign=repr(campaign_id)))
            res = res.without(campaign_id)
        bucket = list_id if list_id in res.assigned else POOL
        available = res.available(bucket)
        where = said("list {name}", name=s.list_name(list_id)) if bucket is not POOL else said("the unassigned pool")
        if cost > available:
            raise InsufficientCredits(said(
                "campaign of {cost} credits on {when} does not fit: {where} has {available} credits available "
                "({remaining} remaining - {reserved} reserved by other campaigns)", cost=cost, when=fmt_local(at_us),
                where=where, available=available, remaining=res.remaining(bucket), reserved=res.reserved(bucket)))

    return store.save_campaign(campaign_id, list_id, at_us, text, recipients, cost, check=check)


def cancel_campaign(store: CreditStore, campaign_id: str) -> None:
    store.cancel_campaign(campaign_id)


def campaign_status(r, now: int) -> str:
    """A scheduled campaign's state in words (R15)."""
    if r.due_not_recorded(now):
        return "due, not recorded"
    if r.recorded and r.reserved:
        return "partly recorded"
    if r.recorded:
        return "recorded"
    return "scheduled"


def campaign_table(store: CreditStore) -> pd.DataFrame:
    """Scheduled campaigns as shown: id, list name, Rome time, text, recipients per country in words, estimated
    credits, credits of its messages recorded, credits still reserved (R15), status."""
    camp = campaigns(store)
    reservations = store.reservations()
    res = {r.campaign_id: r for r in reservations.campaigns}
    rows = [res[c] for c in camp["campaign_id"]]
    return pd.DataFrame({
        "Campaign": camp["campaign_id"],
        "List": [store.list_name(x) for x in camp["list_id"]],
        "Scheduled (Rome)": camp["scheduled_at"].dt.tz_convert(ROME).dt.tz_localize(None),
        "Text": camp["text"],
        "Recipients": pd.Series([said("{recipients}", recipients=tuple(
            said("{country}: {count}", country=c, count=int(n)) for c, n in sorted(r.items())))
            for r in camp["recipients"]], index=camp.index, dtype=object),
        "Credits": camp["credits"].astype("int64"),
        "Recorded": pd.array([r.recorded for r in rows], "int64"),
        "Still reserved": pd.array([r.reserved for r in rows], "int64"),
        "Status": [campaign_status(r, reservations.now_us) for r in rows],
    })


def at_risk(store: CreditStore, res: Reservations | None = None) -> pd.DataFrame:
    """Buckets whose remaining credits no longer cover what their campaigns still reserve (R15), with those
    campaigns: bucket (a list id or POOL), remaining, reserved, campaigns_at_risk (ids)."""
    res = res or store.reservations()
    rows = [(b, res.remaining(b), res.reserved(b), ", ".join(r.campaign_id for r in res.in_bucket(b)))
            for b in res.buckets() if res.available(b) < 0]
    return pd.DataFrame(rows, columns=["bucket", "remaining", "reserved", "campaigns_at_risk"])


def due_not_recorded(store: CreditStore) -> pd.DataFrame:
    """Campaigns whose send time has passed with none of their messages recorded (R15: they keep their
    reservation until their messages are recorded or they are cancelled): campaign_id, list_id, scheduled_at (UTC),
    reserved."""
    due = store.reservations().due()
    return pd.DataFrame({
        "campaign_id": [r.campaign_id for r in due], "list_id": [r.list_id for r in due],
        "scheduled_at": pd.to_datetime([from_us(r.scheduled_us) for r in due], utc=True),
        "reserved": pd.array([r.reserved for r in due], "int64")})
