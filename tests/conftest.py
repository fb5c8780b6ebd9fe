from __future__ import annotations

from datetime import UTC, datetime

import pytest

from credits_core import CreditStore


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
SHOTS = ROOT / "test-results" / "screenshots"


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
    env = {**os.environ, "CREDITS_DB": str(db), "PYTHONPATH": str(ROOT), **(extra_env or {})}
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
    from credits_core.demo import build_demo

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
                     "--disable-sync", "--no-first-run", "--disable-quic"]}


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
