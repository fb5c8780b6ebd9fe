"""Alerts and reports by e-mail, against a real SMTP server on loopback (aiosmtpd), the way cron runs them."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from credits_core import CreditsError, CreditStore
from credits_core.planning import SmtpSettings, find_alerts
from credits_core.reporting import select

from .conftest import T, _free_port

pytestmark = pytest.mark.clock  # dates relative to the clock: also run under the shifted clocks

ROOT = Path(__file__).resolve().parents[1]


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        msg = email.message_from_bytes(envelope.content)
        msg["X-Rcpt"] = ",".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def bought(now: datetime, days_ahead: int) -> datetime:
    """An instant whose purchase expires in about ``days_ahead`` days after ``now`` (noon UTC, two years before)."""
    return (now - timedelta(days=730 - days_ahead)).replace(hour=12, minute=0, second=0, microsecond=0)


def expiring_store(path: Path, days_ahead: int, now: datetime) -> None:
    """Credits that expire in ``days_ahead`` days after ``now``."""
    with CreditStore.open(path) as s:
        s.add_list("a", "Avvisi consegna")
        s.purchase(5000, bought(now, days_ahead), lot_id="X")
        s.send("a", 100, now - timedelta(days=3))


def cli(path: Path, *args: str, port: int | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITS_")}
    if port:
        env |= {"CREDITS_SMTP_HOST": "127.0.0.1", "CREDITS_SMTP_PORT": str(port), "CREDITS_SMTP_SECURITY": "none",
                "CREDITS_SMTP_FROM": "credits@example.com", "CREDITS_ALERTS_TO": "ana@example.com,bo@example.com",
                "CREDITS_DASHBOARD_URL": "https://credits.example.com"}
    return subprocess.run([sys.executable, "-m", "credits_core", *args, "--db", str(path)] if args[0] != "report"
                          else [sys.executable, "-m", "credits_core", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_alerts_arrive_once_and_again_when_the_figure_changes(smtp, tmp_path, now):
    inbox, port = smtp
    db = tmp_path / "a.duckdb"
    expiring_store(db, 20, now)
    out = cli(db, "alerts", port=port)
    assert out.returncode == 0, out.stderr
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg["Subject"].startswith("4,900 SMS credits expire on ")
    assert msg["X-Rcpt"] == "ana@example.com,bo@example.com" and msg["From"] == "credits@example.com"
    body = msg.get_payload(decode=True).decode()
    assert "4,900 credits" in body and "expire at 00:00 on" in body and "Buying any package before" in body
    assert "https://credits.example.com/expiry" in body
    assert cli(db, "alerts", port=port).returncode == 0
    assert len(inbox.messages) == 1  # nothing new: nothing sent
    with CreditStore.open(db) as s:
        s.purchase(2000, bought(now, 20) + timedelta(hours=1), lot_id="Y")  # the same day: 2,000 more expire then
    assert cli(db, "alerts", port=port).returncode == 0
    assert [m["Subject"][:17] for m in inbox.messages] == ["4,900 SMS credits", "6,900 SMS credits"]


def test_an_alert_e_mail_in_italian_line_by_line_for_the_recipients_who_read_italian(smtp, tmp_path, now):
    """Issue 35: a recipient's language after its address; the same alert, once, in each language."""
    from credits_core.language import words
    from credits_core.ledger import ROME

    inbox, port = smtp
    db = tmp_path / "a.duckdb"
    expiring_store(db, 20, now)
    env_to = "anna@example.it it, bo@example.com"
    out = subprocess.run([sys.executable, "-m", "credits_core", "alerts", "--db", str(db)], cwd=ROOT, text=True,
                         capture_output=True, timeout=120,
                         env={k: v for k, v in os.environ.items() if not k.startswith("CREDITS_")}
                         | {"CREDITS_SMTP_HOST": "127.0.0.1", "CREDITS_SMTP_PORT": str(port),
                            "CREDITS_SMTP_SECURITY": "none", "CREDITS_SMTP_FROM": "credits@example.com",
                            "CREDITS_ALERTS_TO": env_to, "CREDITS_DASHBOARD_URL": "https://credits.example.com"})
    assert out.returncode == 0, out.stderr
    by_to = {m["X-Rcpt"]: m for m in inbox.messages}
    assert set(by_to) == {"anna@example.it", "bo@example.com"}
    it, en = by_to["anna@example.it"], by_to["bo@example.com"]
    with CreditStore.open(db, read_only=True) as s:
        lot = s.now_state().lots["X"]
        day = lot.expires_on
    days = (datetime.combine(day, datetime.min.time(), ZoneInfo(ROME)) - now).days + 1
    w = words("it")
    assert it["Subject"] == f"4.900 crediti SMS scadono il {w.day(day)} (tra {days} giorni)" or \
        it["Subject"] == f"4.900 crediti SMS scadono il {w.day(day)} (tra {days - 1} giorni)"
    assert en["Subject"].startswith("4,900 SMS credits expire on ")
    lines = [x for x in it.get_payload(decode=True).decode().splitlines() if x]
    assert lines[0].startswith(f"4.900 crediti scadono alle 00:00 del {w.day(day)} (Roma), tra ")
    assert "Al tuo ritmo ne userai" in lines[0] and "andrebbero persi." in lines[0]
    assert lines[1].startswith("Acquistare un pacchetto qualsiasi prima del ") and "Starter" in lines[1]
    assert any(x.startswith("A ") and "crediti al mese (gli ultimi 90 giorni)" in x for x in lines)
    assert any(x.startswith("Chi li perderebbe al ritmo attuale: i crediti non assegnati ") for x in lines)
    assert lines[-1] == "Chi perde cosa, e le simulazioni: https://credits.example.com/expiry?lang=it"
    for line in lines:  # nothing English left
        assert not re.search(r"\b(the|credits|expire|your|would|pace|lost|with)\b", line.split("https://")[0]), line


def test_a_recipient_with_a_language_we_do_not_speak_is_refused():
    with pytest.raises(CreditsError, match="is not an address and a language"):
        SmtpSettings.from_env({"CREDITS_SMTP_HOST": "h", "CREDITS_ALERTS_TO": "a@b.c fr"})
    s = SmtpSettings.from_env({"CREDITS_SMTP_HOST": "h", "CREDITS_ALERTS_TO": "a@b.c, d@e.f it",
                               "LANG": "it_IT.UTF-8"})
    assert s.by_language() == {"it": ("a@b.c", "d@e.f")}


def test_a_down_smtp_server_fails_clearly_and_marks_nothing(tmp_path, now):
    db = tmp_path / "a.duckdb"
    expiring_store(db, 20, now)
    out = cli(db, "alerts", port=_free_port())  # nobody listens there
    assert out.returncode == 1 and "did not take the e-mail" in out.stderr
    with CreditStore.open(db) as s:
        assert select(s, "SELECT count(*) FROM alerts_sent").fetchall() == [(0,)]


def test_dry_run_prints_and_sends_nothing(smtp, tmp_path, now):
    inbox, port = smtp
    db = tmp_path / "a.duckdb"
    expiring_store(db, 20, now)
    out = cli(db, "alerts", "--dry-run", port=port)
    assert out.returncode == 0 and "--- would send: 4,900 SMS credits expire" in out.stdout
    assert inbox.messages == []


def test_windows_and_runout_alerts(now):
    s = CreditStore.open(":memory:")
    s.add_list("b", "Bulk")
    s.purchase(10_000, T("2026-01-01T10:00"), expiring=False)
    s.assign("b", 300, T("2026-01-01T11:00"))
    for i in range(58):  # b spent 290 in the last 90 days (3.2 a day): its last 10 go within a week
        s.send("b", 5, now - timedelta(days=1 + i * 1.5))
    got = find_alerts(s, today_us=int(now.timestamp() * 1e6))
    runout = [a for a in got if a.key.startswith("runout:list:b:")]
    assert runout and runout[0].key == "runout:list:b:7" and "List Bulk runs out" in runout[0].subject
    assert not any(a.key.startswith("expiry:") for a in got)  # non-expiring credits only


def test_a_pool_emptied_by_a_saturday_expiry_gets_the_expiry_alert_only():
    """The credits expire on Saturday 19 December 2026 and leave the pool empty; nothing is sent at weekends, so the
    first send that fails is on Monday 21: that is the expiry's doing, not a second "runs out" alert."""
    s = CreditStore.open(":memory:")
    s.add_list("a", "Avvisi")
    s.purchase(5000, T("2024-12-19T12:00"), lot_id="X")
    s.send("a", 100, T("2026-11-26T10:00"))  # a Thursday: working days only
    got = find_alerts(s, today_us=int(T("2026-11-29T00:10").timestamp() * 1e6))
    assert [a.key.split(":")[0] for a in got] == ["expiry"], [a.subject for a in got]
    assert "19 December 2026" in got[0].subject


def test_weekly_report_by_email(smtp, tmp_path, now):
    inbox, port = smtp
    db = tmp_path / "a.duckdb"
    expiring_store(db, 200, now)
    out = cli(db, "report", "--db", str(db), "--xlsx", str(tmp_path / "w.xlsx"), "--email-to", "team@example.com",
              port=port)
    assert out.returncode == 0, out.stderr
    msg = inbox.messages[-1]
    assert msg["X-Rcpt"] == "team@example.com"
    files = [p.get_filename() for p in msg.walk() if p.get_filename()]
    assert files == ["w.xlsx"]


def test_settings_from_the_environment():
    assert SmtpSettings.from_env({}) is None
    st = SmtpSettings.from_env({"CREDITS_SMTP_HOST": "mail", "CREDITS_ALERTS_TO": "a@x, b@x",
                                "CREDITS_SMTP_SECURITY": "ssl"})
    assert (st.port, st.recipients, st.security) == (465, ("a@x", "b@x"), "ssl")
    with pytest.raises(ValueError, match="starttls, ssl or none"):
        SmtpSettings.from_env({"CREDITS_SMTP_HOST": "mail", "CREDITS_ALERTS_TO": "a@x", "CREDITS_SMTP_SECURITY": "x"})


def test_alerts_without_smtp_settings_exit_2_and_dry_run_still_works(tmp_path, now):
    """Issue 23.6: without SMTP settings `alerts` exited 0 with "nothing sent", so a cron job failed silently."""
    db = tmp_path / "a.duckdb"
    expiring_store(db, 20, now)
    out = cli(db, "alerts")
    assert out.returncode == 2 and "not configured" in out.stderr and "CREDITS_SMTP_HOST" in out.stderr
    dry = cli(db, "alerts", "--dry-run")
    assert dry.returncode == 0 and "would send" in dry.stdout
