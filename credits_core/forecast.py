"""Looking ahead: scheduled campaigns (reservations), spend projection, expiry preview, what-if scenarios.

Scheduled campaigns are stored (table ``campaigns``); their estimated cost (R12 parts x rate x recipients per
country) is *reserved* in their bucket (the list if limited, else the pool): ``available = remaining - reserved``.
Recorded messages are never refused because of reservations (R7 is unchanged); a bucket whose recorded spend has
eaten into its reservations is flagged with the campaigns at risk.

Projection method (shown in the UI): each list keeps spending, every day, its average daily spend of the last
``lookback_days`` (90) days, separately for working days and weekends; the scheduled campaigns are spent at their
instant. A bucket that runs dry stops spending from that day ("list L runs out on D").

Expiry preview: future expiries (a) if nothing more is spent and (b) under the projection, with who loses what.
Both are computed by ``ledger.replay`` on synthetic messages from the current tail: the very code path of real
expiries (R8), never a second implementation. What-if scenarios apply the same replay to a modified copy of the
events; nothing is ever written to the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from credits_core import ledger
from credits_core.calendar import (
    ROME,
    add_years,
    expiry_instant_us,
    fmt_local,
    from_us,
    local_date,
    local_midnight_us,
    now_us,
    utc_us,
    zone,
)
from credits_core.errors import CreditsError, InsufficientCredits
from credits_core.filters import select
from credits_core.ledger import POOL, Control, MessageArrays, OverdrawError, State
from credits_core.policy import Policy
from credits_core.pricing import message_cost, package, packages
from credits_core.reservations import Reservations
from credits_core.store import CreditStore
from credits_core.valuation import lot_prices, value_of

DAY_US = 86_400_000_000


# -- scheduled campaigns ----------------------------------------------------------------------------------------


def campaign_cost(text: str, recipients: dict[str, int]) -> int:
    """R12 parts x rate x recipients, summed over countries."""
    if not recipients:
        raise CreditsError("a campaign needs recipients in at least one country")
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
        raise CreditsError("a campaign needs a text (its cost depends on it)")
    if at_us <= now_us():
        raise CreditsError(f"a campaign must be scheduled in the future; {fmt_local(at_us)} has passed")
    cost = campaign_cost(text, recipients)

    def check(s: CreditStore) -> None:  # runs holding the file, against the state as of now (R15)
        res = s.reservations()
        if campaign_id is not None:
            if campaign_id not in {r.campaign_id for r in res.campaigns}:
                raise CreditsError(f"campaign {campaign_id!r} is not scheduled, so it cannot be replaced")
            res = res.without(campaign_id)
        bucket = list_id if list_id in res.assigned else POOL
        available = res.available(bucket)
        where = f"list {s.list_name(list_id)}" if bucket is not POOL else "the unassigned pool"
        if cost > available:
            raise InsufficientCredits(
                f"campaign of {cost:,} credits on {fmt_local(at_us)} does not fit: {where} has {available:,} "
                f"credits available ({res.remaining(bucket):,} remaining - {res.reserved(bucket):,} reserved by "
                f"other campaigns)")

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
        "Recipients": ["; ".join(f"{c}: {n:,}" for c, n in sorted(r.items())) for r in camp["recipients"]],
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


# -- projection and preview -------------------------------------------------------------------------------------


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
            raise CreditsError(f"scenario {scenario.name!r} is not possible: {exc}") from None
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


def check_scenario(store: CreditStore, scenario: Scenario, today_us: int | None = None) -> list[str]:
    """Refuse, in plain words, what a what-if cannot mean (a purchase or campaign in the past, a limit the pool
    cannot give); return notes on what it will not change (a purchase after the credits it should keep expire)."""
    now = today_us or now_us()
    today = local_date(now)
    state = store.state_at(now)
    notes = []
    for _package, d in scenario.purchases:
        if d < today:
            raise CreditsError(f"a purchase on {d.day} {d:%B %Y} is in the past: choose today or a later day")
        due = sorted({lot.expires_on for lot in state.lots.values() if lot.expiring and lot.remaining > 0})
        late = [e for e in due if e <= d]
        if late:
            held = sum(lot.remaining for lot in state.lots.values() if lot.expiring and lot.expires_on == late[0])
            notes.append(f"Too late for the {held:,} credits that expire on {late[0].day} {late[0]:%B %Y}: a "
                         f"purchase on {d.day} {d:%B %Y} comes after they expire, so it cannot keep them.")
    for list_id, total in scenario.limits:
        change = total - state.assigned.get(list_id, 0)
        if change > state.pool:
            raise CreditsError(f"list {store.list_name(list_id)} cannot get {total:,}: the pool holds {state.pool:,}"
                               f" (and the list {state.assigned.get(list_id, 0):,})")
    for _list_id, d, _credits in scenario.campaigns:
        if d < today:
            raise CreditsError(f"a campaign on {d.day} {d:%B %Y} is in the past: choose today or a later day")
    return notes


def policy_note(store: CreditStore, base: Preview | None = None, today_us: int | None = None) -> str | None:
    """What the other consumption order would lose: an explanation (the platform's order is not a choice)."""
    base = base or preview(store, today_us=today_us)
    other = preview(store, Scenario("other order", other_policy=True), today_us=today_us)
    if store.policy.consumption == "non_expiring_first":
        return (f"The platform spends non-expiring credits first. If it spent expiring credits first, you would "
                f"lose {other.total_expiring:,} credits instead of {base.total_expiring:,} (this is not a setting "
                f"you can choose).")
    return None


# -- guidance ---------------------------------------------------------------------------------------------------


def guidance(store: CreditStore, base: Preview | None = None, today_us: int | None = None,
             idle: Preview | None = None) -> list[str]:
    """Sentences a manager can act on, in plain words, Rome time and list names: the next expiry as a deadline with
    what the current pace uses of it and what would be lost, the way to keep everything (R4), who loses what, and
    which list runs out when."""
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
        text = (f"{held:,} credits{_in_eur(held, per)} expire at 00:00 on {local.day} {local:%B %Y} (Rome), in "
                f"{max(0, (deadline - now) // DAY_US):,} days. At your pace you will use {held - lost:,} of them by "
                f"then; {lost:,}{_in_eur(lost, per)} would be lost.")
        out.append(text)
        if store.policy.extend_on_purchase and deadline > now:  # never a deadline that has passed
            today = from_us(now).astimezone(zone(ROME)).date()
            new = add_years(today, store.policy.validity_years)
            cheapest = packages().sort_values("price_eur").iloc[0]
            # R5: non-expiring credits go first, so the pace reaches these credits only once those are spent
            _, non_expiring = ledger.summarize_lots(state.lots.values())
            used_by_new = monthly * ((new - today).days / 30.44)
            used_of_held = int(min(held, max(0.0, used_by_new - non_expiring)))
            out.append(
                f"Buying any package before {local.day} {local:%B %Y} (from €{cheapest['price_eur']:,.2f}, "
                f"{cheapest['package']}) postpones all {held:,} to {new.day} {new:%B %Y} if bought today. At your "
                f"pace you will have used about {used_of_held:,} of them by then (non-expiring credits are spent "
                f"first): a purchase postpones an expiry, it does not save credits the account will not use.")
    if state.total:
        if monthly:
            months = state.total / monthly
            span = f"{months / 12:,.1f} years" if months >= 24 else f"{months:,.0f} months"
            out.append(f"At {int(monthly):,} credits a month (the last 90 days), the account's {state.total:,} "
                       f"credits last about {span} (non-expiring credits are spent first).")
        else:
            out.append(f"Nothing was spent in the last 90 days: the account's {state.total:,} credits are not being "
                       f"used.")
    if not idle.expiries.empty:
        if lost:
            who = lost_rows.groupby("holder", sort=False)["credits"].sum().sort_values(ascending=False)
            parts = [f"{_holder_name(store, h, start=False)} {int(c):,}" for h, c in who.items()]
            out.append(f"Who would lose them at the current pace: {'; '.join(parts)}.")
    for bucket, d in sorted(base.run_out.items(), key=lambda kv: kv[1]):
        out.append(f"{_holder_name(store, bucket)} will run out on {d.day} {d:%B %Y} at its current pace.")
    return out


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


def _per_credit(store: CreditStore, state: State, expires_on: date) -> Decimal | None:
    """The euros per credit of the credits held that expire on ``expires_on`` (None: some are unpriced)."""
    pieces = [(lot.lot_id, lot.remaining) for lot in state.lots.values()
              if lot.expiring and lot.remaining > 0 and lot.expires_on == expires_on]
    held = sum(n for _, n in pieces)
    value, unpriced = value_of(pieces, lot_prices(store))
    if not held or value is None or unpriced:
        return None
    return value / held


def _in_eur(credits: int, per_credit: Decimal | None) -> str:
    return "" if per_credit is None else f" (€{(per_credit * credits).quantize(Decimal('1')):,})"


def _holder_name(store: CreditStore, holder: str | ledger.Holder, start: bool = True) -> str:
    """A holder in words: the unassigned pool, or the list's name (capitalised to open a sentence)."""
    if holder is POOL:
        return "The unassigned pool" if start else "the unassigned pool"
    return f"List {store.list_name(holder)}" if start else f"list {store.list_name(holder)}"


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


# -- a purchase before it is recorded ---------------------------------------------------------------------------


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
        raise CreditsError(f"a purchase cannot be dated in the future ({day:%d %B %Y}; today is {today:%d %B %Y})")
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


# -- a campaign before it is scheduled --------------------------------------------------------------------------


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
        raise CreditsError("a campaign needs recipients in at least one country")
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
                         f"list {store.list_name(list_id)}" if limited else "the unassigned pool", available,
                         credits <= available, projected)
