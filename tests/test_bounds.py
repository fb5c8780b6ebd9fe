"""Issue 22: bounded imports, names cleaned where they enter, one bad alert never blocks the others, renames audited."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from credits_core import CreditsError, CreditStore
from credits_core.bounds import MAX_NAME_CHARS
from credits_core.importer import import_file

ROOT = Path(__file__).resolve().parents[1]


def zip_bomb() -> bytes:
    """An .xlsx-shaped zip whose shared strings expand 1,000 times (a few hundred KB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/sharedStrings.xml", "<sst>" + "A" * 50_000_000 + "</sst>")
    return buf.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_parsed(tmp_path):
    data = zip_bomb()
    assert len(data) < 1_000_000
    s = CreditStore.open(tmp_path / "b.duckdb")
    report = import_file(s, "lists", data, "bomb.xlsx")
    assert not report.ok and "expands" in report.text() and "not a spreadsheet" in report.text()


def test_too_many_columns_and_too_long_cells_are_refused_with_the_value_cut(tmp_path):
    s = CreditStore.open(tmp_path / "c.duckdb")
    wide = ",".join(f"c{i}" for i in range(60)) + "\n" + ",".join("x" * 60) + "\n"
    assert "at most 50" in import_file(s, "lists", wide.encode(), "wide.csv").text()
    long_cell = "list_id,name\na," + "y" * 5000 + "\n"
    assert "2,000" in import_file(s, "lists", long_cell.encode(), "long.csv").text()
    unknown = ("list_id,name," + "z" * 10_000 + "\na,b,c\n").encode()
    text = import_file(s, "lists", unknown, "u.csv").text()
    assert "z" * 100 not in text  # an echoed header is cut


def test_a_header_only_file_says_no_rows(tmp_path):
    s = CreditStore.open(tmp_path / "h.duckdb")
    report = import_file(s, "lists", b"list_id,name\n", "empty.csv")
    assert report.ok and "no rows" in report.text() and "0 rows are valid" not in report.text()


def test_names_are_cleaned_where_they_enter_and_bounded(tmp_path):
    s = CreditStore.open(tmp_path / "n.duckdb")
    s.add_list("a", "Promo\r\nBcc: everyone@example.com")
    assert s.list_name("a") == "Promo Bcc: everyone@example.com"
    with pytest.raises(CreditsError, match=f"at most {MAX_NAME_CHARS}"):
        s.add_list("b", "x" * 1_000_000)
    assert "b" not in s.list_ids


def test_a_rename_by_import_is_in_the_history_with_its_author(tmp_path):
    s = CreditStore.open(tmp_path / "r.duckdb", author="ana@example.com")
    s.add_list("a", "Old")
    report = import_file(s, "lists", b"list_id,name\na,New\n", "lists.csv")
    assert report.ok and report.written == 1
    trail = s.audit_trail()
    assert list(trail["author"]) == ["ana@example.com"] and "lists" in trail["detail"].iloc[0]


def test_a_crlf_in_a_name_never_stops_the_alerts(monkeypatch, tmp_path, now):
    """Issue 22.6: a CRLF in a list name (stored before names were cleaned) raised 'Header values may not contain
    linefeed' and no alert went out; and one alert the server refuses must not stop the others."""
    import duckdb

    from credits_core import alerts
    from credits_core.forecast import schedule_campaign

    path = tmp_path / "crlf.duckdb"
    with CreditStore.open(path) as s:
        s.add_list("a", "placeholder")
        s.add_list("b", "Bulk")
        s.purchase(300, now - timedelta(days=1), expiring=False)
        s.assign("a", 100, now - timedelta(days=1))
        schedule_campaign(s, "a", now + timedelta(days=3), "x", {"IT": 100})  # list a's campaign
        schedule_campaign(s, "b", now + timedelta(days=3), "x", {"IT": 200})  # b spends from the pool
        s.send("a", 10, now)  # both buckets now fall short of what they reserve
        s.send("b", 10, now)
    con = duckdb.connect(str(path))
    con.execute("UPDATE lists SET name = 'Promo\r\nBcc: all@example.com' WHERE list_id = 'a'")  # an old file
    con.close()
    sent: list = []
    monkeypatch.setattr(alerts.smtplib, "SMTP", lambda *a, **k: FakeSMTP(sent, refuse="pool"))
    settings = alerts.SmtpSettings("h", 25, "none", None, None, "f@x", ("t@x",), "http://x")
    with CreditStore.open(path) as s:
        with pytest.raises(CreditsError, match=r"alert\(s\) sent, \d+ not: .*risk:pool: the SMTP server"):
            alerts.run(s, settings)
        risks = [m["Subject"] for m in sent if "at risk" in m["Subject"]]
        assert risks == ["Scheduled campaigns at risk on list Promo Bcc: all@example.com: 10 credits short"]
        marked = s.alerts_sent()
        assert "risk:list:a" in marked and "risk:pool" not in marked  # the refused one is tried again next time


class FakeSMTP:
    def __init__(self, sent, refuse: str | None = None):
        self.sent, self.refuse = sent, refuse

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def send_message(self, msg):
        import smtplib

        if self.refuse and self.refuse in msg["Subject"]:
            raise smtplib.SMTPDataError(554, b"refused")
        self.sent.append(msg)


def test_the_cli_imports_every_kind_the_readme_lists(tmp_path):
    db = tmp_path / "k.duckdb"
    path = tmp_path / "c.csv"
    path.write_text("campaign_id,name\nC1,Promo\n")
    out = subprocess.run([sys.executable, "-m", "credits_core", "import", "--db", str(db), "campaigns", str(path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
