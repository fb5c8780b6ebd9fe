"""Streamlit AppTest: every page renders on the demo database and on an empty one; forms' happy and refusal paths."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from credits_core import CreditStore
from credits_core.demo import build_demo

PAGES = ["app_pages/overview.py", "app_pages/buy.py", "app_pages/assign.py", "app_pages/usage.py",
         "app_pages/expiry.py", "app_pages/imports.py", "app_pages/history.py"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with CreditStore.open(path) as s:
        build_demo(s, messages=5_000, end=datetime.now(UTC))
    return path


def app(monkeypatch, path) -> AppTest:
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    monkeypatch.setenv("CREDITS_DB", str(path))
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_demo(monkeypatch, demo_db, page):
    at = app(monkeypatch, demo_db)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_empty_database(monkeypatch, tmp_path, page):
    at = app(monkeypatch, tmp_path / "empty.duckdb")
    at.switch_page(page).run()
    assert not at.exception, at.exception
    if page not in ("app_pages/buy.py", "app_pages/imports.py"):
        assert any("empty" in i.value for i in at.info)


def test_purchase_records_exactly_what_was_previewed_once(monkeypatch, tmp_path):
    path = tmp_path / "p.duckdb"
    at = app(monkeypatch, path)
    at.switch_page("app_pages/buy.py").run()
    assert at.button(key="buy_go").disabled  # nothing can be recorded before the confirmation
    at.selectbox(key="buy_package").set_value("Large").run()
    preview = " ".join(m.value for m in at.markdown)
    assert "**Large**: 25,000 credits" in preview  # the preview follows the pick at once
    next(c for c in at.checkbox if c.label.startswith("I have checked")).check().run()
    at.button(key="buy_go").click().run()
    assert not at.exception
    assert any("Recorded lot" in s.value and "25,000 credits" in s.value for s in at.success)
    assert at.button(key="buy_go").disabled  # the confirmation reset: a second click cannot record again
    with CreditStore.open(path) as s:
        lots = s.lots()
        assert lots["credits"].tolist() == [25_000]
        assert (datetime.now(UTC) - lots["purchased_at"].iloc[0].to_pydatetime()).total_seconds() < 120  # now


def test_assign_page_shows_pool_and_every_list(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/assign.py").run()
    assert not at.exception
    with CreditStore.open(demo_db) as s:  # same process as the app: the same read-write configuration
        pool = s.balance().unassigned
        lists = s.list_ids
    assert at.metric[0].value == f"{pool:,}"
    shown = at.dataframe[0].value
    assert shown["list_id"].tolist() == lists


def test_usage_drill_down_by_campaign(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/usage.py").run()
    at.radio(key="drill_by").set_value("campaign").run()
    assert not at.exception
    shown = at.dataframe[-1].value
    assert len(shown) > 0 and shown["campaign_id"].nunique() == 1  # one campaign's messages


@pytest.mark.parametrize("page", PAGES)
def test_read_only_view_offers_no_write(monkeypatch, demo_db, tmp_path, page):
    monkeypatch.setenv("CREDITS_READ_ONLY", "1")
    copy = tmp_path / "copy.duckdb"  # one process cannot hold a file read-only and read-write at once
    copy.write_bytes(demo_db.read_bytes())
    at = app(monkeypatch, copy)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.button] + [getattr(b, "label", "") for b in at.get("form_submit_button")]
    for word in ("Record purchase", "Set limit", "Apply changes", "Schedule", "Import now", "Cancel it"):
        assert word not in labels, (page, word)


def test_one_list_limit_larger_than_pool_is_refused(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/assign.py").run()
    with CreditStore.open(demo_db) as s:
        pool, before = s.balance().unassigned, len(s.controls)
    first = at.selectbox(key="one_list").value
    at.number_input(key=f"one_value_{first}").set_value(pool + 1_000_000).run()
    at.button(key="one_go").click().run()
    assert any("Refused" in e.value and "holds only" in e.value for e in at.error)
    with CreditStore.open(demo_db) as s:
        assert len(s.controls) == before


def test_schedule_campaign_happy_and_refused(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/expiry.py").run()
    schedule = next(b for b in at.button if b.label == "Schedule")
    at.number_input(key="sc_recipients").set_value(100)
    schedule.click().run()
    assert any("reserved" in s.value for s in at.success), [e.value for e in at.error]
    at.number_input(key="sc_recipients").set_value(10**9)
    next(b for b in at.button if b.label == "Schedule").click().run()
    assert any("does not fit" in e.value for e in at.error)


def test_read_only_dashboard_on_a_mistyped_path_says_so_and_creates_nothing(monkeypatch, tmp_path):
    missing = tmp_path / "typo.duckdb"
    monkeypatch.setenv("CREDITS_READ_ONLY", "1")
    at = app(monkeypatch, missing)
    assert not at.exception, at.exception
    assert any("does not exist" in e.value for e in at.error)
    assert not missing.exists()


def test_usage_link_with_bad_values_falls_back_with_a_notice(monkeypatch, demo_db):
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    monkeypatch.setenv("CREDITS_DB", str(demo_db))
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.switch_page("app_pages/usage.py")
    at.query_params.update({"by": "fortnight", "from": "2026-13-01", "country": ["ZZ"]})
    at.run()
    assert not at.exception, at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "fortnight" in notices and "2026-13-01" in notices and "ZZ" in notices
    assert at.selectbox(key="by").value == "month"


def test_usage_excel_download_is_always_the_view_on_screen(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/usage.py").run()
    next(b for b in at.button if b.label == "Prepare the Excel workbook of this view").click().run()
    assert any(b.label == "Download usage-report.xlsx" for b in at.get("download_button"))
    at.selectbox(key="by").set_value("week").run()
    assert not any(b.label == "Download usage-report.xlsx" for b in at.get("download_button"))
    assert any("prepare it again" in c.value for c in at.caption)


def test_limit_to_zero_or_below_recent_spend_needs_confirmation(monkeypatch, tmp_path):
    path = tmp_path / "a.duckdb"
    with CreditStore.open(path) as s:
        build_demo(s, messages=3_000, end=datetime.now(UTC))
    at = app(monkeypatch, path)
    at.switch_page("app_pages/assign.py").run()
    lid = at.selectbox(key="one_list").value
    assert at.number_input(key=f"one_value_{lid}").value == 0  # a free-access list: no limit yet
    assert "free access" in at.dataframe[0].value["assigned"].tolist()
    assert at.button(key="one_go").disabled  # a limit of 0 would stop the list: confirm first
    confirm = next(c for c in at.checkbox if "cannot send" in c.label)
    confirm.check().run()
    at.button(key="one_go").click().run()
    assert any("free access -> a limit of 0" in m.value for m in at.success)
    with CreditStore.open(path) as s:
        assert s.balance().assigned.get(lid) == 0
    shown = at.dataframe[0].value.set_index("list_id")
    assert shown.loc[lid, "mode"] == "spending limit"  # the table shows the change at once


def test_usage_chart_of_one_period_keeps_a_category_axis(monkeypatch, demo_db):
    """One period on the chart is a label, never a time axis with ticks like 23:59:59.9996."""
    import json

    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/usage.py").run()
    at.selectbox(key="by").set_value("year").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["xaxis"]["type"] == "category"


def test_without_sign_in_a_non_loopback_server_shows_nothing(monkeypatch, demo_db):
    import streamlit as st

    monkeypatch.setattr(st, "get_option", lambda key, _get=st.get_option: "0.0.0.0" if key == "server.address"
                        else _get(key))
    at = app(monkeypatch, demo_db)
    assert not at.exception
    assert any("without sign-in" in e.value for e in at.error) and not at.metric
    monkeypatch.setenv("CREDITS_ALLOW_UNAUTHENTICATED", "1")
    at = app(monkeypatch, demo_db)
    assert at.metric and any("Not signed in" in c.value for c in at.sidebar.caption)


def _with_auth(monkeypatch, path, cookie_secret="x" * 40) -> AppTest:
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    monkeypatch.setenv("CREDITS_DB", str(path))
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": cookie_secret,
                          "client_id": "c", "client_secret": "s",
                          "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
    at.secrets["access"] = {"managers": ["ana@example.com"], "analysts": ["*@example.com"]}
    at.run()
    return at


def test_with_sign_in_nobody_sees_a_figure_before_signing_in(monkeypatch, demo_db):
    at = _with_auth(monkeypatch, demo_db)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"] and not at.metric and not at.dataframe


def test_a_short_cookie_secret_refuses_to_start(monkeypatch, demo_db):
    at = _with_auth(monkeypatch, demo_db, cookie_secret="short")
    assert any("cookie_secret" in e.value for e in at.error) and not at.button and not at.metric
