"""A file of every released schema opens, migrates and reports with every figure intact (issue 31.14).

Commit 573169f added ``campaigns.created_at`` to the schema-4 step that 3ccb118 had already shipped: a file written by
3ccb118 never got the column (``migrate`` trusted ``schema_version``), so ``report --csv``, the History page and
scheduling a campaign failed on it. The released steps are in ``tests/released_schemas.py`` as they shipped; each
file here is made by running them and writing that version's rows with plain SQL.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from credits_core import CreditStore
from credits_core.planning import schedule_campaign
from credits_core.reporting import ReportFilter, history, select, usage
from credits_core.storage import SCHEMA_VERSION

from .released_schemas import RELEASED

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.clock


def columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                      [table]).fetchall()}


def released_file(path: Path, commit: str) -> None:
    """A ledger as ``commit`` wrote it: two lists, a purchase, an assignment, three messages (one from MailUp)."""
    con = duckdb.connect(str(path))
    for step in RELEASED[commit]:
        for sql in step:
            con.execute(sql)
    con.execute("INSERT INTO meta VALUES ('app', 'sms-credits-ledger'), ('schema_version', ?)",
                [str(len(RELEASED[commit]))])
    con.execute("INSERT INTO lists VALUES (0, 'a', 'Avvisi'), (1, 'b', 'Bulk')")
    event_cols = columns(con, "events")
    author = ", NULL" if "author" in event_cols else ""
    con.execute(f"INSERT INTO events VALUES (0, '2026-01-01 10:00:00', 'purchase', NULL, 1000, 'L1', false, 80.00"
                f"{author}), (1, '2026-01-02 10:00:00', 'assign', 'b', 200, NULL, NULL, NULL{author})")
    con.execute("INSERT INTO messages VALUES (2, 'm1', 0, '2026-02-01 10:00:00', 2, 'IT', 1, NULL, '+393331234567', "
                "'Ciao'), (3, 'm2', 1, '2026-02-02 10:00:00', 3, 'IT', 1, NULL, NULL, NULL), "
                "(4, 'mailup-10-393331234568-20260203T100000Z', 0, '2026-02-03 10:00:00', 1, 'IT', 1, 'mailup-10', "
                "'393331234568', 'Promo')")
    con.close()


EXPECTED = {"total": 1000 - 6, "assigned": {"b": 200 - 3}}


@pytest.mark.parametrize("commit", list(RELEASED))
def test_a_file_of_every_released_schema_opens_migrates_and_reports(commit, tmp_path, now):
    path = tmp_path / f"{commit}.duckdb"
    released_file(path, commit)
    with CreditStore.open(path) as s:
        b = s.balance(datetime(2026, 6, 1, tzinfo=UTC))
        assert (b.total, b.assigned) == (EXPECTED["total"], EXPECTED["assigned"])
        u = usage(s, ReportFilter(datetime(2026, 2, 1).date(), datetime(2026, 2, 28).date()))
        assert int(u["credits"].sum()) == 6
        assert len(history(s)) >= 2
        cid = schedule_campaign(s, "a", now + timedelta(days=3), "Ciao", {"IT": 5})  # the column 3ccb118 lacked
        assert cid
        ids = {r[0] for r in select(s, "SELECT message_id FROM messages").fetchall()}
    assert "mailup-10-393331234568-20260203T100000Z" not in ids  # no number left in an id (schema 8)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
    assert "created_at" in columns(con, "campaigns")
    con.close()
    out = subprocess.run([sys.executable, "-m", "credits_core", "report", "--db", str(path), "--csv",
                          str(tmp_path / "csv")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "csv" / "history.csv").exists()


def test_a_file_whose_history_no_step_knows_is_refused_whole(tmp_path):
    """Columns are checked by name after a migration: a file that says schema 6 and lacks what 6 had is refused,
    and nothing of it changes."""
    path = tmp_path / "odd.duckdb"
    released_file(path, "a035124")
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE audit DROP COLUMN author")
    con.close()
    before = path.read_bytes()
    with pytest.raises(Exception, match=r"lacks audit.author after its migration from schema 6"):
        CreditStore.open(path)
    assert path.read_bytes() == before
