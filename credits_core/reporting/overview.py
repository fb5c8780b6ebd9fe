"""Ready-to-draw data for the dashboard pages (pages call these and draw; they compute nothing themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from credits_core.ledger import POOL, ROME, from_us, local_date, local_midnight_us, now_us
from credits_core.reporting.reports import ReportFilter, usage_by_list
from credits_core.store import CreditStore


@dataclass(frozen=True)
class AccountState:
    """What a database holds, for the pages' empty states: a page that needs purchases says which of them is missing
    and how to add it (facts; the page words them)."""

    lists: int
    purchases: int
    messages: int
    synced: bool  # a MailUp sync ran on this file
    sync_problems: int  # problems the last sync reported (sendings it could not record)

    @property
    def empty(self) -> bool:
        """No purchase yet: nothing to spend, so no balance, report or expiry to show."""
        return self.purchases == 0


def account_state(store: CreditStore) -> AccountState:
    status = store.mailup_status()
    detail = (status or {}).get("detail", {})
    return AccountState(lists=len(store.list_ids), purchases=sum(c.kind == "purchase" for c in store.controls),
                        messages=store.message_count, synced=status is not None,
                        sync_problems=int(detail.get("problems", 0) or 0))


def list_overview(store: CreditStore) -> pd.DataFrame:
    """Every list: mode, assigned, spent this month (Rome), reserved, available."""
    state = store.now_state()
    today = local_date(now_us())
    month = usage_by_list(store, ReportFilter(today.replace(day=1), today, period="month"), with_cost=False)
    spent = month.set_index("list_id")["credits"] if not month.empty else pd.Series(dtype="int64")
    res = store.reservations()  # R15: what each list's campaigns still reserve
    rows = []
    for list_id in store.list_ids:
        limited = list_id in state.assigned
        r = sum(c.reserved for c in res.campaigns if c.list_id == list_id)
        balance = state.assigned[list_id] if limited else state.pool
        rows.append({
            "list_id": list_id, "name": store.list_name(list_id),
            "mode": "spending limit" if limited else "free access",
            "assigned": state.assigned.get(list_id, 0) if limited else None,
            "spent_this_month": int(spent.get(list_id, 0)),
            "reserved": r,
            "available": (balance - r) if limited else None,
        })
    df = pd.DataFrame(rows, columns=["list_id", "name", "mode", "assigned", "spent_this_month", "reserved",
                                     "available"])
    for col in ("assigned", "available"):  # whole credits; empty for free-access lists (never floats)
        df[col] = df[col].astype("Int64")
    df.attrs["pool"] = state.pool
    df.attrs["pool_reserved"] = res.reserved(POOL)
    df.attrs["reserved"] = res.total_reserved
    df.attrs["available"] = res.total_available
    return df


def balance_timeline(store: CreditStore, months: int = 30) -> pd.DataFrame:
    """Balance at the end of each Rome day, sampled weekly, for the last ``months`` (from the first purchase when
    the account is younger): at, holder (the pool or a list's name), credits."""
    now = now_us()
    start = local_date(now) - timedelta(days=int(months * 30.44))
    purchases = [c.at_us for c in store.controls if c.kind == "purchase"]
    if purchases:
        start = max(start, local_date(min(purchases)))
    rows = []
    d = start
    while True:
        at = min(local_midnight_us(d + timedelta(days=1)) - 1, now)
        s = store.state_at(at)
        rows.append((from_us(at), store.holder_name(POOL), s.pool))
        for list_id, credits in s.assigned.items():
            rows.append((from_us(at), store.list_name(list_id), credits))
        if at >= now:
            break
        d += timedelta(days=7)
        if d > local_date(now):
            d = local_date(now)
    df = pd.DataFrame(rows, columns=["at", "holder", "credits"])
    df["at"] = pd.to_datetime(df["at"], utc=True).dt.tz_convert(ROME).dt.tz_localize(None)
    return df


def spend_windows(store: CreditStore, days: int = 30) -> tuple[int, int]:
    """Credits spent in the last ``days`` Rome days and in the ``days`` before."""
    today = local_date(now_us())
    a = usage_by_list(store, ReportFilter(today - timedelta(days=days - 1), today, period="year"), with_cost=False)
    cur = int(a["credits"].sum()) if not a.empty else 0
    prev = int(a["previous_credits"].sum()) if not a.empty else 0
    return cur, prev
