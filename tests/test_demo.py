"""The demo account builds for every instant and size, and the CLI never leaves a half-built file.

The demo was refused at some hours (issue 29): a message of a limited list fell in the minutes between a purchase
and the assignment that funded it (23:47-23:59 UTC on 5 December 2026 with the default size). The property runs it
at any instant over two years, with the instants that break calendar code as explicit examples.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from credits_core import CreditStore
from credits_core.language import words
from credits_core.reporting import select
from credits_core.sources import build_demo, mobile_numbers
from credits_core.store import verify

ROOT = Path(__file__).resolve().parents[1]


def rome(text: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)


def check_demo(s: CreditStore, summary: dict, end: datetime) -> None:
    """What every demo promises: everything recorded by ``end``, the ledger sound, credits left to expire after
    ``end``, and each message charged to the country of its number."""
    assert summary["messages"] == s.message_count
    assert s.balance(end).total > 0
    rows = select(s, "SELECT max(epoch_us(sent_at)), min(epoch_us(sent_at)) FROM messages").fetchall()[0]
    if s.message_count:
        assert rows[0] <= end.timestamp() * 1e6 and rows[1] > (end - timedelta(days=920)).timestamp() * 1e6
    assert max(c.at_us for c in s.controls) <= end.timestamp() * 1e6  # no purchase in the future
    nxt = s.balance(end).next_expiry
    assert nxt is not None and nxt > end  # the expiry preview has something to show
    assert verify(s) == []  # derived data equal a full replay; R11 at every checkpoint
    sample = select(s, "SELECT recipient, country FROM messages USING SAMPLE 300 ROWS").fetchall()
    for recipient, country in sample:
        assert phonenumbers.region_code_for_number(phonenumbers.parse(recipient)) == country, (recipient, country)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(end=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
       messages=st.integers(0, 20_000), seed=st.integers(0, 2**16))
@example(end=datetime(2026, 12, 5, 23, 50, tzinfo=UTC), messages=200_000, seed=7)  # start.sh failed here
@example(end=rome("2026-03-29T01:30"), messages=3_000, seed=7)  # the night Rome skips 02:00-02:59
@example(end=rome("2026-03-29T03:00"), messages=3_000, seed=7)
@example(end=rome("2026-10-25T02:30") - timedelta(hours=1), messages=3_000, seed=7)  # 02:30 happens twice
@example(end=rome("2026-10-25T02:30"), messages=3_000, seed=7)
@example(end=rome("2026-11-30T23:59"), messages=3_000, seed=7)
@example(end=rome("2026-12-31T23:30"), messages=3_000, seed=7)
@example(end=rome("2027-01-01T00:00"), messages=3_000, seed=7)
@example(end=rome("2028-02-29T12:00"), messages=3_000, seed=7)
@example(end=rome("2028-02-29T23:59"), messages=0, seed=7)
@example(end=rome("2027-06-30T23:30"), messages=1, seed=7)
def test_the_demo_builds_for_every_instant_and_size(end, messages, seed):
    with CreditStore.open(":memory:") as s:
        summary = build_demo(s, messages=messages, seed=seed, end=end)
        check_demo(s, summary, end)


def test_numbers_belong_to_their_country():
    rng = np.random.default_rng(3)
    countries = np.array(["IT", "SM", "FR", "DE", "ES", "CH", "GB", "AT", "NL", "BE", "US", "PL", "RO", "GR", "PT"])
    countries = np.repeat(countries, 40)
    numbers = mobile_numbers(countries, rng)
    for number, country in zip(numbers, countries):
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) == country


def test_a_demo_build_that_fails_leaves_no_file(tmp_path, monkeypatch):
    """The CLI builds into a file of its own and moves it into place only when it is whole."""
    import credits_core.sources as sources
    from credits_core.cli import main as cli

    def half(store, **kwargs):
        store.add_list("a")
        store.purchase(10, datetime(2026, 1, 1, tzinfo=UTC))
        raise RuntimeError("killed half way")

    monkeypatch.setattr(sources, "build_demo", half)  # where the command looks it up
    target = tmp_path / "data" / "demo.duckdb"
    with pytest.raises(RuntimeError, match="half way"):
        cli.main(["demo", "--db", str(target), "--messages", "10"])
    assert list(target.parent.iterdir()) == []  # neither the file nor the one being built, nor their side files


def test_the_demo_cli_builds_refuses_to_overwrite_and_replaces_with_force(tmp_path, now):
    target = tmp_path / "demo.duckdb"
    run = [sys.executable, "-m", "credits_core", "demo", "--db", str(target), "--messages", "500"]
    out = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    said = words().day  # the last day in words, as the CLI writes days (English: C.UTF-8, tests/conftest.py)
    assert f"to {said(now.date())}" in out.stdout or f"to {said((now + timedelta(days=1)).date())}" in out.stdout
    again = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "use --force" in again.stderr
    forced = subprocess.run([*run[:-1], "2000", "--force"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert forced.returncode == 0, forced.stderr
    said = int(forced.stdout.split(": ")[1].split(" messages")[0].replace(",", ""))
    with CreditStore.open(target, read_only=True) as s:
        assert s.message_count == said and 1_900 < said <= 2_000  # the new demo, not the old one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.duckdb", "demo.duckdb.rev"]  # nothing half-built


def test_a_demo_end_instant_is_the_messages_last_moment(now):
    """``end`` defaults to the clock: nothing is recorded after it, and the last month has messages."""
    with CreditStore.open(":memory:") as s:
        build_demo(s, messages=3_000)
        last = select(s, "SELECT max(epoch_us(sent_at)) FROM messages").fetchall()[0][0]
        assert now.timestamp() * 1e6 - 31 * 86_400e6 < last <= (now + timedelta(minutes=5)).timestamp() * 1e6
        df = s.lots()
        assert (df["purchased_at"] <= pd.Timestamp(now + timedelta(minutes=5))).all()


def test_start_sh_never_builds_the_demo_into_a_file_the_user_named(tmp_path):
    """``CREDITS_DB=data/live.duckdb bash scripts/start.sh`` on a missing file built the 200,000-message demo into
    the file meant for the user's own data; now it opens an empty database there and says so."""
    import os
    import signal
    import time
    import urllib.request

    from .conftest import _free_port

    target = tmp_path / "live.duckdb"
    port = _free_port()
    log = open(tmp_path / "start.log", "wb")
    proc = subprocess.Popen(["bash", "scripts/start.sh", "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=ROOT, env={**os.environ, "CREDITS_DB": str(target)}, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError((tmp_path / "start.log").read_text()[-2000:])
        said = (tmp_path / "start.log").read_text()
        assert "does not exist yet" in said and "Building the demo" not in said
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
        log.close()
    if target.exists():  # the dashboard may have opened it: an empty ledger
        with CreditStore.open(target, read_only=True) as s:
            assert s.message_count == 0 and not s.controls


def test_files_the_cli_and_the_dashboard_make_are_their_users_alone(tmp_path):
    """Issue 31.6: with the usual umask the database, .rev and .wait were 0644: another user read every recipient
    and text, and took the lock so the CLI gave up "busy". The CLI and serve.py set umask 077."""
    import os
    import stat

    old = os.umask(0o022)  # as a login shell has it
    try:
        db = tmp_path / "private.duckdb"
        out = subprocess.run([sys.executable, "-m", "credits_core", "demo", "--db", str(db), "--messages", "200"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        out = subprocess.run([sys.executable, "-m", "credits_core", "report", "--db", str(db), "--csv",
                              str(tmp_path / "csv")], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
    finally:
        os.umask(old)
    made = [db, *tmp_path.glob("private.duckdb.*"), *(tmp_path / "csv").iterdir()]
    assert len(made) > 3
    for path in made:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0 and path.stat().st_uid == os.getuid(), (path, oct(mode))


def test_a_secrets_file_others_can_read_is_refused(tmp_path):
    import os

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[mailup]\nclient_id = "a"\n')
    secrets.chmod(0o644)
    out = subprocess.run([sys.executable, "serve.py", "app.py", "--secrets.files", str(secrets)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, env={**os.environ, "CREDITS_DB": str(
                             tmp_path / "x.duckdb")})
    assert out.returncode != 0 and "can be read by other users" in out.stderr and "chmod 600" in out.stderr
    cli = subprocess.run([sys.executable, "-m", "credits_core", "sync", "--db", str(tmp_path / "x.duckdb"),
                          "--secrets", str(secrets)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in os.environ.items() if not k.startswith("MAILUP_")})
    assert cli.returncode == 1 and "can be read by other users" in cli.stderr
