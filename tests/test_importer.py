"""Import: samples load, every error kind is reported with its row, nothing is written on any error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits_core import CreditStore
from credits_core.reporting import select
from credits_core.sources import import_file

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def load_samples(store: CreditStore) -> None:
    for kind in ("lists", "purchases", "assignments", "messages"):
        r = import_file(store, kind, (SAMPLES / f"{kind}.csv").read_bytes(), f"{kind}.csv")
        assert r.ok, r.text()


def test_samples_import_and_reimport_is_a_no_op(store):
    load_samples(store)
    before = (store.message_count, len(store.controls), store.balance().total)
    assert before[0] == 3 and len(store.list_ids) == 2
    load_samples(store)
    assert (store.message_count, len(store.controls), store.balance().total) == before


def test_every_problem_reported_and_nothing_written(store):
    load_samples(store)
    bad = ("message_id,list_id,sent_at,credits\n"
           "X1,newsletter,2024-05-01T10:00:00Z,1.5\n"           # not a whole number
           "X2,nope,2024-05-01T10:00:00Z,1\n"                   # unknown list
           "X3,newsletter,yesterday,1\n"                        # bad date
           "X4,newsletter,2024-03-31 02:30,1\n"                 # non-existent Rome time (DST)
           "X4,newsletter,2024-05-01T10:00:00Z,1\n"             # duplicate id in the file
           "M0001,newsletter,2024-03-01T10:00:00Z,9\n")         # id stored with other content
    before = (store.message_count, store.balance().total)
    r = import_file(store, "messages", bad.encode(), "bad.csv")
    assert not r.ok
    text = r.text()
    for needle in ["row 2, column credits, value '1.5'", "row 3, column list_id, value 'nope'",
                   "row 4, column sent_at, value 'yesterday'", "row 5, column sent_at", "non-existent",
                   "row 6, column message_id", "row 7, column message_id, value 'M0001'",
                   "already stored with different content"]:
        assert needle in text, (needle, text)
    assert (store.message_count, store.balance().total) == before


def test_two_problems_on_one_row_are_both_reported(store):
    load_samples(store)
    r = import_file(store, "messages", b"message_id,list_id,sent_at,credits\nZ1,nope,2024-05-01T10:00:00Z,0\n", "b.csv")
    assert "row 2, column credits" in r.text() and "row 2, column list_id, value 'nope'" in r.text()


def test_overdraw_is_refused_with_the_balance(store):
    load_samples(store)
    r = import_file(store, "messages", b"message_id,list_id,sent_at,credits\nBIG,alerts,2024-06-01T10:00:00Z,99999\n",
                    "big.csv")
    assert not r.ok and "holds only" in r.text() and store.message_count == 3


def test_semicolon_bom_and_xlsx(store, tmp_path):
    from openpyxl import Workbook

    store.add_list("a")
    data = "\ufefflot_id;purchased_at;credits;expiring;price_eur\nL1;2024-01-01T10:00:00+01:00;100;true;8,50\n"
    assert import_file(store, "purchases", data.encode("utf-8"), "p.csv").ok
    wb = Workbook()
    ws = wb.active
    ws.append(["message_id", "list_id", "sent_at", "credits", "text"])
    ws.append(["x1", "a", "2024-02-01T10:00:00+01:00", 3, "=1+1"])
    wb.save(tmp_path / "m.xlsx")
    r = import_file(store, "messages", (tmp_path / "m.xlsx").read_bytes(), "m.xlsx")
    assert r.ok, r.text()
    assert store.balance(datetime(2024, 3, 1, tzinfo=UTC)).total == 97


SAMPLE = (SAMPLES / "messages.csv").read_bytes()


def _malformed():
    """Files an importer meets in real life, broken in the ways files break."""
    sample_text = SAMPLE.decode("utf-8")
    return st.one_of(
        st.binary(max_size=400),                                                     # random bytes
        st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),     # random text
        st.integers(0, len(SAMPLE)).map(lambda k: SAMPLE[:k]),                       # truncated lines
        st.sampled_from(["latin-1", "utf-16", "cp1252"]).map(                        # wrong encodings
            lambda enc: sample_text.replace("è", "è").encode(enc, "replace")),
        st.integers(10_000, 2_000_000).map(                                          # a huge field
            lambda n: (sample_text.splitlines()[0] + "\nH1,newsletter,2024-05-01T10:00:00Z,1,IT,1,,,"
                       + "x" * n + "\n").encode()),
        st.sampled_from(["=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "\t=x", "\r=y"]).map(  # formula cells
            lambda f: ("message_id,list_id,sent_at,credits,text\n" + f"F1,{f},2024-05-01T10:00:00Z,{f},{f}\n"
                       ).encode()),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_malformed())
def test_malformed_files_never_crash_and_never_write_when_rejected(store, blob):
    if not store.list_ids:
        load_samples(store)
    before = (store.message_count, len(store.controls), store.balance().total)
    for kind in ("messages", "purchases"):
        for name in ("f.csv", "f.xlsx"):
            r = import_file(store, kind, blob, name)  # never raises: every problem is in the report
            if not r.ok:
                assert (store.message_count, len(store.controls), store.balance().total) == before
                assert r.problems and all(len(p) == 4 for p in r.problems)
            before = (store.message_count, len(store.controls), store.balance().total)


def test_csv_export_round_trips_through_import(tmp_path):
    """Export the 1M messages of a demo account as CSV, import them into a new store: the same reports."""
    from credits_core.exports import copy_messages_csv
    from credits_core.reporting import ReportFilter, usage
    from credits_core.sources import build_demo

    src = CreditStore.open(":memory:")
    build_demo(src, messages=1_000_000, end=datetime(2026, 6, 1, tzinfo=UTC))
    copy_messages_csv(src, ReportFilter(), tmp_path / "messages.csv")
    dst = CreditStore.open(":memory:")
    for list_id in src.list_ids:
        dst.add_list(list_id, src.list_name(list_id))
    dst.purchase(10**9, datetime(2020, 1, 1, tzinfo=UTC), expiring=False)
    r = import_file(dst, "messages", (tmp_path / "messages.csv").read_bytes(), "messages.csv")
    assert r.ok, r.text()
    assert r.written == src.message_count
    for period in ("day", "month"):
        f = ReportFilter(period=period)
        assert usage(dst, f).equals(usage(src, f))


KILLED_IMPORT = """
import sys, time
from credits_core import CreditStore
from credits_core.storage import journal
from credits_core.sources.files import import_file
store = CreditStore.open(sys.argv[1])
fold = journal.fold_usage
def fold_then_wait(cur, snap, *batch):  # the rows are in the open transaction: tell the test, then wait to be killed
    snap = fold(cur, snap, *batch)
    print("written", flush=True)
    time.sleep(120)
journal.fold_usage = fold_then_wait
import_file(store, "messages", open(sys.argv[2], "rb").read(), "big.csv")
"""


def test_killed_import_leaves_the_store_as_it_was(tmp_path):
    """SIGKILL an import after its rows are written into the transaction, before it commits: the file reopens
    with exactly what it had before."""
    import signal
    import subprocess
    import sys

    db = tmp_path / "k.duckdb"
    n = 300_000
    with CreditStore.open(db) as s:
        load_samples(s)
        s.purchase(n, datetime(2024, 3, 1, tzinfo=UTC), expiring=False, lot_id="BIG")  # the import would succeed
        before = (s.message_count, s.balance().total, len(s.controls))
    lines = ["message_id,list_id,sent_at,credits,text"] + [
        f"K{i},newsletter,2024-04-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z,1,{'x' * 40}" for i in range(n)]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(lines))
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(db), str(big)], stdout=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parents[1])
    try:
        assert proc.stdout.readline().strip() == b"written"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with CreditStore.open(db) as s:
        assert (s.message_count, s.balance().total, len(s.controls)) == before
        assert select(s, "SELECT count(*) FROM messages WHERE message_id LIKE 'K%'").fetchall() == [(0,)]


@pytest.mark.parametrize("text, value", [("1234.50", "1234.50"), ("1234,50", "1234.50"), ("1.234,50", "1234.50"),
                                         ("1,234.50", "1234.50"), ("12,5", "12.5"), ("1.234.567", "1234567"),
                                         ("700", "700")])
def test_amounts_in_every_unambiguous_form(text, value):
    from decimal import Decimal

    from credits_core.sources import parse_amount

    assert parse_amount(text) == (Decimal(value), None)


@pytest.mark.parametrize("text", ["1.234", "1,234", "12.34.5", "1,23,4.5", "abc", "1.234,5,6"])
def test_ambiguous_or_malformed_amounts_are_refused_with_why(text):
    from credits_core.sources import parse_amount

    amount, why = parse_amount(text)
    assert amount is None and why


def test_price_and_range_problems_are_reported_by_row_never_crash(tmp_path):
    s = CreditStore.open(":memory:")
    text = ("lot_id,purchased_at,credits,expiring,price_eur\n"
            "A,2025-01-01T10:00:00Z,100,true,\"1,234.50\"\n"
            "B,9999-01-01T10:00:00Z,100,true,10\n"
            "C,2025-01-02T10:00:00Z,99999999999999999999,true,10\n"
            "D,2025-01-03T10:00:00Z,100,true,1.234\n")
    r = import_file(s, "purchases", text.encode(), "p.csv")
    got = {(row, col): why for row, col, _v, why in r.problems}
    assert "out of range" in got[(3, "purchased_at")]
    assert "too large" in got[(4, "credits")]
    assert "ambiguous" in got[(5, "price_eur")]
    assert (2, "price_eur") not in got
    assert [p[0] for p in r.problems] == sorted(p[0] for p in r.problems)
    assert s.message_count == 0 and not s.controls


def test_a_file_of_another_kind_says_so(tmp_path):
    s = CreditStore.open(":memory:")
    text = "message_id,list_id,sent_at,credits\nM1,a,2025-01-01T10:00:00Z,1\n"
    r = import_file(s, "purchases", text.encode(), "m.csv")
    assert len(r.problems) == 1 and "looks like a messages file" in r.problems[0][3]


def test_ledger_refusal_names_the_row_and_renames_are_reported():
    s = CreditStore.open(":memory:")
    s.add_list("a", "Old name")
    s.purchase(5, datetime(2025, 1, 1, tzinfo=UTC), expiring=False)
    text = "message_id,list_id,sent_at,credits\nM1,a,2025-01-02T10:00:00Z,1\nM2,a,2025-01-03T10:00:00Z,9\n"
    r = import_file(s, "messages", text.encode(), "m.csv")
    assert r.problems[0][0] == 3 and "M2" in r.problems[0][3]
    r = import_file(s, "lists", b"list_id,name\na,New name\n", "l.csv")
    assert r.ok and any("renamed from 'Old name' to 'New name'" in n for n in r.notes)


TRICKY = ["=HYPERLINK(\"http://x\")", "+39", "-100", "@SUM(A1)", "\tTAB", "\rCR", "'quoted", "plain"]


def test_every_csv_cell_is_safe_and_messages_load_back_exactly(tmp_path):
    """Ids, list ids and names, campaigns, countries, recipients and texts starting with = + - @ tab CR or an
    apostrophe: no CSV cell of report --csv starts like a formula, and messages.csv imports as the same data."""
    import csv as csvmod

    from credits_core.exports import write_csv
    from credits_core.reporting import ReportFilter, messages_page

    ids = [t.replace("\t", "TAB").replace("\r", "CR") for t in TRICKY]  # ids hold no control character (31.10)
    src = CreditStore.open(":memory:")
    for i, t in enumerate(TRICKY):
        src.add_list(ids[i] if i % 2 else f"L{i}", t)
    src.purchase(10_000, datetime(2025, 1, 1, tzinfo=UTC), expiring=False)
    import pandas as pd

    rows = pd.DataFrame({
        "message_id": ids, "list_id": [t if i % 2 else f"L{i}" for i, t in enumerate(ids)],
        "sent_at": pd.to_datetime([f"2025-02-0{i + 1}T10:00:00Z" for i in range(len(TRICKY))], utc=True),
        "credits": [1] * len(TRICKY), "country": [t.upper() for t in TRICKY], "campaign_id": ids,
        "recipient": TRICKY,
        "text": TRICKY})
    src.record_messages(rows)
    out = tmp_path / "csv"
    write_csv(src, ReportFilter(), out)
    for name in ("usage.csv", "by_list.csv", "history.csv", "expiries.csv", "messages.csv"):
        with open(out / name, encoding="utf-8-sig", newline="") as fh:
            for row in csvmod.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    dst = CreditStore.open(":memory:")
    for i, t in enumerate(TRICKY):
        dst.add_list(ids[i] if i % 2 else f"L{i}", t)
    dst.purchase(10_000, datetime(2025, 1, 1, tzinfo=UTC), expiring=False)
    r = import_file(dst, "messages", (out / "messages.csv").read_bytes(), "messages.csv")
    assert r.ok and r.written == len(TRICKY), r.text()
    a = messages_page(src, ReportFilter(), page_size=100).rows
    b = messages_page(dst, ReportFilter(), page_size=100).rows
    assert a.equals(b)
    assert import_file(dst, "messages", (out / "messages.csv").read_bytes(), "messages.csv").written == 0  # R13


def test_bundled_samples_import_into_the_demo_database(now):
    from credits_core.sources import build_demo

    s = CreditStore.open(":memory:")
    build_demo(s, messages=2_000, end=now)
    for kind in ("lists", "purchases", "assignments", "messages"):
        r = import_file(s, kind, (SAMPLES / f"{kind}.csv").read_bytes(), f"{kind}.csv")
        assert r.ok, r.text()


def test_a_clashing_lot_id_is_reported_on_its_row():
    s = CreditStore.open(":memory:")
    s.purchase(10, datetime(2025, 1, 1, tzinfo=UTC), lot_id="X1")
    text = "lot_id,purchased_at,credits\nA,2025-02-01T10:00:00Z,5\nX1,2025-03-01T10:00:00Z,7\n"
    r = import_file(s, "purchases", text.encode(), "p.csv")
    assert r.problems[0][0] == 3 and "X1" in r.problems[0][3]


def test_date_errors_name_the_formats_and_future_dates_are_warned(tmp_path, now):
    """Issue 23.6: a message dated next month passed a dry run without a word; 30/11/2026 was refused without the
    expected format."""
    from datetime import UTC, datetime, timedelta

    from credits_core import CreditStore
    from credits_core.sources import import_file

    s = CreditStore.open(tmp_path / "d.duckdb")
    s.add_list("a")
    s.purchase(1000, datetime(2026, 1, 1, tzinfo=UTC), expiring=False)
    bad = import_file(s, "messages", b"message_id,list_id,sent_at,credits\nm1,a,30 Nov 2026,1\n", "m.csv")
    assert not bad.ok and "ISO 8601: 2026-11-30" in bad.text() and "30/11/2026 14:05 (day or month" in bad.text()
    # a numeric date is read the way the file shows (30 is no month: day first), and the report says so (issue 35)
    read = import_file(s, "messages", b"message_id,list_id,sent_at,credits\nm1,a,30/11/2026,1\n", "m.csv",
                       dry_run=True)
    assert read.ok and "sent_at: dates with numbers only were read day first" in read.text()
    soon = (now + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    dry = import_file(s, "messages", f"message_id,list_id,sent_at,credits\nm2,a,{soon},1\n".encode(), "m.csv",
                      dry_run=True)
    assert dry.ok and "in the future (first: row 2" in dry.text()


def test_an_offset_of_hours_only_is_read(store):
    """Issue 31.13: `2026-03-01T10:00:00+01` (ISO 8601 allows the hours alone) ended in `TypeError: Already
    tz-aware`; a date alone still reads as Rome's midnight."""
    from datetime import UTC, datetime

    store.add_list("a")
    data = b"lot_id,purchased_at,credits\nL1,2026-03-01T10:00:00+01,100\nL2,2026-03-02,100\n"
    report = import_file(store, "purchases", data, "p.csv")
    assert report.ok, report.text()
    lots = store.lots().set_index("lot_id")["purchased_at"]
    assert lots["L1"].to_pydatetime() == datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert lots["L2"].to_pydatetime() == datetime(2026, 3, 1, 23, tzinfo=UTC)
