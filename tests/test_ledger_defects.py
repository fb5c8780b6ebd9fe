"""Issue 20: the ledger holds on every ordinary path. One test (or a few) per numbered defect; each failed on the
code before its fix (reservations that never end, a bulk overflow, a symlink splitting the ledger, two policies on
one file, a report counting spend twice, read-only that was not, alerts that repeat, miss and misname, a failed
COMMIT hiding its own error)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from credits_core import CreditsError, CreditStore, InsufficientCredits
from credits_core.ledger import POOL, StoreBusy
from credits_core.planning import (
    Alert,
    LimitChange,
    Scenario,
    apply_limits,
    at_risk,
    due,
    due_not_recorded,
    find_alerts,
    preview,
    reserved,
    schedule_campaign,
)
from credits_core.reporting import ReportFilter
from credits_core.reporting import reports as reports_module
from credits_core.storage import Database
from credits_core.store import verify

from .conftest import T

ROOT = Path(__file__).resolve().parents[1]


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def account(path=":memory:", credits=100) -> CreditStore:
    s = CreditStore.open(path)
    s.add_list("a", "Avvisi")
    s.add_list("b", "Bulk")
    s.purchase(credits, now() - timedelta(days=10), expiring=False, lot_id="L1")
    return s


def record(s: CreditStore, campaign_id: str, credits: list[int], list_id: str = "a") -> None:
    at = now() - timedelta(seconds=5)
    s.record_messages(pd.DataFrame({
        "message_id": [f"{campaign_id}-{i}-{time.time_ns()}" for i in range(len(credits))],
        "list_id": list_id, "sent_at": pd.to_datetime([at] * len(credits), utc=True), "credits": credits,
        "campaign_id": campaign_id}))


# -- 1. reservations end as their messages are recorded (R15) ---------------------------------------------------


def test_recorded_messages_release_their_campaigns_reservation():
    s = account()
    cid = schedule_campaign(s, "a", now() + timedelta(hours=1), "x", {"IT": 60})  # 60 credits from the pool
    assert s.balance().reserved == 60 and s.balance().available == 40
    record(s, cid, [20])  # part of it went out: 40 still reserved
    assert reserved(s) == {POOL: 40} and s.balance().available == 40
    record(s, cid, [40])  # all of it: nothing reserved any more
    b = s.balance()
    assert (b.total, b.reserved, b.available, b.pool_available) == (40, 0, 40, 40)
    assert at_risk(s).empty
    schedule_campaign(s, "b", now() + timedelta(hours=2), "x", {"IT": 30})  # fits: 40 available
    assert s.balance().reserved == 30
    assert verify(s) == []


def test_a_past_campaign_with_nothing_recorded_keeps_its_reservation_and_is_due():
    s = account()
    cid = schedule_campaign(s, "a", now() + timedelta(seconds=1), "x", {"IT": 70})
    time.sleep(1.2)
    assert list(due_not_recorded(s)["campaign_id"]) == [cid]
    assert s.balance().available == 30  # the same credits are never promised twice
    with pytest.raises(InsufficientCredits, match="30 credits available"):
        schedule_campaign(s, "b", now() + timedelta(hours=1), "x", {"IT": 31})
    # the preview spends what it still reserves (now), rather than forgetting it
    p = preview(s, Scenario("nothing else spent", project_spend=False))
    assert p.end_state.total == 30
    record(s, cid, [70])
    assert due_not_recorded(s).empty and s.balance().reserved == 0


def test_limits_and_campaigns_use_the_same_available():
    s = account()
    schedule_campaign(s, "a", now() + timedelta(hours=1), "x", {"IT": 60})
    with pytest.raises(InsufficientCredits, match="40 available"):
        apply_limits(s, [LimitChange("b", 41)], now())
    apply_limits(s, [LimitChange("b", 40)], now())
    assert s.balance().list_available == {"b": 40} and s.balance().pool_available == 0


def test_check_verifies_reservations_against_the_messages(tmp_path):
    path = tmp_path / "c.duckdb"
    with account(path) as s:
        cid = schedule_campaign(s, "a", now() + timedelta(hours=1), "x", {"IT": 60})
        record(s, cid, [25])
    con = duckdb.connect(str(path))
    con.execute("UPDATE daily_usage SET campaign_id = NULL")  # the rollup forgets which campaign spent
    con.close()
    with CreditStore.open(path) as s:
        assert any("25 credits of its messages are recorded but the reservations count 0" in p for p in verify(s))


# -- 2. a bulk record cannot overflow (R1) --------------------------------------------------------------------


def test_a_bulk_record_past_the_bound_is_refused_and_writes_nothing(tmp_path):
    path = tmp_path / "o.duckdb"
    s = account(path, credits=1000)
    n = 9_300
    df = pd.DataFrame({"message_id": [f"m{i}" for i in range(n)], "list_id": "a",
                       "sent_at": pd.to_datetime([now() - timedelta(seconds=1)] * n, utc=True),
                       "credits": [10**15 - 1] * n})
    with pytest.raises(CreditsError, match="10\\*\\*15") as err:
        s.record_messages(df)
    assert not isinstance(err.value, InsufficientCredits)
    assert s.balance().total == 1000 and s.message_count == 0
    s.close()
    with CreditStore.open(path) as again:  # the file still opens, unchanged
        assert again.balance().total == 1000


# -- 3. one file, one ledger, whatever the path (R16) -------------------------------------------------------------


def spend_in_another_process(path: Path, credits: int) -> None:
    code = ("import sys; from datetime import datetime, UTC; from credits_core import CreditStore\n"
            "with CreditStore.open(sys.argv[1]) as s: s.send('a', int(sys.argv[2]), datetime.now(UTC))")
    out = subprocess.run([sys.executable, "-c", code, str(path), str(credits)], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_a_symlink_leads_to_the_same_turns_and_writes(tmp_path):
    real = tmp_path / "srv" / "credits.duckdb"
    real.parent.mkdir()
    with account(real):
        pass
    link = tmp_path / "link.duckdb"
    link.symlink_to(real)
    a = CreditStore.open(link)
    assert a.balance().total == 100
    a.release()
    spend_in_another_process(real, 30)
    assert a.balance().total == 70  # A sees B's write
    with pytest.raises(InsufficientCredits):
        a.send("a", 100, now())
    a.close()
    with CreditStore.open(real) as again:
        assert again.balance().total == 70 and verify(again) == []


def test_a_relative_path_and_a_symlink_share_one_lock(tmp_path, monkeypatch):
    real = tmp_path / "credits.duckdb"
    with account(real):
        pass
    (tmp_path / "link.duckdb").symlink_to(real)
    monkeypatch.chdir(tmp_path)
    holder = CreditStore.open("link.duckdb")
    with holder.reading():
        with pytest.raises(StoreBusy):
            CreditStore.open(real, wait_s=0.3)
    holder.close()


# -- 5. a report is answered from one snapshot in one turn ------------------------------------------------------


def test_a_report_is_not_split_by_another_processs_write(tmp_path, monkeypatch):
    path = tmp_path / "r.duckdb"
    a = account(path, credits=1000)
    a.send("a", 50, now() - timedelta(hours=1))  # a single send: not folded into the rollup yet
    b = CreditStore.open(path)
    a.release()
    original = reports_module.usage_source
    writer: list[threading.Thread] = []

    def boundary_then_a_purchase(store, f=None):
        table = original(store, f)
        t = threading.Thread(target=lambda: b.purchase(10, now()))  # folds the pending send into the rollup
        t.start()
        t.join(0.8)  # before the fix the purchase got in here, between the boundary and the query
        writer.append(t)
        return table

    monkeypatch.setattr(reports_module, "usage_source", boundary_then_a_purchase)
    got = reports_module.usage(a, ReportFilter(period="year"))
    writer[0].join()
    assert int(got["credits"].sum()) == 50
    monkeypatch.undo()
    assert int(reports_module.usage(a, ReportFilter(period="year"))["credits"].sum()) == 50
    a.close()
    b.close()


# -- 6. read-only is read-only --------------------------------------------------------------------------------


def test_a_read_only_open_creates_and_changes_no_file(tmp_path):
    path = tmp_path / "ro.duckdb"
    with account(path):
        pass
    for extra in tmp_path.iterdir():
        if extra != path:
            extra.unlink()
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    with CreditStore.open(path, read_only=True) as r:
        assert r.balance().total == 100
        reports_module.usage(r, ReportFilter())
        with pytest.raises(CreditsError, match="read-only"):
            r.send("a", 1, now())
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_a_read_only_open_still_takes_its_turn_with_the_writers(tmp_path):
    path = tmp_path / "t.duckdb"
    w = account(path)
    with w.batch():  # the writer holds the file
        with pytest.raises(StoreBusy):
            CreditStore.open(path, read_only=True, wait_s=0.3)
    w.close()


def test_a_read_only_memory_store_refuses_writes():
    s = CreditStore.open(":memory:", read_only=True)
    with pytest.raises(CreditsError, match="read-only"):
        s.add_list("a")
    with pytest.raises(CreditsError, match="read-only"):
        s.purchase(10, now())


# -- 7. alerts: once per episode, by date, and the pool by type ---------------------------------------------------


def runout_store(list_id: str = "b") -> tuple[CreditStore, datetime]:
    s = CreditStore.open(":memory:")
    s.add_list(list_id, "Bulk")
    s.purchase(10_000, T("2026-01-01T10:00"), expiring=False)
    s.assign(list_id, 300, T("2026-01-01T11:00"))
    start = now()
    for i in range(58):
        s.send(list_id, 5, start - timedelta(days=1 + i * 1.5))
    return s, start


def us(t: datetime) -> int:
    return int(t.timestamp() * 1e6)


def test_a_run_out_alert_is_not_sent_again_because_days_pass():
    """A list that keeps its pace runs out on the same date while the days left shrink: one e-mail, not one every
    few days."""
    s = CreditStore.open(":memory:")
    s.add_list("b", "Bulk")
    s.purchase(100_000, T("2026-01-01T10:00"), expiring=False)
    start = now().replace(hour=9, minute=0, second=0)
    s.assign("b", 1_700, start - timedelta(days=91))
    day = start - timedelta(days=90)
    mails = []
    for step in range(0, 40, 4):
        today = start + timedelta(days=step)
        while day <= today - timedelta(days=1):  # 10 credits a day, every day, up to yesterday
            s.send("b", 10, day)
            day += timedelta(days=1)
        for a in due(s, [a for a in find_alerts(s, today_us=us(today)) if a.key.startswith("runout:")]):
            mails.append(a.subject)
            s.mark_alert_sent(a.key, a.figure)
    assert len(mails) == 1, mails


def test_a_run_out_date_that_moves_materially_is_news():
    old = Alert("runout:list:b:30", "s", "b", figure=740_000, tolerance=7)
    assert not old.changed_since(740_003)
    assert Alert("runout:list:b:30", "s", "b", figure=740_020, tolerance=7).changed_since(740_000)


def test_a_resolved_alert_is_forgotten_so_its_next_episode_is_sent(monkeypatch):
    from credits_core.planning import alerts

    sent: list[str] = []
    monkeypatch.setattr(alerts, "send", lambda settings, msgs: sent.extend(m["Subject"] for m in msgs))
    settings = alerts.SmtpSettings("h", 25, "none", None, None, "f@x", ("t@x",), "http://x")
    s = CreditStore.open(":memory:")
    s.add_list("a", "Avvisi")
    s.purchase(100, now() - timedelta(days=1), expiring=False)
    schedule_campaign(s, "a", now() + timedelta(days=3), "x", {"IT": 100})
    def risks() -> list[str]:
        return [x for x in sent if "at risk" in x]

    s.send("a", 10, now())  # spend eats into the reservation: 10 short
    alerts.run(s, settings)
    assert len(risks()) == 1 and "10 credits short" in risks()[-1]
    s.purchase(10, now(), expiring=False)  # resolved
    alerts.run(s, settings)
    assert len(risks()) == 1
    s.send("a", 10, now())  # short by 10 again: a new episode, the same figure
    alerts.run(s, settings)
    assert len(risks()) == 2 and "10 credits short" in risks()[-1]


def test_a_list_whose_id_starts_with_a_bracket_is_not_the_pool():
    s, start = runout_store("(vip)")
    got = [a for a in find_alerts(s, today_us=us(start)) if a.key.startswith("runout:")]
    assert got and "List Bulk runs out" in got[0].subject and "pool" not in got[0].subject


# -- 8. a failed COMMIT reports its own error --------------------------------------------------------------------


class FailingCommit(RuntimeError):
    pass


def test_a_failed_commit_is_the_error_reported(monkeypatch):
    s = account()
    real_session = Database.session

    class Cursor:
        def __init__(self, cur):
            self._cur = cur

        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise FailingCommit("disk full")
            if sql == "ROLLBACK":
                raise duckdb.TransactionException("cannot rollback - no transaction is active")
            return self._cur.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._cur, name)

    @contextmanager
    def session(self):
        with real_session(self) as cur:
            yield Cursor(cur)

    monkeypatch.setattr(Database, "session", session)
    with pytest.raises(FailingCommit, match="disk full"):
        s.purchase(5, now())
    monkeypatch.undo()
    assert s.balance().total == 100


def test_a_send_before_future_dated_messages_replays_from_a_noted_state(monkeypatch):
    """Issue 31.17: a few messages dated in the future made every later send replay everything since the last
    checkpoint (about 3 sends a second on a 500k file under load). Such a send now reads only the messages after the
    latest state noted before it (every ``MARK_EVERY`` messages), and the ledger is the one a full replay gives."""
    from credits_core.storage import journal

    monkeypatch.setattr(journal, "MARK_EVERY", 10)
    s = CreditStore.open(":memory:")
    s.add_list("a")
    start = T("2026-01-01T10:00")
    s.purchase(10_000, start, expiring=False)
    s.record_messages(pd.DataFrame({"message_id": [f"m{i}" for i in range(100)], "list_id": "a",
                                    "sent_at": [start + timedelta(hours=1 + i) for i in range(100)], "credits": 1}))
    s.send("a", 1, start + timedelta(days=60))  # dated after everything else
    read = []
    real = journal.messages_after

    def counting(cur, key, until=None):
        got = real(cur, key) if until is None else real(cur, key, until)
        read.append(len(got))
        return got

    monkeypatch.setattr(journal, "messages_after", counting)
    s.send("a", 1, start + timedelta(days=10))  # before the future-dated one
    assert read and max(read) <= 10 + 1  # not the 101 messages since the purchase
    assert verify(s) == [] and s.balance(start + timedelta(days=90)).total == 10_000 - 102
