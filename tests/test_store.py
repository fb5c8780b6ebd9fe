"""Store behaviour: persistence, schema versions, refusals that write nothing, R9, R13, R14, batches."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from credits_core import CreditsError, CreditStore, InsufficientCredits, Policy, StoreBusy
from credits_core.reporting import select
from credits_core.storage import APP_ID, MIGRATIONS, SCHEMA_VERSION

from .conftest import T


def small_account(store: CreditStore) -> None:
    store.add_list("a", "Newsletter")
    store.add_list("b", "Alerts")
    store.purchase(100, T("2024-01-01T10:00"), expiring=False, lot_id="N")
    store.purchase(1000, T("2024-01-02T10:00"), lot_id="X")
    store.assign("b", 300, T("2024-01-03T10:00"))
    store.send("a", 50, T("2024-01-04T10:00"), message_id="m1", country="IT", parts=1)
    store.send("b", 70, T("2024-01-05T10:00"), message_id="m2")


def snapshot(store: CreditStore) -> tuple:
    return (store.balance(T("2030-01-01T00:00")), store.balance(T("2024-01-04T12:00")), store.message_count,
            store.lots(T("2030-01-01T00:00")).to_dict("list"), select(store,
                "SELECT count(*) FROM events").fetchall(), len(store.checkpoints))


def test_persists_across_close_and_reopen(db_path):
    with CreditStore.open(db_path) as s:
        small_account(s)
        before = snapshot(s)
    with CreditStore.open(db_path) as s:
        assert snapshot(s) == before
        assert s.list_name("a") == "Newsletter"
        s.send("a", 5, T("2024-02-01T10:00"))  # appending after reopen uses the reloaded tail
        assert s.balance(T("2024-03-01T00:00")).unassigned == 100 + 1000 - 300 - 50 - 5


@pytest.mark.parametrize("call, error", [
    (lambda s: s.send("a", 5, datetime(2024, 2, 1)), "naive"),
    (lambda s: s.send("a", 5.0, T("2024-02-01T00:00")), "whole number"),
    (lambda s: s.send("a", 0, T("2024-02-01T00:00")), "> 0"),
    (lambda s: s.send("a", True, T("2024-02-01T00:00")), "whole number"),
    (lambda s: s.send("zz", 5, T("2024-02-01T00:00")), "'zz' is unknown"),
    (lambda s: s.send("a", 10_000, T("2024-02-01T00:00")), "holds only"),
    (lambda s: s.send("b", 231, T("2024-02-01T00:00")), "list 'b'"),
    (lambda s: s.send("a", 7, T("2024-01-04T10:00"), message_id="m1"), "different content"),
    (lambda s: s.purchase(0, T("2024-02-01T00:00")), "> 0"),
    (lambda s: s.purchase(10.5, T("2024-02-01T00:00")), "whole number"),
    (lambda s: s.purchase(10, T("2024-02-01T00:00"), lot_id="X"), "already exists"),
    (lambda s: s.purchase(10, T("2024-02-01T00:00"), price=-1), "price"),
    (lambda s: s.assign("a", 10_000, T("2024-02-01T00:00")), "pool holds only"),
    (lambda s: s.assign("b", -400, T("2024-02-01T00:00")), "give back"),
    (lambda s: s.assign("zz", 1, T("2024-02-01T00:00")), "unknown"),
    (lambda s: s.set_shared("b", datetime(2024, 2, 1)), "naive"),
    # R14: a backdated assignment that would make a recorded message overdraw names that message
    (lambda s: s.assign("a", 5, T("2024-01-03T11:00")), "message 'm1'"),
    (lambda s: s.send("a", 900, T("2024-01-03T12:00")), "holds only"),
    (lambda s: s.record_messages(pd.DataFrame({"message_id": ["x"], "list_id": ["a"],
                                               "sent_at": [T("2024-02-01T00:00")], "credits": [1.0]})), "float"),
])
def test_refused_input_leaves_store_unchanged(db_path, call, error):
    with CreditStore.open(db_path) as s:
        small_account(s)
        before = snapshot(s)
        with pytest.raises(CreditsError, match=error):
            call(s)
        assert snapshot(s) == before
    with CreditStore.open(db_path) as s:  # and nothing reached the file
        assert snapshot(s) == before


def test_insufficient_is_a_credits_error_is_a_value_error():
    assert issubclass(InsufficientCredits, CreditsError) and issubclass(CreditsError, ValueError)


def test_r9_expiry_before_other_events_at_the_same_instant(store):
    store.add_list("a")
    store.purchase(10, T("2024-06-01T10:00"), lot_id="X")  # expires 2026-06-01 00:00 Rome = 05-31 22:00Z
    at = T("2026-05-31T22:00")
    with pytest.raises(InsufficientCredits):
        store.send("a", 1, at)
    store.purchase(5, at, expiring=False, lot_id="N")
    store.send("a", 5, at)
    b = store.balance(at)
    assert b.lots == {"X": 0, "N": 0} and store.expiries(at)["credits"].tolist() == [10]


def test_r9_same_instant_keeps_recording_order(store):
    store.add_list("a")
    at = T("2024-01-01T10:00")
    store.purchase(10, at, expiring=False)
    store.send("a", 10, at)          # recorded after the purchase: allowed
    store.assign("a", 0, at)          # recorded after the send: a becomes limited with 0
    with pytest.raises(InsufficientCredits):
        store.send("a", 1, at)


def test_r13_idempotent_send_and_purchase(store):
    small_account(store)
    before = snapshot(store)
    assert store.send("a", 50, T("2024-01-04T10:00"), message_id="m1", country="IT", parts=1) == "m1"
    assert store.purchase(1000, T("2024-01-02T10:00"), lot_id="X") == "X"
    assert snapshot(store) == before


def test_r14_backdated_events_replay_in_time_order(store):
    store.add_list("a")
    store.purchase(100, T("2024-01-01T10:00"), expiring=False)
    store.send("a", 60, T("2024-03-01T10:00"), message_id="late")
    store.send("a", 40, T("2024-02-01T10:00"), message_id="early")  # backdated, fits
    with pytest.raises(InsufficientCredits, match="message 'late'"):
        store.send("a", 1, T("2024-01-15T10:00"), message_id="earlier")  # would make 'late' overdraw
    assert store.balance(T("2024-02-15T00:00")).total == 60
    assert store.balance(T("2024-04-01T00:00")).total == 0


def test_backdated_purchase_extends_and_changes_expiries(store):
    store.add_list("a")
    store.purchase(100, T("2024-01-10T10:00"), lot_id="L1")
    store.send("a", 10, T("2025-01-01T10:00"))
    assert store.expiries(T("2027-12-31T00:00"))["credits"].sum() == 90
    store.purchase(50, T("2025-06-01T10:00"), lot_id="L2")  # after the send, before the expiry: extends L1
    exp = store.expiries(T("2027-12-31T00:00"))
    assert exp["expired_at"].tolist() == [T("2027-05-31T22:00")] and exp["credits"].tolist() == [140]


def test_batch_commits_together_and_discards_on_error(db_path):
    with CreditStore.open(db_path) as s:
        s.add_list("a")
        s.purchase(100, T("2024-01-01T10:00"), expiring=False)
        with s.batch():
            for i in range(10):
                s.send("a", 1, T("2024-01-02T10:00") + timedelta(minutes=i), message_id=f"b{i}")
            with pytest.raises(InsufficientCredits):
                s.send("a", 1000, T("2024-01-03T10:00"))
            assert s.balance(T("2024-02-01T00:00")).total == 90
        assert s.message_count == 10
        with pytest.raises(RuntimeError), s.batch():
            s.send("a", 1, T("2024-01-04T10:00"))
            raise RuntimeError("boom")
        assert s.message_count == 10 and s.balance(T("2024-02-01T00:00")).total == 90
    with CreditStore.open(db_path) as s:
        assert s.message_count == 10 and s.balance(T("2024-02-01T00:00")).total == 90


def test_a_file_keeps_the_policy_it_was_created_with(db_path):
    """R16 (issue 20.4): an open with another policy is refused, naming both; the file's own policy is used."""
    with CreditStore.open(db_path) as s:
        s.add_list("a")
        s.purchase(20, T("2024-01-01T10:00"), expiring=False, lot_id="N")
        s.purchase(50, T("2024-01-01T11:00"), lot_id="X")
        s.send("a", 30, T("2024-01-02T10:00"))
    with pytest.raises(CreditsError, match="non_expiring_first.*earliest_expiry_first"):
        CreditStore.open(db_path, policy=Policy(consumption="earliest_expiry_first"))
    with CreditStore.open(db_path, policy=Policy()) as s:  # the same policy, said explicitly, is fine
        assert s.balance(T("2024-02-01T00:00")).lots == {"N": 0, "X": 40}
    with CreditStore.open(db_path) as s:
        assert s.policy == Policy()


def test_older_schema_is_migrated(db_path):
    con = duckdb.connect(str(db_path))
    for sql in MIGRATIONS[0]:
        con.execute(sql)
    con.execute("INSERT INTO meta VALUES ('app', ?), ('schema_version', '1')", [APP_ID])
    con.execute("INSERT INTO lists VALUES (0, 'a', 'Old list')")
    con.execute("INSERT INTO events VALUES (1, TIMESTAMP '2024-01-01 10:00', 'purchase', NULL, 70, 'X', true, NULL)")
    con.close()
    with CreditStore.open(db_path) as s:
        assert s.balance(T("2024-02-01T00:00")).total == 70
        assert select(s, "SELECT value FROM meta WHERE key='schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
        assert select(s, "SELECT count(*) FROM campaigns").fetchall() == [(0,)]


def test_newer_or_foreign_files_are_refused(db_path, tmp_path):
    CreditStore.open(db_path).close()
    con = duckdb.connect(str(db_path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(CreditsError, match="newer version"):
        CreditStore.open(db_path)
    foreign = tmp_path / "other.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.close()
    with pytest.raises(CreditsError, match="not a credits database"):
        CreditStore.open(foreign)
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CreditsError):
        CreditStore.open(garbage)


def test_a_busy_file_is_waited_for_then_a_clear_error(db_path):
    """Another process holding the file past the wait gives StoreBusy naming the file; an idle holder does not
    block anyone (it lets the file go)."""
    code = ("import sys; from credits_core import CreditStore, StoreBusy\n"
            "try:\n    s = CreditStore.open(sys.argv[1], wait_s=1.0, on_wait=lambda m: print('WAIT', m))\n"
            "    print('OPENED', s.balance().total)\n"
            "except StoreBusy as e:\n    print('BUSY', e)\n")

    def other() -> str:
        return subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True,
                              cwd=str(Path(__file__).parents[1]), timeout=60).stdout

    with CreditStore.open(db_path) as s:
        s.add_list("a")
        s.purchase(10, T("2024-01-01T00:00"), expiring=False)
        assert "OPENED 10" in other()  # this store is open but idle
        with s.batch():  # holds the file for the whole block
            out = other()
        assert "BUSY" in out and str(db_path) in out and "stayed busy" in out
    assert StoreBusy.__mro__[1] is CreditsError


def test_read_only_store_refuses_writes(db_path):
    with CreditStore.open(db_path) as s:
        small_account(s)
    with CreditStore.open(db_path, read_only=True) as s:
        assert s.balance(T("2024-02-01T00:00")).total == 980
        with pytest.raises(CreditsError, match="read-only"):
            s.send("a", 1, T("2024-03-01T00:00"))


def test_record_messages_reports_every_problem(store):
    small_account(store)
    df = pd.DataFrame({
        "message_id": ["ok1", "m1", "dup", "dup", ""],
        "list_id": ["a", "a", "zz", "a", "a"],
        "sent_at": pd.to_datetime(["2024-02-01T10:00Z"] * 5, utc=True),
        "credits": [1, 2, -3, 4, 5],
    })
    with pytest.raises(CreditsError) as info:
        store.record_messages(df)
    text = str(info.value)
    for needle in ["row 2, column list_id, value 'zz'", "row 2, column credits, value -3", "row 3, column message_id",
                   "row 4, column message_id"]:
        assert needle in text
    assert store.message_count == 2


def test_record_messages_naive_sent_at_refused(store):
    small_account(store)
    df = pd.DataFrame({"message_id": ["x"], "list_id": ["a"], "sent_at": [pd.Timestamp("2024-02-01")],
                       "credits": [1]})
    with pytest.raises(CreditsError, match="tz-aware"):
        store.record_messages(df)


def test_batch_checks_stored_ids_when_it_writes(db_path):
    with CreditStore.open(db_path) as s:
        small_account(s)
        total_before = s.balance(T("2024-06-01T00:00")).total
        with s.batch():  # the same message again (R13): a no-op, found when the batch writes
            s.send("a", 50, T("2024-01-04T10:00"), message_id="m1", country="IT", parts=1)
            s.send("a", 5, T("2024-03-01T10:00"), message_id="new1")
        assert s.message_count == 3
        assert s.balance(T("2024-06-01T00:00")).total == total_before - 5
        after_ok = snapshot(s)
        with pytest.raises(CreditsError, match="already exists with different content"), s.batch():
            s.send("a", 7, T("2024-04-01T10:00"), message_id="m1")  # stored with other content
            s.send("a", 1, T("2024-04-02T10:00"), message_id="new2")
        assert snapshot(s) == after_ok
    with CreditStore.open(db_path) as s:
        assert snapshot(s) == after_ok


def test_concurrent_sessions_neither_fail_nor_lose_writes(db_path):
    """The dashboard shares one store between browser sessions, each on its own thread (and DuckDB cursor)."""
    import threading

    with CreditStore.open(db_path) as s:
        for lid in ("a", "b"):
            s.add_list(lid)
        s.purchase(1_000_000, T("2024-01-01T10:00"), expiring=False)
        s.assign("b", 100_000, T("2024-01-01T11:00"))
        errors: list[Exception] = []

        def session(k: int) -> None:
            try:
                for i in range(150):
                    at = T("2024-02-01T00:00") + timedelta(minutes=i, seconds=k)
                    s.send("ab"[k % 2], 1, at, message_id=f"s{k}-{i}")
                    if i % 50 == 0:
                        s.assign("b", 1, at)
                        s.balance(at)
            except Exception as exc:  # pragma: no cover - the assertion below shows it
                errors.append(exc)

        threads = [threading.Thread(target=session, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert s.message_count == 600
        b = s.balance(T("2024-03-01T00:00"))
        assert b.total == 1_000_000 - 600 and b.assigned["b"] == 100_000 + 12 - 300


def test_stale_derived_data_is_rebuilt_from_the_events(db_path):
    """Checkpoints written under an older meaning (DERIVED_VERSION) are never trusted, even when they are wrong."""
    with CreditStore.open(db_path) as s:
        small_account(s)
        before = snapshot(s)
        # corrupt them so that trusting them would overdraw the pool with the messages recorded after them
    con = duckdb.connect(str(db_path))  # behind the store's back, as a bug or an old version would have
    con.execute("""UPDATE checkpoints SET state = replace(state, '"pool": ', '"pool": -')""")
    con.execute("UPDATE meta SET value = '0' WHERE key = 'derived_version'")
    con.close()
    with CreditStore.open(db_path) as s:
        assert snapshot(s) == before


def test_r14_names_the_first_message_in_time_that_fails(store):
    """Pool 10 and list b holding 5: a:20 on Feb 1 fails before b:6 on Feb 2, whatever order they come in."""
    store.add_list("a")
    store.add_list("b")
    store.purchase(15, T("2024-01-01T00:00"), expiring=False)
    store.assign("b", 5, T("2024-01-01T01:00"))
    df = pd.DataFrame({"message_id": ["mb", "ma"], "list_id": ["b", "a"],
                       "sent_at": pd.to_datetime(["2024-02-02T10:00", "2024-02-01T10:00"], utc=True),
                       "credits": [6, 20]})
    with pytest.raises(InsufficientCredits, match="message 'ma' of list 'a'"):
        store.record_messages(df)


def test_automatic_lot_ids_never_collide_with_chosen_ones(store):
    store.purchase(10, T("2024-01-01T00:00"), lot_id="L000002")
    second = store.purchase(10, T("2024-01-02T00:00"))
    third = store.purchase(10, T("2024-01-03T00:00"))
    assert len({"L000002", second, third}) == 3


def test_policy_has_no_time_zone_knob_and_old_files_open(db_path):
    """R2 fixes the calendar to Europe/Rome: Policy has no timezone; a file that recorded one still opens."""
    assert not hasattr(Policy(), "timezone")
    with pytest.raises(TypeError):
        Policy(timezone="UTC")
    with CreditStore.open(db_path) as s:
        small_account(s)
        total = s.balance(T("2024-06-01T00:00")).total
    con = duckdb.connect(str(db_path))
    con.execute("""UPDATE meta SET value = '{"consumption": "non_expiring_first", "extend_on_purchase": true, """
                """"timezone": "Europe/Rome", "validity_years": 2}' WHERE key = 'policy'""")
    con.close()
    with CreditStore.open(db_path) as s:
        assert s.balance(T("2024-06-01T00:00")).total == total and s.policy == Policy()
