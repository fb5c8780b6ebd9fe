"""One store for the whole team: every example of the issue, as tests (each failed on the store before the
journal / snapshot split), plus R1's bound, read-only, bounded resources and "reading never writes"."""

from __future__ import annotations

import gc
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from credits_core import CreditsError, CreditStore, InsufficientCredits
from credits_core.planning import LimitChange, apply_limits, preview, schedule_campaign
from credits_core.reporting import ReportFilter, list_overview, messages_page, select, usage

from .conftest import T


def expired_unrecorded(s: CreditStore) -> None:
    """Lot X 1,000 bought 2023-01-10 (expired 2025-01-10), non-expiring N 100, list a assigned 500, nothing since."""
    s.add_list("a", "Alerts")
    s.purchase(1000, T("2023-01-10T10:00"), lot_id="X")
    s.purchase(100, T("2023-01-10T11:00"), expiring=False, lot_id="N")
    s.assign("a", 500, T("2023-01-10T12:00"))


def test_pages_and_checks_see_an_expiry_no_event_follows(store, now):
    expired_unrecorded(store)
    b = store.balance()
    assert (b.unassigned, b.assigned) == (0, {"a": 100})
    view = list_overview(store)  # what the Overview and the Assign page show
    assert view.attrs["pool"] == 0
    assert view.set_index("list_id").loc["a", "assigned"] == 100
    with pytest.raises(InsufficientCredits, match="holds only 0"):  # 400 needs 300 more: the pool is empty
        apply_limits(store, [LimitChange("a", 400)], now)
    with pytest.raises(InsufficientCredits):
        apply_limits(store, [LimitChange("a", 550)], now)
    assert store.balance().assigned == {"a": 100}  # refused: nothing written
    apply_limits(store, [LimitChange("a", 60)], now)  # gives 40 back: fine
    assert (store.balance().unassigned, store.balance().assigned) == (40, {"a": 60})
    with pytest.raises(InsufficientCredits, match="Alerts has 60"):
        schedule_campaign(store, "a", now + timedelta(days=3), "hello", {"IT": 400})
    schedule_campaign(store, "a", now + timedelta(days=3), "hello", {"IT": 50})
    assert preview(store).end_state.total <= 100


def test_backdated_send_in_a_batch_counts_for_the_next_send(db_path):
    with CreditStore.open(db_path) as s:
        s.add_list("a")
        s.purchase(100, T("2024-01-01T00:00"), expiring=False)
        with s.batch():
            s.send("a", 5, T("2024-02-10T10:00"))
            s.send("a", 10, T("2024-02-01T10:00"))  # backdated, inside the batch
        with pytest.raises(InsufficientCredits):
            s.send("a", 90, T("2024-03-01T10:00"))  # 85 left
        assert s.balance().total == 85
    with CreditStore.open(db_path) as s:  # the file opens, and agrees
        assert s.balance().total == 85


def test_a_repeated_message_in_a_batch_is_spent_once(db_path):
    with CreditStore.open(db_path) as s:
        s.add_list("a")
        s.add_list("b")
        s.purchase(200, T("2024-01-01T00:00"), expiring=False)
        s.send("a", 50, T("2024-01-02T00:00"), message_id="m1")
        with s.batch():
            s.send("a", 50, T("2024-01-02T00:00"), message_id="m1")  # R13: a no-op
            s.assign("b", 10, T("2024-01-03T00:00"))
        assert s.balance().total == 150
    with CreditStore.open(db_path) as s:
        assert s.balance().total == 150 and s.message_count == 1


def test_r1_amounts_and_totals_stay_below_10_15(store):
    store.add_list("a")
    with pytest.raises(CreditsError, match="10\\*\\*15"):
        store.purchase(2**63, T("2024-01-01T00:00"))
    store.purchase(2**49, T("2024-01-01T00:00"), expiring=False)  # about 5.6e14
    with pytest.raises(CreditsError, match=str(2**49 + 2**49)):
        store.purchase(2**49, T("2024-01-02T00:00"))  # would total 1.1e15
    with pytest.raises(CreditsError, match="10\\*\\*15"):
        store.assign("a", 10**15, T("2024-01-02T00:00"))
    with pytest.raises(CreditsError, match="10\\*\\*15"):
        store.send("a", 2**62, T("2024-01-02T00:00"))
    import pandas as pd

    df = pd.DataFrame({"message_id": ["x"], "list_id": ["a"], "sent_at": pd.to_datetime(["2024-01-03"], utc=True),
                       "credits": pd.Series([10**18], dtype=object)})
    with pytest.raises(CreditsError, match="10\\*\\*15"):
        store.record_messages(df)
    assert store.balance().total == 2**49 and store.message_count == 0


def test_read_only_on_a_missing_file_creates_nothing(tmp_path):
    missing = tmp_path / "typo" / "demo.duckdb"
    with pytest.raises(CreditsError, match="does not exist"):
        CreditStore.open(missing, read_only=True)
    assert not missing.parent.exists()


def test_reading_never_writes(db_path):
    """Reports on a store with single sends not yet folded into the rollup work read-only, and change nothing."""
    with CreditStore.open(db_path) as s:
        s.add_list("a")
        s.purchase(1000, T("2024-01-01T00:00"), expiring=False)
        for i in range(5):
            s.send("a", 2, T("2024-01-05T10:00") + timedelta(hours=i))
    before = {p.name: p.stat().st_mtime_ns for p in db_path.parent.iterdir() if not p.name.endswith(".lock")}
    with CreditStore.open(db_path, read_only=True) as r:
        assert usage(r, ReportFilter(period="day"))["credits"].sum() == 10
        assert messages_page(r, ReportFilter(lists=("a",))).total_rows == 5
    with CreditStore.open(db_path) as w:
        token = Path(str(db_path) + ".rev").read_text()
        assert usage(w, ReportFilter(period="month"))["credits"].sum() == 10
        assert Path(str(db_path) + ".rev").read_text() == token  # no write announced
    after = {p.name: p.stat().st_mtime_ns for p in db_path.parent.iterdir() if not p.name.endswith(".lock")}
    assert {k: v for k, v in after.items() if k in before} == before


def test_cursors_do_not_grow_with_threads_and_reruns(db_path):
    """2,000 reads from 200 short-lived threads (what Streamlit reruns look like): no cursor or connection is
    left behind, and the file is opened once per burst, not once per read."""
    with CreditStore.open(db_path) as s:
        s.add_list("a")
        s.purchase(1000, T("2024-01-01T00:00"), expiring=False)
        s.send("a", 1, T("2024-01-02T00:00"))

        def reads():
            for _ in range(10):
                assert select(s, "SELECT count(*) FROM messages").fetchall() == [(1,)]

        for _ in range(200):
            t = threading.Thread(target=reads)
            t.start()
            t.join()
        gc.collect()
        import duckdb

        live = [o for o in gc.get_objects() if isinstance(o, duckdb.DuckDBPyConnection)]
        assert len(live) <= 2, f"{len(live)} DuckDB connections/cursors alive"
        assert s.opens < 50


def test_another_process_write_is_seen_at_the_next_question(db_path):
    """Two stores on one file (as two processes would be): each sees the other's writes, no copy, no restart."""
    a = CreditStore.open(db_path)
    a.add_list("a")
    a.purchase(100, T("2024-01-01T00:00"), expiring=False)
    b = CreditStore.open(db_path, read_only=True)
    assert b.balance().total == 100
    rev = b.revision
    a.send("a", 30, T("2024-01-02T00:00"))
    a.release()
    assert b.balance().total == 70 and b.revision != rev
    a.add_list("z", "Zeta")
    a.release()
    assert b.list_name("z") == "Zeta"
    b.close()
    a.close()


def test_check_and_rebuild_commands(db_path, capsys):
    """`check` compares the derived data with a full replay (exit 1 naming what differs); `rebuild` repairs it."""
    import duckdb

    from credits_core.cli.main import main

    with CreditStore.open(db_path) as s:
        s.add_list("a")
        s.purchase(100, T("2024-01-01T00:00"), expiring=False)
        s.assign("a", 40, T("2024-01-02T00:00"))
        s.send("a", 5, T("2024-01-03T00:00"))
        s.purchase(10, T("2024-01-04T00:00"), expiring=False)  # a transaction: folds the send into the rollup
    assert main(["check", "--db", str(db_path)]) == 0
    con = duckdb.connect(str(db_path))
    con.execute("""UPDATE checkpoints SET state = replace(state, '"pool": 60', '"pool": 61')""")
    con.execute("UPDATE daily_usage SET credits = credits + 1")
    con.close()
    capsys.readouterr()
    assert main(["check", "--db", str(db_path)]) == 1
    out = capsys.readouterr().out
    assert "differs from the replay" in out and "R11" in out and "daily rollup" in out, out
    assert main(["rebuild", "--db", str(db_path)]) == 0
    assert main(["check", "--db", str(db_path)]) == 0


def test_the_machine_time_zone_changes_nothing(tmp_path):
    """A process on a machine set to New York records and reports the same instants and Rome days as one set to
    UTC (guards the move of the session time zone to one SET GLOBAL per connection)."""
    import subprocess
    import sys

    script = (
        "import sys; from datetime import datetime, UTC; from credits_core import CreditStore;"
        "from credits_core.reporting import select, ReportFilter, usage;"
        "s = CreditStore.open(sys.argv[1]); s.add_list('a'); s.purchase(100, datetime(2026, 1, 1, tzinfo=UTC));"
        "s.send('a', 3, datetime(2026, 3, 1, 23, 30, tzinfo=UTC), message_id='m');"
        "print(select(s, 'SELECT epoch_us(sent_at), strftime(sent_at, \\'%Y-%m-%d %H:%M\\') FROM messages')"
        ".fetchall()[0], usage(s, ReportFilter(period='day'))[['period', 'credits']].values.tolist())")
    out = {}
    for tz in ("UTC", "America/New_York"):
        run = subprocess.run([sys.executable, "-c", script, str(tmp_path / f"{tz.replace('/', '_')}.duckdb")],
                             capture_output=True, text=True, env={**os.environ, "TZ": tz}, check=True)
        out[tz] = run.stdout
    assert out["UTC"] == out["America/New_York"]
    assert "2026-03-01 23:30" in out["UTC"] and "2026-03-02" in out["UTC"]  # Rome's day: 00:30 on 2 March
