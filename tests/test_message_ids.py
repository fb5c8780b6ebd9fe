"""R13 with the known ids in memory (credits_core.storage.message_ids): a send whose id is stored, by this process or
another, is still a no-op (same content) or refused (other content), whatever was built, caught up or rolled back."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credits_core import CreditsError, CreditStore
from credits_core.storage import KnownIds, key_of, message_ids

from .conftest import T


@given(st.text(max_size=40))
def test_the_key_of_an_id_is_duckdbs_md5_number(text):
    con = duckdb.connect()
    got = con.execute(f"SELECT (md5_number(?) & {message_ids.LOW_64})::UBIGINT", [text]).fetchall()[0][0]
    assert key_of(text) == got


def test_known_ids_catch_up_by_sequence_number():
    con = duckdb.connect()
    con.execute("CREATE TABLE messages (seq BIGINT, message_id VARCHAR)")
    con.execute("INSERT INTO messages SELECT range, 'id' || range FROM range(1, 101)")
    known = KnownIds()
    assert known.proves_new(con, "id77", 100, 51) is None and not known.built  # not worth building yet: SQL
    known.scanned(100 * message_ids.BUILD_S_PER_MESSAGE)  # the scans have cost what building would
    assert known.proves_new(con, "id7", 100, 51) is None  # built (seq 1..50): id7 is there
    assert known.built and known.upto == 51
    assert known.proves_new(con, "id77", 100, 51) == key_of("id77")  # not among seq 1..50: new for sure
    assert known.may_hold(key_of("id7")) and not known.may_hold(key_of("id77"))
    known.catch_up(con, 101)
    assert known.may_hold(key_of("id77")) and not known.may_hold(key_of("nope"))
    known.added(key_of("new"), 101)
    assert known.upto == 102 and known.may_hold(key_of("new"))
    known.forget_from(90)
    assert known.upto == 90


def test_a_large_catch_up_is_merged_into_the_sorted_keys(monkeypatch):
    monkeypatch.setattr(message_ids, "RECENT_MAX", 10)
    con = duckdb.connect()
    con.execute("CREATE TABLE messages (seq BIGINT, message_id VARCHAR)")
    con.execute("INSERT INTO messages SELECT range, 'id' || range FROM range(1, 1001)")
    known = KnownIds()
    known.catch_up(con, 1001)
    assert all(known.may_hold(key_of(f"id{i}")) for i in range(1, 1001))
    assert sum(known.may_hold(key_of(f"other{i}")) for i in range(1000)) == 0


@pytest.fixture
def built_at_once(monkeypatch):
    """The known ids are built at the first send with an id (not after the scans they save)."""
    monkeypatch.setattr(message_ids, "BUILD_S_PER_MESSAGE", 0.0)


def test_an_id_written_by_another_process_is_known(tmp_path, built_at_once):
    path = tmp_path / "a.duckdb"
    with CreditStore.open(path) as a:
        a.add_list("L")
        a.purchase(100, T("2025-01-01T00:00:00"))
        a.send("L", 1, T("2025-01-02T00:00:00"), message_id="first")  # builds the known ids
        with CreditStore.open(path) as b:
            b.send("L", 2, T("2025-01-03T00:00:00"), message_id="theirs")
            b.record_messages(pd.DataFrame({"message_id": ["bulk"], "list_id": ["L"],
                                            "sent_at": [T("2025-01-04T00:00:00")], "credits": [1]}))
        n = a.message_count
        a.send("L", 2, T("2025-01-03T00:00:00"), message_id="theirs")  # the same message again: a no-op
        assert a.message_count == n
        for mid in ("theirs", "bulk", "first"):
            with pytest.raises(CreditsError, match="already exists"):
                a.send("L", 5, T("2025-01-05T00:00:00"), message_id=mid)
        assert a.message_count == n


def test_an_id_rolled_back_here_and_written_there_is_known(tmp_path, built_at_once):
    """A batch that fails takes back the ids it added; the sequence numbers it used are another process's next."""
    path = tmp_path / "a.duckdb"
    with CreditStore.open(path) as a:
        a.add_list("L")
        a.purchase(100, T("2025-01-01T00:00:00"))
        a.send("L", 1, T("2025-01-02T00:00:00"), message_id="first")
        with pytest.raises(RuntimeError):
            with a.batch():
                a.send("L", 1, T("2025-01-03T00:00:00"), message_id="x")
                a.send("L", 1, T("2025-01-04T00:00:00"), message_id="y")
                raise RuntimeError("the caller gives up")
        a.release()
        with CreditStore.open(path) as b:  # takes the same sequence numbers for other messages
            b.send("L", 3, T("2025-01-05T00:00:00"), message_id="z")
            b.send("L", 3, T("2025-01-06T00:00:00"), message_id="w")
        with pytest.raises(CreditsError, match="already exists"):
            a.send("L", 1, T("2025-01-07T00:00:00"), message_id="w")
        a.send("L", 1, T("2025-01-08T00:00:00"), message_id="x")  # never stored: new
        assert a.message_count == 4


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(1, 3), st.booleans()),
                min_size=1, max_size=25),
       st.booleans())
def test_sends_with_ids_follow_r13_whether_or_not_the_ids_are_built(sends, build):
    """Against a model: a new id is stored; the same id with the same content is a no-op; with other content it is
    refused. Every step is checked on a store whose known ids are built at once or never."""
    old = message_ids.BUILD_S_PER_MESSAGE
    message_ids.BUILD_S_PER_MESSAGE = 0.0 if build else 1e9
    try:
        s = CreditStore.open(":memory:")
        s.add_list("L")
        s.purchase(1_000, T("2025-01-01T00:00:00"))
        model: dict[str, tuple[int, int]] = {}
        for i, (mid, credits, same_time) in enumerate(sends):
            at = T("2025-02-01T00:00:00") + timedelta(hours=0 if same_time else i)
            known = model.get(mid)
            content = (credits, int(at.timestamp()))
            if known is not None and known != content:
                with pytest.raises(CreditsError, match="already exists"):
                    s.send("L", credits, at, message_id=mid)
            else:
                s.send("L", credits, at, message_id=mid)
                model[mid] = content
            assert s.message_count == len(model)
        s.close()
    finally:
        message_ids.BUILD_S_PER_MESSAGE = old

