"""Faults of the machine, not of the data (issue 31.12 and 31.15): a full disk during an import, a sync or a send
ends in one sentence (what failed, which file, the space left, that nothing was written) and a sound file; a file
that cannot be opened says what it is (another program's, damaged, empty), with its name only."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from credits_core import CreditsError, CreditStore
from credits_core.ledger import StorageError
from credits_core.sources import import_file
from credits_core.store import verify

ROOT = Path(__file__).resolve().parents[1]


def account(path) -> CreditStore:
    s = CreditStore.open(path)
    s.add_list("a")
    s.purchase(1_000_000, datetime(2026, 1, 1, tzinfo=UTC), expiring=False)
    return s


def messages(n: int, start: int = 0) -> pd.DataFrame:
    import numpy as np

    noise = np.random.default_rng(start).integers(0, 2**62, n)  # texts that do not compress
    return pd.DataFrame({"message_id": [f"m{i}" for i in range(start, start + n)], "list_id": "a",
                         "sent_at": pd.Timestamp("2026-02-01", tz="UTC"), "credits": 1,
                         "text": [f"{x:x}{x * 7:x}{x * 13:x}" for x in noise]})


def test_a_write_that_fails_for_the_disk_is_one_sentence_and_writes_nothing(tmp_path, monkeypatch):
    """The write token (.rev) cannot be written (ENOSPC): every write path says so and changes nothing."""
    from credits_core.storage import database as db

    s = account(tmp_path / "full.duckdb")
    before = (s.message_count, len(s.controls), s.balance(datetime(2026, 6, 1, tzinfo=UTC)).total)

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(db.os, "pwrite", full)
    with pytest.raises(StorageError, match=r"Writing to full.duckdb failed: the disk is full \(.* MB free\)\. "
                                           r"Nothing was written"):
        s.record_messages(messages(10))
    with pytest.raises(StorageError, match="the disk is full"):
        s.send("a", 1, datetime(2026, 2, 2, tzinfo=UTC))
    with pytest.raises(StorageError, match="the disk is full"):
        s.purchase(10, datetime(2026, 2, 3, tzinfo=UTC))
    report = import_file(s, "messages", messages(5).to_csv(index=False).encode(), "m.csv")
    assert not report.ok and "Writing to full.duckdb failed: the disk is full" in report.text()
    assert "ledger refuses" not in report.text() and "row None" not in report.text()
    monkeypatch.undo()
    assert (s.message_count, len(s.controls), s.balance(datetime(2026, 6, 1, tzinfo=UTC)).total) == before
    assert verify(s) == [] and s.record_messages(messages(10)) == 10  # sound, and it works once there is space


def test_a_really_full_disk(tmp_path):
    """The same on a 4 MB file system (tmpfs), where DuckDB itself cannot write: before the fix the import's
    message was "Current transaction is aborted (please ROLLBACK)", after a traceback."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                                           capture_output=True).returncode:
        pytest.skip("mounting a small file system needs root")
    try:
        path = mount / "live.duckdb"
        account(path).close()
        big = tmp_path / "big.csv"
        messages(200_000).to_csv(big, index=False)
        out = subprocess.run([sys.executable, "-m", "credits_core", "import", "--db", str(path), "messages",
                              str(big)], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert out.returncode == 1 and "Traceback" not in out.stderr + out.stdout
        assert "Writing to live.duckdb failed: the disk is full" in out.stdout and "Nothing was written" in out.stdout
        with CreditStore.open(path) as s:
            assert s.message_count == 0 and verify(s) == []
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def test_a_file_that_is_not_a_ledger_says_what_it_is_and_is_never_adopted(tmp_path):
    import sqlite3

    import duckdb

    sqlite = tmp_path / "old.db"
    sqlite3.connect(sqlite).execute("CREATE TABLE a (x)").connection.commit()
    empty_duck = tmp_path / "other.duckdb"
    duckdb.connect(str(empty_duck)).close()
    ledger = tmp_path / "ledger.duckdb"
    account(ledger).close()
    damaged = tmp_path / "damaged.duckdb"
    data = ledger.read_bytes()
    damaged.write_bytes(data[:4096] + b"\0" * (len(data) - 4096))  # DuckDB's header, then nothing readable
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(5000))
    expected = {sqlite: "old.db is a SQLite database, not a credits database",
                empty_duck: "other.duckdb is an empty DuckDB database made by another program",
                damaged: "damaged.duckdb is a damaged database: DuckDB cannot read it",
                junk: "junk.bin is not a credits database (it is not a DuckDB database at all)"}
    for path, says in expected.items():
        before = path.read_bytes()
        with pytest.raises(CreditsError) as err:
            CreditStore.open(path).close()
        assert says in str(err.value) and str(tmp_path) not in str(err.value), (path, str(err.value))
        for command in (["rebuild"], ["import", "purchases", str(tmp_path / "p.csv")]):
            (tmp_path / "p.csv").write_text("lot_id,purchased_at,credits\nL1,2026-01-01,10\n")
            out = subprocess.run([sys.executable, "-m", "credits_core", command[0], "--db", str(path), *command[1:]],
                                 cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert out.returncode != 0 and says in out.stderr + out.stdout, (path, command, out.stderr)
        assert path.read_bytes() == before  # never adopted, never changed


def test_the_dashboard_names_the_file_only(tmp_path, monkeypatch):
    import sqlite3

    from streamlit.testing.v1 import AppTest

    folder = tmp_path / "srv" / "secret-folder"
    folder.mkdir(parents=True)
    for name, says in (("old.db", "old.db is a SQLite database"), ("gone.duckdb", "gone.duckdb does not exist")):
        path = folder / name
        if name.endswith(".db"):
            sqlite3.connect(path).execute("CREATE TABLE a (x)").connection.commit()
        monkeypatch.setenv("CREDITS_DB", str(path))
        monkeypatch.setenv("CREDITS_READ_ONLY", "1")
        at = AppTest.from_file("../app.py", default_timeout=60)
        at.run()
        shown = " ".join(e.value for e in at.error)
        assert says.replace(".", "\\.") in shown or says in shown, shown
        assert "secret-folder" not in shown and "srv" not in shown
