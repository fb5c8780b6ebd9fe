"""The MailUp connector against a fake MailUp API on loopback (pytest-httpserver), built from the documented shapes:
sign-in and refresh, a token that expires mid-sync, paging across page boundaries, a 429 with Retry-After, a 500, a
Unicode message (UCS-2 parts), numbers from several countries and one that cannot be placed. The ledger per list and
month is checked against figures computed by hand; a second sync writes nothing; a sync cut off half way and started
again gives the same ledger; no secret reaches a log line, the terminal or a table."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from credits_core import CreditStore
from credits_core.reporting import ReportFilter, select, usage
from credits_core.sources.mailup import (
    Client,
    MailUpError,
    MailUpSettings,
    apply_matching_limits,
    country_of,
    explained,
    sync,
)

from .fake_mailup import API, FakeMailUp

pytestmark = pytest.mark.clock  # dates relative to the clock: also run under the shifted clocks

ROOT = Path(__file__).resolve().parents[1]
UNICODE_TEXT = "Zażółć gęślą jaźń: " + "x" * 60  # 79 UTF-16 units, UCS-2 (ż): 2 parts of 67


def serve_account(monkeypatch, httpserver) -> FakeMailUp:
    """``account()`` served on loopback, with the MAILUP_* settings of this process pointing at it (the pages)."""
    fake = account()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake)
    base = httpserver.url_for("").rstrip("/")
    for k, v in {"MAILUP_CLIENT_ID": fake.client_id, "MAILUP_CLIENT_SECRET": fake.client_secret,
                 "MAILUP_USERNAME": fake.username, "MAILUP_PASSWORD": fake.password, "MAILUP_AUTH_URL": base,
                 "MAILUP_API_URL": base + API}.items():
        monkeypatch.setenv(k, v)
    return fake


def account() -> FakeMailUp:
    fake = FakeMailUp()
    fake.lists = [{"IdList": 1, "Name": "Newsletter Italia"}, {"IdList": 2, "Name": "Avvisi"}]
    fake.messages = {
        1: [{"idMessage": 10, "Subject": "Promo ottobre", "Content": "Ciao! Sconti fino al 50% su tutto il catalogo."}],
        2: [{"idMessage": 20, "Subject": "Promemoria", "Content": UNICODE_TEXT, "IsUnicode": True}],
    }
    fake.sendings = {
        10: [
            {"Receiver": "393331234567", "SentDate": "2026-10-05 09:00:00Z", "Status": 1, "ErrorCode": ""},
            {"Receiver": "393331234567", "SentDate": "2026-10-05 09:00:00Z", "Status": 0, "ErrorCode": ""},  # again
            {"Receiver": "393331234568", "SentDate": "2026-10-05 09:00:01Z", "Status": 2, "ErrorCode": "UNDELIV_1"},
            {"Receiver": "393331234569", "SentDate": "", "Status": 1, "ErrorCode": ""},  # queued, no send time
            {"Receiver": "447400123456", "SentDate": "2026-10-05 09:00:02Z", "Status": 0, "ErrorCode": ""},
            # US, 1 November in Rome:
            {"Receiver": "12025550123", "SentDate": "2026-10-31 23:30:00Z", "Status": 0, "ErrorCode": ""},
            {"Receiver": "999123", "SentDate": "2026-10-05 09:00:03Z", "Status": 0, "ErrorCode": ""},  # nowhere
        ],
        20: [
            {"Receiver": "393401111111", "SentDate": "2026-11-02 08:00:00Z", "Status": 0, "ErrorCode": ""},
            {"Receiver": "393401111112", "SentDate": "2026-11-02 08:00:00Z", "Status": 0, "ErrorCode": ""},
            {"Receiver": "4915112345678", "SentDate": "2026-11-02 08:00:01Z", "Status": 2, "ErrorCode": "FAILED_1"},
            {"Receiver": "393401111113", "SentDate": "2026-11-03 08:00:00Z", "Status": 1, "ErrorCode": ""},
        ],
    }
    fake.credits = {"TotalCredits": 981, "CreditsByList": [{"ListId": 2, "Credit": 100}]}
    return fake


# Credits by hand: message 10 is GSM-7, 1 part; message 20 UCS-2, 2 parts. Rates: IT 1, GB 2, US 1, DE 4.
# List 1 in October: IT 1 (the repeated sending counts once) + IT 1 (error: handed to a carrier) + GB 2 = 4;
# in November (Rome time): US 1. The queued one without a send time and 999123 are not charged.
# List 2 in November: IT 2 + IT 2 + DE 8 + IT 2 (queued with a send time: charged by default) = 14.
BY_HAND = {("1", "2026-10"): 4, ("1", "2026-11"): 1, ("2", "2026-11"): 14}


def settings_for(httpserver, fake: FakeMailUp, **kw) -> MailUpSettings:
    base = httpserver.url_for("").rstrip("/")
    kw = {"page_size": 2, "wait_initial_s": 0.01, "calls_per_second": None, **kw}
    return MailUpSettings(fake.client_id, fake.client_secret, fake.username, fake.password, auth_url=base,
                          api_url=base + API, **kw)


@pytest.fixture
def mailup(httpserver):
    fake = account()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake)
    return fake, settings_for(httpserver, fake)


def ledger_store(path) -> CreditStore:
    s = CreditStore.open(path)
    s.purchase(1000, datetime(2026, 1, 1, 10, tzinfo=UTC), expiring=False, lot_id="invoice-1")
    return s


def by_list_and_month(s: CreditStore) -> dict:
    """Credits per list and Rome month, the months with no spend left out: the report runs to today, so the months
    since the data (any number of them, whatever the clock says) are zeros that say nothing of the sync."""
    u = usage(s, ReportFilter(period="month"))
    return {(r.list_id, r.period.strftime("%Y-%m")): int(r.credits) for r in u.itertuples() if r.credits}


def test_sync_records_the_account_as_computed_by_hand(mailup, tmp_path, caplog):
    fake, settings = mailup
    fake.fail_once = {r"Console/Sms/10/Sendings/ReportDetails": 429, r"Console/Sms/List/2/Messages": 500}
    fake.retry_after = "1"
    fake.expire_token_after = 5  # the token dies mid-sync: refreshed once, the call retried
    caplog.set_level(logging.DEBUG)
    s = ledger_store(tmp_path / "m.duckdb")
    started = time.monotonic()
    with Client(settings) as client:
        report = sync(s, client)
    assert time.monotonic() - started >= 1.0  # the Retry-After was honoured
    assert by_list_and_month(s) == BY_HAND
    assert (report.lists, report.messages, report.recorded) == (2, 2, 8)
    assert [why for _, why in report.problems] == [
        "sending 2: number 999123 cannot be placed in a country (not a possible international number); not "
        "recorded"]  # sending 2 of its read, newest first
    assert report.problems[0][0] == "message 10 (Promo ottobre)"
    assert "refresh_token" in fake.grants
    assert s.list_name("1") == "Newsletter Italia"
    names = s.campaign_info().set_index("campaign_id")["name"].to_dict()
    assert names == {"mailup-10": "Promo ottobre", "mailup-20": "Promemoria"}
    # parts and countries are recorded with each message
    rows = select(s, "SELECT country, parts, credits FROM messages WHERE campaign_id = 'mailup-20' "
                   "ORDER BY message_id").fetchall()
    assert sorted(rows) == sorted([("IT", 2, 2), ("IT", 2, 2), ("DE", 2, 8), ("IT", 2, 2)])
    # the secrets are nowhere: not in the log, not in the database
    s.close()
    text = caplog.text + repr(settings) + str(report.text())
    con = duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True)
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        text += str(con.execute(f"SELECT * FROM {table}").fetchall())
    con.close()
    for secret in (fake.password, fake.client_secret, "access-1-token", "refresh-1"):
        assert secret not in text


def test_a_second_sync_writes_nothing_and_skips_complete_messages(mailup, tmp_path):
    fake, settings = mailup
    s = ledger_store(tmp_path / "m.duckdb")
    with Client(settings) as client:
        sync(s, client)
    before = (s.message_count, s.revision, by_list_and_month(s))
    with Client(settings) as client:
        again = sync(s, client)
    assert again.recorded == 0
    assert again.skipped == 1  # message 10 left a queued sending without a send time: read again; 20 has nothing new
    assert (s.message_count, by_list_and_month(s)) == (before[0], before[2])
    with Client(settings) as client:
        full = sync(s, client, full=True)
    assert full.recorded == 0 and full.skipped == 0


def test_a_sync_cut_off_half_way_resumes_to_the_same_ledger(mailup, tmp_path):
    fake, settings = mailup
    fake.dead_after_pages = 3  # the network goes after three pages of sendings
    s = ledger_store(tmp_path / "cut.duckdb")
    with Client(settings) as client, pytest.raises(MailUpError, match="after 6 attempts"):
        sync(s, client)
    partial = by_list_and_month(s)
    assert partial != BY_HAND
    fake.dead_after_pages = None
    with Client(settings) as client:
        sync(s, client)
    assert by_list_and_month(s) == BY_HAND


def test_reconciliation_in_words_and_the_assignments_that_match(mailup, tmp_path):
    fake, settings = mailup
    s = ledger_store(tmp_path / "r.duckdb")
    with Client(settings) as client:
        sync(s, client)
    rec = explained(s).set_index("name")
    assert rec.loc["Total", "mailup"] == 981 and rec.loc["Total", "ledger"] == 1000 - 19
    assert "agree (981)" in rec.loc["Total", "explanation"]
    assert "free access" in rec.loc["Avvisi", "explanation"]
    assert apply_matching_limits(s) == 1
    rec = explained(s).set_index("name")
    assert rec.loc["Avvisi", "difference"] == 0
    assert any(a == "MailUp reconciliation" for a in s.audit_trail()["action"])
    fake.credits = {"TotalCredits": 960, "CreditsByList": [{"ListId": 2, "Credit": 80}]}
    with Client(settings) as client:
        sync(s, client)
    words = explained(s).set_index("name").loc["Avvisi", "explanation"]
    assert words.startswith("Avvisi: MailUp says 80, this ledger 100: 20 credits of sends not yet synced")


def test_a_refused_call_names_itself(httpserver):
    fake = account()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake)
    bad = MailUpSettings(fake.client_id, fake.client_secret, fake.username, "not-the-password-123",
                         auth_url=httpserver.url_for("").rstrip("/"), api_url=httpserver.url_for("").rstrip("/") + API,
                         wait_initial_s=0.01)
    with Client(bad) as client, pytest.raises(MailUpError, match="refused the sign-in") as err:
        client.lists()
    assert "not-the-password-123" not in str(err.value)
    assert "wrong username or password" in str(err.value)  # the provider's own words
    with Client(settings_for(httpserver, fake)) as client, pytest.raises(
            MailUpError, match="refused GET Console/Nope .HTTP 404: no resource Console/Nope"):
        client.get("Console/Nope")  # MailUp's ErrorDescription, in the error


def test_settings_from_the_environment_never_show_a_secret():
    assert MailUpSettings.from_env({}) is None
    with pytest.raises(MailUpError, match="MAILUP_PASSWORD"):
        MailUpSettings.from_env({"MAILUP_CLIENT_ID": "a", "MAILUP_CLIENT_SECRET": "b", "MAILUP_USERNAME": "c"})
    s = MailUpSettings.from_env({"MAILUP_CLIENT_ID": "a", "MAILUP_CLIENT_SECRET": "topsecret",
                                 "MAILUP_USERNAME": "c", "MAILUP_PASSWORD": "hunter2"})
    assert s.api_url.endswith("/API/v1.1/Rest/ConsoleService.svc") and s.auth_url == "https://services.mailup.com"
    assert "topsecret" not in repr(s) and "hunter2" not in f"{s}"


def test_countries_from_numbers():
    assert country_of("393331234567") == "IT"
    assert country_of("447400123456") == "GB"
    assert country_of("12025550123") == "US"
    assert country_of("14165550123") == "CA"  # +1 shared: the area code decides
    assert country_of("999123") is None and country_of("39abc") is None


def test_the_cli_sync_shows_progress_and_keeps_secrets_off_the_terminal(mailup, tmp_path):
    fake, settings = mailup
    db = tmp_path / "cli.duckdb"
    with ledger_store(db):
        pass
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILUP_")}
    env.update({"MAILUP_CLIENT_ID": fake.client_id, "MAILUP_CLIENT_SECRET": fake.client_secret,
                "MAILUP_USERNAME": fake.username, "MAILUP_PASSWORD": fake.password,
                "MAILUP_AUTH_URL": settings.auth_url, "MAILUP_API_URL": settings.api_url})
    out = subprocess.run([sys.executable, "-m", "credits_core", "sync", "--db", str(db)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr  # one number could not be placed: reported, exit 1
    assert "sendings" in out.stderr and "8 new recorded" in out.stdout
    assert "999123 cannot be placed" in out.stdout and "Reconciliation" in out.stdout
    for secret in (fake.password, fake.client_secret):
        assert secret not in out.stdout + out.stderr
    with CreditStore.open(db) as s:
        assert by_list_and_month(s) == BY_HAND


def test_a_killed_sync_resumes_to_the_same_ledger(tmp_path):
    """SIGKILL in the middle of a sync (a fake server that answers slowly), then the same command again."""
    from pytest_httpserver import HTTPServer

    fake = account()
    many = [{"Receiver": f"3933{i:08d}", "SentDate": f"2026-11-0{1 + i % 5} 10:{i % 60:02d}:00Z", "Status": 0}
            for i in range(400)]
    fake.sendings[10] = many
    slow = fake.__call__

    def handler(request):
        time.sleep(0.02)
        return slow(request)

    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    server.start()
    try:
        db = tmp_path / "kill.duckdb"
        with ledger_store(db):
            pass
        base = server.url_for("").rstrip("/")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("MAILUP_")},
               "MAILUP_CLIENT_ID": fake.client_id, "MAILUP_CLIENT_SECRET": fake.client_secret,
               "MAILUP_USERNAME": fake.username, "MAILUP_PASSWORD": fake.password,
               "MAILUP_AUTH_URL": base, "MAILUP_API_URL": base + API, "MAILUP_PAGE_SIZE": "10"}
        cmd = [sys.executable, "-m", "credits_core", "sync", "--db", str(db)]
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("Sendings/ReportDetails" in c for c in fake.calls):
            time.sleep(0.05)
        time.sleep(0.3)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        with CreditStore.open(db) as s:
            assert s.message_count < 404  # killed half way
        subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, timeout=120)
        with CreditStore.open(db) as s:
            got = by_list_and_month(s)
            assert s.message_count == 400 + 4
    finally:
        server.clear()
        if server.is_running():
            server.stop()
    # the same account synced in one go
    fake2 = account()
    fake2.sendings[10] = many
    server2 = HTTPServer(host="127.0.0.1", port=0)
    server2.expect_request(re.compile(".*")).respond_with_handler(fake2)
    server2.start()
    try:
        once = ledger_store(tmp_path / "once.duckdb")
        with Client(settings_for(server2, fake2)) as client:
            sync(once, client)
        assert by_list_and_month(once) == got
    finally:
        server2.stop()


# -- MailUp's CSV export ---------------------------------------------------------------------------------------

EXPORT = """recipient|idList|idSMS|sentdate|responsedate|status|operator
393331234567|1|10|20261005T090000|20261005T090001|1|TIM
393331234567|1|10|20261005T090000|20261005T090010|0|TIM
393331234568|1|10|20261005T090001|20261005T090011|2|TIM
393331234569|1|10||20261005T090011|1|TIM
447400123456|1|10|20261005T090002|20261005T090012|0|Vodafone UK
12025550123|1|10|20261031T233000|20261031T233010|0|AT&T
393401111111|2|20|20261102T080000|20261102T080010|0|TIM
393401111112|2|20|20261102T080000|20261102T080010|delivered|TIM
4915112345678|2|20|20261102T080001|20261102T080011|error|T-Mobile
393401111113|2|20|20261103T080000|20261103T080010|queued|TIM
"""


def named_store(path) -> CreditStore:
    s = ledger_store(path)
    s.add_list("1", "Newsletter Italia")
    s.add_list("2", "Avvisi")
    import pandas as pd

    s.describe_campaigns(pd.DataFrame({"campaign_id": ["mailup-10", "20"], "name": ["Promo ottobre", "Promemoria"],
                                       "text": ["Ciao! Sconti fino al 50% su tutto il catalogo.", UNICODE_TEXT]}))
    return s


def test_the_mailup_export_imports_like_the_sync(tmp_path):
    from credits_core.sources import import_file

    s = named_store(tmp_path / "x.duckdb")
    report = import_file(s, "mailup-sms-export", EXPORT.encode(), "sms-stats.csv")
    assert report.ok, report.text()
    want = dict(BY_HAND)
    want[("2", "2026-11")] = 2 + 2 + 8 + 2  # the export says nothing of Unicode: the text itself needs UCS-2 here
    assert by_list_and_month(s) == want
    assert "columns not used: operator" in report.text()
    again = import_file(s, "mailup-sms-export", EXPORT.encode(), "sms-stats.csv")
    assert again.ok and again.written == 0  # one row per status change, and the same file again: counted once


def test_the_mailup_export_and_the_sync_give_the_same_ids(mailup, tmp_path):
    from credits_core.sources import import_file

    fake, settings = mailup
    s = ledger_store(tmp_path / "both.duckdb")
    with Client(settings) as client:
        sync(s, client)
    report = import_file(s, "mailup-sms-export", EXPORT.encode(), "sms-stats.csv")
    assert report.ok and report.written == 0, report.text()


def test_a_bad_export_names_row_column_and_value_and_writes_nothing(tmp_path):
    from credits_core.sources import import_file

    s = named_store(tmp_path / "bad.duckdb")
    bad = ("recipient;idList;idSMS;sentdate;status\n"
           "999123;1;10;20261005T090000;0\n"
           "393331234567;1;10;2026-10-05;0\n"
           "393331234568;1;10;20261005T090001;maybe\n"
           "393331234569;1;77;20261005T090001;0\n")
    report = import_file(s, "mailup-sms-export", bad.encode(), "bad.csv")
    assert not report.ok and s.message_count == 0
    got = {(r, c): why for r, c, v, why in report.problems}
    assert "cannot be placed" in got[(2, "recipient")]
    assert "not a date-time in a form MailUp exports" in got[(3, "sentdate")]
    assert "unknown status" in got[(4, "status")]
    assert "no text for MailUp message 77" in got[(5, "idSMS")]


def test_status_changes_count_once_whatever_the_row_order(tmp_path):
    """The rows of one sending's status changes may be anywhere in the file: the latest response wins, once."""
    from credits_core.sources import import_file

    s = named_store(tmp_path / "order.duckdb")
    text = ("recipient;idList;idSMS;sentdate;responsedate;status\n"
            "393331234567;1;10;20261005T090000;20261007T090000;0\n"
            "393401111111;2;20;20261102T080000;20261006T080000;0\n"
            "393331234567;1;10;20261005T090000;20261005T090001;1\n")
    report = import_file(s, "mailup-sms-export", text.encode(), "x.csv")
    assert report.ok and report.written == 2, report.text()
