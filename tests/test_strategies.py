"""Issue 32: the manager's decision over the whole life of the credits. Each way of going on (do nothing, buy the
smallest package before each deadline, spend the expiring credits first) and each what-if is checked against a
replay by hand: a day-by-day simulation written here, independent of the engine (one free-access list, a
non-expiring lot and an expiring one, a steady pace), to the last expiry of every credit either way holds, in
credits and in euros."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from credits_core import CreditStore
from credits_core.planning import (
    Scenario,
    daily_rates,
    decision,
    last_day_to_use,
    lifespan,
    preview,
    value_path,
    what_if,
)

pytestmark = pytest.mark.clock
ROME = ZoneInfo("Europe/Rome")


@dataclass
class Lot:
    credits: int
    per_credit: Decimal
    expires: date | None  # Rome date at 00:00 of which it expires; None: never


@dataclass
class Hand:
    lost: int
    eur: Decimal
    empty_on: date | None  # the first day the account holds nothing


def by_hand(lots: list[Lot], today: date, pace: dict[str, tuple[float, float]], buys: list[tuple[date, int, Decimal]],
            until: date, limits: dict[str, int] | None = None, campaigns: list[tuple[str, date, int]] = ()) -> Hand:
    """Credits and euros lost to ``until``, day by day, written from the rules and not from the engine:

    * 00:00 of an expiry day: what is left of the lots expiring then is lost; the pool pays first, the rest is
      taken from the limited lists in proportion to their credits (largest remainder, ties to the smaller id);
    * 10:00: a package bought that day joins the lots and moves every expiring credit to its own expiry; then the
      extra campaigns of the day are sent;
    * 12:00 from tomorrow: each list sends its day's pace (working day or weekend, fractions carried); a list
      limited to its own credits pays from them, the others from the pool; a bucket that cannot pay a day's spend
      stops spending for good (the projection's rule); credits leave the lots non-expiring first, then the
      earliest expiry, then the oldest. A campaign its bucket cannot pay is not sent (the pace goes on); one it
      can pay is sent, even after the bucket's pace stopped.

    ``limits``: the limited lists' credits now (taken from the pool)."""
    lots = [Lot(x.credits, x.per_credit, x.expires) for x in lots]
    assigned = dict(limits or {})
    total = sum(x.credits for x in lots)
    pool = total - sum(assigned.values())
    lost, eur, empty_on = 0, Decimal(0), None
    carry = {name: 0.0 for name in pace}
    dry: set[str] = set()  # buckets that stopped: a list id, or "pool"

    def take(n: int) -> None:
        for lot in sorted(lots, key=lambda x: (x.expires is not None, x.expires or date.min)):
            used = min(n, lot.credits)
            lot.credits -= used
            n -= used

    def bucket(name: str) -> str:
        return name if name in assigned else "pool"

    def pay(name: str, n: int, campaign: bool = False) -> bool:
        nonlocal pool
        b = bucket(name)
        if (b in dry and not campaign) or n > (assigned[name] if b != "pool" else pool):
            if not campaign:
                dry.add(b)
            return False
        if b == "pool":
            pool -= n
        else:
            assigned[name] -= n
        take(n)
        return True

    d = today
    while d <= until:
        x = 0
        for lot in lots:  # 00:00: expiries first
            if lot.expires == d and lot.credits:
                x += lot.credits
                eur += lot.per_credit * lot.credits
                lot.credits = 0
        if x:
            lost += x
            from_pool = min(x, pool)
            pool -= from_pool
            rest, held = x - from_pool, sum(assigned.values())
            if rest:
                parts = {k: rest * v // held for k, v in assigned.items()}
                order = sorted(assigned, key=lambda k: (-(rest * assigned[k] % held), k))
                for k in order[:rest - sum(parts.values())]:
                    parts[k] += 1
                for k, v in parts.items():
                    assigned[k] -= v
        for day, credits, price in buys:  # 10:00
            if day == d:
                new = add_two_years(d)
                for lot in lots:
                    if lot.expires is not None and lot.credits and lot.expires < new:
                        lot.expires = new
                lots.append(Lot(credits, price / credits, new))
                pool += credits
        for name, day, credits in campaigns:
            if day == d:
                pay(name, credits, campaign=True)
        if d > today:  # 12:00: the day's spend; the pool's lists all stop together when it cannot pay the day
            day_spend = {}
            for name, (work, weekend) in pace.items():
                carry[name] += weekend if d.weekday() >= 5 else work
                day_spend[name] = int(carry[name])
                carry[name] -= day_spend[name]
            shared = sum(n for name, n in day_spend.items() if bucket(name) == "pool")
            if shared and ("pool" in dry or shared > pool):
                dry.add("pool")
            for name, n in day_spend.items():
                if n and (bucket(name) != "pool" or "pool" not in dry):
                    pay(name, n)
        if empty_on is None and sum(lot.credits for lot in lots) == 0:
            empty_on = d
        d += timedelta(days=1)
    return Hand(lost, eur.quantize(Decimal("0.01")), empty_on)


def add_two_years(d: date) -> date:
    try:
        return d.replace(year=d.year + 2)
    except ValueError:
        return d.replace(year=d.year + 2, day=28)


def account(now: datetime, expiring_left: int, days_to_expiry: int, spend_per_day: int,
            limited: tuple[int, int] | None = None) -> CreditStore:
    """A free-access list "a"; 100 non-expiring credits at €0.10 and 5,000 expiring at €0.07 (bought ~two years
    ago, so they expire in ``days_to_expiry`` days); the last 90 days "a" spent ``spend_per_day`` a day.
    ``limited``: (credits, per day) a list "b" holds as its limit and spent a day over the last 90 days."""
    s = CreditStore.open(":memory:")
    s.add_list("a", "Avvisi")
    today = now.astimezone(ROME).date()
    expires = today + timedelta(days=days_to_expiry)
    bought = datetime(expires.year - 2, expires.month, expires.day, 12, tzinfo=ROME)
    s.purchase(100, bought - timedelta(days=30), expiring=False, price=Decimal("10.00"), lot_id="N")
    s.purchase(5_000, bought, price=Decimal("350.00"), lot_id="X")
    days = [today - timedelta(days=i) for i in range(1, 90)]
    b_spent = 0
    if limited:
        s.add_list("b", "Bulk")
        b_credits, b_per = limited
        b_spent = b_per * len(days)
        s.assign("b", b_credits + b_spent, bought + timedelta(hours=1))
        for d in days:
            s.send("b", b_per, datetime(d.year, d.month, d.day, 9, 30, tzinfo=ROME))
    spent = 100 + 5_000 - expiring_left - (b_credits + b_spent if limited else 0)
    per = spent // len(days) if spend_per_day else 0
    for d in days:  # the pace of the last 90 days
        if per:
            s.send("a", per, datetime(d.year, d.month, d.day, 9, tzinfo=ROME))
    rest = spent - per * len(days)
    if rest:
        s.send("a", rest, bought + timedelta(days=1))
    return s


def hand_lots(s: CreditStore, now: datetime) -> list[Lot]:
    out = []
    for r in s.lots(now).itertuples():
        out.append(Lot(int(r.remaining), Decimal(str(r.price_eur)) / int(r.credits),
                       r.expires_on if r.expiring else None))
    return out


def pace_of(s: CreditStore, now: datetime) -> dict[str, tuple[float, float]]:
    rates = daily_rates(s, today_us=us(now))
    return {r.list_id: (float(r.per_working_day), float(r.per_weekend_day)) for r in rates.itertuples()}


def us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


def rome_day(t: datetime) -> date:
    return t.astimezone(ROME).date()


def hand(s: CreditStore, now: datetime, until: datetime, **kw) -> Hand:
    limits = {lid: n for lid, n in s.balance(now).assigned.items()} | kw.pop("limits", {})
    return by_hand(hand_lots(s, now), rome_day(now), pace_of(s, now), kw.pop("buys", []), rome_day(until),
                   limits, **kw)


SHAPES = [  # (credits left in the pool, days to their expiry, "a" spends?, list "b": (its credits, its pace))
    (4_000, 40, 20, None), (4_000, 40, 0, None), (4_000, 200, 20, None),
    (2_000, 40, 20, (1_500, 10)), (1_000, 12, 5, (1_000, 30)), (1_000, 300, 3, (800, 1)),
]


@pytest.mark.parametrize("left, days, pace, limited", SHAPES)
def test_every_way_of_going_on_loses_what_a_replay_by_hand_loses(now, left, days, pace, limited):
    s = account(now, left, days, pace, limited)
    d = decision(s, us(now))
    h = hand(s, now, d.nothing.horizon)
    assert (d.nothing.lost, d.nothing.lost_eur) == (h.lost, h.eur)
    buys = [(day, 1_000, Decimal("80.00")) for _, day in d.buy.purchases]
    assert d.buy.cost_eur == Decimal("80.00") * len(buys)
    h = hand(s, now, d.buy.horizon, buys=buys)
    assert (d.buy.lost, d.buy.lost_eur) == (h.lost, h.eur)
    if d.buy.purchases:  # a package is bought on the last day to use the credits, and keeps more than it costs
        assert d.buy.purchases[0][1] == last_day_to_use(d.deadline)
        assert d.buy.lost_eur + d.buy.cost_eur < d.nothing.lost_eur
    elif d.nothing.lost:  # none was worth its price: the purchase of one on the last day says why
        one = [(last_day_to_use(d.deadline), 1_000, Decimal("80.00"))]
        h = hand(s, now, d.nothing.horizon + timedelta(days=3 * 366), buys=one)
        assert h.lost >= d.nothing.lost or d.nothing.lost_eur - h.eur <= Decimal("80.00")
    if not pace and not limited:  # nothing is spent: a package would only add credits of its own to lose
        assert not d.buy.purchases
    h = hand(s, now, d.spend.horizon, campaigns=list(d.spend.campaigns))
    assert (d.spend.lost, d.spend.lost_eur) == (h.lost, h.eur)
    if d.nothing.lost:
        assert d.spend.lost == 0  # sent before the deadline, nothing expires
        assert all(day == d.last_day for _, day, _ in d.spend.campaigns)
        assert sum(c for _, _, c in d.spend.campaigns) >= d.nothing.lost  # the non-expiring ones go first
    else:
        assert not d.spend.campaigns


@pytest.mark.parametrize("left, days, pace, limited", SHAPES)
def test_every_what_if_loses_what_a_replay_by_hand_loses(now, left, days, pace, limited):
    s = account(now, left, days, pace, limited)
    t, today = us(now), rome_day(now)
    base = preview(s, today_us=t)
    changes = [
        (Scenario("buy today", purchases=(("Starter", today),)), {"buys": [(today, 1_000, Decimal("80.00"))]}),
        (Scenario("buy later", purchases=(("Starter", today + timedelta(days=20)),)),
         {"buys": [(today + timedelta(days=20), 1_000, Decimal("80.00"))]}),
        (Scenario("campaign", campaigns=(("a", today + timedelta(days=5), 700),)),
         {"campaigns": [("a", today + timedelta(days=5), 700)]}),
        (Scenario("limit a", limits=(("a", 600),)), {"limits": {"a": 600}}),
    ]
    if limited:
        changes.append((Scenario("limit b", limits=(("b", limited[0] // 2),)), {"limits": {"b": limited[0] // 2}}))
    for sc, kw in changes:
        w = what_if(s, base, preview(s, sc, today_us=t), t)
        end = max(w.before.horizon, w.after.horizon)  # the last expiry of every credit either way holds
        before, after = hand(s, now, end), hand(s, now, end, **kw)
        assert (w.before.lost, w.before.lost_eur) == (before.lost, before.eur), sc.name
        assert (w.after.lost, w.after.lost_eur) == (after.lost, after.eur), sc.name
        assert w.kept == before.lost - after.lost and w.kept_eur == before.eur - after.eur
        assert w.after.cost_eur == (Decimal("80.00") if sc.purchases else 0)


def test_a_purchase_today_is_compared_to_its_own_expiry_not_stopped_before_it(now):
    """"Buy Starter today" showed 0 lost on the old horizon while the table showed the package's own 1,000 credits
    lost two years later: both ways run to the last expiry of every credit they hold."""
    s = account(now, 4_000, 40, 0)  # nothing spent: every credit held expires
    today = rome_day(now)
    t = us(now)
    base = preview(s, today_us=t)
    alt = preview(s, Scenario("buy", purchases=(("Starter", today),)), today_us=t)
    w = what_if(s, base, alt, t)
    assert w.after.lost == w.before.lost + 1_000 and w.after.cost_eur == Decimal("80.00")  # its own, lost later
    assert w.postponed == 4_000 and w.kept == -1_000
    assert w.after.horizon.astimezone(ROME).date() > add_two_years(today)  # to the package's own expiry
    h = hand(s, now, w.after.horizon, buys=[(today, 1_000, Decimal("80.00"))])
    assert (w.after.lost, w.after.lost_eur) == (h.lost, h.eur)


def test_a_limit_or_a_campaign_that_keeps_nothing_says_why(now):
    s = account(now, 4_000, 40, 0)
    s.add_list("b", "Bulk")
    t = us(now)
    today = rome_day(now)
    base = preview(s, today_us=t)
    limit = what_if(s, base, preview(s, Scenario("limit", limits=(("b", 500),)), today_us=t), t)
    assert limit.kept == 0 and "pool_first" in limit.reasons
    s.purchase(2_000, now - timedelta(days=1), expiring=False, price=Decimal("160.00"))
    base = preview(s, today_us=t)
    small = what_if(s, base, preview(s, Scenario("c", campaigns=(("a", today + timedelta(days=5), 500),)),
                                     today_us=t), t)
    assert small.kept == 0 and "non_expiring_first" in small.reasons  # 500 of the 2,000 non-expiring go first
    late = what_if(s, base, preview(s, Scenario("late", purchases=(("Starter", today + timedelta(days=60)),)),
                                    today_us=t), t)
    assert "too_late" in late.reasons and late.postponed == 0


@pytest.mark.parametrize("left, days, pace, limited", SHAPES)
def test_how_long_the_credits_last_takes_expiries_into_account(now, left, days, pace, limited):
    """"The account's 476,280 credits last about 6.4 years" was said when half of them expired in 65 days."""
    s = account(now, left, days, pace, limited)
    life = lifespan(s, today_us=us(now))
    base = preview(s, today_us=us(now))
    h = hand(s, now, base.horizon_end)
    assert life.until == h.empty_on
    assert life.expired == h.lost and life.spent + life.expired + life.left == s.balance(now).total
    if life.until is None:
        assert life.left > 0


@pytest.mark.parametrize("left, days, pace, limited", SHAPES[:4])
def test_the_chart_path_of_every_way_runs_to_one_end_and_drops_by_what_each_expiry_takes(now, left, days, pace,
                                                                                         limited):
    s = account(now, left, days, pace, limited)
    d = decision(s, us(now))
    ways = [d.nothing, d.buy, d.spend]
    path = value_path(s, ways, us(now))
    ends = path.groupby("key")["at"].max()
    assert set(ends.index) == {"nothing", "buy", "spend"} and ends.nunique() == 1
    assert ends.iloc[0] == max(w.horizon for w in ways)
    for w in ways:
        p = path[path["key"] == w.key].reset_index(drop=True)
        assert p["at"].is_monotonic_increasing
        assert p["total"].iloc[0] == s.balance(now).total
        held_eur = sum(Decimal(str(r.price_eur)) * int(r.remaining) / int(r.credits) for r in s.lots(now).itertuples())
        assert p["eur_cents"].iloc[0] == int(held_eur.quantize(Decimal("0.01")) * 100)
        for at, lost in w.preview.expiries.groupby("expires_at")["credits"].sum().items():
            before = p.loc[p["at"] == at - pd.Timedelta(microseconds=1), "total"]
            after = p.loc[p["at"] == at, "total"]
            assert int(before.iloc[0]) - int(after.iloc[0]) == lost
        assert (p["total"] >= 0).all()
