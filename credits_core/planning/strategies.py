"""The manager's decision over the whole life of the credits: what each way of going on costs, keeps and loses.

Every figure comes from ``forecast.preview``, the ledger's own replay of the projected spend (each list at its pace
of the last 90 days, the scheduled campaigns): never a second implementation of the rules. A comparison runs *to
the last expiry of every credit either way holds*: a package bought to postpone an expiry brings credits of its own,
which expire two years later, and a comparison that stopped before then would hide them.

Three ways of going on, each an ``Outcome`` (credits and euros lost, the packages' cost, what it asks):

* **nothing**: things as they stand;
* **buy**: the platform's rule (R4) keeps every expiring credit usable as long as a package is bought before each
  deadline. The smallest package (cheapest) is bought on the last day to use the credits, at every deadline where
  credits would be lost, for as long as it keeps more than it costs;
* **spend**: the platform's advice (*plan your SMS campaign now to use expiring credits; non-expiring credits are
  spent first*): how many credits must be sent before the deadline, on which lists (the holders that would lose
  them: free-access lists for the pool, a limited list for itself), to leave nothing to expire.

``lifespan`` says how long the credits last at the pace, expiries taken into account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from credits_core.ledger import POOL, ROME, local_date, now_us, packages
from credits_core.planning.projection import DAY_US, Preview, Scenario, daily_rates, expiry_plan, monthly_pace, preview
from credits_core.reporting import value_of
from credits_core.store import CreditStore

MAX_PURCHASES = 10  # buy-before-each-deadline looks twenty years ahead at most


@dataclass(frozen=True)
class Outcome:
    """One way of going on, over the whole life of the credits (``preview``'s horizon: the last expiry of every
    credit it holds)."""

    key: str  # nothing, buy, spend, whatif
    preview: Preview
    lost: int  # credits lost at every expiry up to the horizon
    lost_eur: Decimal  # their value at their lots' prices (credits of lots with no price count nothing)
    lost_unpriced: int  # lost credits of lots bought without a price
    cost_eur: Decimal  # the packages it buys
    purchases: tuple[tuple[str, date], ...] = ()  # (package, Rome date)
    campaigns: tuple[tuple[str, date, int], ...] = ()  # (list_id, Rome date, credits) to send on top of the pace
    stopped: str = ""  # why buying stopped where credits are still lost: keeps_nothing, not_worth, too_late

    @property
    def horizon(self) -> datetime | None:
        return self.preview.horizon_end


def outcome(key: str, p: Preview, stopped: str = "") -> Outcome:
    """The credits and euros ``p`` loses, and what its packages cost."""
    value, unpriced = value_of(p.lost_lots.items(), p.prices)
    lost = sum(p.lost_lots.values())
    cost = sum((price for _, _, price in p.bought), Decimal(0))
    return Outcome(key, p, lost, (value or Decimal(0)).quantize(Decimal("0.01")), unpriced, cost,
                   p.scenario.purchases, p.scenario.campaigns, stopped)


def drops(p: Preview) -> list[tuple[pd.Timestamp, int, Decimal]]:
    """Each expiry of ``p`` where credits are lost: when (UTC), the credits and the euros lost there (the path's
    step at that instant)."""
    out = []
    path = p.path if p.path is not None else pd.DataFrame(columns=["at", "total", "eur"])
    for at, credits in p.expiries.groupby("expires_at")["credits"].sum().items():
        if credits <= 0:
            continue
        before = path.loc[path["at"] == at - pd.Timedelta(microseconds=1), "eur"]
        after = path.loc[path["at"] == at, "eur"]
        eur = (before.iloc[0] - after.iloc[0]) if len(before) and len(after) else Decimal(0)
        out.append((at, int(credits), eur))
    return out


def last_day_to_use(expires_at: pd.Timestamp | datetime) -> date:
    """Credits that expire at 00:00 Rome on a day can be used until the day before (R3)."""
    return pd.Timestamp(expires_at).tz_convert(ROME).date() - timedelta(days=1)


def smallest_package() -> tuple[str, Decimal, int]:
    p = packages().sort_values(["price_eur", "credits"]).iloc[0]
    return str(p["package"]), Decimal(str(p["price_eur"])), int(p["credits"])


def _first_loss(p: Preview, after: pd.Timestamp | None = None) -> pd.Timestamp | None:
    e = p.expiries
    if after is not None:
        e = e[e["expires_at"] > after]
    lost = e.groupby("expires_at")["credits"].sum()
    lost = lost[lost > 0]
    return None if lost.empty else lost.index.min()


def buy_before_each_deadline(store: CreditStore, today_us: int | None = None, rates: pd.DataFrame | None = None,
                             base: Preview | None = None) -> Outcome:
    """The smallest package on the last day to use the credits, at each deadline where some would be lost, while a
    package keeps credits worth more than it costs (each purchase moves every expiring credit two years on)."""
    now = today_us or now_us()
    today = local_date(now)
    rates = daily_rates(store, today_us=now) if rates is None else rates
    name, price, _ = smallest_package()
    current = base or preview(store, today_us=now, rates=rates)
    purchases: list[tuple[str, date]] = []
    after = None
    stopped = ""
    for _ in range(MAX_PURCHASES):
        due = _first_loss(current, after)
        if due is None:
            break
        day = max(last_day_to_use(due), today)
        if day >= due.tz_convert(ROME).date():  # the deadline is today: too late to buy before it
            after, stopped = due, "too_late"
            continue
        trial = preview(store, Scenario("buy", purchases=(*purchases, (name, day))), today_us=now, rates=rates)
        before, now_lost = outcome("x", current), outcome("x", trial)
        if now_lost.lost >= before.lost or before.lost_eur - now_lost.lost_eur <= price:
            # it keeps no credit (the pace would not reach the postponed ones), or none worth its price
            stopped = "keeps_nothing" if now_lost.lost >= before.lost else "not_worth"
            break
        purchases.append((name, day))
        current, after, stopped = trial, None, ""
    return outcome("buy", current, stopped if _first_loss(current) is not None else "")


def spend_before_the_deadline(store: CreditStore, today_us: int | None = None, rates: pd.DataFrame | None = None,
                              base: Preview | None = None) -> Outcome:
    """The credits to send before each deadline where some would be lost, on top of the pace, so that none expires
    then: the holders that would lose them send them (the free-access list that spends the most for the pool; a
    limited list for itself), on the last day to use them. Non-expiring credits go first (R5), so the extra spend
    includes what is left of them. Checked by the same replay, refined until nothing is lost then; then the next
    deadline (sending more now leaves less for later: the replay says what is still lost)."""
    now = today_us or now_us()
    today = local_date(now)
    rates = daily_rates(store, today_us=now) if rates is None else rates
    current = base or preview(store, today_us=now, rates=rates)
    pace = rates.set_index("list_id")["per_working_day"] if len(rates) else pd.Series(dtype=float)
    extra: dict[tuple[str, date], int] = {}
    after = None
    for _ in range(MAX_PURCHASES):
        due = _first_loss(current, after)
        if due is None:
            break
        day = max(last_day_to_use(due), today)
        if day >= due.tz_convert(ROME).date():  # the deadline is today: too late to send before it
            after = due
            continue
        assigned = current.end_state.assigned if current.end_state is not None else {}
        shared = [lid for lid in store.list_ids if lid not in assigned]
        pool_list = max(shared or store.list_ids, key=lambda lid: (float(pace.get(lid, 0.0)), lid))
        for _ in range(4):  # the non-expiring credits and the proportional split shift a little: refined
            at_due = current.expiries[current.expiries["expires_at"] == due]
            if at_due.empty or int(at_due["credits"].sum()) == 0:
                break
            for holder, credits in at_due.groupby("holder", sort=False)["credits"].sum().items():
                who = pool_list if holder is POOL else holder
                extra[(who, day)] = extra.get((who, day), 0) + int(credits)
            campaigns = tuple((lid, d, n) for (lid, d), n in sorted(extra.items(), key=lambda kv: (kv[0][1], kv[0][0])))
            current = preview(store, Scenario("spend", campaigns=campaigns), today_us=now, rates=rates)
        after = due
    return outcome("spend", current)


@dataclass(frozen=True)
class Decision:
    """The ways of going on, side by side (each to its own last expiry), and the next deadline."""

    nothing: Outcome
    buy: Outcome
    spend: Outcome
    deadline: pd.Timestamp | None  # the next expiry where credits would be lost (UTC), as things stand
    last_day: date | None  # the last day to use them (Rome)


def decision(store: CreditStore, today_us: int | None = None) -> Decision:
    now = today_us or now_us()
    rates = daily_rates(store, today_us=now)
    base = preview(store, today_us=now, rates=rates)
    due = _first_loss(base)
    return Decision(outcome("nothing", base), buy_before_each_deadline(store, now, rates, base),
                    spend_before_the_deadline(store, now, rates, base), due,
                    None if due is None else last_day_to_use(due))


@dataclass(frozen=True)
class Lifespan:
    """How long the credits held now last at the pace, expiries taken into account."""

    held: int  # credits held now
    until: date | None  # the Rome day the account holds nothing (spent or expired); None: not by the horizon
    spent: int  # credits the pace spends by the horizon
    expired: int  # credits that expire by the horizon
    left: int  # credits still held at the horizon (non-expiring ones the pace has not reached)
    months_left: float | None  # how long those last at the pace after the horizon (None: no pace, or none left)
    horizon: date | None


def lifespan(store: CreditStore, base: Preview | None = None, today_us: int | None = None) -> Lifespan:
    """From the projection's replay: the day the account holds nothing, what is spent and what expires by then."""
    now = today_us or now_us()
    base = base or preview(store, today_us=now)
    held = store.state_at(now).total
    expired = base.total_expiring
    left = base.end_state.total if base.end_state is not None else 0
    purchased = sum(_bought_credits(base))
    monthly = monthly_pace(store, now)
    until = base.empty_at.astimezone(ZoneInfo(ROME)).date() if base.empty_at is not None else None
    months = left / monthly if monthly and left and until is None else None
    horizon = base.horizon_end.astimezone(ZoneInfo(ROME)).date() if base.horizon_end else None
    return Lifespan(held, until, held + purchased - expired - left, expired, left, months, horizon)


def _bought_credits(p: Preview) -> list[int]:
    return [int(packages().set_index("package").loc[name, "credits"]) for name, _, _ in p.bought]


def common_end(outcomes: list[Outcome]) -> datetime | None:
    """The last expiry of every credit any of the ways holds (the latest horizon)."""
    ends = [o.horizon for o in outcomes if o.horizon is not None]
    return max(ends) if ends else None


def value_path(store: CreditStore, outcomes: list[Outcome], today_us: int | None = None,
               rates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The credits and euros each way holds over time, every way to the same end (the latest horizon: a way whose
    own credits are gone sooner is replayed on to it, still spending at the pace), for one chart: key, at (UTC),
    total, eur_cents."""
    now = today_us or now_us()
    end = common_end(outcomes)
    frames = []
    for o in outcomes:
        p = o.preview
        if end is not None and p.horizon_end is not None and p.horizon_end < end:
            p = preview(store, p.scenario, today_us=now, rates=rates, end_us=int(end.timestamp() * 1_000_000))
        if p.path is not None:
            cents = [int(e * 100) for e in p.path["eur"]]
            frames.append(p.path.assign(key=o.key, eur_cents=np.array(cents, np.int64)))
    if not frames:
        return pd.DataFrame({"key": pd.Series(dtype=object), "at": pd.Series(dtype="datetime64[us, UTC]"),
                             "total": pd.Series(dtype="int64"), "eur_cents": pd.Series(dtype="int64")})
    return pd.concat(frames, ignore_index=True)[["key", "at", "total", "eur_cents"]]


def days_to(due: pd.Timestamp, now: int | None = None) -> int:
    """Whole days from now to ``due``."""
    return max(0, (int(due.value // 1000) - (now or now_us())) // DAY_US)


@dataclass(frozen=True)
class WhatIf:
    """A change against things as they stand, each to the last expiry of every credit it holds: the facts a page
    words (``reasons``: why a change keeps nothing, when it does not)."""

    before: Outcome
    after: Outcome
    postponed: int  # credits no longer lost at the first deadline as things stand
    first_deadline: pd.Timestamp | None
    reasons: tuple[str, ...]  # too_late (a purchase after the credits expire), pool_first (a limit moves credits the
    # expiry takes from the pool first anyway), non_expiring_first (a campaign spends non-expiring credits first)

    @property
    def kept(self) -> int:
        return self.before.lost - self.after.lost

    @property
    def kept_eur(self) -> Decimal:
        return self.before.lost_eur - self.after.lost_eur


def what_if(store: CreditStore, base: Preview, alt: Preview, today_us: int | None = None) -> WhatIf:
    now = today_us or now_us()
    before, after = outcome("nothing", base), outcome("whatif", alt)
    first = _first_loss(base)
    postponed = 0
    if first is not None:
        lost_then = int(base.expiries.loc[base.expiries["expires_at"] == first, "credits"].sum())
        alt_then = int(alt.expiries.loc[alt.expiries["expires_at"] == first, "credits"].sum())
        postponed = max(0, lost_then - alt_then)
    reasons = []
    sc = alt.scenario
    if sc.purchases and first is not None and all(d >= first.tz_convert(ROME).date() for _, d in sc.purchases):
        reasons.append("too_late")
    if after.lost >= before.lost:
        if sc.limits:
            reasons.append("pool_first")
        if sc.campaigns:
            state = store.state_at(now)
            non_expiring = sum(lot.remaining for lot in state.lots.values() if not lot.expiring)
            if non_expiring:
                reasons.append("non_expiring_first")
    return WhatIf(before, after, postponed, first, tuple(reasons))


@dataclass(frozen=True)
class Planner:
    """Everything the expiry planner shows, from one set of replays: the ways of going on, the credits held if
    nothing more is spent, how long the credits last, the chosen change (if any), and the path of each to one end
    (``path``: key in nothing, idle, buy, spend, whatif; at UTC; total; eur_cents)."""

    decision: Decision
    idle: Outcome
    lifespan: Lifespan
    change: WhatIf | None
    path: pd.DataFrame
    end: datetime | None
    next: NextExpiry | None
    plan: pd.DataFrame  # forecast.expiry_plan: each expiry, if nothing more is spent and at the pace
    non_expiring_now: int  # non-expiring credits held now (spent before any expiring one)
    monthly: float  # credits a month at the pace


def planner(store: CreditStore, scenario: Scenario | None = None, today_us: int | None = None) -> Planner:
    now = today_us or now_us()
    rates = daily_rates(store, today_us=now)
    base = preview(store, today_us=now, rates=rates)
    due = _first_loss(base)
    d = Decision(outcome("nothing", base), buy_before_each_deadline(store, now, rates, base),
                 spend_before_the_deadline(store, now, rates, base), due,
                 None if due is None else last_day_to_use(due))
    idle = outcome("idle", preview(store, Scenario("nothing spent", project_spend=False), today_us=now, rates=rates))
    change = None
    ways = [d.nothing, idle, d.buy, d.spend]
    if scenario is not None:
        change = what_if(store, base, preview(store, scenario, today_us=now, rates=rates), now)
        ways.append(change.after)
    non_expiring = sum(lot.remaining for lot in store.state_at(now).lots.values() if not lot.expiring)
    return Planner(d, idle, lifespan(store, base, now), change, value_path(store, ways, now, rates), common_end(ways),
                   next_expiry(idle, d.nothing, now), expiry_plan(store, now, idle=idle.preview, proj=base),
                   non_expiring, monthly_pace(store, now))


@dataclass(frozen=True)
class NextExpiry:
    """The next expiry of credits held now: how many expire then (nothing more spent) and what the pace loses."""

    at: pd.Timestamp  # UTC (00:00 Rome)
    last_day: date  # the last Rome day to use them
    days: int  # whole days from now to ``at``
    held: int
    held_eur: Decimal
    lost: int  # at the pace
    lost_eur: Decimal
    unpriced: bool  # some of these credits were bought without a price: the euros count only the priced ones


def next_expiry(idle: Outcome, base: Outcome, today_us: int | None = None) -> NextExpiry | None:
    first = drops(idle.preview)
    if not first:
        return None
    at, held, held_eur = first[0]
    lost, lost_eur = next(((c, e) for t, c, e in drops(base.preview) if t == at), (0, Decimal(0)))
    return NextExpiry(at, last_day_to_use(at), days_to(at, today_us), held, held_eur, lost, lost_eur,
                      idle.lost_unpriced > 0)


def non_expiring_sent(d: Decision) -> int:
    """Of the credits the spend strategy sends on top of the pace, the non-expiring ones it has to spend first."""
    extra = sum(c for _, _, c in d.spend.campaigns)
    return max(0, extra - (d.nothing.lost - d.spend.lost))
