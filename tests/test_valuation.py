"""The cost of spend in euros (issue 12): every credit valued at the price of the lot it came from (R5, R7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits_core import CreditStore
from credits_core.reporting import ReportFilter, message_costs, message_pieces, select, spend_by_lot, value_spend
from credits_core.store import verify

T = datetime(2025, 1, 10, 9, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path):
    """By hand: lot X 100 expiring for €10 (€0.10 a credit); lot N 50 non-expiring for €10 (€0.20 a credit), spent
    first (R5); lot U 10 non-expiring with no price.

    m1  a 30 on 10 Jan  -> N 30                         €6.00
    m2  b 30 on 10 Jan  -> N 20 (N runs out) + X 10      €4.00 + €1.00
    m3  a  5 on 13 Jan  -> X 5                          €0.50
    (U bought 14 Jan: non-expiring, goes first)
    m4  b 12 on 15 Jan  -> U 10 (no price) + X 2         €0.20 and 10 unpriced credits
    """
    s = CreditStore.open(tmp_path / "v.duckdb")
    s.add_list("a", "Alpha")
    s.add_list("b", "Beta")
    s.purchase(100, T, expiring=True, price=Decimal("10.00"), lot_id="X")
    s.purchase(50, T + timedelta(hours=1), expiring=False, price=Decimal("10.00"), lot_id="N")
    s.send("a", 30, T + timedelta(hours=2), message_id="m1", country="IT", campaign_id="C1")
    s.send("b", 30, T + timedelta(hours=3), message_id="m2", country="FR", campaign_id="C2")
    s.send("a", 5, T + timedelta(days=3), message_id="m3", country="IT", campaign_id="C1")
    s.purchase(10, T + timedelta(days=4), expiring=False, lot_id="U")
    s.send("b", 12, T + timedelta(days=5), message_id="m4", country="IT")
    yield s
    s.close()


def as_dict(df: pd.DataFrame, key: str) -> dict:
    return {getattr(r, key): (r.credits, r.eur, r.unpriced_credits) for r in df.itertuples()}


def test_spend_crossing_two_lot_prices_is_valued_at_each(ledger):
    by_lot = spend_by_lot(ledger, ReportFilter(), ["list_id"])
    assert {(r.list_id, r.lot_id): r.credits for r in by_lot.itertuples()} == {
        ("a", "N"): 30, ("a", "X"): 5, ("b", "N"): 20, ("b", "X"): 12, ("b", "U"): 10}
    per_list = as_dict(value_spend(ledger, ReportFilter(), ["list_id"]), "list_id")
    assert per_list == {"a": (35, 6.50, 0), "b": (42, 5.20, 10)}
    total = value_spend(ledger, ReportFilter(), [])
    assert (total["credits"][0], total["eur"][0], total["unpriced_credits"][0]) == (77, 11.70, 10)


def test_by_period_country_and_campaign(ledger):
    days = value_spend(ledger, ReportFilter(period="day"), ["period"])
    assert {r.period.date(): (r.credits, r.eur) for r in days.itertuples()} == {
        date(2025, 1, 10): (60, 11.00), date(2025, 1, 13): (5, 0.50), date(2025, 1, 15): (12, 0.20)}
    assert as_dict(value_spend(ledger, ReportFilter(), ["country"]), "country") == {
        "IT": (47, 6.70, 10), "FR": (30, 5.00, 0)}
    camp = value_spend(ledger, ReportFilter(), ["campaign_id"])
    assert {r.campaign_id if isinstance(r.campaign_id, str) else None: r.eur for r in camp.itertuples()} == {
        "C1": 6.50, "C2": 5.00, None: 0.20}
    # a filter restricts what is valued, never which lot a credit came from
    only_b = value_spend(ledger, ReportFilter(date(2025, 1, 10), date(2025, 1, 10), lists=("b",)), [])
    assert (only_b["credits"][0], only_b["eur"][0]) == (30, 5.00)


def test_each_message_of_the_drill_down_is_valued(ledger):
    rows = select(ledger, "SELECT epoch_us(sent_at), seq, credits FROM messages ORDER BY sent_at").fetchall()
    eur, unpriced = message_costs(ledger, *zip(*rows))
    assert eur.tolist() == [6.00, 5.00, 0.50, 0.20]
    assert unpriced.tolist() == [0, 0, 0, 10]


def test_a_message_can_straddle_several_lots():
    from credits_core.ledger import Cut

    cuts = [Cut((1, 1), 0, "A"), Cut((5, 7), 2, "B"), Cut((5, 7), 3, "C"), Cut((5, 7), 9, "D")]
    assert message_pieces(cuts, 5, 7, 9) == [("A", 2), ("B", 1), ("C", 6)]  # the cut at 9 starts after it
    assert message_pieces(cuts, 6, 1, 4) == [("D", 4)]
    assert message_pieces(cuts, 0, 1, 4) == [(None, 4)]


def test_backdated_purchase_moves_the_cost_of_later_spend(ledger):
    """A non-expiring lot bought (recorded late) before m3 is spent first from then on: the cuts are replayed."""
    ledger.purchase(3, T + timedelta(days=2), expiring=False, price=Decimal("3.00"), lot_id="E")  # €1 a credit
    per_list = as_dict(value_spend(ledger, ReportFilter(), ["list_id"]), "list_id")
    assert per_list == {"a": (35, 6.00 + 3.00 + 0.20, 0), "b": (42, 5.20, 10)}
    assert verify(ledger) == []


def test_unfolded_single_sends_and_a_reopen_value_the_same(ledger, tmp_path):
    before = value_spend(ledger, ReportFilter(period="day"), ["period", "list_id"])
    for i in range(3):  # single sends stay out of the rollup until folded; days without a cut read the rollup
        ledger.send("a", 1, T + timedelta(days=6 + i), message_id=f"late{i}")
    assert ledger.snapshot().unrolled > 0
    after = value_spend(ledger, ReportFilter(), [])
    assert (after["credits"][0], after["eur"][0]) == (80, 11.70 + 0.30)
    path = ledger.path
    ledger.close()
    again = CreditStore.open(path)
    reopened = value_spend(again, ReportFilter(date_to=date(2025, 1, 15), period="day"), ["period", "list_id"])
    assert reopened.equals(before)
    assert again.snapshot().cuts and verify(again) == []
    again.close()


def test_no_spend_values_to_nothing(tmp_path):
    s = CreditStore.open(tmp_path / "e.duckdb")
    s.add_list("a")
    assert value_spend(s, ReportFilter(), ["list_id"]).empty
    s.purchase(10, T, price=Decimal("1"))
    assert s.snapshot().cuts  # the lot spends would come from is known, but nothing was spent
    assert value_spend(s, ReportFilter(), []).empty
    s.close()


def test_campaigns_import_names_campaigns_and_refuses_bad_rows(ledger):
    from credits_core.sources import import_file

    bad = b"campaign_id,name,list_id,sent_at\nC1,Saldi,zz,2025-01-10T10:00:00Z\nC2,,a,yesterday\n"
    r = import_file(ledger, "campaigns", bad, "bad.csv")
    assert not r.ok and ledger.campaign_info().empty
    assert {(p[0], p[1]) for p in r.problems} >= {(2, "list_id"), (3, "name"), (3, "sent_at")}
    good = b"campaign_id,name,list_id,sent_at,text\nC1,Saldi gennaio,a,2025-01-10T10:00:00Z,Saldi!\nC2,Promo,b,,\n"
    r = import_file(ledger, "campaigns", good, "good.csv")
    assert r.ok and r.written == 2, r.text()
    info = ledger.campaign_info().set_index("campaign_id")
    assert info.loc["C1", "name"] == "Saldi gennaio" and info.loc["C2", "list_id"] == "b"
    assert import_file(ledger, "campaigns", good, "good.csv").written == 0  # the same file again writes nothing


def _slow_costs(store, rows):
    """The reference: every message valued piece by piece (message_pieces + value_of), as the drill-down did."""
    from credits_core.reporting import CENT, lot_prices, value_of

    cuts, prices = store.snapshot().cuts, lot_prices(store)
    out = []
    for t, s, c in rows:
        value, none = value_of(message_pieces(cuts, t, s, c), prices)
        out.append((None if value is None else float(value.quantize(CENT)), none))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lots=st.lists(st.tuples(st.integers(1, 400), st.booleans(),
                               st.one_of(st.none(), st.decimals("0.01", "99.999", places=3))), min_size=1, max_size=4),
       sends=st.lists(st.tuples(st.integers(0, 1), st.integers(1, 60), st.integers(0, 400)), max_size=25))
def test_vectorised_message_costs_equal_piece_by_piece(tmp_path_factory, lots, sends):
    """The export's per-message cost (one lot looked up per message, integer rounding half to even) gives the same
    euros and unpriced credits as valuing every message piece by piece, whatever the lots, prices (none, fractions
    of a cent) and messages straddling lots."""

    store = CreditStore.open(tmp_path_factory.mktemp("mc") / "v.duckdb")
    store.add_list("a")
    store.add_list("b")
    for i, (credits, expiring, price) in enumerate(lots):
        store.purchase(credits, T + timedelta(minutes=i), expiring=expiring, price=price, lot_id=f"L{i}")
    held = sum(c for c, _, _ in lots)
    for j, (lst, credits, minute) in enumerate(sends):
        if credits <= held:
            # from the instant of the last purchase on (a message at a purchase instant meets a cut there)
            store.send("ab"[lst], credits, T + timedelta(minutes=len(lots) - 1 + minute), message_id=f"m{j}")
            held -= credits
    rows = select(store, "SELECT epoch_us(sent_at), seq, credits FROM messages ORDER BY sent_at, seq").fetchall()
    eur, unpriced = message_costs(store, *zip(*rows)) if rows else ([], [])
    fast = [(None if v != v else float(v), int(n)) for v, n in zip(eur, unpriced)]
    assert fast == _slow_costs(store, rows)
    store.close()


def test_the_workbook_names_and_values_every_message(ledger, tmp_path):
    """Issue 23.3: the Messages sheet had list ids and no cost; now names where they exist and each message's cost
    at the lots it came from."""
    from openpyxl import load_workbook

    from credits_core.exports import write_workbook

    ledger.describe_campaigns(pd.DataFrame({"campaign_id": ["C1"], "name": ["Spring sale"]}))
    out = tmp_path / "v.xlsx"
    write_workbook(ledger, ReportFilter(), out)
    rows = list(load_workbook(out)["Messages"].iter_rows(values_only=True))
    head = rows[0]
    got = [dict(zip(head, r)) for r in rows[1:]]
    assert [r["Cost (EUR)"] for r in got] == [6.00, 5.00, 0.50, 0.20]
    assert [r["List"] for r in got] == ["Alpha", "Beta", "Alpha", "Beta"]
    assert [r["Campaign"] for r in got] == ["Spring sale", "C2", "Spring sale", None]
    assert [r["Country"] for r in got] == ["Italy", "France", "Italy", "Italy"]
