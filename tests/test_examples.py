"""SPEC section 3: the worked examples E1-E8, exactly as written."""

from datetime import date

import pytest

from credits_core import CreditStore, InsufficientCredits, Policy

from .conftest import T


def e1(store: CreditStore) -> None:
    store.add_list("a")
    store.purchase(20, T("2024-01-01T10:00"), expiring=False, lot_id="N")
    store.purchase(50, T("2024-01-01T11:00"), expiring=True, lot_id="X")
    store.send("a", 30, T("2024-01-02T10:00"))


def test_e1_non_expiring_first(store):
    e1(store)
    b = store.balance(T("2024-01-03T00:00"))
    assert b.lots == {"N": 0, "X": 40}
    assert b.total == 40
    assert (b.expiring, b.non_expiring) == (40, 0)


def test_e2_pool_first_then_proportional(store):
    store.add_list("a")
    store.add_list("b")
    store.purchase(250, T("2024-05-01T10:00"), expiring=False, lot_id="N")
    store.purchase(250, T("2024-05-02T10:00"), lot_id="X")
    store.assign("a", 300, T("2024-05-03T10:00"))
    store.assign("b", 100, T("2024-05-03T10:00"))
    lots = store.lots(T("2024-06-01T00:00")).set_index("lot_id")
    assert lots.loc["X", "expires_on"] == date(2026, 5, 2)
    before = store.balance(T("2026-05-01T21:59:59"))
    assert (before.unassigned, before.assigned) == (100, {"a": 300, "b": 100})
    after = store.balance(T("2026-05-01T22:00"))
    assert after.unassigned == 0
    assert after.assigned == {"a": 187, "b": 63}
    assert after.total == 250
    exp = store.expiries(T("2026-06-01T00:00"))
    assert exp["expired_at"].tolist() == [T("2026-05-01T22:00")] * 3
    assert exp["list_id"].tolist() == [None, "a", "b"]
    assert exp["credits"].tolist() == [100, 113, 37]


def test_e3_three_way_tie(store):
    for lid in "abc":
        store.add_list(lid)
    store.purchase(100, T("2024-01-01T10:00"), expiring=False)
    store.purchase(300, T("2024-01-01T11:00"))
    for lid in "abc":
        store.assign(lid, 100, T("2024-01-02T10:00"))
    b = store.balance(T("2026-01-02T00:00"))
    assert b.unassigned == 0
    assert b.assigned == {"a": 33, "b": 33, "c": 34}
    exp = store.expiries(T("2026-01-02T00:00"))
    assert dict(zip(exp["list_id"], exp["credits"])) == {None: 100, "a": 67, "b": 67, "c": 66}


def test_e4_rome_time_and_dst(store):
    store.add_list("a")
    store.purchase(10, T("2024-03-30T23:30"), lot_id="X")
    assert store.lots(T("2024-04-01T00:00")).loc[0, "expires_on"] == date(2026, 3, 31)
    store.send("a", 1, T("2026-03-30T21:59:59"))
    with pytest.raises(InsufficientCredits):
        store.send("a", 1, T("2026-03-30T22:00:00"))
    assert store.balance(T("2026-03-30T22:00:00")).total == 0
    assert store.expiries(T("2026-04-01T00:00"))["expired_at"].tolist() == [T("2026-03-30T22:00")]


def test_e5_extension(store):
    store.add_list("a")
    store.purchase(1000, T("2024-01-10T10:00"), lot_id="L1")
    store.send("a", 400, T("2024-02-01T10:00"))
    store.purchase(500, T("2025-06-01T10:00"), lot_id="L2")
    lots = store.lots(T("2025-07-01T00:00")).set_index("lot_id")
    assert lots.loc["L1", "expires_on"] == date(2027, 6, 1)
    assert store.balance(T("2026-01-11T00:00")).total == 1100
    assert store.expiries(T("2027-05-31T21:59")).empty
    exp = store.expiries(T("2027-05-31T22:00"))
    assert exp["credits"].sum() == 1100 and exp["expired_at"].tolist() == [T("2027-05-31T22:00")]


def test_e6_leap_day(store):
    store.purchase(5, T("2024-02-29T12:00"), lot_id="X")
    assert store.lots(T("2024-03-01T00:00")).loc[0, "expires_on"] == date(2026, 2, 28)


def test_e7_spending_limit(store):
    store.add_list("a")
    store.purchase(100, T("2024-01-01T10:00"))
    store.assign("a", 10, T("2024-01-01T11:00"))
    before = store.balance(T("2024-01-02T00:00"))
    with pytest.raises(InsufficientCredits, match="11 credits"):
        store.send("a", 11, T("2024-01-01T12:00"))
    assert store.balance(T("2024-01-02T00:00")) == before
    assert store.message_count == 0


def test_e8_other_policy():
    store = CreditStore.open(":memory:", policy=Policy(consumption="earliest_expiry_first"))
    e1(store)
    assert store.balance(T("2024-01-03T00:00")).lots == {"N": 20, "X": 20}
