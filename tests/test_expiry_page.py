"""Issue 32 on the Expiry page: the headline names the last day to use the credits and their euros; the ways of going
on are shown with the engine's figures; a what-if is compared to the last expiry either way holds, in credits and
euros, and says why a change keeps nothing; the chart's lines are the engine's paths and drop by what each expiry
takes. Expectations come from the engine on the same clock (``planner``), never written by hand."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest

from credits_core import CreditStore
from credits_core.ledger import ROME
from credits_core.planning import Scenario, planner

from .conftest import demo_store, rome_date
from .test_pages import app, html_rows

pytestmark = pytest.mark.clock


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return demo_store(tmp_path_factory.mktemp("expiry"), 5_000)


def expiry_page(monkeypatch, path, opened: bool = True):
    """The Expiry page; ``opened``: with the what-if and the scheduling opened (their widgets are drawn on demand)."""
    at = app(monkeypatch, path)
    at.switch_page("app_pages/expiry.py").run()
    assert not at.exception, at.exception
    if opened:
        at.session_state["exp_whatif"] = at.session_state["exp_schedule"] = True
        at.run()
        assert not at.exception, at.exception
    return at


def test_the_forms_are_drawn_when_opened(monkeypatch, demo_db):
    """The what-if and scheduling widgets were a sixth of the page's first load in a browser: drawn on demand."""
    at = expiry_page(monkeypatch, demo_db, opened=False)
    labels = [e.label for e in at.expander]
    assert "Compare a change: a package bought, a spending limit, an extra campaign" in labels
    assert "Schedule or cancel a campaign" in labels
    assert "wi_pkg" not in at.session_state and not any(b.label == "Schedule" for b in at.button)
    at.session_state["exp_whatif"] = at.session_state["exp_schedule"] = True
    at.run()
    assert at.selectbox(key="wi_pkg").value == "(none)" and any(b.label == "Schedule" for b in at.button)


def values(arr) -> list:
    """A Plotly array as JSON gives it: a list, or a typed array ({"dtype", "bdata": base64})."""
    if isinstance(arr, dict):
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"]).tolist()
    return list(arr)


def euros(value: Decimal) -> str:
    return f"€{value:,.2f}"


def day_words(d) -> str:
    return f"{d.day} {d:%B %Y}"


def test_the_headline_names_the_last_day_to_use_the_credits_and_their_euros(monkeypatch, demo_db):
    at = expiry_page(monkeypatch, demo_db)
    with CreditStore.open(demo_db, read_only=True) as s:
        pl = planner(s)
    nx = pl.next
    metrics = {m.label: m for m in at.metric}
    assert metrics["Last day to use them"].value == f"{nx.last_day.day} {nx.last_day:%b %Y}"
    assert nx.last_day == nx.at.tz_convert(ROME).date() - timedelta(days=1)  # they expire at 00:00 the day after
    assert metrics["Expiring then"].value == f"{nx.held:,}" and metrics["Expiring then"].proto.delta == \
        euros(nx.held_eur)
    assert metrics["Lost at your pace"].value == f"{nx.lost:,}"
    said = " ".join(w.value for w in at.warning) + " ".join(i.value for i in at.info)
    assert f"{day_words(nx.last_day)} is the last day to use them" in said and euros(nx.held_eur) in said


def test_the_ways_of_going_on_show_the_engines_figures(monkeypatch, demo_db):
    at = expiry_page(monkeypatch, demo_db)
    with CreditStore.open(demo_db, read_only=True) as s:
        d = planner(s).decision
    if d.deadline is None:
        pytest.skip("nothing is lost at this pace on this clock")
    body = next(h.proto.body for h in at.get("html") if "Kept less cost" in h.proto.body)
    rows = re.findall(r'<tr class="has-note">(.*?)</tr><tr class="note"><td[^>]*>(.*?)</td>', body)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r, _ in rows]
    asks = [a for _, a in rows]
    assert [c[0] for c in cells][0] == "As things stand (your pace)" and len(cells) == 3
    for c, o in zip(cells, (d.nothing, d.buy, d.spend), strict=True):
        assert c[1:5] == [euros(o.cost_eur), f"{o.lost:,}", euros(o.lost_eur), f"{d.nothing.lost - o.lost:,}"]
    if d.spend.campaigns:
        total = sum(c for _, _, c in d.spend.campaigns)
        assert f"Send {total:,} credits on top of your pace by {day_words(d.last_day)}" in asks[2]


def test_a_what_if_is_compared_to_the_last_expiry_either_way_holds(monkeypatch, demo_db):
    """"Buy Starter today" said "Lost, same horizon 0" while its own 1,000 credits expired two years later."""
    at = expiry_page(monkeypatch, demo_db)
    at.selectbox(key="wi_pkg").set_value("Starter")
    at.button[[b.label for b in at.button].index("Compare with things as they stand")].click().run()
    assert not at.exception, at.exception
    today = rome_date(pd.Timestamp.now(tz="UTC"))
    with CreditStore.open(demo_db, read_only=True) as s:
        w = planner(s, Scenario("what-if", purchases=(("Starter", today),))).change
    metrics = {m.label: m for m in at.metric}
    assert metrics["Lost as things stand"].value == f"{w.before.lost:,}"
    assert metrics["Lost with the change"].value == f"{w.after.lost:,}"
    assert metrics["Lost with the change"].proto.delta == euros(w.after.lost_eur)
    assert metrics["Package cost"].value == "€80.00"
    assert w.after.horizon > w.before.horizon  # to the package's own expiry
    text = " ".join(t.value for t in at.text)
    assert f"{w.before.lost:,} credits ({euros(w.before.lost_eur)}) are lost as things stand" in text
    # the chart draws the change too
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "With your change" in [t["name"] for t in fig["data"]]


def test_a_limit_that_keeps_nothing_says_why(monkeypatch, demo_db):
    at = expiry_page(monkeypatch, demo_db)
    with CreditStore.open(demo_db, read_only=True) as s:
        lid = s.list_ids[-1]
    at.selectbox(key="wi_limit_list").set_value(lid)
    at.number_input(key="wi_limit").set_value(100)
    at.button[[b.label for b in at.button].index("Compare with things as they stand")].click().run()
    assert not at.exception, at.exception
    with CreditStore.open(demo_db, read_only=True) as s:
        w = planner(s, Scenario("what-if", limits=((lid, 100),))).change
    text = " ".join(t.value for t in at.text)
    if "pool_first" in w.reasons:
        assert "an expiry takes the whole amount anyway, from the pool first" in text
    assert f"{w.after.lost:,} ({euros(w.after.lost_eur)}) with this change" in text
    html_rows(at)  # the comparison table is drawn


def test_the_chart_is_the_engines_path_and_drops_by_each_expiry(monkeypatch, demo_db):
    at = expiry_page(monkeypatch, demo_db)
    with CreditStore.open(demo_db, read_only=True) as s:
        pl = planner(s)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    lines = {t["name"]: t for t in fig["data"]}
    base = lines["As things stand (your pace)"]
    path = pl.path[pl.path["key"] == "nothing"]
    assert values(base["y"]) == path["total"].tolist()
    plan = pl.plan
    for r in plan.itertuples():  # the drop at each expiry is the plan table's "at your pace"
        at_ = r.expires_at
        before = path.loc[path["at"] == at_ - pd.Timedelta(microseconds=1), "total"]
        after = path.loc[path["at"] == at_, "total"]
        assert int(before.iloc[0]) - int(after.iloc[0]) == r.at_current_pace
    marks = [a["text"] for a in fig["layout"].get("annotations", [])]
    for r in plan[plan["at_current_pace"] > 0].itertuples():
        assert any(f"{r.at_current_pace:,} credits lost" in m for m in marks)
