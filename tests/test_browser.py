"""The real app in headless chromium: every page, a purchase, a limit, the report and its Excel, a what-if."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from .conftest import SHOTS, rome_date

pytestmark = pytest.mark.browser

PAGES = {"": "Overview", "buy": "Buy credits", "assign": "Assign credits", "usage": "Usage report",
         "expiry": "Expiry", "imports": "Import", "history": "History"}


def settle(page) -> None:
    """Wait until the script run is over: Streamlit shows its status widget only while the script runs."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def open_page(page, url: str, path: str) -> None:
    page.goto(f"{url}/{path}")
    page.get_by_role("heading", level=1).first.wait_for()
    settle(page)


def metric(page, label: str) -> int:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    value = box.get_by_test_id("stMetricValue").inner_text()
    return int(re.sub(r"[^\d]", "", value))


@pytest.mark.parametrize("path, title", PAGES.items())
def test_every_page_opens(local_page, app_url, path, title):
    open_page(local_page, app_url, path)
    assert title in local_page.get_by_role("heading", level=1).first.inner_text()
    assert local_page.get_by_test_id("stException").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    local_page.screenshot(path=str(SHOTS / f"{path or 'overview'}.png"), full_page=True)


def buy_default_package(page, url: str) -> None:
    """Record the Buy page's default package (Medium, 10,000 credits) as a user would, and check the new total."""
    open_page(page, url, "")
    before = metric(page, "Total credits")
    open_page(page, url, "buy")
    page.get_by_text("I have checked the package, the date and the new expiry above").click()
    page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                           "b => b.innerText.includes('Record purchase') && !b.disabled)")
    page.get_by_role("button", name="Record purchase").click()
    page.get_by_text("Recorded lot").wait_for()
    open_page(page, url, "")
    assert metric(page, "Total credits") == before + 10_000


def test_purchase_changes_the_balance(local_page, own_app):
    app_url, _ = own_app
    buy_default_package(local_page, app_url)


def test_set_a_list_limit(local_page, own_app):
    app_url, _ = own_app
    open_page(local_page, app_url, "assign")
    pool = metric(local_page, "Unassigned pool")
    box = local_page.get_by_role("spinbutton", name="Spending limit (credits)")  # the first list: free access
    box.fill("1234")
    box.press("Tab")
    enabled = ("() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Set limit') && "
               "!b.disabled)")
    # 1,234 may be below what the list spent in the last 30 days: the page then asks for a confirmation first
    # (nothing is preselected for a free-access list: the box is empty until a limit is typed)
    local_page.wait_for_function(f"() => ({enabled})() || document.body.innerText.includes('gets 1,234 credits')")
    confirm = local_page.get_by_test_id("stCheckbox").filter(has_text="gets 1,234 credits")
    if confirm.count():
        confirm.first.click()
    local_page.wait_for_function(enabled)
    local_page.get_by_role("button", name="Set limit").click()
    # the page says what it did; the form below still holds 1,234, so it also says the list "already has" it
    local_page.get_by_text(re.compile(r"^Done\..*a limit of 1,234")).wait_for()
    open_page(local_page, app_url, "assign")
    assert metric(local_page, "Unassigned pool") == pool - 1234


def test_filtered_report_drill_down_and_excel(local_page, app_url, tmp_path):
    open_page(local_page, app_url, "usage?by=week&list=newsletter&tab=messages&drill=campaign")
    local_page.locator(X_TITLE).first.wait_for()
    assert local_page.locator(X_TITLE).first.text_content() == "week"  # the chart follows the link filters
    local_page.get_by_text(re.compile(r"[\d,]+ messages, [\d,]+ credits, .*; times are Rome local time")).wait_for()
    local_page.get_by_role("button", name="Prepare the Excel workbook of this view").click()
    button = local_page.get_by_role("link", name=re.compile(r"Download usage-[a-z0-9-]+\.xlsx"))  # named after the view
    button.wait_for()
    with local_page.expect_download() as info:
        button.click()
    target = tmp_path / "report.xlsx"
    info.value.save_as(target)
    wb = load_workbook(target)
    assert wb.sheetnames[:6] == ["Summary", "Usage", "By list", "Cost by period", "By campaign", "By country"]
    assert [c.value for c in wb["Usage"][1]][1] == "Newsletter Italia"  # only the filtered list
    summary = {row[0].value: row[1].value for row in wb["Summary"].iter_rows() if len(row) > 1}
    assert summary["Grouped by"] == "week" and summary["Cost (EUR)"] > 0


# the Usage chart is Vega-Lite drawn as SVG: a path per bar, the x axis a group labelled "X-axis ..."
BARS = "g.mark-rect path"
X_TITLE = 'g[aria-label^="X-axis"] .role-axis-title text'
X_TICKS = 'g[aria-label^="X-axis"] .role-axis-label text'


def click_bar(page, index: int) -> None:
    """Click the middle of bar ``index`` of the chart; the chart may redraw its bars under the pointer just after a
    run (a drawn bar is replaced, not changed), so a detached bar is looked up again."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        try:
            bar = page.locator(BARS).nth(index)
            bar.scroll_into_view_if_needed(timeout=5000)
            box = bar.bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            return
        except PlaywrightError:
            if attempt == 2:
                raise
            page.wait_for_timeout(300)


LIT = "els => els.filter(e => e.getAttribute('opacity') !== '0.25').map(e => e.getAttribute('aria-label'))"


def lit_bars(page, expected: list[str] | None = None) -> list[str]:
    """What the bars drawn at full opacity say (the others are dimmed to 0.25). With ``expected``: once they are
    those (Vega draws the chart after the script run is over), or whatever they are after 10 s."""
    if expected is not None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            page.wait_for_function(f"([s, want]) => JSON.stringify(({LIT})([...document.querySelectorAll(s)]))"
                                   " === JSON.stringify(want)", arg=[BARS, expected], timeout=10_000)
        except PlaywrightTimeout:  # the assertion that follows says what was lit instead
            pass
    return page.locator(BARS).evaluate_all(LIT)


def test_analyst_questions_take_one_or_two_clicks(local_page, app_url, now):
    """Which list spent the most in the last full quarter (one click), how its spend went month by month (on
    screen), and the messages of one of its months (a click on the bar)."""

    from credits_core.reporting import describe, preset_range

    open_page(local_page, app_url, "usage")
    local_page.get_by_text("Last quarter", exact=True).first.click()  # click 1
    lo, hi = preset_range("last_quarter", rome_date(now))
    local_page.get_by_role("heading", name=re.compile(describe(lo, hi))).wait_for()
    settle(local_page)
    assert "range=last_quarter" in local_page.url
    assert "spent the most" in local_page.get_by_text("spent the most").first.inner_text()
    local_page.wait_for_function("s => document.querySelectorAll(s).length === 3", arg=X_TICKS)
    ticks = local_page.locator(X_TICKS).evaluate_all("els => els.map(e => e.textContent)")
    assert len(ticks) == 3 and ticks[0] == f"{lo:%b %Y}"  # month by month, the quarter's three months
    # click 2: that list in that month (the tallest bar: a list that spent nothing has a bar of no height)
    said = local_page.locator(BARS).evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert said[0].startswith(f"{lo:%b %Y}, ") and " credits, " in said[0]  # each bar says what it is
    heights = local_page.locator(BARS).evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    first = max(range(len(heights)), key=lambda i: heights[i])
    click_bar(local_page, first)
    local_page.get_by_text(re.compile(r"[\d,]+ messages, [\d,]+ credits, ")).wait_for()
    settle(local_page)
    assert "tab=messages" in local_page.url and "dp=" in local_page.url and "pick=" in local_page.url
    assert local_page.get_by_role("button", name=re.compile(r"✕ .* only")).count() == 1
    assert lit_bars(local_page, [said[first]]) == [said[first]]  # the clicked bar stands out
    # the page scrolled to the clicked bar's messages: the tabs at the top of the window, the chart above it
    local_page.wait_for_function("() => Math.abs(document.querySelector('[data-testid=\"stTabs\"]')"
                                 ".getBoundingClientRect().top) < 120")
    # the chart is kept after a click (redrawn, not remounted): another bar drills into that one, and after "✕ only"
    # the same bar again opens it again
    heights = local_page.locator(BARS).evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)")
    last = max((i for i in range(len(heights)) if i != first), key=lambda i: heights[i])  # another tall bar
    for step in ("another bar", "clear the period", "the same bar again"):
        before = local_page.url
        if step == "clear the period":
            local_page.get_by_role("button", name=re.compile(r"✕ .* only")).click()
            local_page.wait_for_function("() => !location.search.includes('dp=')")
            # a new chart replaces the kept one: wait until only it is there, with all its bars
            local_page.wait_for_function("([n, bars]) => document.querySelectorAll('[data-testid=stVegaLiteChart]')"
                                         ".length === 1 && document.querySelectorAll(bars).length === n",
                                         arg=[len(heights), BARS])
        else:
            click_bar(local_page, last)
            local_page.wait_for_function("u => location.href !== u && location.search.includes('dp=')", arg=before)
        settle(local_page)
        lit = said if step == "clear the period" else [said[last]]
        assert lit_bars(local_page, lit) == lit
    assert local_page.get_by_test_id("stException").count() == 0


def test_a_link_to_a_clicked_bar_lights_it(local_page, app_url, now):
    """A link (or a reload) to a bar's messages lights that bar; drilled by country, the whole period is lit."""

    from credits_core.reporting import preset_range

    lo, _ = preset_range("last_12_months", rome_date(now))
    open_page(local_page, app_url, f"usage?tab=messages&pick=newsletter&dp={lo}")
    local_page.locator(BARS).first.wait_for(state="attached")  # a list that spent nothing has a bar of no height
    every = local_page.locator(BARS).evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    bar = [x for x in every if x.startswith(f"{lo:%b %Y}, Newsletter Italia: ")]
    assert len(bar) == 1 and lit_bars(local_page, bar) == bar
    local_page.get_by_text("Country", exact=True).first.click()
    local_page.wait_for_function("() => location.search.includes('drill=country')")
    settle(local_page)
    period = [x for x in every if x.startswith(f"{lo:%b %Y}, ")]  # every list's bar of that month, in chart order
    assert len(period) > 1 and lit_bars(local_page, period) == period


def test_usage_page_is_usable_800_pixels_wide(local_page, app_url):
    local_page.set_viewport_size({"width": 800, "height": 1000})
    open_page(local_page, app_url, "usage?range=this_quarter")
    local_page.get_by_test_id("stMetric").first.wait_for()
    shown = local_page.get_by_test_id("stMetricValue").all() + local_page.get_by_test_id("stMetricLabel").all()
    for box in shown:  # figures wrap to a new row, never cut to "4..."
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), box.inner_text()
    group = local_page.get_by_test_id("stSelectbox").filter(has_text="Group by")
    assert group.bounding_box()["width"] >= 120 and group.locator("input").first.input_value() == "month"
    SHOTS.mkdir(parents=True, exist_ok=True)
    local_page.screenshot(path=str(SHOTS / "usage-800px.png"), full_page=True)
    open_page(local_page, app_url, "usage?from=2026-01-02&to=2026-02-27")  # a custom range: the date picker shows
    dates = local_page.get_by_test_id("stDateInput").first
    dates.wait_for()
    assert dates.bounding_box()["width"] >= 200


@pytest.mark.parametrize("path", ["", "expiry", "assign", "buy"])
def test_every_headline_figure_is_readable_800_pixels_wide(local_page, app_url, path):
    """Issue 23.7: at 800 px the Overview's seven figures read "Total c... 4...", the Expiry page's "452,..."."""
    local_page.set_viewport_size({"width": 800, "height": 1000})
    open_page(local_page, app_url, path)
    metrics = local_page.get_by_test_id("stMetric")
    if path in ("", "expiry", "buy"):
        metrics.first.wait_for()
    for box in local_page.get_by_test_id("stMetricValue").all() + local_page.get_by_test_id("stMetricLabel").all():
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), (path, box.inner_text())
    if path == "":
        SHOTS.mkdir(parents=True, exist_ok=True)
        local_page.screenshot(path=str(SHOTS / "overview-800px.png"), full_page=True)


def test_expiry_headline_what_if_and_campaign_preview(local_page, app_url):
    open_page(local_page, app_url, "expiry")
    local_page.get_by_text("What expires when").wait_for()  # the page has finished rendering its tables
    headline = local_page.get_by_test_id("stAlert").first.inner_text()
    # issues 23.1, 32: the credits at stake in euros, the deadline in Rome time, the last day to use them, what the
    # pace uses and what is lost
    assert re.search(r"credits \(€[\d,]+\.\d\d\) expire at 00:00 on \d+ \w+ \d{4} \(Rome\): \d+ \w+ \d{4} is the last "
                     r"day to use them, in \d+ days", headline), headline
    assert "lost" in headline and "UTC" not in headline
    ways = local_page.locator("table.ct").filter(has_text="Kept less cost").first.inner_text()
    assert "As things stand (your pace)" in ways and "Spend them first" in ways and "before each deadline" in ways
    local_page.get_by_text("Compare a change: a package bought", exact=False).first.click()  # drawn on demand
    form = local_page.get_by_test_id("stForm").first
    form.wait_for()
    package = form.get_by_test_id("stSelectbox").filter(has_text="Buy a package")
    option = local_page.get_by_role("option", name="Medium")
    for _ in range(3):  # a rerun may replace the widget under the first click
        package.click()
        try:
            option.wait_for(timeout=5_000)
            break
        except Exception:
            local_page.keyboard.press("Escape")
    option.click()
    form.get_by_role("button", name="Compare with things as they stand").click()
    local_page.get_by_text(re.compile(r"Up to \d+ \w+ \d{4}: [\d,]+ credits \(€[\d,.]+\) are lost as things stand"))\
        .wait_for()
    assert metric(local_page, "Lost with the change") >= 0
    local_page.get_by_text(re.compile(r"[\d,]+ credits no longer expire on")).wait_for()
    assert local_page.get_by_test_id("stException").count() == 0
    # the campaign's cost before it is scheduled: parts, credits, value, and whether its list can hold it
    local_page.get_by_text("Schedule or cancel a campaign", exact=True).first.click()
    local_page.get_by_test_id("stMetric").filter(has_text="Parts per message").first.wait_for()
    assert metric(local_page, "Parts per message") >= 1
    assert metric(local_page, "Credits") >= 1000
    local_page.get_by_text(re.compile(r"can hold it now|cannot hold it now")).first.wait_for()


def test_cli_shares_the_live_file_with_the_dashboard(local_page, own_app, tmp_path):
    """With a browser session open on the dashboard, `balance --json`, `report --xlsx` and `import purchases` run on
    the same file at once, and the page shows the imported purchase."""
    import json
    import subprocess
    import sys

    from .conftest import ROOT

    app_url, app_db = own_app
    open_page(local_page, app_url, "")
    before = metric(local_page, "Total credits")

    def cli(*args: str) -> subprocess.CompletedProcess:
        out = subprocess.run([sys.executable, "-m", "credits_core", *args], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out

    assert json.loads(cli("balance", "--db", str(app_db), "--json").stdout)["total"] == before
    cli("report", "--db", str(app_db), "--xlsx", str(tmp_path / "weekly.xlsx"))
    assert load_workbook(tmp_path / "weekly.xlsx").sheetnames[0] == "Summary"
    csv = tmp_path / "purchases.csv"
    csv.write_text("lot_id,purchased_at,credits,expiring,price_eur\nCLI-1,2026-01-15T10:00:00+01:00,5000,false,0\n")
    cli("import", "--db", str(app_db), "purchases", str(csv))
    open_page(local_page, app_url, "")
    assert metric(local_page, "Total credits") == before + 5000


def test_deep_link_on_a_fresh_server(local_page, tmp_path):
    """The first request to a page other than / on a server nobody has opened yet shows that page, with the app's
    navigation (no list of raw files, no blank 'common' page)."""
    from .conftest import demo_file, running_app

    db = demo_file(tmp_path, messages=2_000)
    with running_app(db) as url:
        open_page(local_page, url, "history")
        assert "History" in local_page.get_by_role("heading", level=1).first.inner_text()
        nav = local_page.get_by_test_id("stSidebarNav").inner_text()
        assert "Usage report" in nav and "common" not in nav


def test_read_only_dashboard_on_the_live_file(local_page, own_app, tmp_path):
    """A second dashboard started with CREDITS_READ_ONLY=1 on the same live file: it shows the same figures,
    offers no write, and shows a write made meanwhile by another process."""
    import subprocess
    import sys

    from .conftest import ROOT, running_app

    app_url, app_db = own_app
    open_page(local_page, app_url, "")
    total = metric(local_page, "Total credits")
    with running_app(app_db, {"CREDITS_READ_ONLY": "1"}) as ro_url:
        open_page(local_page, ro_url, "")
        assert metric(local_page, "Total credits") == total
        open_page(local_page, ro_url, "buy")
        assert local_page.get_by_role("button", name="Record purchase").count() == 0
        csv = tmp_path / "p.csv"
        csv.write_text("lot_id,purchased_at,credits,expiring,price_eur\nRO-1,2026-02-01T10:00:00+01:00,700,false,0\n")
        out = subprocess.run([sys.executable, "-m", "credits_core", "import", "--db", str(app_db), "purchases",
                              str(csv)], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        open_page(local_page, ro_url, "")
        assert metric(local_page, "Total credits") == total + 700


def test_a_bad_link_shows_a_notice_never_a_traceback(local_page, app_url):
    open_page(local_page, app_url, "usage?by=fortnight&from=2026-13-01&country=ZZ")
    local_page.get_by_text("The link had a value this page cannot use").first.wait_for()
    assert local_page.get_by_test_id("stException").count() == 0
    assert "Traceback" not in local_page.content() and "/credits_core/" not in local_page.content()


EVIL = "![x](http://evil.example/a.png) [Sign in again](http://evil.example/login) <img src=http://evil.example/b.png>"


def no_live_markup(page) -> None:
    """Nothing from data or the URL became a link, an image or a tag (``local_page`` also fails the test on any
    request that leaves the machine, such as an image fetched from evil.example)."""
    page.get_by_text("//evil.example/login)").first.wait_for()  # shown, as the text it is
    assert page.locator('a[href*="evil.example"]').count() == 0
    assert page.locator('img[src*="evil.example"]').count() == 0


def test_a_crafted_link_shows_its_values_as_text(local_page, app_url):
    """Issue 22.4 in the browser: the list, q, pick and range parameters were echoed as Markdown (a phishing link,
    an image fetched from evil.example)."""
    from urllib.parse import quote

    v = quote(EVIL)
    open_page(local_page, app_url, f"usage?list={v}&q={v}&pick={v}&range={v}&tab=messages")
    no_live_markup(local_page)


@pytest.fixture
def evil_app(tmp_path):
    """The demo with a list, a campaign and a message text written as Markdown and HTML."""
    from datetime import UTC, datetime, timedelta

    import pandas as pd

    from credits_core import CreditStore

    from .conftest import demo_file, running_app

    db = demo_file(tmp_path, messages=2_000)
    now = datetime.now(UTC)
    with CreditStore.open(db) as s:
        s.add_list("evil", EVIL)
        s.describe_campaigns(pd.DataFrame({"campaign_id": ["c-evil"], "name": [EVIL], "list_id": ["evil"],
                                           "text": [EVIL]}))
        s.record_messages(pd.DataFrame({
            "message_id": [f"e{i}" for i in range(3)], "list_id": "evil",
            "sent_at": [now - timedelta(days=1 + i) for i in range(3)], "credits": 2, "country": "IT", "parts": 1,
            "campaign_id": "c-evil", "text": EVIL}))
    with running_app(db) as url:
        yield url


def test_names_and_texts_from_data_render_as_text(local_page, evil_app):
    """Issue 22.4 in the browser: names and texts from data were Markdown on the Overview, Usage and Expiry pages,
    and a chart legend (Plotly's, then) made a live link."""
    for path in ("", "usage?list=evil", "usage?list=evil&tab=messages&drill=campaign", "expiry", "history"):
        open_page(local_page, evil_app, path)
        assert local_page.locator('a[href*="evil.example"]').count() == 0, path
        assert local_page.locator('img[src*="evil.example"]').count() == 0, path
    open_page(local_page, evil_app, "usage?list=evil")
    no_live_markup(local_page)


def test_streamlit_metrics_are_not_served(app_url):  # started with serve.py, as the README says
    """Issue 22.9: /_stcore/metrics told anyone who could reach the port about the sessions and caches."""
    import urllib.error
    import urllib.request

    assert urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=5).status == 200
    try:  # without the route the path falls to the app's own page (or a 404): no metric either way
        with urllib.request.urlopen(f"{app_url}/_stcore/metrics", timeout=5) as r:
            kind, body = r.headers.get("Content-Type", ""), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        kind, body = "", str(err.code)
    assert "openmetrics" not in kind and "# TYPE" not in body, (kind, body[:300])


@pytest.mark.parametrize("preset", ["ytd", "this_quarter", "this_month"])
def test_partial_periods_compare_like_with_like(local_page, app_url, preset, now):
    """Issue 23.2 in the browser: year to date was compared "vs Feb-Dec 2025" and this quarter "vs Aug-Sep 2026";
    this month is checked the same way;
    the caption must name the same span (to the same day) of the period before and of last year."""
    import calendar
    from datetime import date


    today = rome_date(now)

    def back(d: date, months: int) -> date:  # the same day `months` earlier; a month's last day to the month's last
        y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
        last = calendar.monthrange(y, m + 1)[1]
        return date(y, m + 1, last if d.day == calendar.monthrange(d.year, d.month)[1] else min(d.day, last))

    months = {"ytd": 12, "this_quarter": 3, "this_month": 1}[preset]
    lo = {"ytd": date(today.year, 1, 1), "this_quarter": date(today.year, 3 * ((today.month - 1) // 3) + 1, 1),
          "this_month": date(today.year, today.month, 1)}[preset]
    from credits_core.language import words

    day = words().day_short  # days as every page writes them (CLDR: 1 Jan 2025)
    prev = f"the previous period, {day(back(lo, months))} to {day(back(today, months))}"
    year = (", which is also the same span last year." if preset == "ytd" else
            f", and of last year, {day(back(lo, 12))} to {day(back(today, 12))}.")
    open_page(local_page, app_url, f"usage?range={preset}&tab=lists")
    caption = local_page.get_by_text("Compared like with like").first
    caption.wait_for()
    text = " ".join(caption.inner_text().split())
    assert prev in text and text.endswith(year), text


def test_the_customer_path_purchases_then_a_sync_then_every_page(local_page, tmp_path):
    """Issue 29: the whole path of a new customer, as the README tells it: an empty database the user named, their
    purchases imported from a file, a sync from MailUp (the fake, on loopback), then every page in Chromium, with no
    error and the figures of the sync on screen."""
    import os
    import subprocess
    import sys

    from pytest_httpserver import HTTPServer

    from .conftest import ROOT, running_app
    from .fake_mailup import API
    from .test_mailup import account

    fake = account()
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request(re.compile(".*")).respond_with_handler(fake)
    server.start()
    base = server.url_for("").rstrip("/")
    mailup = {"MAILUP_CLIENT_ID": fake.client_id, "MAILUP_CLIENT_SECRET": fake.client_secret,
              "MAILUP_USERNAME": fake.username, "MAILUP_PASSWORD": fake.password, "MAILUP_AUTH_URL": base,
              "MAILUP_API_URL": base + API}
    db = tmp_path / "live.duckdb"
    invoices = tmp_path / "invoices.csv"
    invoices.write_text("lot_id,purchased_at,credits,expiring,price_eur\n"
                        "INV-2026-001,2026-01-10 10:00,1000,no,80.00\n")
    try:
        def cli(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "credits_core", *args], cwd=ROOT, capture_output=True,
                                  text=True, timeout=120, env={**os.environ, **mailup})

        out = cli("import", "--db", str(db), "purchases", str(invoices))
        assert out.returncode == 0, out.stderr
        out = cli("sync", "--db", str(db))
        assert "8 new recorded" in out.stdout, out.stdout + out.stderr  # exit 1: one number cannot be placed
        with running_app(db, extra_env=mailup) as url:
            for path, title in PAGES.items():
                open_page(local_page, url, path)
                assert title in local_page.get_by_role("heading", level=1).first.inner_text()
                assert local_page.get_by_test_id("stException").count() == 0, path
                assert local_page.get_by_test_id("stAlertContentError").count() == 0, path
            open_page(local_page, url, "imports")
            local_page.get_by_text(re.compile(r"Last sync .* \(Rome\): 2 lists, 2 messages")).wait_for()
            open_page(local_page, url, "")
            assert metric(local_page, "Total credits") == 1000 - 19  # 19 credits of sendings, as computed by hand
            for width in (1400, 800):  # MailUp against this ledger: the words read whole, no horizontal scroll
                local_page.set_viewport_size({"width": width, "height": 900})
                open_page(local_page, url, "assign")
                cell = local_page.locator("td.note").filter(has_text="MailUp and this ledger agree (981)")
                cell.wait_for()
                wrap = local_page.locator(".ct-wrap").filter(has=local_page.locator("td.note")).first
                assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), (width, wrap.evaluate(
                    "e => [e.scrollWidth, e.clientWidth, [...e.querySelectorAll('th')].map(t => t.offsetWidth)]"))
                assert cell.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), width
                SHOTS.mkdir(parents=True, exist_ok=True)
                local_page.screenshot(path=str(SHOTS / f"assign-mailup-{width}px.png"), full_page=True)
    finally:
        server.stop()


def test_another_host_name_is_refused_and_nothing_frames_the_dashboard(app_url, browser):
    """Issue 31.1: with the Host header never checked, a page of any website whose name was rebound to 127.0.0.1
    read the figures and recorded a purchase. Chromium here resolves rebound.example to 127.0.0.1, as a rebinding
    would; the dashboard answers it nothing. Every answer forbids framing."""
    import socket
    import urllib.error
    import urllib.request

    port = int(app_url.rsplit(":", 1)[1])
    ok = urllib.request.urlopen(urllib.request.Request(f"{app_url}/usage", headers={"Host": f"localhost:{port}"}))
    assert ok.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in ok.headers["Content-Security-Policy"]
    for path in ("/", "/usage", "/_stcore/health", "/_stcore/host-config", "/media/x.xlsx"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(f"{app_url}{path}",
                                                          headers={"Host": f"rebound.example:{port}"}))
        assert refused.value.code == 403, path
    with socket.create_connection(("127.0.0.1", port)) as ws:  # the WebSocket, rebound
        ws.sendall(f"GET /_stcore/stream HTTP/1.1\r\nHost: rebound.example:{port}\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        assert b" 101 " not in ws.recv(200).split(b"\r\n")[0]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://rebound.example:{port}/")
    assert "does not answer to this host name" in page.content()
    assert page.get_by_test_id("stMetric").count() == 0
    context.close()


# -- issues 32 and 34: tables that never scroll sideways, the planner's Plotly chart, legends that act --------------

PLOT = ".js-plotly-plot"
PLOTLY_SCRIPT = ("() => performance.getEntriesByType('resource').map(e => e.name)"
                 ".filter(n => /plotly/i.test(n.split('/').pop()))")


@pytest.mark.parametrize("width", [1400, 800])
def test_the_per_list_comparisons_read_without_a_sideways_scroll(local_page, app_url, width):
    """Issue 32: the per-list table was 1,069 px wide in a 940 px box at 1400 px ("Change vs Q3 2025" needed a
    scroll; at 800 px 468 px of it showed)."""
    local_page.set_viewport_size({"width": width, "height": 1000})
    open_page(local_page, app_url, "usage")
    table = local_page.locator("table.ct").filter(has_text="Change vs").first
    table.wait_for()
    wrap = table.locator("xpath=..")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), wrap.evaluate(
        "e => [e.scrollWidth, e.clientWidth]")
    right = wrap.evaluate("e => e.getBoundingClientRect().right")
    changes = table.locator("td[data-label^='Change vs']")
    assert changes.count() > 0
    for box in [changes.nth(i).bounding_box() for i in range(changes.count())]:
        assert box["width"] > 0 and box["x"] + box["width"] <= right + 1  # each comparison inside the box
    said = changes.evaluate_all("els => els.map(e => e.innerText)")
    assert all(re.fullmatch(r"[+-][\d,]+ \(([+-]\d+%|new)\)|\+0", x.strip()) for x in said), said  # beside its ratio


@pytest.mark.parametrize("width", [1400, 800])
def test_the_expiry_chart_toggles_a_way_from_its_legend_and_saves_a_png(local_page, app_url, width):
    """Issue 34: each way is a line the legend hides (a click) or shows alone (a double click); the legend is under
    the chart; the camera saves a PNG named after the account and the day; the step drops by the expiry table."""
    local_page.set_viewport_size({"width": width, "height": 1000})
    open_page(local_page, app_url, "expiry")
    local_page.locator(PLOT).first.wait_for()
    local_page.wait_for_function(f"() => document.querySelector('{PLOT}').data?.length >= 2")
    names = local_page.evaluate(f"() => document.querySelector('{PLOT}').data.map(t => t.name)")
    assert names[:2] == ["As things stand (your pace)", "If nothing more is spent"]
    visible = f"() => document.querySelector('{PLOT}').data.map(t => t.visible === undefined || t.visible === true)"
    def entry(name: str):  # a legend entry's clickable area
        return local_page.locator(f"{PLOT} g.traces", has_text=name).locator(".legendtoggle")

    entry("If nothing more is spent").click()
    local_page.wait_for_function(f"() => ({visible})()[1] === false")
    assert local_page.evaluate(visible)[0] is True  # only the clicked line is hidden
    entry("If nothing more is spent").click()  # shown again
    local_page.wait_for_function(f"() => ({visible})().every(v => v)")
    entry("As things stand (your pace)").dblclick()
    local_page.wait_for_function(f"() => ({visible})().filter(v => v).length === 1")
    assert local_page.evaluate(visible)[0] is True  # shown alone
    legend = local_page.locator(f"{PLOT} .legend").bounding_box()
    plot = local_page.locator(f"{PLOT} .bglayer").bounding_box()
    assert legend["y"] >= plot["y"] + plot["height"]  # under the chart, at every width
    # the line drops at each expiry by what the table says is lost at the current pace
    table = local_page.locator("table.ct").filter(has_text="At your pace").first.inner_text()
    lost = [int(x.replace(",", "")) for x in re.findall(r"\d\d:\d\d\s+[\d,]+\s+([\d,]+)", table)]
    drops = local_page.evaluate(f"""() => {{
        const t = document.querySelector('{PLOT}')._fullData[0];  // the arrays as drawn (data holds them encoded)
        const out = [];
        for (let i = 1; i < t.x.length; i++) if (t.y[i] < t.y[i - 1] - 0.5 &&
            new Date(t.x[i]) - new Date(t.x[i - 1]) < 1000) out.push(t.y[i - 1] - t.y[i]);
        return out; }}""")
    assert [round(d) for d in drops] == [x for x in lost if x], (drops, lost)
    with local_page.expect_download() as info:
        local_page.locator(f"{PLOT} .modebar-btn[data-title^='Download plot']").first.click()
    assert re.fullmatch(r"credits-held-demo-\d{4}-\d\d-\d\d\.png", info.value.suggested_filename)
    assert local_page.evaluate(PLOTLY_SCRIPT)  # the page that draws a Plotly chart loads its script


@pytest.mark.parametrize("path", ["", "usage"])
def test_the_everyday_pages_never_load_plotly(local_page, app_url, path):
    """Issue 34: Plotly's script costs ~1.5 s of a tab's first chart; the Overview and Usage charts stay Vega-Lite."""
    open_page(local_page, app_url, path)
    local_page.locator("[data-testid=stVegaLiteChart]").first.wait_for()
    settle(local_page)
    assert local_page.locator(PLOT).count() == 0 and local_page.evaluate(PLOTLY_SCRIPT) == []


@pytest.mark.parametrize("width", [1400, 800])
def test_a_click_on_the_usage_legend_lights_that_list_and_the_chart_saves_as_svg(local_page, app_url, width):
    local_page.set_viewport_size({"width": width, "height": 1000})
    open_page(local_page, app_url, "usage?range=last_quarter")
    local_page.locator(BARS).first.wait_for(state="attached")
    label = local_page.locator("g.role-legend-label text").first
    label.wait_for()
    name = label.text_content()
    label.click()
    local_page.wait_for_function(f"n => ({LIT})([...document.querySelectorAll('{BARS}')]).length > 0 && "
                                 f"({LIT})([...document.querySelectorAll('{BARS}')]).every(s => s.includes(', ' + n + "
                                 "': '))", arg=name)
    legend = local_page.locator("g.role-legend").first.bounding_box()
    bars = local_page.locator("g.mark-rect").first.bounding_box()
    assert legend["y"] >= bars["y"] + bars["height"]  # the legend under the chart
    names = local_page.locator("g.role-legend-label text").evaluate_all("els => els.map(e => e.textContent)")
    said = local_page.locator(BARS).evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert all(any(f", {n}: " in s and not s.split(": ")[1].startswith("0 credits") for s in said) for n in names)
    for kind in ("SVG", "PNG"):  # saved under the view's name
        with local_page.expect_download() as info:
            local_page.locator("div.cs").get_by_role("button", name=kind).first.click()
        assert re.fullmatch(rf"usage-\d{{4}}-Q\d\.{kind.lower()}", info.value.suggested_filename), \
            info.value.suggested_filename
        head = open(info.value.path(), "rb").read(8)
        assert head.startswith(b"<svg") if kind == "SVG" else head == b"\x89PNG\r\n\x1a\n"


# -- issue 35: every page in Italian, at a wide and a narrow width ---------------------------------------------------

IT_TITLES = {"": "Panoramica", "buy": "Acquista crediti", "assign": "Assegna crediti", "usage": "Report di utilizzo",
             "expiry": "Scadenze", "imports": "Importa", "history": "Storico"}
# everything the browser draws as text: the page's, the charts' SVG labels (axes, legends, tooltips' titles)
SHOWN_TEXT = ("() => [document.querySelector('[data-testid=\"stMain\"]').innerText, "
              "...[...document.querySelectorAll('svg text')].map(t => t.textContent)].join('\\n')")
CUT = ("() => [...document.querySelectorAll('[data-testid=\"stMetricLabel\"] p, [data-testid=\"stMetricValue\"] div, "
       "[data-testid=\"stWidgetLabel\"] p, [data-testid=\"stCheckbox\"] p, button p')]"
       ".filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1)"
       ".map(e => e.innerText)")


@pytest.mark.parametrize("width", [1400, 800])
def test_every_page_in_italian_has_no_english_and_nothing_cut(local_page, app_url, width):
    from .test_language import DATA_WORDS, english_in

    local_page.set_viewport_size({"width": width, "height": 1000})
    for path, title in IT_TITLES.items():
        open_page(local_page, app_url, f"{path}?lang=it")
        local_page.wait_for_function("() => !document.querySelector('[data-testid=\"stSpinner\"]')")
        settle(local_page)
        assert title in local_page.get_by_role("heading", level=1).first.inner_text(), path
        shown = local_page.evaluate(SHOWN_TEXT)
        assert english_in(DATA_WORDS.sub("", shown)) == [], (path, width, [
            line for line in shown.splitlines() if english_in(DATA_WORDS.sub("", line))][:10])
        assert local_page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        assert local_page.evaluate(CUT) == [], (path, width)  # Italian's longer words are never cut short
        SHOTS.mkdir(parents=True, exist_ok=True)
        local_page.screenshot(path=str(SHOTS / f"it-{path or 'overview'}-{width}px.png"), full_page=True)


def test_the_language_chosen_in_the_sidebar_stays_in_the_link_from_page_to_page(local_page, app_url):
    open_page(local_page, app_url, "")
    assert "Overview" in local_page.get_by_role("heading", level=1).first.inner_text()
    local_page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    local_page.get_by_role("option", name="Italiano").click()
    local_page.get_by_role("heading", name=re.compile("Panoramica")).wait_for()
    assert "lang=it" in local_page.url
    local_page.get_by_test_id("stSidebarNav").get_by_text("Storico").click()
    local_page.get_by_role("heading", name=re.compile("Storico")).wait_for()
    settle(local_page)
    assert "lang=it" in local_page.url  # a link copied here opens in Italian
    shared = local_page.url
    local_page.context.clear_cookies()
    open_page(local_page, shared.split("/", 3)[3] and app_url, shared.split("/", 3)[3])
    assert "Storico" in local_page.get_by_role("heading", level=1).first.inner_text()
