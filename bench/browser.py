"""Bench: pages as a user sees them, in headless Chromium (Playwright): from navigation until the script run is over
and the page is still (no status widget or spinner, network idle, no element changing for 700 ms: a spinner shows
only after 0.5 s of work), median of several runs,
beside a minimal Streamlit page (a title, three metrics, one small chart) measured in the same run: the floor of any
page on this machine.

    .venv/bin/python bench/browser.py --db data/demo-1m.duckdb [--runs 3]

Measures: each page on a fresh load (a new browser context), each page on a fresh load right after a write (a
purchase of one credit recorded by another process, as a CLI command or cron job would), each page after a sidebar
click, and on the Usage page a preset switch, a click on a bar (until its messages are shown) and a search. The
write is made on a copy of the database, so the demo file is left as it was.

Also: a minimal page with one Plotly chart (the Expiry page is measured beside it: Plotly's script costs a tab's first
Plotly chart ~1.5 s), and the first load after the server started, of the minimal page and of the Overview (the
landing page: a new server, nothing computed yet), each on a server of its own started for that load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import running_app  # noqa: E402

PAGES = {"": "Overview", "buy": "Buy credits", "assign": "Assign credits", "usage": "Usage report",
         "expiry": "Expiry", "imports": "Import", "history": "History"}
STILL = """() => new Promise(done => {
  let last = document.body.innerHTML.length, quiet = 0;
  const t = setInterval(() => {
    const now = document.body.innerHTML.length;
    // the script still running: Streamlit's status widget, or a spinner or skeleton the page shows meanwhile (a
    // page computing after a write shows its title, then nothing new for a second or more: not a page at rest)
    const running = document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSpinner"], ' +
                                           '[data-testid="stSkeleton"]');
    quiet = (now === last && !running) ? quiet + 100 : 0; last = now;
    if (quiet >= 700) { clearInterval(t); done(true); }
  }, 100);
})"""


def settle(page) -> float:
    """Seconds until the page is still, minus the 700 ms of stillness that prove it."""
    start = time.perf_counter()
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    page.evaluate(STILL)
    return time.perf_counter() - start - 0.7


def arrived(page, title: str) -> None:
    """Wait until the page titled ``title`` shows its h1 (the previous page's elements are gone or stale)."""
    page.wait_for_function("t => [...document.querySelectorAll('h1')].some(h => h.textContent.includes(t) && "
                           "!h.closest('[data-stale=\"true\"]'))", arg=title, timeout=120_000)


def fresh(browser, url: str) -> float:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.get_by_role("heading", level=1).first.wait_for(timeout=120_000)
    took = time.perf_counter() - start + settle(page)
    ctx.close()
    return took


def purchase(db: Path) -> None:
    """One credit bought now, by another process (it takes its turn on the file with the running dashboard)."""
    import subprocess

    code = ("import sys; from datetime import datetime, UTC; from credits_core import CreditStore; "
            "s = CreditStore.open(sys.argv[1]); s.purchase(1, datetime.now(UTC)); s.close()")
    subprocess.run([sys.executable, "-c", code, str(db)], check=True, cwd=ROOT, capture_output=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default=None, help="comma-separated page paths (usage,expiry; '' is the Overview)")
    args = ap.parse_args()
    pages = PAGES if args.only is None else {p: PAGES[p] for p in args.only.split(",")}
    import shutil
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    db = work / Path(args.db).name  # a copy: the writes below must not change the demo file
    shutil.copyfile(Path(args.db).resolve(), db)
    args_chromium = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    results: dict[str, list[float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args_chromium)
        with running_app(db, script="bench/minimal/app.py") as minimal:
            fresh(browser, minimal)  # warm-up
            results["minimal page, fresh load"] = [fresh(browser, minimal) for _ in range(args.runs)]
        with running_app(db, script="bench/minimal/plotly_app.py") as minimal:
            fresh(browser, minimal)  # warm-up
            results["minimal Plotly page, fresh load"] = [fresh(browser, minimal) for _ in range(args.runs)]
        for script, name in (("bench/minimal/app.py", "minimal page"), (None, "Overview")):
            times = []
            for _ in range(args.runs):  # a server of its own each time: its first page view
                with running_app(db, **({"script": script} if script else {})) as url:
                    times.append(fresh(browser, url))
            results[f"{name}, first load after start"] = times
        with running_app(db) as url:
            for path in pages:
                fresh(browser, f"{url}/{path}")  # warm-up: the first render fills the caches
            for path, title in pages.items():
                results[f"{title}, fresh load"] = [fresh(browser, f"{url}/{path}") for _ in range(args.runs)]
            for path, title in pages.items():
                times = []
                for _ in range(args.runs):
                    purchase(db)
                    times.append(fresh(browser, f"{url}/{path}"))
                results[f"{title}, after a write"] = times
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            page.goto(url)
            settle(page)
            for title in pages.values():
                times = []
                for _ in range(args.runs):
                    away = "Import" if title != "Import" else "History"  # start from another page each time
                    page.get_by_test_id("stSidebarNav").get_by_text(away, exact=True).click()
                    arrived(page, away)
                    start = time.perf_counter()
                    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
                    arrived(page, title)  # the new page's own title drawn: its script run has started
                    times.append(time.perf_counter() - start + settle(page))
                results[f"{title}, sidebar click"] = times
            if "usage" not in pages:
                ctx.close()
                browser.close()
                return report(results, db, args.runs)
            page.goto(f"{url}/usage")
            settle(page)
            for preset in ("Last quarter", "Year to date", "Last 12 full months"):
                start = time.perf_counter()
                page.get_by_text(preset, exact=True).first.click()
                results.setdefault("Usage, preset switch", []).append(time.perf_counter() - start + settle(page))
            for i in range(args.runs):  # a click on a bar: that list's messages in that period (a new bar each time)
                page.goto(f"{url}/usage?range=last_12_months")
                settle(page)
                bars = page.locator("g.mark-rect path")  # Vega-Lite draws the chart as SVG: a path per bar
                bar = bars.nth(i * 7 % bars.count())
                bar.scroll_into_view_if_needed()
                box = bar.bounding_box()
                start = time.perf_counter()
                page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                page.wait_for_url("**dp=**")
                results.setdefault("Usage, click on a bar", []).append(time.perf_counter() - start + settle(page))
            page.goto(f"{url}/usage?tab=messages&drill=country")
            settle(page)
            for word in ("sconto", "promo", "ordine"):
                box = page.get_by_role("textbox", name="Search messages")
                start = time.perf_counter()
                box.fill(word)
                box.press("Enter")
                results.setdefault("Usage, search", []).append(time.perf_counter() - start + settle(page))
            ctx.close()
        browser.close()
    report(results, db, args.runs)


def report(results: dict[str, list[float]], db: Path, runs: int) -> None:
    floor = statistics.median(results["minimal page, fresh load"])
    plotly = statistics.median(results["minimal Plotly page, fresh load"])
    cold = statistics.median(results["minimal page, first load after start"])
    print(f"{db.name}: median of {runs}, seconds (x the minimal page's fresh load, {floor:.2f} s; the Expiry page x "
          f"the minimal Plotly page's, {plotly:.2f} s; first loads after start x the minimal page's, {cold:.2f} s)")
    for name, times in results.items():
        med = statistics.median(times)
        base = plotly if name.startswith("Expiry") and "sidebar" not in name else \
            cold if "after start" in name else floor
        print(f"  {name:<40} {med:6.2f} s  {med / base:5.2f}x   runs: {', '.join(f'{t:.2f}' for t in times)}")


if __name__ == "__main__":
    main()
