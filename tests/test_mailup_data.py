"""Issue 30: MailUp data that nothing drops. Each numbered case of the issue has its test here, against the fake
MailUp on loopback serving the shapes MailUp documents (tests/fake_mailup.py).

1. a queued sending left uncharged keeps its message incomplete, and is recorded once MailUp reports it delivered;
2. a SentDate or a Status the connector cannot read is a problem naming the message, the row and the value, the
   command exits 1, and the message is read again until MailUp's data reads;
3. paging ends on a short or empty page (MailUp's own unpaginated example, a wrong TotalElementsCount, a Skipped that
   moves), asks for a stable order, and says what disagrees;
4. a text with merge tags is priced for the worst case known and marked estimated;
5. the SMS statistics export in every layout MailUp lets a customer choose gives the sync's ids and credits;
6. one account per file;
7. ids without the recipient's number, and the migration of files synced before.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from credits_core import CreditStore
from credits_core.reporting import select
from credits_core.sources import import_file
from credits_core.sources.mailup import Client, MailUpError, MailUpSettings, price_text, sync

from .fake_mailup import API, FakeMailUp
from .test_mailup import account, by_list_and_month, ledger_store, settings_for

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.clock


@pytest.fixture
def served(httpserver):
    def serve(fake: FakeMailUp, **kw) -> MailUpSettings:
        httpserver.clear()
        httpserver.expect_request(re.compile(".*")).respond_with_handler(fake)
        return settings_for(httpserver, fake, **kw)

    return serve


def run(s: CreditStore, settings: MailUpSettings, **kw):
    with Client(settings) as client:
        return sync(s, client, **kw)


def one_message(sendings: list[dict], content: str = "Ciao! Sconti fino al 50% su tutto il catalogo.",
                **message) -> FakeMailUp:
    fake = FakeMailUp()
    fake.lists = [{"IdList": 1, "Name": "Newsletter Italia"}]
    fake.messages = {1: [{"idMessage": 10, "Subject": "Promo", "Content": content, **message}]}
    fake.sendings = {10: sendings}
    fake.credits = {"TotalCredits": 0, "CreditsByList": []}
    return fake


def sending(receiver: str, sent: str, status=0) -> dict:
    return {"Receiver": receiver, "SentDate": sent, "Status": status, "ErrorCode": ""}


# -- 1. a queued sending not charged yet ---------------------------------------------------------------------------


def test_a_queued_sending_left_uncharged_is_recorded_once_delivered(served, tmp_path):
    """With MAILUP_CHARGE_QUEUED=false the bookmark was marked complete over a queued sending that was not charged:
    once MailUp reported it delivered, the next sync skipped the message ("unchanged") and never recorded it."""
    fake = one_message([sending("393331234567", "2026-10-05 09:00:00Z", 0),
                        sending("393331234568", "2026-10-05 09:00:01Z", 1)])  # queued, with a send time
    settings = served(fake, charge_queued=False)
    s = ledger_store(tmp_path / "q.duckdb")
    first = run(s, settings)
    assert first.recorded == 1 and first.incomplete == 1
    fake.sendings[10][1]["Status"] = 0  # MailUp delivers it
    second = run(s, settings)
    assert second.recorded == 1 and second.incomplete == 0 and s.message_count == 2
    third = run(s, settings)
    assert third.recorded == 0 and third.skipped == 1  # complete now: nothing new


# -- 2. rows the connector cannot read -------------------------------------------------------------------------------


def test_unreadable_dates_and_statuses_are_problems_and_read_again(served, tmp_path):
    """A SentDate the parser could not read became "no date", and a delivered row without a date was filtered out
    without a word; a Status other than 0, 1, 2 went the same way; the bookmark was marked complete."""
    fake = one_message([
        sending("393331234567", "/Date(1793606400000)/", 0),  # .NET's JSON date: 2 November 2026 08:00 UTC, read
        sending("393331234568", "02/11/2026 08:00:00", 0),  # 2 November or 11 February: never guessed
        sending("393331234569", "2026-11-02 08:00:02Z", 7),  # a status MailUp does not document
        sending("393331234570", "", 2),  # an error with no send time
    ])
    settings = served(fake)
    s = ledger_store(tmp_path / "d.duckdb")
    report = run(s, settings)
    assert report.recorded == 1 and not report.ok and report.incomplete == 1
    said = "\n".join(why for _, why in report.problems)
    assert "SentDate '02/11/2026 08:00:00' is not a date-time MailUp documents" in said
    assert "Status '7' is not one MailUp documents" in said
    assert "error without a send time" in said
    assert all(where == "message 10 (Promo)" for where, _ in report.problems)
    rows = select(s, "SELECT epoch_us(sent_at) FROM messages").fetchall()
    assert rows == [(int(datetime(2026, 11, 2, 8, tzinfo=UTC).timestamp() * 1e6),)]
    again = run(s, settings)  # read again: the same problems, nothing recorded twice
    assert again.skipped == 0 and again.recorded == 0 and len(again.problems) == 3
    fake.sendings[10][1]["SentDate"] = "2026-11-02 08:00:00Z"  # MailUp's data reads now
    fake.sendings[10][2]["Status"] = 0
    fake.sendings[10][3]["SentDate"] = "2026-11-02 08:00:03Z"
    fixed = run(s, settings)
    assert fixed.ok and fixed.recorded == 3 and fixed.incomplete == 0 and s.message_count == 4


def test_the_cli_exits_1_and_names_the_row(served, tmp_path):
    fake = one_message([sending("393331234568", "02/11/2026 08:00:00", 0)])
    settings = served(fake)
    db = tmp_path / "cli.duckdb"
    with ledger_store(db):
        pass
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILUP_")}
    env.update({"MAILUP_CLIENT_ID": fake.client_id, "MAILUP_CLIENT_SECRET": fake.client_secret,
                "MAILUP_USERNAME": fake.username, "MAILUP_PASSWORD": fake.password,
                "MAILUP_AUTH_URL": settings.auth_url, "MAILUP_API_URL": settings.api_url})
    out = subprocess.run([sys.executable, "-m", "credits_core", "sync", "--db", str(db)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    assert "problem: message 10 (Promo): sending 1: SentDate '02/11/2026 08:00:00'" in out.stdout
    assert "1 message will be read again next time" in out.stdout


# -- 3. paging ------------------------------------------------------------------------------------------------------


def many(n: int, day: str = "2026-10-05") -> list[dict]:
    return [sending(f"39333{i:07d}", f"{day} 09:{i // 60 % 60:02d}:{i % 60:02d}Z", 0) for i in range(n)]


def test_mailups_own_unpaginated_answer_is_read_whole(served, tmp_path):
    """MailUp's documented ReportDetails example answers IsPaginated false, PageSize 0, TotalElementsCount 0 with
    its items: everything is there, recorded once, and a second sync reads it once more and writes nothing."""
    fake = one_message(many(7))
    fake.unpaginated = {10}
    settings = served(fake)
    s = ledger_store(tmp_path / "u.duckdb")
    assert run(s, settings).recorded == 7
    again = run(s, settings)
    assert again.recorded == 0 and again.skipped == 1


def test_a_wrong_total_never_ends_a_read_early(served, tmp_path):
    """Paging trusted TotalElementsCount: a count that was too low stopped the read and marked the message
    complete. Now the read goes on to the short page, records all, and says the count disagrees."""
    fake = one_message(many(7))
    fake.wrong_total = {10: 3}
    settings = served(fake)
    s = ledger_store(tmp_path / "w.duckdb")
    report = run(s, settings)
    assert report.recorded == 7 and report.incomplete == 1
    assert any("7 items read where MailUp's TotalElementsCount says 3" in why for _, why in report.problems)
    assert any("orderby=SentDate+desc" in c for c in fake.calls if "ReportDetails" in c)  # a stable order asked


def test_pages_that_move_while_read_are_a_problem(served, tmp_path):
    fake = one_message(many(7))
    fake.skipped_off = {10: 1}  # MailUp says it skipped one more than the page asked: the pages moved
    settings = served(fake)
    s = ledger_store(tmp_path / "m.duckdb")
    report = run(s, settings)
    assert report.incomplete == 1
    assert any("skipped 3 items where 2 were expected" in why for _, why in report.problems)


def test_a_nightly_sync_reads_only_what_is_new(served, tmp_path):
    """A complete message is read from its last send time on: the newest sendings first, until one older than the
    bookmark: one page of PROBE (250) for 100 new ones on 300, not the 400; the probe alone when nothing is new."""
    from credits_core.sources.mailup.sync import PROBE

    fake = one_message(many(300, "2026-10-05"))
    settings = served(fake, page_size=100)
    s = ledger_store(tmp_path / "n.duckdb")
    assert run(s, settings).recorded == 300
    fake.sendings[10] += many(100, "2026-10-06")
    nightly = run(s, settings)
    assert nightly.recorded == 100 and nightly.skipped == 0
    assert nightly.sendings == PROBE and nightly.calls < 12  # one page: 100 new and the older ones after them
    assert run(s, settings).sendings == PROBE  # nothing new: the probe only
    fake.ignore_order = True  # a server that ignores orderby (oldest first here) is read whole: nothing lost
    whole = run(s, settings)
    assert whole.sendings >= 400 and whole.recorded == 0


# -- 4. merge tags ------------------------------------------------------------------------------------------------


def test_merge_tags_are_priced_for_the_worst_case_and_marked_estimated(served, tmp_path):
    """A 1-part template with [nome] becomes 2 parts with a long name substituted: every such recipient was
    under-counted, silently. Each tag counts its field's default or 20 characters, whichever is longer."""
    text = "Ciao [nome], " + "x" * 140  # 153 characters as written: 1 part; with a 20-character name, 2
    assert price_text(text).parts == 2 and price_text(text).estimated
    assert price_text(text, tag_length=0).parts == 1
    long_default = [{"Description": "nome", "Id": 1, "Value": "Massimiliano Alessandro"}]  # 23 characters
    assert price_text("[nome]" + "x" * 140, fields=long_default).parts == 2  # 163 with its 23-character default
    assert price_text("[nome]" + "x" * 140).parts == 1  # 160 with 20 characters
    fake = one_message([sending("393331234567", "2026-10-05 09:00:00Z", 0)], content=text)
    settings = served(fake)
    s = ledger_store(tmp_path / "t.duckdb")
    report = run(s, settings)
    assert select(s, "SELECT credits, parts FROM messages").fetchall() == [(2, 2)]
    assert report.estimated == [("message 10 (Promo)", ("nome",))]
    assert "estimated: message 10 (Promo): its text has merge tags ([nome])" in report.text()
    assert bool(s.campaign_info().set_index("campaign_id").loc["mailup-10", "estimated"])
    from credits_core.sources.mailup import reconciliation

    assert reconciliation(s).attrs["estimated"] == 2


# -- 5. the export in every layout ---------------------------------------------------------------------------------


GSM_FLAGGED = ("Promemoria: appuntamento domani alle 15:30. Rispondi NO per disdire o chiama lo 02 1234567 "
               "in orario d'ufficio.")  # 107 GSM-7 characters (1 part) that MailUp marks Unicode: 2 parts of 67


def synced_both(served, tmp_path, name: str) -> tuple[CreditStore, FakeMailUp]:
    fake = one_message([sending("393331234567", "2026-10-05 09:00:00Z", 0),
                        sending("447400123456", "2026-10-05 09:00:02Z", 2)], content=GSM_FLAGGED, IsUnicode=True)
    s = ledger_store(tmp_path / f"{name}.duckdb")
    run(s, served(fake))
    return s, fake


LAYOUTS = {
    "pipe-compact-utf8": ("|", '"', "utf-8", "20261005T090000", "20261005T090002"),
    "semicolon-quoted-single-ansi": (";", "'", "cp1252", "2026-10-05 09:00:00", "2026-10-05 09:00:02"),
    "comma-day-first": (",", '"', "utf-8", "05/10/2026 09:00:00", "31/10/2026 23:00:00"),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_export_in_each_layout_gives_the_syncs_ids_and_credits(served, tmp_path, layout):
    sep, quote, encoding, first, second = LAYOUTS[layout]
    s, fake = synced_both(served, tmp_path, layout)
    synced = sorted(select(s, "SELECT message_id, credits, parts FROM messages").fetchall())
    assert sorted(c for _, c, _ in synced) == [2 * 1, 2 * 2]  # UCS-2 as MailUp says: 2 parts (the text alone: 1)
    head = ["recipient", "idList", "idSMS", "sentdate", "status", "operator"]
    rows = [["393331234567", "1", "10", first, "0", "TIM"], ["447400123456", "1", "10",
                                                             "20261005T090002" if layout != "comma-day-first"
                                                             else "05/10/2026 09:00:02", "2", "Vodafone UK Ltd, à"]]
    if layout == "comma-day-first":  # a row that tells the file's order (31 is no month): a sending not synced
        rows.append(["393331234599", "1", "10", second, "0", "TIM"])
    if layout == "semicolon-quoted-single-ansi":
        rows[1][3] = second
    text = "\n".join(sep.join(f"{quote}{c}{quote}" for c in r) for r in [head, *rows]) + "\n"
    report = import_file(s, "mailup-sms-export", text.encode(encoding), "sms-stats.csv")
    assert report.ok, report.text()
    assert report.written == (1 if layout == "comma-day-first" else 0)  # the sync's sendings: the same ids
    after = sorted(select(s, "SELECT message_id, credits, parts FROM messages").fetchall())
    assert set(synced) <= set(after)
    if encoding == "cp1252":
        assert "Windows ANSI" in report.text()


def test_an_ambiguous_export_date_is_refused_with_both_readings(tmp_path):
    s = ledger_store(tmp_path / "amb.duckdb")
    import pandas as pd

    s.add_list("1", "Newsletter")
    s.describe_campaigns(pd.DataFrame({"campaign_id": ["mailup-10"], "name": ["Promo"], "text": ["Ciao"]}))
    text = "recipient;idList;idSMS;sentdate;status\n393331234567;1;10;02/11/2026 08:00:00;0\n"
    report = import_file(s, "mailup-sms-export", text.encode(), "x.csv")
    assert not report.ok and s.message_count == 0
    (row, column, value, why), = report.problems
    assert (row, column) == (2, "sentdate")
    assert "could be 2 November 2026 (day first) or 11 February 2026 (month first)" in why
    told = import_file(s, "mailup-sms-export", text.encode(), "x.csv", date_order="dmy")
    assert told.ok and told.written == 1
    assert select(s, "SELECT epoch_us(sent_at) FROM messages").fetchall()[0][0] == int(
        datetime(2026, 11, 2, 8, tzinfo=UTC).timestamp() * 1e6)


# -- 6. one account, one file ------------------------------------------------------------------------------------------


def test_another_mailup_account_is_refused_naming_both(served, tmp_path):
    fake = account()
    s = ledger_store(tmp_path / "one.duckdb")
    run(s, served(fake))
    before = (s.message_count, len(s.list_ids), s.revision)
    other = account()
    other.uid, other.username = "412", "m67890"
    other.lists = [{"IdList": 1, "Name": "Clienti agenzia"}]
    settings = served(other)
    with pytest.raises(MailUpError, match=r"holds MailUp account m12345 \(UID 388\); these settings sign in to "
                                          r"m67890 \(UID 412\)"):
        run(s, settings)
    assert (s.message_count, len(s.list_ids), s.revision) == before  # nothing written
    assert s.list_name("1") == "Newsletter Italia"


# -- 7. ids without personal data -----------------------------------------------------------------------------------


def test_no_number_in_any_id_and_files_synced_before_migrate(served, tmp_path):
    fake = account()
    settings = served(fake)
    s = ledger_store(tmp_path / "ids.duckdb")
    run(s, settings)
    ids = [r[0] for r in select(s, "SELECT message_id FROM messages").fetchall()]
    recipients = [r[0] for r in select(s, "SELECT recipient FROM messages").fetchall()]
    assert ids and all(re.fullmatch(r"mailup-\d+-[0-9a-f]{20}", i) for i in ids)
    assert not any(r[-6:] in i for i in ids for r in recipients)
    s.close()
    # a file synced before: ids carried the number; opening it migrates them to the ids a sync gives now
    old = tmp_path / "old.duckdb"
    with ledger_store(old) as s2:
        run(s2, served(account()))
    con = duckdb.connect(str(old))
    con.execute("UPDATE messages SET message_id = 'mailup-' || split_part(campaign_id, '-', 2) || '-' || recipient "
                "|| '-' || strftime(sent_at, '%Y%m%dT%H%M%SZ')")
    con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")  # as a file of schema 7 was
    con.execute("ALTER TABLE mailup_messages DROP COLUMN last_sent")
    for column in ("is_unicode", "estimated", "parts"):
        con.execute(f"ALTER TABLE campaign_info DROP COLUMN {column}")
    con.execute("DELETE FROM meta WHERE key = 'mailup_id_key'")
    con.close()
    with CreditStore.open(old) as s3:
        migrated = [r[0] for r in select(s3, "SELECT message_id FROM messages").fetchall()]
        assert all(re.fullmatch(r"mailup-\d+-[0-9a-f]{20}", i) for i in migrated)
        again = run(s3, served(account()), full=True)
        assert again.recorded == 0  # the migrated ids are the sync's: nothing counted twice
        assert by_list_and_month(s3)


# -- a good client ---------------------------------------------------------------------------------------------------


def test_calls_are_paced_to_five_a_second(served, tmp_path):
    import time

    fake = one_message(many(8))
    settings = served(fake, calls_per_second=5, page_size=2)
    started = time.monotonic()
    with Client(settings) as client:
        for _ in range(6):
            client.get("Console/Authentication/Info")
    assert time.monotonic() - started >= 5 / 5 - 0.05  # 7 calls (a sign-in and 6): at least 6 gaps of 0.2 s


def test_lists_through_console_list_or_the_old_method(served, tmp_path):
    fake = account()
    s = ledger_store(tmp_path / "l.duckdb")
    run(s, served(fake))
    assert any("Console/List?" in c for c in fake.calls) and not any("User/Lists" in c for c in fake.calls)
    assert s.list_name("1") == "Newsletter Italia"  # lower-case idList, as documented
    old = account()
    old.old_lists_only = True
    s2 = ledger_store(tmp_path / "l2.duckdb")
    run(s2, served(old))
    assert s2.list_name("2") == "Avvisi"


def test_http_is_refused_beyond_loopback_and_a_bad_token_answer_is_clear(served, httpserver):
    with pytest.raises(MailUpError, match="the password would travel in clear"):
        MailUpSettings("a", "b", "c", "d", auth_url="http://mailup.example.com")
    assert MailUpSettings("a", "b", "c", "d", auth_url="http://127.0.0.1:8080").auth_url.startswith("http://")
    from werkzeug import Response

    httpserver.expect_request("/Authorization/OAuth/Token").respond_with_handler(
        lambda r: Response("<html>maintenance</html>", 200, content_type="text/html"))
    base = httpserver.url_for("").rstrip("/")
    settings = MailUpSettings("a", "b", "c", "d", auth_url=base, api_url=base + API, calls_per_second=None)
    with Client(settings) as client, pytest.raises(MailUpError, match="something that is not JSON"):
        client.sign_in()


def test_an_export_the_ledger_refuses_is_never_reported_as_imported(served, tmp_path):
    """The importer swallowed the ledger's refusal of an export's rows (R13: an id stored with other content) and
    said "imported, 0 new": a silent drop. Here the campaign's parts were changed after the sync."""
    import pandas as pd

    s, _ = synced_both(served, tmp_path, "refused")
    info = s.campaign_info()
    changed = info[info["campaign_id"] == "mailup-10"].assign(parts=5)
    changed["sent_at"] = pd.to_datetime(changed.pop("t_us"), unit="us", utc=True)
    s.describe_campaigns(changed)
    text = "recipient|idList|idSMS|sentdate|status\n393331234567|1|10|20261005T090000|0\n"
    report = import_file(s, "mailup-sms-export", text.encode(), "x.csv")
    assert not report.ok and "already stored with different content" in report.text()


@pytest.mark.parametrize("page_size", [500, 300])
def test_a_night_with_more_new_sendings_than_a_probe_switches_to_whole_pages(served, tmp_path, page_size):
    """More new sendings than the probe holds: pages of the probe's size until a whole page's worth is read, then
    whole pages (following on when the size is a multiple of the probe's, from the start otherwise)."""
    fake = one_message(many(1000, "2026-10-05"))
    settings = served(fake, page_size=page_size)
    s = ledger_store(tmp_path / "big.duckdb")
    s.purchase(10_000, datetime(2026, 1, 1, 11, tzinfo=UTC), expiring=False)
    run(s, settings)
    fake.sendings[10] += [dict(x, Receiver="39334" + x["Receiver"][5:]) for x in many(600, "2026-10-07")]
    nightly = run(s, settings)
    assert nightly.recorded == 600 and nightly.incomplete == 0 and s.message_count == 1600
    assert run(s, settings).recorded == 0


def test_reconciliation_compares_the_total_with_held_and_available_and_never_blames_an_assignment(served, tmp_path,
                                                                                                 now):
    """MailUp's console calls available what is left less what scheduled sends hold: its total is compared with
    this ledger's total and with its total less reserved. A difference of the account's total is never put down to
    an assignment (assignments move credits, they do not change the total). Figures have thousands separators."""
    from datetime import timedelta

    from credits_core.planning import schedule_campaign
    from credits_core.sources.mailup import explained

    fake = account()
    s = ledger_store(tmp_path / "rec.duckdb")
    s.purchase(9_000, datetime(2026, 1, 2, tzinfo=UTC), expiring=False)
    fake.credits = {"TotalCredits": 9_981, "CreditsByList": []}
    run(s, served(fake))
    schedule_campaign(s, "1", now + timedelta(days=2), "Ciao", {"IT": 1_500})
    rec = explained(s).set_index("name")
    total = rec.loc["Total"]
    assert (total["mailup"], total["ledger"], total["available"]) == (9_981, 9_981, 9_981 - 1_500)
    assert total["explanation"] == "The account: MailUp and this ledger agree (9,981)."
    fake.credits = {"TotalCredits": 8_481, "CreditsByList": []}  # MailUp counts the held credits out
    run(s, served(fake))
    total = explained(s).set_index("name").loc["Total"]
    assert total["reason"] == "agree_available" and "8,481 is this ledger's available credits (9,981 held less " \
                                                    "1,500 reserved" in total["explanation"]
    for mailup in (7_000, 12_000):
        fake.credits = {"TotalCredits": mailup, "CreditsByList": []}
        run(s, served(fake))
        words = explained(s).set_index("name").loc["Total", "explanation"]
        assert "assignment" not in words and f"{mailup:,}" in words and "9,981" in words


def test_estimated_credits_are_marked_on_the_usage_page_the_drill_down_and_the_workbook(served, tmp_path,
                                                                                        monkeypatch):
    from openpyxl import load_workbook
    from streamlit.testing.v1 import AppTest

    from credits_core.exports import write_workbook
    from credits_core.reporting import ReportFilter

    fake = one_message([sending("393331234567", "2026-10-05 09:00:00Z", 0),
                        sending("393331234568", "2026-10-05 09:00:01Z", 0)], content="Ciao [nome], " + "x" * 140)
    path = tmp_path / "est.duckdb"
    with ledger_store(path) as s:
        run(s, served(fake))
        write_workbook(s, ReportFilter(), tmp_path / "r.xlsx")
    wb = load_workbook(tmp_path / "r.xlsx")
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Credits estimated (texts with merge tags, priced for the longest value known)"] == 4
    assert [c.value for c in wb["Messages"]["K"][1:]] == ["estimated", "estimated"]
    monkeypatch.setenv("CREDITS_DB", str(path))
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.switch_page("app_pages/usage.py")
    at.query_params.update({"from": "2026-10-01", "to": "2026-10-31", "tab": "messages", "pick": "1"})
    at.run()
    assert not at.exception, at.exception
    assert any("≈ 4 of these credits are estimated" in c.value for c in at.caption)
    assert any("estimated" in h.value and ">estimated</td>" in h.value for h in at.get("html"))


def test_a_sending_id_is_the_same_in_python_and_in_the_migrations_sql():
    """The sync and the export hash in Python, a migration in SQL (schema.HASHED_ID_SQL): one id either way."""
    from credits_core.sources.mailup.credits import sending_ids
    from credits_core.storage import HASHED_ID_SQL

    key = "k" * 64
    con = duckdb.connect()
    sql = "SELECT " + HASHED_ID_SQL.format(m="?", k="?", r="?", t="?")
    for digits, stamp in (("393331234567", "20261005T090000Z"), ("12025550123", "20261031T233000Z")):
        assert sending_ids(key, "10", [digits], [stamp]) == [con.execute(sql, ["10", key, "10", digits, stamp]
                                                                         ).fetchall()[0][0]]
