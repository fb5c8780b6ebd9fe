"""Every page in every state a user can reach (issue 29.3): an empty file, purchases only, after a MailUp sync with
and without purchases, after a sync with problems, the demo, a read-only dashboard, an analyst signed in.

The Import page crashed for every account after its first sync (its "last sync" line was never drawn by a test), and
a sync before any purchase left every page telling the user to build the demo. Each page must render without an
exception and without an error box, and say what the state calls for.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from streamlit.testing.v1 import AppTest

from credits_core import CreditStore
from credits_core.sources import build_demo
from credits_core.sources.mailup import Client, sync

from .test_mailup import account, ledger_store, settings_for

pytestmark = pytest.mark.clock

PAGES = ["overview", "buy", "assign", "usage", "expiry", "imports", "history"]
WRITES = ("Record purchase", "Set limit", "Apply changes", "Schedule", "Import now", "Cancel it", "Sync now")


@dataclass
class State:
    path: Path
    env: dict = field(default_factory=dict)
    user: dict | None = None  # OIDC claims of a signed-in user (sign-in configured)
    needs_purchases: bool = False  # the pages that show figures say what is missing instead
    synced: bool = False


class FakeUser(dict):
    """``st.user`` of a signed-in user, as the pages read it."""

    def to_dict(self) -> dict:
        return dict(self)


def synced_file(path: Path, purchases: bool, problems: bool) -> None:
    """A file after ``sync`` from the fake MailUp account (``tests/test_mailup.py``)."""
    fake = account()
    if not problems:
        fake.sendings[10] = [x for x in fake.sendings[10] if x["Receiver"] != "999123"]
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request(re.compile(".*")).respond_with_handler(fake)
    server.start()
    try:
        s = ledger_store(path) if purchases else CreditStore.open(path)
        with s, Client(settings_for(server, fake)) as client:
            report = sync(s, client)
        assert bool(report.problems) is problems, report.problems
    finally:
        server.stop()


@pytest.fixture(scope="module")
def states(tmp_path_factory, session_now) -> dict[str, State]:
    now = session_now
    folder = tmp_path_factory.mktemp("states")
    out = {"empty": State(folder / "empty.duckdb", needs_purchases=True)}

    path = folder / "purchases.duckdb"
    with CreditStore.open(path) as s:
        s.add_list("a", "Newsletter Italia")
        s.add_list("b", "Avvisi")
        s.purchase(5_000, now - timedelta(days=100), price=Decimal("350.00"), lot_id="P1")
        s.purchase(1_000, now - timedelta(days=90), expiring=False, price=Decimal("80.00"), lot_id="P2")
        s.assign("b", 500, now - timedelta(days=90))
    out["purchases only"] = State(path)

    for name, purchases, problems in (("synced, no purchase", False, True), ("synced", True, False),
                                      ("synced with problems", True, True)):
        path = folder / f"{name.replace(' ', '-').replace(',', '')}.duckdb"
        synced_file(path, purchases, problems)
        out[name] = State(path, needs_purchases=not purchases, synced=True)

    demo = folder / "demo.duckdb"
    with CreditStore.open(demo) as s:
        build_demo(s, messages=3_000, end=now)
    out["demo"] = State(demo)
    ro = folder / "read-only.duckdb"  # one process cannot hold a file read-only and read-write at once
    shutil.copy(demo, ro)
    out["read-only"] = State(ro, env={"CREDITS_READ_ONLY": "1"})
    analyst = folder / "analyst.duckdb"
    shutil.copy(demo, analyst)
    out["analyst"] = State(analyst, user={"is_logged_in": True, "email": "bea@example.com", "email_verified": True})
    return out


def open_app(monkeypatch, state: State) -> AppTest:
    import streamlit as st

    monkeypatch.setenv("CREDITS_DB", str(state.path))
    for k, v in state.env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file("../app.py", default_timeout=60)
    if state.user is not None:
        monkeypatch.setattr(st, "user", FakeUser(state.user))
        at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                              "cookie_secret": "Vq3-8xLr_k2Z9pW4mTn7yB1cF6hJ0dSgA5eQuRiO", "client_id": "c",
                              "client_secret": "s",
                              "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
        at.secrets["access"] = {"managers": ["ana@example.com"], "analysts": ["*@example.com"]}
    at.run()
    return at


STATES = ["empty", "purchases only", "synced, no purchase", "synced", "synced with problems", "demo", "read-only",
          "analyst"]


@pytest.mark.parametrize("state_name", STATES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_every_state(monkeypatch, states, state_name, page):
    state = states[state_name]
    at = open_app(monkeypatch, state)
    assert not at.exception, at.exception
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, (state_name, page, at.exception)
    at.session_state["exp_whatif"] = at.session_state["exp_schedule"] = True  # what is drawn on demand, opened too
    at.run()
    assert not at.exception, (state_name, page, at.exception)
    assert at.title, (state_name, page)
    assert [e.value for e in at.error] == [], (state_name, page)
    infos = " ".join(i.value for i in at.info)
    if state.needs_purchases and page not in ("buy", "imports"):
        assert "no purchase" in infos, (state_name, page, infos)
        if state.synced:  # what a sync before any purchase brought, and what to add: never "build the demo"
            assert "from MailUp" in infos and "sync MailUp again" in infos and "demo" not in infos
    if page == "imports" and state.synced:  # the line that crashed the page after every first sync
        assert any(t.value.startswith("Last sync ") and "(Rome)" in t.value for t in at.text)
    if state_name in ("read-only", "analyst"):
        labels = [b.label for b in at.button] + [getattr(b, "label", "") for b in at.get("form_submit_button")]
        assert not set(labels) & set(WRITES), (state_name, page, labels)
    if state_name == "analyst":
        assert any("bea@example.com (analyst)" in t.value for t in at.sidebar.text)


def test_a_new_accounts_balance_chart_starts_at_its_first_purchase(states, session_now):
    """The Overview's chart (``balance_timeline``) of an account bought 100 days ago started 26 months before its
    first purchase: empty weeks before the account existed."""
    from credits_core.reporting import balance_timeline

    from .conftest import rome_date

    with CreditStore.open(states["purchases only"].path, read_only=True) as s:
        tl = balance_timeline(s)
    first = tl["at"].min().date()
    assert rome_date(session_now - timedelta(days=100)) <= first <= rome_date(session_now - timedelta(days=93))
    assert tl["at"].max().date() >= rome_date(session_now)
