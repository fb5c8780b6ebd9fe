"""Looking ahead: the spend projected at the account's pace, the expiry preview, what-if scenarios.

Projection method (shown in the UI): each list keeps spending, every day, its average daily spend of the last
``lookback_days`` (90) days, separately for working days and weekends; the scheduled campaigns are spent at their
instant. A bucket that runs dry stops spending from that day ("list L runs out on D").

Expiry preview: future expiries (a) if nothing more is spent and (b) under the projection, with who loses what.
Both are computed by ``ledger.replay`` on synthetic messages from the current tail: the very code path of real
expiries (R8), never a second implementation. What-if scenarios apply the same replay to a modified copy of the
events; nothing is ever written to the store.

Long module: the projection and the scenario it runs (purchases, campaigns, limits ahead) share the replay's state;
it is just over the limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from credits_core import ledger
from credits_core.language import Said, said
from credits_core.ledger import (
    POOL,
    ROME,
    Control,
    CreditsError,
    InsufficientCredits,
    MessageArrays,
    OverdrawError,
    Policy,
    State,
    add_years,
    expiry_instant_us,
    from_us,
    local_date,
    local_midnight_us,
    now_us,
    package,
    zone,
)
from credits_core.reporting import lot_prices, select, value_of
from credits_core.store import CreditStore

DAY_US = 86_400_000_000


@dataclass(frozen=True)
class Scenario:
    """A what-if: changes applied on top of the recorded account, never written."""

    name: str = "baseline"
    purchases: tuple[tuple[str, date], ...] = ()  # (package name, Rome date)
    limits: tuple[tuple[str, int], ...] = ()  # (list_id, new assigned total) applied now
    campaigns: tuple[tuple[str, date, int], ...] = ()  # (list_id, Rome date, credits) extra planned spend
    drop_campaigns: tuple[str, ...] = ()  # scheduled campaign ids to leave out
    other_policy: bool = False
    project_spend: bool = True


@dataclass
class Preview:
    scenario: Scenario
    expiries: pd.DataFrame  # expires_at (UTC), holder, credits
    run_out: dict[str, date] = field(default_factory=dict)  # bucket -> Rome date it runs dry
    end_state: State | None = None
    purchase_cost: float = 0.0
    path: pd.DataFrame | None = None  # at (UTC), total, eur: what is held now, around each expiry, at the end
    horizon_end: datetime | None = None  # how far the preview looked (UTC)
    lost_lots: dict[str, int] = field(default_factory=dict)  # lot_id -> credits it loses at expiries up to the end
    prices: dict[str, tuple[Decimal | None, int]] = field(default_factory=dict)  # every lot's (price, credits)
    bought: tuple[tuple[str, date, Decimal], ...] = ()  # the scenario's packages: (name, Rome date, price)
    empty_at: datetime | None = None  # when the account first holds no credit at all (UTC), None: not by the end
    unpaid: tuple[tuple[str, datetime, int], ...] = ()  # campaigns not sent: their bucket is short then (list, UTC)

    @property
    def total_expiring(self) -> int:
        return int(self.expiries["credits"].sum()) if not self.expiries.empty else 0


def daily_rates(store: CreditStore, lookback_days: int = 90, today_us: int | None = None) -> pd.DataFrame:
    """Average credits per day per list over the lookback, for working days and for weekends."""
    end = today_us or now_us()
    start = end - lookback_days * DAY_US
    df = select(store,
        "SELECT list_no, isodow(CAST((sent_at AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Rome' AS DATE)) >= 6 "
        "AS weekend, sum(credits)::BIGINT AS credits FROM messages WHERE sent_at > make_timestamp(?) "
        "AND sent_at <= make_timestamp(?) GROUP BY ALL", [start, end]).df()
    # the window is lookback_days x 24 h: its Rome dates, the first partial one left out, are lookback_days dates
    days = pd.date_range(local_date(start) + timedelta(days=1), local_date(end), freq="D")
    n_weekend = max(1, int((days.day_of_week >= 5).sum()))
    n_work = max(1, len(days) - n_weekend)
    out = pd.DataFrame({"list_id": store.list_ids, "per_working_day": 0.0, "per_weekend_day": 0.0})
    for r in df.itertuples():
        col = "per_weekend_day" if r.weekend else "per_working_day"
        out.loc[r.list_no, col] = r.credits / (n_weekend if r.weekend else n_work)
    return out


def _synthetic(store: CreditStore, start_us: int, end_us: int, rates: pd.DataFrame,
               extra: list[tuple[str, int, int]], first_seq: int) -> MessageArrays:
    """Projected spend as messages: one per list per day at 12:00 Rome, plus planned campaigns."""
    t, lists, credits = [], [], []
    d = from_us(start_us).astimezone(zone(ROME)).date() + timedelta(days=1)
    last = from_us(end_us).astimezone(zone(ROME)).date()
    per_work = rates["per_working_day"].to_numpy()
    per_weekend = rates["per_weekend_day"].to_numpy()
    carry = np.zeros(len(rates))
    while rates is not None and d <= last and len(rates):
        noon = local_midnight_us(d) + 12 * 3_600_000_000
        r = per_weekend if d.weekday() >= 5 else per_work
        carry += r
        whole = np.floor(carry).astype(np.int64)  # integers only: fractions carry to the next day
        carry -= whole
        for i in np.nonzero(whole)[0]:
            t.append(noon)
            lists.append(i)
            credits.append(int(whole[i]))
        d += timedelta(days=1)
    for list_id, at_us, c in extra:
        t.append(at_us)
        lists.append(store.list_ids.index(list_id))
        credits.append(c)
    n = len(t)
    return MessageArrays(np.array(t, np.int64), np.arange(first_seq, first_seq + n, dtype=np.int64),
                         np.array(lists, np.int32), np.array(credits, np.int64))


def horizon_end_us(store: CreditStore, now: int, scenario: Scenario = Scenario()) -> int:
    """The day after the last expiry of any credit held now (after extensions, R4), or bought in the scenario, and
    at least a year ahead (lists running out are projected even when nothing expires): a preview to there sees every
    credit expire or be spent. Credits last at most the validity after the last purchase, so this is at most about
    two years ahead."""
    state = store.state_at(now)
    dates = [lot.expires_on for lot in state.lots.values() if lot.expiring and lot.remaining > 0]
    years = store.policy.validity_years
    dates += [add_years(d, years) for _, d in scenario.purchases]
    last = max((expiry_instant_us(d) for d in dates), default=now)
    return max(last + DAY_US, now + 365 * DAY_US)


def _emptied_at(bucket: str, failed_us: int, checkpoints) -> int:
    """When a bucket ran dry: the expiry that left it empty, if it held nothing from then to its first spend that
    failed (a weekend without spend can lie between them), else that spend."""
    def held(ck) -> int | None:
        return ck.state.pool if bucket == POOL else ck.state.assigned.get(bucket)

    before = [c for c in checkpoints if c.key[0] <= failed_us]
    while before and held(before[-1]) == 0:
        ck = before.pop()
        if ck.kind == "expiry" and any(h == bucket for h, _ in ck.detail["holders"]):
            return ck.key[0]
    return failed_us


PATH_POINTS = 300  # about this many states along a preview's path, besides those around each expiry and purchase


# Long: the projection replays the ledger with the scenario's events in time order; the steps share the state of one
# replay.
def preview(store: CreditStore, scenario: Scenario = Scenario(), horizon_days: int | None = None,
            today_us: int | None = None, rates: pd.DataFrame | None = None, end_us: int | None = None) -> Preview:
    """Future expiries under ``scenario``, computed by the ledger's own replay, up to ``end_us``, ``horizon_days``
    or (default) the last expiry of every credit held (``horizon_end_us``)."""
    now = today_us or now_us()
    end = end_us if end_us is not None else now + horizon_days * DAY_US if horizon_days is not None \
        else horizon_end_us(store, now, scenario)
    policy = store.policy.other_consumption() if scenario.other_policy else store.policy
    state = store.state_at(now) if policy == store.policy else _state_under(store, policy, now)
    start_key = (now, 2**62)
    seq = store.next_seq + 1000
    controls: list[Control] = []
    cost = 0.0
    prices = lot_prices(store)
    bought = []
    for name, d in scenario.purchases:
        p = package(name)
        at = max(local_midnight_us(d) + 10 * 3_600_000_000, now + 1)
        controls.append(Control(seq, at, "purchase", None, int(p["credits"]), f"whatif-{seq}", True,
                                str(p["price_eur"])))
        prices[f"whatif-{seq}"] = (Decimal(str(p["price_eur"])), int(p["credits"]))
        bought.append((name, d, Decimal(str(p["price_eur"]))))
        cost += float(p["price_eur"])
        seq += 1
    for list_id, total in scenario.limits:
        store.require_list(list_id)
        change = total - state.assigned.get(list_id, 0)
        controls.append(Control(seq, now + 1, "assign", list_id, change))
        seq += 1
    extra = []
    for r in store.reservations().campaigns:  # R15: what each campaign still reserves is what it will spend
        if r.campaign_id not in scenario.drop_campaigns and r.reserved and r.scheduled_us <= end:
            extra.append((r.list_id, max(r.scheduled_us, now + 1), r.reserved))  # a due one goes out now
    for list_id, d, c in scenario.campaigns:
        store.require_list(list_id)
        extra.append((list_id, max(local_midnight_us(d) + 10 * 3_600_000_000, now + 1), int(c)))
    if rates is None:
        rates = daily_rates(store, today_us=now)
    if not scenario.project_spend:
        rates = rates.assign(per_working_day=0.0, per_weekend_day=0.0)
    msgs = _synthetic(store, now, end, rates, extra, seq + 10)
    paced = msgs.seq < seq + 10 + len(msgs) - len(extra)  # the pace's messages; the rest are campaigns
    run_out_us: dict[str, int] = {}  # bucket -> the first spend of its pace it could not pay
    unpaid: list[tuple[str, datetime, int]] = []  # campaigns their bucket cannot pay when they are due: not sent
    keep = np.ones(len(msgs), bool)
    for _ in range(len(store.list_ids) + len(extra) + 2):
        sub = MessageArrays(msgs.t[keep], msgs.seq[keep], msgs.list_no[keep], msgs.credits[keep])
        marks: list[tuple[ledger.Key, State]] = []
        try:
            checkpoints, final = ledger.replay(state, start_key, controls, sub, store.list_ids, policy,
                                               marks=marks, mark_every=max(1, len(sub) // PATH_POINTS))
            break
        except OverdrawError as exc:  # a bucket runs dry: its pace stops from then on; a campaign is not sent
            o = exc.overdraw
            if not paced[msgs.seq == o.seq].any():
                keep &= msgs.seq != o.seq
                unpaid.append((o.list_id, from_us(o.at_us), o.credits))
            elif "pool" in o.bucket:
                run_out_us.setdefault(POOL, o.at_us)
                shared = [i for i, lid in enumerate(store.list_ids) if lid not in _assigned_at(state, controls)]
                keep &= ~((msgs.t >= o.at_us) & np.isin(msgs.list_no, shared) & paced)
            else:
                run_out_us.setdefault(o.list_id, o.at_us)
                keep &= ~((msgs.t >= o.at_us) & (msgs.list_no == store.list_ids.index(o.list_id)) & paced)
        except InsufficientCredits as exc:
            raise CreditsError(said("scenario {name} is not possible: {why}", name=repr(scenario.name),
                                    why=exc.args[0] if len(exc.args) == 1 else str(exc))) from None
    else:  # pragma: no cover - every rerun removes a bucket's pace or a campaign, so this is bounded
        raise AssertionError("projection did not settle")
    pending, final = ledger.advance(final, end, policy)
    run_out = {bucket: from_us(_emptied_at(bucket, at_us, checkpoints + pending)).astimezone(zone(ROME)).date()
               for bucket, at_us in run_out_us.items()}
    cks = [c for c in checkpoints if c.kind == "expiry"] + pending
    rows = [(from_us(c.key[0]), holder, credits)
            for c in cks if c.key[0] <= end for holder, credits in c.detail["holders"]]
    exp = pd.DataFrame(rows, columns=["expires_at", "holder", "credits"])
    exp["expires_at"] = pd.to_datetime(exp["expires_at"], utc=True)
    exp["credits"] = exp["credits"].astype("int64")
    path, lost_lots = _path(state, checkpoints + pending, marks, final, now, end, prices)
    return Preview(scenario, exp, run_out, final, cost, path, from_us(end), lost_lots, prices, tuple(bought),
                   _empty_at(state, sub, checkpoints + pending, end), tuple(unpaid))


def _new_lot(ck: ledger.Checkpoint):
    """The lot a purchase checkpoint added."""
    return next((lot for lot in ck.state.lots.values() if lot.purchased_us == ck.key[0]), None)


def _path(start: State, cks: list[ledger.Checkpoint], marks: list[tuple[ledger.Key, State]], final: State, now: int,
          end: int, prices: dict[str, tuple[Decimal | None, int]]) -> tuple[pd.DataFrame, dict[str, int]]:
    """The credits and euros held from now to ``end``: the states noted along the replay (straight lines between
    them: the projected spend is steady), a vertical step at each expiry and purchase; and the credits each lot
    loses to expiries."""
    points = [(now, start.total, _held_value(start.lots.values(), prices))]
    lost_lots: dict[str, int] = {}
    steps = [(c.key, c) for c in cks if c.key[0] <= end and c.kind in ("expiry", "purchase")]
    steps += [(k, s) for k, s in marks if k[0] <= end]
    for key, item in sorted(steps, key=lambda p: p[0]):
        if isinstance(item, State):
            points.append((key[0], item.total, _held_value(item.lots.values(), prices)))
            continue
        after, after_eur = item.state.total, _held_value(item.state.lots.values(), prices)
        if item.kind == "expiry":
            gone = item.detail["lots"]
            for lot_id, n in gone.items():
                lost_lots[lot_id] = lost_lots.get(lot_id, 0) + int(n)
            lost_eur, _ = value_of(gone.items(), prices)
            before, before_eur = after + sum(gone.values()), after_eur + (lost_eur or Decimal(0))
        else:
            lot = _new_lot(item)
            n = lot.credits if lot is not None else 0
            added, _ = value_of([(lot.lot_id, n)] if lot is not None else [], prices)
            before, before_eur = after - n, after_eur - (added or Decimal(0))
        points += [(key[0] - 1, before, before_eur.quantize(Decimal("0.01"))), (key[0], after, after_eur)]
    points.append((end, final.total, _held_value(final.lots.values(), prices)))
    path = pd.DataFrame({"at": pd.to_datetime([from_us(t) for t, _, _ in points], utc=True),
                         "total": np.array([v for _, v, _ in points], np.int64), "eur": [e for _, _, e in points]})
    return path, lost_lots


def _empty_at(start: State, msgs: MessageArrays, cks: list[ledger.Checkpoint], end: int) -> datetime | None:
    """The first instant the account holds nothing, from the spend, expiries and purchases of a replay."""
    if start.total <= 0:
        return None
    t = [msgs.t]
    d = [-msgs.credits]
    for c in cks:
        if c.key[0] > end:
            continue
        if c.kind == "expiry":
            t.append(np.array([c.key[0]], np.int64))
            d.append(np.array([-sum(c.detail["lots"].values())], np.int64))
        elif c.kind == "purchase" and (lot := _new_lot(c)) is not None:
            t.append(np.array([c.key[0]], np.int64))
            d.append(np.array([lot.credits], np.int64))
    times, deltas = np.concatenate(t), np.concatenate(d)
    order = np.argsort(times, kind="stable")
    held = start.total + np.cumsum(deltas[order])
    gone = np.nonzero(held <= 0)[0]
    return from_us(int(times[order][gone[0]])) if len(gone) else None


def _held_value(lots, prices: dict[str, tuple[Decimal | None, int]]) -> Decimal:
    """The euros of the credits the lots hold, at each lot's price per credit (lots with no price count nothing)."""
    value, _ = value_of(((lot.lot_id, lot.remaining) for lot in lots if lot.remaining), prices)
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def _assigned_at(state: State, controls: list[Control]) -> set[str]:
    limited = set(state.assigned)
    for c in controls:
        if c.kind == "assign":
            limited.add(c.list_id)
    return limited


def _state_under(store: CreditStore, policy: Policy, at_us: int) -> State:
    """The state as of ``at_us`` had the account always used ``policy`` (a replay in memory, nothing written)."""
    msgs = store.messages_until(at_us)
    controls = [c for c in store.controls if c.at_us <= at_us]
    _, state = ledger.replay(State(), (-(2**62), -(2**62)), controls, msgs, store.list_ids, policy)
    _, state = ledger.advance(state, at_us, policy)
    return state


LOST_TODAY, LOST_WITH, DIFFERENCE = "lost today", "lost with this change", "difference"


def compare(base: Preview, other: Preview) -> pd.DataFrame:
    """Per expiry (Rome date) and holder: the credits lost as things stand, lost with the change, and the
    difference (with the change minus today: negative means fewer credits lost)."""
    def keyed(p: Preview) -> pd.Series:
        e = p.expiries.assign(expires_on=p.expiries["expires_at"].dt.tz_convert(ROME).dt.date)
        return e.groupby(["expires_on", "holder"])["credits"].sum()  # an empty frame gives an empty 2-level index

    df = pd.concat([keyed(base).rename(LOST_TODAY), keyed(other).rename(LOST_WITH)], axis=1).fillna(0)
    df = df.astype("int64")
    df[DIFFERENCE] = df[LOST_WITH] - df[LOST_TODAY]
    return df.reset_index()


def check_scenario(store: CreditStore, scenario: Scenario, today_us: int | None = None) -> list[Said]:
    """Refuse, in plain words, what a what-if cannot mean (a purchase or campaign in the past, a limit the pool
    cannot give); return notes on what it will not change (a purchase after the credits it should keep expire)."""
    now = today_us or now_us()
    today = local_date(now)
    state = store.state_at(now)
    notes = []
    for _package, d in scenario.purchases:
        if d < today:
            raise CreditsError(said("a purchase on {day} is in the past: choose today or a later day", day=d))
        due = sorted({lot.expires_on for lot in state.lots.values() if lot.expiring and lot.remaining > 0})
        late = [e for e in due if e <= d]
        if late:
            held = sum(lot.remaining for lot in state.lots.values() if lot.expiring and lot.expires_on == late[0])
            notes.append(said("Too late for the {credits} credits that expire on {expiry}: a purchase on {day} comes "
                              "after they expire, so it cannot keep them.", credits=held, expiry=late[0], day=d))
    for list_id, total in scenario.limits:
        change = total - state.assigned.get(list_id, 0)
        if change > state.pool:
            raise CreditsError(said("list {name} cannot get {total}: the pool holds {pool} (and the list {held})",
                                    name=store.list_name(list_id), total=total, pool=state.pool,
                                    held=state.assigned.get(list_id, 0)))
    for _list_id, d, _credits in scenario.campaigns:
        if d < today:
            raise CreditsError(said("a campaign on {day} is in the past: choose today or a later day", day=d))
    return notes


def policy_note(store: CreditStore, base: Preview | None = None, today_us: int | None = None) -> Said | None:
    """What the other consumption order would lose: an explanation (the platform's order is not a choice)."""
    base = base or preview(store, today_us=today_us)
    other = preview(store, Scenario("other order", other_policy=True), today_us=today_us)
    if store.policy.consumption == "non_expiring_first":
        return said("The platform spends non-expiring credits first. If it spent expiring credits first, you would "
                    "lose {other} credits instead of {lost} (this is not a setting you can choose).",
                    other=int(other.total_expiring), lost=int(base.total_expiring))
    return None


def monthly_pace(store: CreditStore, now: int | None = None) -> float:
    """Credits a month at the pace of the last 90 days (working days and weekends apart, every list)."""
    rates = daily_rates(store, today_us=now)
    per_day = float(rates["per_working_day"].sum()) * 5 / 7 + float(rates["per_weekend_day"].sum()) * 2 / 7
    return per_day * 30.44


def next_expiry_value(store: CreditStore, today_us: int | None = None) -> tuple[Decimal | None, int]:
    """What the credits held now that expire next are worth, at their lots' prices: (euros of the priced ones, None
    when nothing expires or none is priced; credits from lots bought without a price)."""
    now = today_us or now_us()
    state = store.state_at(now)
    nxt = state.next_expiry_us(store.policy)
    if nxt is None:
        return None, 0
    pieces = [(lot.lot_id, lot.remaining) for lot in ledger.expiring_at(state, nxt)]
    value, unpriced = value_of(pieces, lot_prices(store))
    return (None if value is None else value.quantize(Decimal("0.01"))), unpriced


def expiry_plan(store: CreditStore, today_us: int | None = None, horizon_days: int | None = None, *,
                idle: Preview | None = None, proj: Preview | None = None) -> pd.DataFrame:
    """One row per future expiry, up to the last expiry of every credit held (or ``horizon_days``): when, credits
    expiring if nothing is spent and under the projection (``idle`` and ``proj``: those previews, if at hand)."""
    now = today_us or now_us()
    idle = idle or preview(store, Scenario("nothing spent", project_spend=False), horizon_days, now)
    proj = proj or preview(store, Scenario("projected"), horizon_days, now)
    a = idle.expiries.groupby("expires_at")["credits"].sum().rename("if_nothing_spent")
    b = proj.expiries.groupby("expires_at")["credits"].sum().rename("at_current_pace")
    df = pd.concat([a, b], axis=1).fillna(0).astype("int64").reset_index()
    df.insert(1, "expires_at_rome", df["expires_at"].dt.tz_convert(ROME).dt.tz_localize(None))
    return df
