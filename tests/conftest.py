"""Fixtures shared by the tests: stores, the clock, the app server, the browser.

The clock. No test reads the wall clock for an expectation: a test that needs "now" takes the ``now`` fixture and
computes what it expects from it. ``CREDITS_TEST_CLOCK`` shifts the clock of the whole run, every process a test
starts included (``tests/clock_hook``): a name of ``CLOCKS`` or an ISO instant with its offset. Every test of such a
run starts at exactly that instant, and the clock ticks from there (sleeps, timeouts and monotonic clocks are real).
``scripts/test.sh`` runs the tests marked ``clock`` (dates, reports, expiries, alerts, the demo, the sync, the pages)
under each of ``CLOCKS`` after the whole suite.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from credits_core import CreditStore

ROOT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# the CLI and the alert e-mails speak the language of LANG (issue 35): the tests, and the commands they start, run
# in English whatever the machine's locale is; the Italian ones ask for it (--lang it, an address's language)
os.environ["LANG"] = "C.UTF-8"
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "CREDITS_LANG", "CREDITS_ALERTS_LANG"):
    os.environ.pop(_name, None)
HOOK_DIR = os.path.join(ROOT_DIR, "tests", "clock_hook")

# The instants that have broken date code before (Rome time): the last day of a month (and of a quarter) late in the
# evening, both DST nights, the last half hour of a year and the first of the next, a leap day.
CLOCKS = {
    "month-end": "2027-06-30T23:30:00+02:00",
    "dst-spring": "2027-03-28T01:45:00+01:00",  # 02:00 CET does not exist: 03:00 CEST follows 01:59
    "dst-autumn": "2027-10-31T02:45:00+02:00",  # 02:00-02:59 happens twice: this is the first
    "year-end": "2026-12-31T23:30:00+01:00",
    "new-year": "2027-01-01T00:30:00+01:00",
    "leap-day": "2028-02-29T23:30:00+01:00",
}


def shifted_clock() -> datetime | None:
    """The instant every test of this run starts at (``CREDITS_TEST_CLOCK``), or None for the machine's clock."""
    name = os.environ.get("CREDITS_TEST_CLOCK", "").strip()
    if not name:
        return None
    value = datetime.fromisoformat(CLOCKS.get(name, name))
    if value.tzinfo is None:
        raise pytest.UsageError(f"CREDITS_TEST_CLOCK={name!r}: give a name of {sorted(CLOCKS)} or an ISO instant "
                                "with its offset")
    return value.astimezone(UTC)


def _travel_to(instant: datetime):
    """Move this process's clock to ``instant`` (ticking) and tell the processes it starts by how much."""
    import time

    import time_machine

    real = time_machine.escape_hatch.time.time() if time_machine.escape_hatch.is_travelling() else time.time()
    os.environ["SHIFTED_CLOCK_OFFSET_US"] = str(int((instant.timestamp() - real) * 1e6))
    traveller = time_machine.travel(instant, tick=True)
    traveller.start()
    return traveller


def pytest_configure(config):
    # the processes a test starts find this repository (and, on a shifted clock, the hook) whatever their cwd
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p not in (ROOT_DIR, HOOK_DIR)]
    start = shifted_clock()
    os.environ["PYTHONPATH"] = os.pathsep.join(([HOOK_DIR] if start else []) + [ROOT_DIR] + paths)
    if start is not None:
        _travel_to(start)  # session fixtures (a demo built once, a server) see the shifted clock too


def pytest_collection_modifyitems(items):
    """A test that takes ``now`` depends on the date: it joins the shifted-clock runs (marker ``clock``)."""
    for item in items:
        if "now" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.clock)


@pytest.fixture(autouse=True)
def _test_clock():
    """On a shifted clock, every test starts at exactly that instant (not minutes later, after the tests before)."""
    start = shifted_clock()
    if start is None:
        yield
        return
    traveller = _travel_to(start)
    yield
    traveller.stop()


@pytest.fixture(scope="session")
def session_now() -> datetime:
    """``now`` for fixtures built once for many tests (a demo, a set of states)."""
    return (shifted_clock() or datetime.now(UTC)).replace(microsecond=0)


@pytest.fixture
def now() -> datetime:
    """The instant the test starts at (UTC, whole seconds): what a test computes its expectations from. On a shifted
    clock it is that instant; otherwise the machine's clock, read once here."""
    return (shifted_clock() or datetime.now(UTC)).replace(microsecond=0)


def rome_date(instant: datetime):
    """The Rome calendar date of an instant (what the pages call today, at ``now``)."""
    from credits_core.ledger import local_date, utc_us

    return local_date(utc_us(instant))


def T(text: str) -> datetime:
    """A UTC instant from an ISO string without offset (tests speak UTC, like SPEC section 3)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def store():
    s = CreditStore.open(":memory:")
    yield s
    s.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "credits.duckdb"


# -- the real app, for browser tests ----------------------------------------------------------------------------

import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-screenshots"  # not under test-results/: pytest-playwright empties that at each session start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(db: Path, extra_env: dict | None = None, extra_args: tuple[str, ...] = (), port: int | None = None,
                script: str = "app.py"):
    """`python serve.py app.py` (`streamlit run` as the README starts it; or another ``script`` of the repository)
    on a free localhost port over ``db``; yields its URL, stops it afterwards."""
    port = port or _free_port()
    env = {**os.environ, "CREDITS_DB": str(db), **(extra_env or {})}  # PYTHONPATH: see pytest_configure
    log_path = db.parent / f"streamlit-{port}.log"  # a file, not a pipe: an unread pipe fills up and blocks
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "serve.py", script, "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1", *extra_args],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("streamlit did not start: " + log_path.read_text()[-2000:])
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def demo_store(folder: Path, messages: int) -> Path:
    """A demo database built in this process (``build_demo``, ending now) in ``folder``; returns its path."""
    from credits_core.sources import build_demo

    path = folder / "demo.duckdb"
    with CreditStore.open(path) as s:
        build_demo(s, messages=messages, end=datetime.now(UTC))
    return path


def demo_file(folder: Path, messages: int = 20_000) -> Path:
    db = folder / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "credits_core", "demo", "--db", str(db), "--messages", str(messages)],
                   check=True, cwd=ROOT, capture_output=True)
    return db


@pytest.fixture(scope="session")
def app_db(tmp_path_factory):
    return demo_file(tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="session")
def app_url(app_db):
    """The app on a fresh 20,000-message demo database, shared by the browser tests that only read (no test
    writes to it, so their order does not matter)."""
    with running_app(app_db) as url:
        yield url


@pytest.fixture
def own_app(tmp_path):
    """A test that writes gets its own demo database and its own app: (url, database path)."""
    db = demo_file(tmp_path, messages=5_000)
    with running_app(db) as url:
        yield url, db


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, not a downloaded one; no background traffic."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-quic",
                     # a DNS rebinding, as the browser of someone running the dashboard would see one (test_browser)
                     "--host-resolver-rules=MAP rebound.example 127.0.0.1"]}


@pytest.fixture
def local_page(page):
    """A page whose requests may only go to localhost; any other is blocked and fails the test."""
    outside: list[str] = []

    def guard(route):
        host = route.request.url.split("/")[2].split(":")[0] if "://" in route.request.url else ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.set_default_timeout(30_000)
    yield page
    assert not outside, f"requests left localhost: {outside[:5]}"
