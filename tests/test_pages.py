"""Streamlit AppTest: every page renders on the demo database and on an empty one; forms' happy and refusal paths."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from credits_core import CreditStore
from credits_core.ledger import local_date
from credits_core.reporting import select
from credits_core.sources import build_demo

from .conftest import demo_store, rome_date

pytestmark = pytest.mark.clock  # dates relative to the clock: also run under the shifted clocks

PAGES = ["app_pages/overview.py", "app_pages/buy.py", "app_pages/assign.py", "app_pages/usage.py",
         "app_pages/expiry.py", "app_pages/imports.py", "app_pages/history.py"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return demo_store(tmp_path_factory.mktemp("demo"), 5_000)


def app(monkeypatch, path) -> AppTest:
    monkeypatch.setenv("CREDITS_DB", str(path))  # the store is kept per path (common._STORES): a new path, a new one
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    return at


# the Overview shows no table; the Import page none before a file is chosen or MailUp is synced
@pytest.mark.parametrize("page", [p for p in PAGES if "overview" not in p and "imports" not in p])
def test_no_table_cell_shows_none(monkeypatch, demo_db, page):
    """Issue 23.5: "None" showed in Cost, Campaign, Lot and Assigned cells (Streamlit's grid draws every null so);
    each table a page shows, an interactive grid or a plain HTML table, has a word or a dash there instead. Every
    page checked shows at least one table, so the check can fail otherwise than by raising."""
    import re

    at = app(monkeypatch, demo_db)
    at.switch_page(page).run()
    for extra in ({}, {"tab": "messages", "drill": "campaign"}, {"tab": "periods"}) if "usage" in page else ({},):
        for k, v in extra.items():
            at.query_params[k] = v
        if extra:
            at.run()
        assert not at.exception, at.exception
        grids = [f for f in at.dataframe if "new_limit" not in f.value]  # the Assign editor: empty = unchanged
        html = [h.proto.body for h in at.get("html") if '<table class="ct ' in h.proto.body]
        assert grids or html, (page, extra, "no table to check")
        for frame in grids:
            nulls = frame.value.isna()
            assert not nulls.any().any(), (page, extra, list(frame.value.columns[nulls.any()]))
        for body in html:
            cells = re.findall(r"<td[^>]*>(?:<span>)?(.*?)(?:</span>)?</td>", body)
            assert not [c for c in cells if c.strip() in ("None", "nan", "NaN", "NaT", "<NA>", "")], (page, extra)


def test_without_none_keeps_formats_and_says_what_is_empty():
    import pandas as pd
    import streamlit as st

    from app_pages.common import BLANK, without_none

    df = pd.DataFrame({"lot": ["A", None], "eur": [1234.5, None], "n": pd.array([1200, None], dtype="Int64"),
                       "at": pd.to_datetime(["2026-11-30 14:05", None]), "full": [1, 2]})
    shown, config = without_none(df, {"eur": st.column_config.NumberColumn("Cost (EUR)", format="euro")})
    assert shown.to_dict("list") == {"lot": ["A", BLANK], "eur": ["€1,234.50", BLANK], "n": ["1,200", BLANK],
                                     "at": ["2026-11-30 14:05", BLANK], "full": [1, 2]}
    assert config["eur"]["label"] == "Cost (EUR)" and config["eur"]["alignment"] == "right"
    assert "full" not in config and df["lot"].isna().sum() == 1  # the data itself is untouched


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


def test_purchase_records_exactly_what_was_previewed_once(monkeypatch, tmp_path, now):
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
        assert (now - lots["purchased_at"].iloc[0].to_pydatetime()).total_seconds() < 120  # now


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


def link(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def chart_spec(at: AppTest) -> dict:
    """The Vega-Lite spec of the page's only chart."""
    import json

    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def usage_at(monkeypatch, path, params: dict | None = None) -> AppTest:
    """The usage page opened from a link with ``params``."""
    at = app(monkeypatch, path)
    at.switch_page("app_pages/usage.py")
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, at.exception
    return at


def test_usage_link_opens_the_campaign_drill_down_with_names(monkeypatch, demo_db):
    at = usage_at(monkeypatch, demo_db, {"range": "last_12_months", "tab": "messages", "drill": "campaign"})
    with CreditStore.open(demo_db) as s:
        info = s.campaign_info().set_index("campaign_id")
    pick = at.selectbox(key="u_pick").value
    assert pick in info.index
    from app_pages.common import safe_text

    headline = " ".join(m.value for m in at.markdown)
    assert safe_text(info.loc[pick, "name"]) in headline  # the campaign by name (inert Markdown), its date and text
    assert any(safe_text(info.loc[pick, "text"], 1000) in c.value for c in at.caption)
    shown = html_rows(at)
    assert len(shown) > 0 and shown["Cost (EUR)"].str.startswith("€").all()
    assert "Campaign" not in shown and set(shown["List"]) <= set(names_of_lists(demo_db))  # names, not ids
    assert {m.label for m in at.metric} >= {"Messages", "Parts", "Credits", "Cost"}


def html_rows(at: AppTest) -> pd.DataFrame:
    """The last plain HTML table of a page (``common.static_table``) as text, by column label."""
    import html
    import re

    body = [h.proto.body for h in at.get("html") if '<table class="ct ' in h.proto.body][-1]
    heads = [html.unescape(x) for x in re.findall(r"<th[^>]*>(.*?)</th>", body)]
    rows = [[html.unescape(x) for x in re.findall(r"<td[^>]*>(.*?)</td>", r)]
            for r in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1])]
    return pd.DataFrame(rows, columns=heads)


def names_of_lists(path) -> list[str]:
    with CreditStore.open(path) as s:
        return [s.list_name(x) for x in s.list_ids]


def test_usage_pick_accepts_a_campaign_name(monkeypatch, demo_db, now):
    with CreditStore.open(demo_db) as s:
        info = s.campaign_info()
    from credits_core.reporting import ReportFilter, campaigns_in_view, parse_view

    with CreditStore.open(demo_db) as s:
        v = parse_view({}, rome_date(now), s.list_ids, [])
        in_view = campaigns_in_view(s, ReportFilter(v.date_from, v.date_to))
    name = in_view["name"].iloc[-1]
    at = usage_at(monkeypatch, demo_db, {"tab": "messages", "drill": "campaign", "pick": name.upper()})
    assert at.selectbox(key="u_pick").value == info.set_index("name").loc[name, "campaign_id"]
    assert not at.warning


def test_usage_changes_write_the_whole_view_to_the_link(monkeypatch, demo_db):
    at = usage_at(monkeypatch, demo_db)
    assert dict(at.query_params) == {}  # the default view writes nothing
    at.selectbox(key="u_by").set_value("week").run()
    assert link(at) == {"by": "week"}  # and no drill-down parameter: they do not apply to the open tab
    at = usage_at(monkeypatch, demo_db, {"tab": "messages", "page": "3", "size": "50"})
    assert at.number_input(key="u_page").value == 3
    at.toggle(key="u_desc").set_value(True).run()  # another sort: back to page 1
    assert link(at) == {"tab": "messages", "desc": "1", "size": "50"}
    at.number_input(key="u_page").set_value(2).run()
    assert link(at)["page"] == "2"
    at.selectbox(key="u_pick").set_value(at.selectbox(key="u_pick").options[1]).run()  # another pick: page 1
    assert "page" not in at.query_params and "pick" in at.query_params


def test_usage_search_finds_messages_by_words_and_recipient(monkeypatch, demo_db):
    """The newest message, searched on the Rome day it was sent (year to date held nothing at 00:30 on 1 January:
    the range is taken from the message, never from the clock)."""
    with CreditStore.open(demo_db) as s:
        row = select(s, "SELECT recipient, message_id, list_no, epoch_us(sent_at) FROM messages "
                        "ORDER BY sent_at DESC LIMIT 1").fetchall()[0]
        list_id = s.list_ids[row[2]]
    day = str(local_date(row[3]))
    on_its_day = {"from": day, "to": day, "tab": "messages", "pick": list_id}
    at = usage_at(monkeypatch, demo_db, {**on_its_day, "q": row[1]})
    shown = html_rows(at)
    assert shown["Message id"].tolist() == [row[1]]
    assert any("1 message matching" in c.value for c in at.caption)  # "1 messages" was said
    # every figure of the view follows the search: the headline and the drill-down's (issue 32)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Messages"] == "1" and "q" not in at.query_params  # the link lost the search
    number = row[0].lstrip("+")
    at = usage_at(monkeypatch, demo_db, {**on_its_day, "q": "+" + number})
    assert row[1] in html_rows(at)["Message id"].tolist()
    said = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert number not in said and "q" not in at.query_params  # the number is named masked, never whole
    at = usage_at(monkeypatch, demo_db, {**on_its_day, "q": row[0][-7:]})
    assert row[1] in html_rows(at)["Message id"].tolist()  # by the recipient's last digits
    at = usage_at(monkeypatch, demo_db, {"range": "last_12_months", "tab": "messages", "drill": "country",
                                         "pick": "IT", "q": "codice verifica"})
    shown = html_rows(at)
    assert len(shown) and shown["Text"].str.lower().str.contains("codice").all()
    assert shown["Text"].str.contains("verifica").all() and "Country" not in shown  # drilled by country: IT


def test_usage_presets_and_partial_periods(monkeypatch, demo_db, now):
    from credits_core.reporting import describe, preset_range

    lo, hi = preset_range("this_quarter", rome_date(now))
    from datetime import timedelta

    start = lo + timedelta(days=1) if hi > lo else lo - timedelta(days=3)  # no preset's dates: a custom range
    custom = usage_at(monkeypatch, demo_db, {"from": start.isoformat(), "to": hi.isoformat()})
    assert custom.date_input(key="u_dates").value == (min(start, hi), max(start, hi))  # Custom: the picker
    at = usage_at(monkeypatch, demo_db, {"range": "this_quarter"})
    assert not [d for d in at.date_input if d.key == "u_dates"]  # a preset: its dates are in the heading
    assert describe(lo, hi) in at.subheader[0].value
    labels = {m.label for m in at.metric}
    assert "Credits spent" in labels and "Cost" in labels
    assert any(m.label == "Same period last year" for m in at.metric)
    ticks = chart_spec(at)["encoding"]["x"]["sort"]  # the periods on the axis, in order
    from credits_core.reporting import month_end

    marked = {t for t in ticks if " of " in t and t.endswith("days)")}
    # the current month is partial unless today is its last day; no other month is
    assert marked == (set() if hi == month_end(hi) else {f"{hi:%b %Y} ({hi.day} of {month_end(hi).day} days)"})


@pytest.mark.parametrize("page", PAGES)
def test_read_only_view_offers_no_write(monkeypatch, demo_db, tmp_path, page):
    monkeypatch.setenv("CREDITS_READ_ONLY", "1")
    copy = tmp_path / "copy.duckdb"  # one process cannot hold a file read-only and read-write at once
    copy.write_bytes(demo_db.read_bytes())
    at = app(monkeypatch, copy)
    at.switch_page(page).run()
    at.session_state["exp_whatif"] = at.session_state["exp_schedule"] = True  # whatever is drawn on demand, opened
    at.run()
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
    at.session_state["exp_schedule"] = True  # opened: its widgets are drawn on demand
    at.run()
    schedule = next(b for b in at.button if b.label == "Schedule")
    at.number_input(key="sc_recipients").set_value(100)
    schedule.click().run()
    assert any("reserved" in s.value for s in at.success), [e.value for e in at.error]
    at.number_input(key="sc_recipients").set_value(10**9)
    next(b for b in at.button if b.label == "Schedule").click().run()
    assert any("does not fit" in e.value for e in at.error)  # the section stays open after a campaign is scheduled


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
    from app_pages.common import safe_text

    notices = " ".join(w.value for w in at.warning)
    assert "fortnight" in notices and safe_text("2026-13-01") in notices and "ZZ" in notices
    assert at.selectbox(key="u_by").value == "month"


EVIL = "![x](http://evil.example/a.png) [Sign in again](http://evil.example/login) <img src=x> :red[boo]"


def unescaped(markdown: str) -> list[str]:
    """Markdown constructs that would be live: an image or link opener, a raw tag, a GFM autolink (found after the
    escapes are read: http://, www., an e-mail address)."""
    import re

    return re.findall(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(|(?<![\\])<img|https?\\?:\\?/|www\\?\.|@(?!\u2060)", markdown)


def test_safe_text_leaves_no_autolink():
    """Streamlit's Markdown links bare URLs, www. names and e-mail addresses after reading the escapes (found by the
    browser test: an escaped http://evil.example still became a link)."""
    from app_pages.common import safe_text

    for value in ("http://evil.example/a", "HTTPS://evil.example", "see www.evil.example", "ana@evil.example",
                  "mailto:ana@evil.example"):
        shown = safe_text(value)
        assert unescaped(shown) == [], (value, shown)
        assert shown.replace("\\", "").replace("\u2060", "") == value  # the same text on screen


def test_a_crafted_link_renders_no_markdown(monkeypatch, demo_db):
    """Issue 22.4: the list, q, pick and range parameters were echoed as Markdown (an image fetched from
    evil.example, a phishing link)."""
    at = usage_at(monkeypatch, demo_db, {"list": [EVIL], "range": EVIL, "tab": "messages", "pick": EVIL, "q": EVIL})
    shown = [w.value for w in at.warning] + [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert any("evil" in x for x in shown)  # the values are shown, as text
    assert [x for x in shown if unescaped(x)] == []


def test_names_from_data_render_no_markdown(monkeypatch, tmp_path, now):
    """Issue 22.4: a list named with Markdown showed a live link and fetched an image on the Overview."""
    from datetime import timedelta

    path = tmp_path / "evil.duckdb"
    with CreditStore.open(path) as s:
        s.add_list("a", EVIL)
        s.purchase(1_000, now - timedelta(days=60), expiring=False)
        s.assign("a", 45, now - timedelta(days=59))
        for i in range(40):  # 5 credits left at 40 in 90 days: runs out within 30 days
            s.send("a", 1, now - timedelta(days=1 + i))
    at = app(monkeypatch, path)
    assert not at.exception, at.exception
    shown = [w.value for w in at.warning] + [e.value for e in at.error] + [m.value for m in at.markdown]
    assert any("evil" in x for x in shown), shown
    assert [x for x in shown if unescaped(x)] == []


def test_the_per_list_table_is_plain_escaped_html(monkeypatch, tmp_path, now):
    """The Usage page's per-list table is HTML drawn with the page (no grid to load: issue 21's fresh load and preset
    switch); names from data are escaped text in it, never markup."""
    from datetime import timedelta

    path = tmp_path / "evil.duckdb"
    with CreditStore.open(path) as s:
        s.add_list("a", EVIL)
        s.add_list("b", "Avvisi & promemoria")
        s.purchase(1_000, now - timedelta(days=60), expiring=False, price=Decimal("50.00"))
        s.send("a", 7, now - timedelta(days=1))
        s.send("b", 3, now - timedelta(days=1))
    span = {"from": (now - timedelta(days=5)).date().isoformat(), "to": now.date().isoformat(), "tab": "lists"}
    at = usage_at(monkeypatch, path, span)
    assert not at.exception
    tables = [h.proto.body for h in at.get("html") if '<table class="ct ' in h.proto.body]
    assert len(tables) == 1
    body = tables[0]
    assert "&lt;img src=x&gt;" in body and "<img" not in body.split("</style>")[-1]
    assert "Avvisi &amp; promemoria" in body and "Cost (EUR)" in body and "€0.35" in body  # 7 credits at €0.05


def test_usage_excel_is_written_in_the_background_and_always_the_view_on_screen(monkeypatch, demo_db, now):
    """Issue 21.1: the workbook is written by a worker to a file (progress, then a download served from that file);
    another view never offers it."""
    import time

    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/usage.py").run()
    assert any("messages: about" in c.value and "the summary sheets alone" in c.value for c in at.caption)
    at.button(key="x_go").click().run()
    job = at.session_state["export_job"][1]
    for _ in range(600):
        if not job.running:
            break
        time.sleep(0.1)
    assert job.ready, job.status()
    at.run()
    link = f"/_credits/download/{job.token}"  # streamed from disk by serve.py, to this user only
    from credits_core.exports import view_file_name

    with CreditStore.open(demo_db, read_only=True) as s:
        name = view_file_name(s, job.filter)  # the file is named after the view (issue 32)
    first = rome_date(now).replace(day=1)  # the last 12 whole months: a calendar year is named by its year
    lo, hi = first.replace(year=first.year - 1), first - timedelta(days=1)
    assert name == (f"usage-{lo.year}.xlsx" if lo.month == 1 else f"usage-{lo:%Y-%m}-{hi:%Y-%m}.xlsx"), name
    assert job.file_name == name and any(link in h.value and f"Download {name}" in h.value for h in at.get("html"))
    assert not at.get("download_button")  # never loaded into the session
    assert job.path.exists() and job.path.stat().st_size > 5_000
    at.selectbox(key="u_by").set_value("week").run()
    assert not any(link in h.value for h in at.get("html"))
    assert any("prepare it again" in c.value for c in at.caption)


def test_limit_to_zero_or_below_recent_spend_needs_confirmation(monkeypatch, tmp_path, now):
    path = tmp_path / "a.duckdb"
    with CreditStore.open(path) as s:
        build_demo(s, messages=3_000, end=now)
    at = app(monkeypatch, path)
    at.switch_page("app_pages/assign.py").run()
    lid = at.selectbox(key="one_list").value
    assert at.number_input(key=f"one_value_{lid}").value is None  # issue 23.6: a free-access list, nothing preselected
    assert "free access" in at.dataframe[0].value["assigned"].tolist()
    assert at.button(key="one_go").disabled  # nothing typed: nothing to set
    at.number_input(key=f"one_value_{lid}").set_value(0).run()
    assert at.button(key="one_go").disabled  # a limit of 0 would stop the list: confirm first
    confirm = next(c for c in at.checkbox if "cannot send" in c.label)
    confirm.check().run()
    at.button(key="one_go").click().run()
    assert any("free access \\-\\> a limit of 0" in m.value for m in at.success)  # inert Markdown (safe_text)
    with CreditStore.open(path) as s:
        assert s.balance().assigned.get(lid) == 0
    shown = at.dataframe[0].value.set_index("list_id")
    assert shown.loc[lid, "mode"] == "spending limit"  # the table shows the change at once


def test_usage_chart_of_one_period_keeps_a_category_axis(monkeypatch, demo_db):
    """One period on the chart is a label, never a time axis with ticks like 23:59:59.9996."""
    at = usage_at(monkeypatch, demo_db, {"range": "this_month"})
    at.selectbox(key="u_by").set_value("year").run()
    x = chart_spec(at)["encoding"]["x"]
    assert x["type"] == "nominal" and len(x["sort"]) == 1  # one period, a label on a category axis


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


def _with_auth(monkeypatch, path, cookie_secret="Vq3-8xLr_k2Z9pW4mTn7yB1cF6hJ0dSgA5eQuRiO") -> AppTest:
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


@pytest.mark.parametrize("secret", ["short", "x" * 40, "a random string of at least 32 characters"])
def test_a_weak_or_documented_cookie_secret_refuses_to_start(monkeypatch, demo_db, secret):
    """Issue 22.3: "x" * 40 and the README's example were accepted; anyone could sign a session cookie."""
    at = _with_auth(monkeypatch, demo_db, cookie_secret=secret)
    assert any("cookie_secret" in e.value for e in at.error) and not at.button and not at.metric


def test_expiry_page_explains_the_other_order_only_when_asked(monkeypatch, demo_db):
    """The other consumption order is a whole second replay: the first render does not pay for it."""
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/expiry.py").run()
    assert not at.exception
    texts = " ".join(c.value for c in at.caption)
    assert "If it spent expiring credits first" not in texts
    box = at.expander[0] if at.expander[0].label.startswith("What would") else next(
        e for e in at.expander if e.label.startswith("What would"))
    assert box.label == "What would the other consumption order lose?"
    at.session_state["exp_policy"] = True  # opened: the explanation is computed and shown
    at.run()
    assert any("If it spent expiring credits first" in c.value for c in at.caption)


def test_usage_periods_tab_shows_what_each_period_cost(monkeypatch, demo_db):
    at = usage_at(monkeypatch, demo_db, {"tab": "periods", "by": "quarter"})
    table = at.dataframe[0].value
    lists = at.session_state["u_lists"]
    assert "Cost (EUR)" in table.columns and not lists
    per_period = table["Cost (EUR)"].drop("Total")
    assert per_period.sum() == pytest.approx(table.loc["Total", "Cost (EUR)"]) and per_period.sum() > 0


def test_a_due_campaign_is_listed_and_cancelled_only_after_confirmation(monkeypatch, tmp_path, now):
    """R15 on the Expiry page: a campaign past its time with nothing recorded says so; cancelling needs a tick. The
    campaign is scheduled an hour ahead, then the page is opened two hours later (the clock moved, not waited)."""
    from datetime import timedelta

    import time_machine

    from credits_core.planning import schedule_campaign

    path = tmp_path / "due.duckdb"
    with CreditStore.open(path) as s:
        s.add_list("a", "Avvisi")
        s.purchase(500, now - timedelta(days=1), expiring=False)
        cid = schedule_campaign(s, "a", now + timedelta(hours=1), "x", {"IT": 70})
    with time_machine.travel(now + timedelta(hours=2), tick=True):
        at = app(monkeypatch, path)
        at.switch_page("app_pages/expiry.py").run()
        assert any(f"Campaign {cid} (Avvisi) was due" in w.value and "70 credits" in w.value for w in at.warning)
        assert "Schedule or cancel a campaign" in [e.label for e in at.expander]
        at.session_state["exp_schedule"] = True
        at.run()
        cancel = next(b for b in at.button if b.label == "Cancel it")
        assert cancel.disabled
        at.checkbox(key="cancel_sure").check().run()
        next(b for b in at.button if b.label == "Cancel it").click().run()
        assert not at.exception, at.exception
        assert any(f"Campaign {cid} cancelled\\: 70 credits released" in m.value for m in at.success)
        with CreditStore.open(path) as s:
            assert s.balance().reserved == 0


def test_the_import_page_syncs_mailup_and_the_assign_page_reconciles(monkeypatch, tmp_path, httpserver):
    """Issue 19: "From MailUp" on the Import page (status, Sync now with progress, the reconciliation) and the
    assignments that make the lists match on the Assign page."""
    from .test_mailup import BY_HAND, by_list_and_month, ledger_store, serve_account

    fake = serve_account(monkeypatch, httpserver)
    path = tmp_path / "mu.duckdb"
    with ledger_store(path):
        pass
    at = app(monkeypatch, path)
    at.switch_page("app_pages/imports.py").run()
    assert any("Connected as m12345" in c.value for c in at.caption)
    at.button(key="mailup_sync").click().run()
    assert not at.exception, at.exception
    assert any("8 new recorded" in t.value for t in at.text)
    at.switch_page("app_pages/assign.py").run()
    assert any("To match MailUp: Avvisi: free access -> a limit of 100" in t.value for t in at.text)
    at.checkbox(key="match_sure").check().run()
    at.button(key="match_go").click().run()
    assert not at.exception, at.exception
    assert any("Recorded 1 assignment to match MailUp" in m.value for m in at.success)
    with CreditStore.open(path) as s:
        assert by_list_and_month(s) == BY_HAND and s.balance().assigned == {"2": 100}
        assert fake.password not in str(s.audit_trail().to_dict())


def test_the_overview_warns_by_the_alerts_rules(monkeypatch, tmp_path, now):
    """Issue 33: the Overview had its own alert windows (run-outs within 30 days only, counted from the UTC date),
    different from the e-mails' (90, 30 and 7 days, Rome days). A list that runs out in about 60 days at its pace is
    in the alerts: the Overview now says the same, from the same facts (planning.warnings)."""
    from datetime import timedelta

    from credits_core.planning import find_alerts, warnings

    path = tmp_path / "w.duckdb"
    with CreditStore.open(path) as s:
        s.add_list("a", "Avvisi")
        s.purchase(10_000, now - timedelta(days=100), lot_id="L")
        s.assign("a", 750, now - timedelta(days=99))
        for day in range(1, 91):  # 5 credits a day for the last 90 days: 300 left, about 60 days at the pace
            s.send("a", 5, now - timedelta(days=day), message_id=f"m{day}")
        facts = warnings(s)
        mails = [a.subject for a in find_alerts(s) if a.key.startswith("runout:")]
    (run,) = facts.run_outs
    assert 30 < run.days_left <= 90 and run.window == 90
    assert mails == [f"List Avvisi runs out of SMS credits on {run.on.day} {run.on:%B %Y}"]
    at = app(monkeypatch, path)
    said = [w.value for w in at.warning]
    assert said == [f"List Avvisi will run out on {run.on.day} {run.on:%B %Y} at its current pace "
                    f"({run.days_left} days from today)."], said


def test_the_import_page_asks_how_dates_and_numbers_are_written(monkeypatch, demo_db):
    """Issue 35: an invoice written the Italian way is read as an Italian reads it once the page is told; by default
    nothing is guessed."""
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/imports.py").run()
    dates, numbers = at.selectbox(key="imp_dates"), at.selectbox(key="imp_numbers")
    assert dates.value is None and numbers.value is None  # by default: as the file tells, refused when it cannot
    assert "day first: 3 April (Italian)" in dates.options
    assert any("5.000 = five thousand" in o for o in numbers.options)
    dates.set_value("dmy").run()
    at.selectbox(key="imp_numbers").set_value("it").run()
    assert not at.exception and at.selectbox(key="imp_numbers").value == "it"


def test_history_is_newest_first_with_a_date_range(monkeypatch, demo_db):
    """Issue 23.6: History was oldest first with no date filter."""
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/history.py").run()
    rows = at.dataframe[0].value
    assert rows["at_rome"].is_monotonic_decreasing and len(rows) > 3
    mid = rows["at_rome"].iloc[len(rows) // 2].date()
    at.date_input(key="hrange").set_value((rows["at_rome"].min().date(), mid)).run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    assert 0 < len(shown) < len(rows) and shown["at_rome"].max().date() <= mid
    assert at.query_params["to"] in (mid.isoformat(), [mid.isoformat()])


def test_a_list_keeps_its_colour_whatever_the_filter_and_the_pick_is_an_id(monkeypatch, demo_db):
    """Issue 23.4: with two lists chosen, Newsletter was drawn in another list's colour; the drill box's label held
    a figure that went into the link as the pick."""
    def colours(at) -> dict:
        scale = chart_spec(at)["encoding"]["color"]["scale"]
        return dict(zip(scale["domain"], scale["range"], strict=True))

    with CreditStore.open(demo_db) as s:
        ids = s.list_ids
    all_lists = colours(usage_at(monkeypatch, demo_db, {"range": "last_12_months"}))
    two = colours(usage_at(monkeypatch, demo_db, {"range": "last_12_months", "list": ids[-2:]}))
    assert two and all(all_lists[name] == colour for name, colour in two.items())
    at = usage_at(monkeypatch, demo_db, {"range": "last_12_months", "tab": "messages", "drill": "country"})
    assert all("credits" not in o and "·" not in o for o in at.selectbox(key="u_pick").options)


def test_clearing_streamlits_caches_reopens_nothing_and_recomputes_nothing(monkeypatch, demo_db):
    """Issue 22.9: an anonymous websocket client's "clear caches" (BackMsg clear_cache, before signing in) reopened
    the shared store and dropped every cached answer for everyone. The store and the answers are not Streamlit's
    caches any more."""
    import streamlit as st

    from app_pages import common

    at = app(monkeypatch, demo_db)
    assert not at.exception
    store_before = common.store()
    opens, computed = store_before.opens, common.ANSWERS.computed
    st.cache_data.clear()
    st.cache_resource.clear()  # what the client's message does on the server
    at.run()
    assert common.store() is store_before and store_before.opens == opens
    assert common.ANSWERS.computed == computed  # every answer of the page came from the cache
    common.cold_start()  # what bench/pages.py does for a first render: a process just started
    at.run()
    assert not at.exception and common.store() is not store_before
    assert common.ANSWERS.computed > 0  # the page's answers computed again, from a new cache


def test_expiry_tables_are_drawn_with_the_page(monkeypatch, demo_db):
    """Issue 21: the Expiry page's three small tables were interactive grids (a third of its fresh load in Chromium);
    they are plain HTML tables, escaped, with whole credits and Rome times to the minute."""
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/expiry.py").run()
    assert not at.exception and not at.dataframe  # no grid before the what-if is asked
    bodies = [h.proto.body for h in at.get("html")
              if '<table class="ct ' in h.proto.body and "Expires at (Rome)" in h.proto.body]
    assert bodies and "At your pace" in bodies[0]
    import re

    cells = re.findall(r"<td[^>]*>(.*?)</td>", bodies[0])
    # a day as CLDR writes it in English (5 Sep 2027, 00:00: no leading zero), credits whole, or a dash
    assert cells and all(re.fullmatch(r"\d{1,2} \w{3,4} \d{4}, \d\d:\d\d|[\d,]+|—", c) for c in cells), cells[:6]


def test_a_purchase_by_another_process_keeps_last_years_usage_report(monkeypatch, tmp_path, demo_db, now):
    """Issue 21: a write dropped every cached answer; a purchase now keeps the answers of a report whose range ended
    (the Usage page's default, the last 12 full months), and the page shows the same figures."""
    from app_pages import common

    path = tmp_path / "copy.duckdb"
    path.write_bytes(demo_db.read_bytes())
    at = usage_at(monkeypatch, path, {"range": "last_12_months"})
    shown = [m.value for m in at.metric]
    computed, kept = common.ANSWERS.computed, common.ANSWERS.kept
    common.store().release()  # another process takes its turn on the file
    with CreditStore.open(path) as other:
        other.purchase(1, now)
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric] == shown
    assert common.ANSWERS.kept - kept >= 4  # usage, per list, comparisons, cost by period
    # only the answers about every message again: the countries offered and the data's span (issue 31: a link's
    # dates are brought back to it)
    assert common.ANSWERS.computed - computed <= 2


def test_a_negative_or_unchanged_limit_is_refused_with_a_reason_and_writes_nothing(monkeypatch, tmp_path, now):
    """Issue 32: typing -500 answered "Done. Promo negozi: a limit of 10,246 -> a limit of 10,246" and wrote a
    0-credit History entry."""
    from datetime import timedelta

    path = tmp_path / "a.duckdb"
    with CreditStore.open(path) as s:
        s.add_list("a", "Promo negozi")
        s.purchase(20_000, now - timedelta(days=1), expiring=False)
        s.assign("a", 10_246, now - timedelta(hours=20))
        before = len(s.controls)
    at = app(monkeypatch, path)
    at.switch_page("app_pages/assign.py").run()
    at.number_input(key="one_value_a").set_value(-500).run()
    assert any("-500 cannot be a limit" in e.value for e in at.error) and at.button(key="one_go").disabled
    at.number_input(key="one_value_a").set_value(10_246).run()
    assert any("already has a limit of 10,246: nothing to change" in i.value for i in at.info)
    assert at.button(key="one_go").disabled
    with CreditStore.open(path) as s:
        assert len(s.controls) == before


def test_history_says_what_a_bad_link_had_and_writes_the_link_back(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db)
    at.switch_page("app_pages/history.py")
    at.query_params.update({"kind": ["purchase", "bogus"], "from": "2026-13-45"})
    at.run()
    assert not at.exception, at.exception
    said = " ".join(w.value for w in at.warning)
    assert "bogus" in said and "is not a date" in said
    assert at.query_params.get("kind") == "purchase" and "from" not in at.query_params
    at.run()  # once written back, the link has nothing more to say
    assert not at.warning
