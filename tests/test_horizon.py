"""Every view and export of upcoming expiries covers every credit held (issue: expiries more than 12 months away).

Stores whose next expiry is 1, 13 and 23 months away: the Expiry page's tables (``expiry_plan``, the idle preview),
``upcoming_expiries`` (the workbook's Expiries sheet), ``expiries.csv`` of ``report --csv`` and the Overview's
next-expiry figure (``balance()``) all agree with ``CreditStore.expiries(until)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from credits_core import CreditStore
from credits_core.exports import write_csv, write_workbook
from credits_core.planning import Scenario, expiry_plan, preview
from credits_core.reporting import ReportFilter, upcoming_expiries

pytestmark = pytest.mark.clock  # dates relative to the clock: also run under the shifted clocks


def store_expiring_in(months: int, now: datetime) -> CreditStore:
    """Two lots, the second extending the first (R4): everything held expires about ``months`` months after now."""
    s = CreditStore.open(":memory:")
    s.add_list("a", "Alerts")
    s.add_list("b", "Bulk")
    second = now - timedelta(days=round((24 - months) * 30.44))
    s.purchase(5000, second - timedelta(days=200), lot_id="L1")
    s.purchase(3000, second, lot_id="L2")
    s.assign("a", 1000, second + timedelta(hours=1))
    s.send("a", 381, second + timedelta(hours=2))
    s.send("b", 1000, second + timedelta(hours=3))
    return s


@pytest.mark.parametrize("months", [1, 13, 23])
def test_views_and_exports_agree_with_expiries(months, tmp_path, now):
    s = store_expiring_in(months, now)
    truth = s.expiries(now + timedelta(days=3 * 366))
    truth = truth[truth["expired_at"] > pd.Timestamp(now)]
    total = int(truth["credits"].sum())
    assert total == 8000 - 1381  # every credit still held expires on the same day
    first = truth["expired_at"].min()
    assert abs((first - pd.Timestamp(now)).days - months * 30.44) < 20

    up = upcoming_expiries(s)
    assert int(up["credits"].sum()) == total
    assert set(up["holder"]) == {"Unassigned pool", "Alerts"}  # names, not ids
    plan = expiry_plan(s)
    assert int(plan["if_nothing_spent"].sum()) == total
    idle = preview(s, Scenario("nothing spent", project_spend=False))
    assert idle.total_expiring == total and idle.horizon_end > first.to_pydatetime()
    b = s.balance()
    assert b.next_expiry == first.to_pydatetime() and b.next_expiry_credits == total
    write_csv(s, ReportFilter(), tmp_path)
    csv = pd.read_csv(tmp_path / "expiries.csv", encoding="utf-8-sig")
    assert int(csv["credits"].sum()) == total
    write_workbook(s, ReportFilter(), tmp_path / "r.xlsx")
    sheet = pd.read_excel(tmp_path / "r.xlsx", sheet_name="Expiries")
    assert int(sheet["Credits"].sum()) == total
