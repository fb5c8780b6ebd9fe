"""Dashboard benchmark (issue 5): each page's first render and a filter change, server side, on a 1M-message demo.

    PYTHONPATH=. .venv/bin/python bench/pages.py [--messages 1000000] [--runs 3] [--db existing.duckdb]

First render: a new session with every cache cleared (the store is opened again, nothing computed yet).
Filter change: the same session, caches warm, one widget changed (pages without filters: a rerun).
Timed with Streamlit's AppTest, which runs the page script exactly as the server does, without a browser.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# this file is bench/pages.py: keep its folder off the path
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from app_pages.common import cold_start  # noqa: E402


def message_count(db: Path) -> int:
    from credits_core import CreditStore

    with CreditStore.open(db, read_only=True) as s:
        return s.message_count


def change_usage(at):
    at.selectbox(key="u_by").set_value("week")


def usage_interactions(runs: int) -> None:
    """The usage page's own figures (issue 12): a preset switch, a click on a bar (the drill-down of a list and
    month), a search in a quarter; each a rerun of a warm session to a view not computed yet (its answers not
    cached), as the callbacks leave it: the new view in the URL."""
    from datetime import date

    from credits_core.ledger import rome_today
    from credits_core.reporting import preset_range

    lo, _ = preset_range("last_quarter", rome_today())
    steps = {
        "preset switch (last quarter)": {"range": "last_quarter"},
        "click a bar (list, month)": {"range": "last_quarter", "tab": "messages", "pick": "newsletter",
                                      "dp": date(lo.year, lo.month + 1, 1).isoformat()},
        "search in a quarter": {"range": "last_quarter", "tab": "messages", "drill": "country", "pick": "IT",
                                "q": "sconto"},
        "campaign drill-down": {"range": "last_quarter", "tab": "messages", "drill": "campaign"},
    }
    got: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(runs):
        cold_start()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page("app_pages/usage.py").run()
        for name, params in steps.items():
            at.query_params.clear()
            at.query_params.update(params)
            t0 = time.perf_counter()
            at.run()
            got[name].append(time.perf_counter() - t0)
            assert not at.exception, at.exception
    for name, times in got.items():
        print(f"usage: {name:<32}{statistics.median(times) * 1000:>8.0f} ms   (target 300 ms)", flush=True)


def change_buy(at):
    at.multiselect[0].set_value(["IT", "DE"])


def change_history(at):
    at.multiselect(key="kinds").set_value(["purchase"])


def change_imports(at):
    at.selectbox(key="imp_kind").set_value("purchases")


PAGES = {
    "app_pages/overview.py": None, "app_pages/buy.py": change_buy, "app_pages/assign.py": None,
    "app_pages/usage.py": change_usage,
    "app_pages/expiry.py": None, "app_pages/imports.py": change_imports, "app_pages/history.py": change_history,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", help="an existing demo database (default: build one of --messages)")
    args = ap.parse_args()
    if args.db:
        db = Path(args.db)
    else:
        db = Path(tempfile.mkdtemp(prefix="bench-pages-")) / "demo.duckdb"
        subprocess.run([sys.executable, "-m", "credits_core", "demo", "--db", str(db), "--messages",
                        str(args.messages)], check=True, cwd=ROOT, capture_output=True)
    os.environ["CREDITS_DB"] = str(db)
    print(f"{'page':<22}{'first render':>14}{'filter change':>15}   (targets 1.5 s / 300 ms)")
    for page, change in PAGES.items():
        first, warm = [], []
        for _ in range(args.runs):
            cold_start()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            t0 = time.perf_counter()
            at.run()
            if page != "app_pages/overview.py":
                at.switch_page(page).run()
            first.append(time.perf_counter() - t0)
            assert not at.exception, at.exception
            (change or (lambda a: None))(at)
            t0 = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t0)
            assert not at.exception, at.exception
        what = "filter" if change else "rerun"
        print(f"{page.split('/')[1]:<22}{statistics.median(first):>12.2f} s"
              f"{statistics.median(warm) * 1000:>11.0f} ms ({what})", flush=True)
    usage_interactions(args.runs)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{db.name} ({message_count(db):,} messages), median of {args.runs} runs")


if __name__ == "__main__":
    main()
