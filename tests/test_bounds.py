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
from credits_core.ledger import MAX_NAME_CHARS
from credits_core.sources import import_file

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

    from credits_core.planning import alerts, schedule_campaign

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


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\x1b[2Jb", "a\x07b"])
def test_control_characters_are_refused_in_every_id_and_author(bad, tmp_path):
    """Issue 31.10: CR, LF, ESC and BEL were kept in list_id, campaign_id, message_id and the CLI's --as author."""
    import subprocess
    import sys
    from datetime import UTC, datetime

    import pandas as pd

    from credits_core import CreditsError, CreditStore
    from credits_core.storage import MessagesRejected

    s = CreditStore.open(":memory:")
    with pytest.raises(CreditsError, match="control character"):
        s.add_list(bad)
    s.add_list("a")
    s.purchase(100, datetime(2026, 1, 1, tzinfo=UTC), expiring=False)
    with pytest.raises(CreditsError, match="control character"):
        s.purchase(10, datetime(2026, 1, 1, tzinfo=UTC), lot_id=bad)
    with pytest.raises(CreditsError, match="control character"):
        s.send("a", 1, datetime(2026, 1, 2, tzinfo=UTC), message_id=bad)
    for column in ("message_id", "campaign_id"):
        df = pd.DataFrame({"message_id": ["m1"], "list_id": ["a"], "sent_at": [pd.Timestamp("2026-01-02", tz="UTC")],
                           "credits": [1], "campaign_id": ["c1"]})
        df[column] = [bad]
        with pytest.raises(MessagesRejected, match="control character"):
            s.record_messages(df)
    with pytest.raises(CreditsError, match="control character"):
        s.describe_campaigns(pd.DataFrame({"campaign_id": [bad], "name": ["x"]}))
    assert s.message_count == 0 and s.list_ids == ["a"]
    out = subprocess.run([sys.executable, "-m", "credits_core", "--as", bad, "balance", "--db",
                          str(tmp_path / "x.duckdb")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "--as" in out.stderr and "control character" in out.stderr


def sparse_workbook(rows: dict[int, list[str]], declared: int) -> bytes:
    """An .xlsx of a 50-column header, the given rows, and a sheet dimension claiming ``declared`` rows."""
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["lot_id", "purchased_at", "credits"] + [f"extra{i}" for i in range(47)])
    buf = io.BytesIO()
    wb.save(buf)
    cells = "".join(f'<row r="{r}">' + "".join(f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                                                for i, v in enumerate(vals)) + "</row>" for r, vals in rows.items())
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="A1:AX{declared}"/>'.encode(), data)
                data = data.replace(b"</sheetData>", cells.encode() + b"</sheetData>")
            zout.writestr(item, data)
    return out.getvalue()


def test_a_sparse_sheet_is_read_without_keeping_its_empty_rows():
    """Issue 31.3: a 2 KB workbook with a 50-column header and a dimension of 4,999,999 rows made openpyxl yield
    millions of empty rows, kept one by one: MemoryError at 4 GB after 88 s. Empty rows are counted, not kept; data
    after more than 10,000 of them is refused with the rows named."""
    from credits_core import CreditsError
    from credits_core.sources import read_table

    small = sparse_workbook({4_999_999: [""]}, 4_999_999)
    assert len(small) < 10_000
    assert read_table(small, "sparse.xlsx").empty  # only a header: nothing kept
    with pytest.raises(CreditsError, match=r"rows 3 to 4,999,998 are empty, then data follows"):
        read_table(sparse_workbook({2: ["L1", "2026-01-01", "5"], 4_999_999: ["L2", "2026-01-02", "5"]}, 4_999_999),
                   "gap.xlsx")
    with pytest.raises(CreditsError, match="declares 9,000,000 rows"):
        read_table(sparse_workbook({2: ["L1", "2026-01-01", "5"]}, 9_000_000), "huge.xlsx")
    kept = read_table(sparse_workbook({2: ["L1", "2026-01-01", "5"], 4: ["L2", "2026-01-02", "5"]}, 40), "ok.xlsx")
    assert kept["lot_id"].tolist() == ["L1", "", "L2"]  # an empty row inside the data keeps its row number
