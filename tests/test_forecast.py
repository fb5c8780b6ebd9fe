"""Forecast: reservations, preview on the engine's own expiry path, what-ifs that write nothing, guidance."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from credits_core import CreditStore, InsufficientCredits
from credits_core.ledger import POOL, utc_us
from credits_core.planning import (
    Scenario,
    at_risk,
    cancel_campaign,
    compare,
    guidance,
    preview,
    reserved,
    schedule_campaign,
)

from .conftest import T

pytestmark = pytest.mark.clock  # dates relative to the clock: also run under the shifted clocks


def doc_account() -> CreditStore:
    """The platform's own example: 50 expiring and 20 non-expiring credits."""
    s = CreditStore.open(":memory:")
    s.add_list("a")
    s.purchase(20, T("2025-01-10T10:00"), expiring=False, lot_id="N")
    s.purchase(50, T("2025-01-10T11:00"), lot_id="X")
    return s


def test_headline_when_nothing_is_spent():
    s = doc_account()
    text = guidance(s, today_us=utc_us(T("2026-06-01T00:00")))
    assert text[0] == ("50 credits expire at 00:00 on 10 January 2027 (Rome), in 222 days. At your pace you will use 0 "
                       "of them by then; 50 would be lost.")  # lots bought without a price: no euro figure
    assert text[1].startswith("Buying any package before 10 January 2027 (from €80.00, Starter) postpones all 50 to "
                              "1 June 2028 if bought today. At your pace you will have used about 0 of them by then")
    assert "does not save credits the account will not use" in text[1]
    assert text[2] == "Nothing was spent in the last 90 days: the account's 70 credits are not being used."
    assert text[3] == "Who would lose them at the current pace: the unassigned pool 50."


def test_headline_with_a_pace_that_uses_part_of_them_and_a_list_that_runs_dry():
    s = CreditStore.open(":memory:")
    s.add_list("a", "Newsletter Italia")
    s.add_list("b", "Avvisi consegna")
    s.purchase(20, T("2025-01-10T10:00"), expiring=False, lot_id="N")
    s.purchase(500, T("2025-01-10T11:00"), lot_id="X")  # expires 10 January 2027
    s.assign("b", 60, T("2025-01-10T12:00"))
    for i in range(90):  # 1 credit a day from a, 3 March .. 31 May 2026 (N's 20 first, then 70 of X)
        s.send("a", 1, T("2026-03-03T10:00") + timedelta(days=i))
    s.send("b", 30, T("2026-05-31T10:00"))  # b: a third of a credit a day; 30 left
    text = guidance(s, today_us=utc_us(T("2026-06-01T00:00")))
    held = s.balance(T("2026-06-01T00:00")).expiring  # X's 400: 500 - 70 (a, after N's 20) - 30 (b)
    assert held == 400
    # the pace: a spends 1 a day from 2 June to 9 January (222 days), b a third a day until it runs dry
    assert text[0].startswith(f"{held:,} credits expire at 00:00 on 10 January 2027 (Rome), in 222 days. At your "
                              f"pace you will use ")
    used = int(text[0].split("you will use ")[1].split(" ")[0].replace(",", ""))
    lost = int(text[0].split("; ")[1].split(" ")[0].replace(",", ""))
    # a's 222; b spends on weekends only (its 30 went out on a Sunday), whole credits a day, until a day's
    # spend no longer fits: 29 or 30 of its 30
    assert used + lost == held and 222 + 29 <= used <= 222 + 30
    assert any(t.startswith("Who would lose them at the current pace: the unassigned pool") for t in text)
    assert any(t.startswith("At ") and "credits a month (the last 90 days)" in t for t in text)
    assert any(t.startswith("List Avvisi consegna will run out on ") for t in text)
    assert not any("R4" in t or "UTC" in t or " b " in t for t in text)


def test_reservations_and_refusal(now):
    s = CreditStore.open(":memory:")
    s.add_list("a")
    s.purchase(20, now - timedelta(days=30), expiring=False, lot_id="N")
    s.purchase(50, now - timedelta(days=30), lot_id="X")
    cid = schedule_campaign(s, "a", now + timedelta(days=3), "Hello", {"IT": 40})
    assert reserved(s) == {POOL: 40}
    with pytest.raises(InsufficientCredits, match="30 credits available"):
        schedule_campaign(s, "a", now + timedelta(days=4), "Hello", {"IT": 31})
    s.send("a", 40, now - timedelta(days=1))  # recorded messages are never refused for reservations
    risk = at_risk(s)
    assert risk["campaigns_at_risk"].tolist() == [cid]
    cancel_campaign(s, cid)
    assert reserved(s) == {}


def test_what_if_purchase_saves_and_writes_nothing(tmp_path):
    path = tmp_path / "w.duckdb"
    s = CreditStore.open(path)
    s.add_list("a")
    s.purchase(20, T("2025-01-10T10:00"), expiring=False, lot_id="N")
    s.purchase(50, T("2025-01-10T11:00"), lot_id="X")
    s.close()
    before = path.read_bytes()
    s = CreditStore.open(path)
    now = utc_us(T("2026-06-01T00:00"))
    year = {"today_us": now, "horizon_days": 365}  # the purchase moves X's 50 to 2028: beyond this year
    base = preview(s, Scenario(project_spend=False), **year)
    buy = preview(s, Scenario("buy Starter", purchases=(("Starter", date(2026, 7, 1)),), project_spend=False), **year)
    other = preview(s, Scenario("other policy", other_policy=True, campaigns=(("a", date(2026, 8, 1), 30),),
                                project_spend=False), **year)
    assert base.total_expiring == 50 and buy.total_expiring == 0 and other.total_expiring == 20
    assert preview(s, Scenario("buy Starter", purchases=(("Starter", date(2026, 7, 1)),), project_spend=False),
                   today_us=now).total_expiring == 50 + 1000  # the full horizon: they expire in July 2028
    cmp = compare(base, buy)
    assert cmp["difference"].sum() == -50  # 50 fewer credits lost within the year
    nothing = compare(buy, buy)  # no expiry on either side (a bug the browser test found)
    assert nothing.empty and list(nothing.columns) == ["expires_on", "holder", "lost today", "lost with this change",
                                                       "difference"]
    s.close()
    assert path.read_bytes() == before


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(1, 120), st.integers(1, 900)), max_size=12),
       st.integers(0, 300), st.integers(0, 300), st.sampled_from([None, 200, 500]))
def test_preview_equals_real_expiry(plans, assign_a, assign_b, top_up_day):
    """Plan future spends (and maybe a purchase) in a preview; then record the same events for real and let the
    clock pass every expiry: the engine's deductions must be the preview's, holder by holder."""
    s = CreditStore.open(":memory:")
    for lid in "abc":
        s.add_list(lid)
    s.purchase(100, T("2024-01-01T10:00"), expiring=False)
    s.purchase(900, T("2024-01-02T10:00"))
    s.assign("a", assign_a, T("2024-01-03T10:00"))
    s.assign("b", min(assign_b, 1000 - assign_a), T("2024-01-03T10:00"))
    now = T("2024-06-01T00:00")
    start = date(2024, 6, 1)
    campaigns = tuple((lid, start + timedelta(days=d), c) for lid, c, d in plans)
    purchases = (("Starter", start + timedelta(days=top_up_day)),) if top_up_day else ()
    p = preview(s, Scenario("plan", purchases=purchases, campaigns=campaigns, project_spend=False),
                horizon_days=2000, today_us=utc_us(now))
    # the preview leaves out a campaign its bucket cannot pay where the real engine would refuse: not comparable
    assume(not p.run_out and not p.unpaid)
    assert not p.expiries.empty  # the 900-credit lot always expires within the horizon
    events = [(local_at(d), "send", lid, c) for lid, d, c in campaigns]
    events += [(local_at(d), "buy", None, 1000) for _, d in purchases]
    for at, kind, lid, c in sorted(events, key=lambda e: (e[0], e[1] != "buy")):
        if kind == "buy":
            s.purchase(c, at, expiring=True)
        else:
            s.send(lid, c, at)
    real = s.expiries(now + timedelta(days=2000))
    real = real[real["expired_at"] > pd.Timestamp(now)]
    got = sorted((e.to_pydatetime(), h, c) for e, h, c in p.expiries.itertuples(index=False))
    want = sorted((e.to_pydatetime(), POOL if h is None else h, c) for e, h, c in real.itertuples(index=False))
    assert got == want


def local_at(d: date) -> datetime:
    """The instant the preview uses for a planned event on Rome date ``d``: 10:00 Rome."""
    return datetime(d.year, d.month, d.day, 10, tzinfo=ZoneInfo("Europe/Rome"))


def test_projection_flags_run_out():
    s = CreditStore.open(":memory:")
    s.add_list("a")
    s.purchase(1000, T("2026-01-01T10:00"), expiring=False)
    s.assign("a", 100, T("2026-01-01T11:00"))
    for i in range(60):
        s.send("a", 1, T("2026-09-01T10:00") + timedelta(days=i))
    p = preview(s, today_us=utc_us(T("2026-11-01T00:00")))
    assert "a" in p.run_out and p.run_out["a"] < date(2027, 1, 31)


def test_projection_path_shows_each_expiry_drop():
    s = doc_account()
    p = preview(s, Scenario(project_spend=False), today_us=utc_us(T("2026-06-01T00:00")))
    assert p.path["total"].tolist() == [70, 70, 20, 20]  # now, just before the expiry, just after, the horizon
    assert p.path["at"].iloc[2] == pd.Timestamp("2027-01-09T23:00", tz="UTC")


def test_daily_pace_counts_rome_days():
    """90 days of spend are divided by 90 days (not 91), split into working days and weekends by Rome dates."""
    from credits_core.planning import daily_rates

    s = CreditStore.open(":memory:")
    s.add_list("a")
    s.purchase(10**6, T("2025-01-01T00:00"), expiring=False)
    end = T("2026-03-02T12:00")  # a Monday
    day = end - timedelta(days=89)
    while day <= end:  # 10 credits every Rome day, sent at 23:30 Rome (22:30 UTC in winter: still that Rome day)
        s.send("a", 10, day.replace(hour=22, minute=30) - timedelta(days=1))
        day += timedelta(days=1)
    r = daily_rates(s, today_us=utc_us(end)).set_index("list_id").loc["a"]
    assert r["per_working_day"] == pytest.approx(10.0) and r["per_weekend_day"] == pytest.approx(10.0)


def test_purchase_instant_and_preview():
    from zoneinfo import ZoneInfo

    from credits_core import CreditsError
    from credits_core.planning import purchase_instant, purchase_preview

    rome = ZoneInfo("Europe/Rome")
    now = datetime(2026, 11, 28, 16, 5, tzinfo=rome)
    assert purchase_instant(date(2026, 11, 28), now) == now  # today: the actual instant
    assert purchase_instant(date(2026, 11, 2), now) == datetime(2026, 11, 2, 12, tzinfo=rome)
    with pytest.raises(CreditsError, match="future"):
        purchase_instant(date(2026, 11, 29), now)
    s = CreditStore.open(":memory:")
    s.purchase(700, T("2025-02-03T10:00"), lot_id="A")  # expires 2027-02-03
    s.purchase(50, T("2025-03-01T10:00"), expiring=False)
    pv = purchase_preview(s, T("2026-11-28T15:00"), expiring=True)
    assert (pv.expires_on, pv.extended_credits, pv.extended_lots, pv.extended_from) == (
        date(2028, 11, 28), 700, 1, date(2027, 2, 3))
    assert purchase_preview(s, T("2026-11-28T15:00"), expiring=False).expires_on is None


def test_campaign_refusals_and_readable_table(now):
    from credits_core import CreditsError
    from credits_core.planning import campaign_table, schedule_campaign

    s = CreditStore.open(":memory:")
    s.add_list("a", "Avvisi consegna")
    s.purchase(10_000, now - timedelta(days=300), expiring=False)
    soon = now + timedelta(days=3)
    with pytest.raises(CreditsError, match="future"):
        schedule_campaign(s, "a", now - timedelta(hours=1), "hi", {"IT": 10})
    with pytest.raises(CreditsError, match="needs a text"):
        schedule_campaign(s, "a", soon, "  ", {"IT": 10})
    with pytest.raises(CreditsError, match="not scheduled"):
        schedule_campaign(s, "a", soon, "hi", {"IT": 10}, campaign_id="NOPE")
    cid = schedule_campaign(s, "a", soon.replace(hour=9, minute=0, second=0, microsecond=0), "hi",
                            {"IT": 1000, "FR": 20})
    schedule_campaign(s, "a", soon, "hi again", {"IT": 5}, campaign_id=cid)  # replacing a scheduled one is fine
    t = campaign_table(s)
    assert t["List"].tolist() == ["Avvisi consegna"] and t["Recipients"].tolist() == ["IT: 5"]
    assert t["Scheduled (Rome)"].iloc[0].tz is None  # Rome wall time, no UTC offset shown


def test_what_if_refusals_and_notes_in_plain_words():
    from credits_core import CreditsError
    from credits_core.planning import check_scenario

    s = doc_account()
    s.add_list("n", "Newsletter Italia")
    now = utc_us(T("2026-06-01T00:00"))
    with pytest.raises(CreditsError, match="list Newsletter Italia cannot get 900,000: the pool holds 70"):
        check_scenario(s, Scenario("x", limits=(("n", 900_000),)), now)
    with pytest.raises(CreditsError, match="in the past"):
        check_scenario(s, Scenario("x", purchases=(("Starter", date(2026, 5, 1)),)), now)
    notes = check_scenario(s, Scenario("x", purchases=(("Starter", date(2027, 1, 10)),)), now)
    assert notes == ["Too late for the 50 credits that expire on 10 January 2027: a purchase on 10 January 2027 "
                     "comes after they expire, so it cannot keep them."]
    assert check_scenario(s, Scenario("x", purchases=(("Starter", date(2026, 7, 1)),)), now) == []


def test_policy_is_explained_not_offered():
    from credits_core.planning import policy_note

    s = doc_account()
    for i in range(10):  # 2 credits every 9 days: 20 spent, the non-expiring 20 first
        s.send("a", 2, T("2026-03-05T10:00") + timedelta(days=9 * i))
    now = utc_us(T("2026-06-01T00:00"))
    base = preview(s, today_us=now)
    other = preview(s, Scenario("other order", other_policy=True), today_us=now)
    assert other.total_expiring < base.total_expiring  # spending expiring credits first would lose less
    assert policy_note(s, base, today_us=now) == (
        f"The platform spends non-expiring credits first. If it spent expiring credits first, you would lose "
        f"{other.total_expiring:,} credits instead of {base.total_expiring:,} (this is not a setting you can choose).")


def test_campaign_quote_values_the_credits_it_would_use(now):
    """R5 valuation: the first credits come from the non-expiring lot (free), the rest from X at 0.07 each."""
    from decimal import Decimal

    from credits_core.planning import campaign_quote

    s = CreditStore.open(":memory:")
    s.add_list("a", "Avvisi consegna")
    bought = now - timedelta(days=120)  # X expires 20 months after now: no expiry in this test
    s.purchase(100, bought, expiring=False, price=Decimal("0"), lot_id="N")
    s.purchase(1000, bought + timedelta(hours=1), price=Decimal("70.00"), lot_id="X")
    s.assign("a", 500, bought + timedelta(hours=2))
    q = campaign_quote(s, "a", "Ciao €uro", {"IT": 150, "FR": 10})
    assert (q.parts, q.encoding) == (1, "GSM-7")
    fr = int(q.by_country.set_index("country").loc["FR", "credits"])
    assert q.credits == 150 + fr and q.bucket == "list Avvisi consegna" and q.available == 500 and q.fits
    assert q.eur == (Decimal("0.07") * (q.credits - 100)).quantize(Decimal("0.01"))
    u = campaign_quote(s, "a", "Perché no", {"IT": 600})
    assert u.unicode_char is None and not u.fits  # é is GSM-7; 600 > 500
    assert campaign_quote(s, "a", "Ciao ç", {"IT": 1}).unicode_char == "ç"
    for i in range(90):  # a now spends 4 a day: 500 - 360 = 140 left, about 35 days at this pace
        s.send("a", 4, now - timedelta(days=90 - i, hours=1))
    soon = campaign_quote(s, "a", "Ciao", {"IT": 100}, at=now + timedelta(days=5))
    late = campaign_quote(s, "a", "Ciao", {"IT": 100}, at=now + timedelta(days=60))
    assert soon.fits and soon.fits_then and 100 <= soon.projected <= 140 - 16
    assert late.fits and late.fits_then is False and late.projected < 100


def test_a_bucket_emptied_by_an_expiry_runs_out_on_the_expiry_day():
    """The pool is emptied by the expiry of Saturday 19 December 2026; nothing is sent at weekends, so the first send
    that fails is on Monday 21. The pool ran out on the 19th."""
    s = CreditStore.open(":memory:")
    s.add_list("a", "Avvisi")
    s.purchase(5000, T("2024-12-19T12:00"), lot_id="X")
    s.send("a", 100, T("2026-11-26T10:00"))  # a Thursday: working days only
    p = preview(s, today_us=utc_us(T("2026-11-29T00:10")))
    assert p.run_out == {POOL: date(2026, 12, 19)}


def priced_account() -> CreditStore:
    """1,000 expiring credits bought for €50 (5 cents each) on 10 Jan 2025, spending 2 a day from list a."""
    s = CreditStore.open(":memory:")
    s.add_list("a", "Avvisi")
    s.purchase(1000, T("2025-01-10T11:00"), lot_id="X", price=Decimal("50"))
    for i in range(90):
        s.send("a", 2, T("2026-03-03T10:00") + timedelta(days=i))
    return s


def test_the_expiry_in_money_and_time_and_how_long_the_credits_last():
    """Issue 23.1: the credits at stake in euros, the deadline, what the pace uses, postponing rather than saving,
    and how long the account's credits last."""
    s = priced_account()
    text = guidance(s, today_us=utc_us(T("2026-06-01T00:00")))
    assert text[0].startswith("820 credits (€41) expire at 00:00 on 10 January 2027 (Rome), in 222 days.")
    assert "would be lost" in text[0] and "(€" in text[0].split("; ")[1]
    assert text[1].startswith("Buying any package before 10 January 2027 (from €80.00, Starter) postpones all 820")
    assert "At 60 credits a month (the last 90 days), the account's 820 credits last about 13 months" in text[2]


def test_no_deadline_is_advised_that_has_passed():
    s = priced_account()
    after = utc_us(T("2027-01-10T12:00"))  # the credits expired at 00:00 Rome on 10 Jan 2027
    assert not any("Buying any package before" in t for t in guidance(s, today_us=after))
