"""Roles, the write gate and the named audit trail."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from credits_core import CreditsError, CreditStore
from credits_core.planning import LimitChange, apply_limits
from credits_core.reporting import history
from credits_core.sources import import_file
from credits_core.storage import APP_ID, MIGRATIONS
from credits_core.store import ANALYST, MANAGER, Access, WriteGate

from .conftest import T

ACCESS = Access.from_mapping({"managers": ["Ana@Example.com"], "analysts": ["*@example.com", "bo@other.org"]})


@pytest.mark.parametrize("email, role", [
    ("ana@example.com", MANAGER), ("ANA@EXAMPLE.COM", MANAGER),  # case never matters
    ("carl@example.com", ANALYST), ("bo@other.org", ANALYST),      # a domain wildcard, an address
    ("x@example.com.evil.org", None), ("ana@example.org", None), ("", None), (None, None),
])
def test_role_rules(email, role):
    assert ACCESS.role_of(email) == role


def test_a_user_in_both_lists_is_a_manager():
    both = Access.from_mapping({"managers": ["*@example.com"], "analysts": ["ana@example.com"]})
    assert both.role_of("ana@example.com") == MANAGER
    assert Access.from_mapping({}).role_of("ana@example.com") is None


def test_the_gate_refuses_every_write_of_an_analyst_and_names_the_manager(now):
    s = CreditStore.open(":memory:")
    s.add_list("a", "Alerts")
    analyst = WriteGate(s, "carl@example.com", ANALYST)
    manager = WriteGate(s, "ana@example.com", MANAGER)
    with pytest.raises(CreditsError, match="carl@example.com is an analyst"):
        analyst.purchase(100, T("2026-01-01T10:00"))
    with pytest.raises(CreditsError, match="analyst"):
        apply_limits(analyst, [LimitChange("a", 0)], now)
    r = import_file(analyst, "purchases", b"lot_id,purchased_at,credits\nP1,2026-01-01T10:00:00Z,5\n", "p.csv")
    assert not r.ok and "analyst" in r.problems[0][3]
    assert s.controls == [] and analyst.list_name("a") == "Alerts"  # reads pass
    manager.purchase(100, T("2026-01-01T10:00"), expiring=False, lot_id="L1")
    apply_limits(manager, [LimitChange("a", 40)], now)
    r = import_file(manager, "purchases", b"lot_id,purchased_at,credits,expiring\nP1,2026-01-02T10:00:00Z,5,no\n",
                    "p.csv")
    assert r.ok, r.text()
    h = history(s)
    assert set(h.loc[h["kind"].isin(["purchase", "assignment"]), "author"]) == {"ana@example.com"}
    imp = h[h["kind"] == "import"]
    assert len(imp) == 1 and imp["author"].iloc[0] == "ana@example.com" and "p.csv: 1 new purchases" in \
        imp["detail"].iloc[0]


def test_a_database_from_before_authors_migrates_with_no_loss(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for step in MIGRATIONS[:3]:
        for sql in step:
            con.execute(sql)
    con.execute("INSERT INTO meta VALUES ('app', ?), ('schema_version', '3')", [APP_ID])
    con.execute("INSERT INTO lists VALUES (0, 'a', 'Old list')")
    con.execute("INSERT INTO events VALUES (1, TIMESTAMP '2026-01-01 10:00', 'purchase', NULL, 70, 'X', false, 7)")
    con.close()
    with CreditStore.open(path, author="ops") as s:
        assert s.balance().total == 70
        s.purchase(30, T("2026-02-01T10:00"), expiring=False)
        h = history(s)
        assert h["author"].tolist() == ["unknown (recorded before authors were kept)", "ops"]


def test_cli_names_its_author(tmp_path, capsys):
    from credits_core.cli.main import main

    db = tmp_path / "c.duckdb"
    CreditStore.open(db).close()
    csv = tmp_path / "p.csv"
    csv.write_text("lot_id,purchased_at,credits,expiring\nP1,2026-01-02T10:00:00Z,5,no\n")
    assert main(["--as", "cron-nightly", "import", "--db", str(db), "purchases", str(csv)]) == 0
    with CreditStore.open(db) as s:
        assert set(history(s)["author"]) == {"cron-nightly"}


def test_campaigns_scheduled_and_cancelled_are_named_in_the_history(now):
    from datetime import timedelta

    from credits_core.planning import cancel_campaign, schedule_campaign

    s = CreditStore.open(":memory:")
    s.add_list("a", "Alerts")
    s.purchase(1000, T("2026-01-01T10:00"), expiring=False)
    manager = WriteGate(s, "ana@example.com", MANAGER)
    cid = schedule_campaign(manager, "a", now + timedelta(days=3), "hi", {"IT": 10})
    with pytest.raises(CreditsError, match="analyst"):
        cancel_campaign(WriteGate(s, "carl@example.com", ANALYST), cid)
    cancel_campaign(manager, cid)
    h = history(s).set_index("kind")
    assert h.loc["campaign scheduled", "author"] == "ana@example.com" and cid in h.loc["campaign scheduled", "detail"]
    assert h.loc["campaign cancelled", "author"] == "ana@example.com"


def test_the_gate_denies_what_it_does_not_declare(tmp_path):
    """Issue 22.8: describe_campaigns renamed a campaign as an analyst, and gate.query ran UPDATE and DELETE."""
    import pandas as pd

    from credits_core import CreditsError, CreditStore
    from credits_core.store import READS, WRITES, WriteGate

    s = CreditStore.open(tmp_path / "g.duckdb")
    s.add_list("a", "Avvisi")
    analyst = WriteGate(s, "ana@example.com", "analyst")
    assert "describe_campaigns" in WRITES and not WRITES & READS
    with pytest.raises(CreditsError, match="only managers"):
        analyst.describe_campaigns(pd.DataFrame({"campaign_id": ["c1"], "name": ["Renamed"]}))
    # no raw query on the facade or the gate; the read path runs one SELECT and never hands out the DuckDB cursor
    assert not hasattr(s, "query") and "query" not in READS
    with pytest.raises(AttributeError, match="neither a marked write nor a marked read"):
        analyst.query  # noqa: B018
    for sql in ("UPDATE lists SET name = 'x'", "DELETE FROM lists", "SELECT 1; DELETE FROM lists",
                "COPY lists TO '/tmp/x.csv'", "ATTACH ':memory:' AS other", "SET memory_limit = '1MB'"):
        with analyst.reading() as cur, pytest.raises(CreditsError, match="only one SELECT"):
            cur.execute(sql)
    with analyst.reading() as cur:
        rows = cur.execute("SELECT name FROM lists")
        assert rows.fetchall() == [("Avvisi",)]
        assert not hasattr(rows, "execute") and not hasattr(cur, "commit") and not hasattr(cur, "sql")
    with pytest.raises(AttributeError, match="neither a marked write nor a marked read"):
        analyst._db  # noqa: B018, SLF001
    with pytest.raises(AttributeError, match="neither a marked write nor a marked read"):
        analyst.close()
    assert s.list_name("a") == "Avvisi" and s.campaign_info().empty
    s.close()


def test_a_read_is_allowed_by_being_marked_where_it_is_written():
    """The gate's reads are built from the ``@reads`` marks (issue 33), never a list kept in step by hand: a marked
    method of the store is one, an unmarked one is not, a write is never a read."""
    from credits_core import CreditStore
    from credits_core.store import READS, read_methods
    from credits_core.store.marks import reads

    class Wider(CreditStore):
        @reads
        def spent_today(self) -> int:
            return 0

        def secret(self) -> int:
            return 1

    assert read_methods(Wider) == READS | {"spent_today"}
    assert {"balance", "reading", "path", "policy", "lots"} <= READS and "secret" not in read_methods(Wider)
    assert not {"send", "purchase", "close", "rebuild", "_db"} & READS


def test_weak_and_documented_cookie_secrets_are_refused():
    """Issue 22.3: the README's example cookie_secret worked, so anyone could sign a session cookie."""
    import secrets

    from credits_core.store import cookie_secret_problem

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    shown = re.findall(r'cookie_secret = "([^"]*)"', readme)
    assert shown and all(cookie_secret_problem(s) for s in shown)  # whatever the README shows cannot be used
    assert "placeholder" in cookie_secret_problem("a random string of at least 32 characters")
    assert "characters" in cookie_secret_problem("short")
    assert "distinct" in cookie_secret_problem("ab" * 20)
    assert "quarter" in cookie_secret_problem("a" * 30 + "bcdefghijklmnopqrstuv")
    assert cookie_secret_problem(secrets.token_urlsafe(48)) is None


def test_an_unverified_email_gets_no_role_and_addresses_compare_in_lower_case():
    """Issue 22.2 and 22.7: a provider user claiming ana@example.com unverified was a manager; authors kept the
    provider's spelling."""
    from credits_core.store import Access, user_from_claims

    access = Access.from_mapping({"managers": ["ana@example.com"], "analysts": ["*@example.com"]})
    email, role, why = user_from_claims({"email": "ana@example.com", "email_verified": False}, access)
    assert role is None and "not confirm" in why
    assert user_from_claims({"email": "ana@example.com"}, access)[1] is None  # no claim: not verified either
    assert user_from_claims({"email": " ANA@Example.COM ", "email_verified": True}, access) == (
        "ana@example.com", "manager", None)
    assert user_from_claims({"email": "bo@example.com", "email_verified": False}, access,
                            require_verified=False)[1] == "analyst"


def test_the_gate_records_authors_in_lower_case(tmp_path, now):

    from credits_core import CreditStore
    from credits_core.store import WriteGate

    s = CreditStore.open(tmp_path / "a.duckdb")
    WriteGate(s, "ANA@Example.COM", "manager").purchase(10, now)
    assert s.controls[-1].author == "ana@example.com"
    s.close()


def test_an_empty_server_address_is_not_loopback(monkeypatch, tmp_path):
    """Issue 22.1: an empty (or unset) server.address makes Streamlit bind every interface; the app treated it as
    loopback and gave manager rights to anyone without sign-in."""
    import streamlit as st
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    before = config.get_option("server.address")
    config.set_option("server.address", "")
    try:
        st.cache_resource.clear()
        monkeypatch.setenv("CREDITS_DB", str(tmp_path / "x.duckdb"))
        monkeypatch.delenv("CREDITS_ALLOW_UNAUTHENTICATED", raising=False)
        at = AppTest.from_file("../app.py", default_timeout=60)
        at.run()
        assert any("every network interface" in e.value for e in at.error)
        assert not at.title and not at.metric  # nothing of the account
    finally:
        config.set_option("server.address", before)


def test_the_readme_glossary_is_the_apps():
    """Issue 23.5: one vocabulary, written once."""
    from credits_core.language import words
    from credits_core.reporting import as_markdown_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert as_markdown_table() in readme
    assert as_markdown_table(words("it")) in readme  # and the Italian one (issue 35)
