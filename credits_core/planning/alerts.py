"""Alerts by e-mail, for a cron line: what a manager must hear about without opening the dashboard.

Three kinds, each with a key that says what it is about and a figure that says how much (the facts and their rules
are ``planning.warnings``, which the Overview shows too; this module words them and sends them):

* an expiry within 90, 30 or 7 days (``DAYS``): the credits that expire then if nothing more is spent, with the
  deadline, what the current pace uses of them and how to keep them (``forecast.guidance``);
* a list (or the unassigned pool) running out within the same windows at its current pace;
* reservations at risk: a bucket whose remaining credits no longer cover its scheduled campaigns.

``run`` sends one e-mail per new alert and remembers it in the database (``alerts_sent``, written by the journal),
so running it every hour sends each alert once, and again when its figure changes materially (by ``MATERIAL``, 10%).
An alert is marked as sent only after the SMTP server accepted it: a server that is down gives an error and the next
run tries again. SMTP settings come from the environment (``SmtpSettings.from_env``); nothing is sent unless
``CREDITS_SMTP_HOST`` and ``CREDITS_ALERTS_TO`` are set.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from credits_core.ledger import POOL, ROME, CreditsError, holder_key, now_us
from credits_core.planning.advice import guidance
from credits_core.planning.warnings import DAYS, warnings
from credits_core.store import CreditStore

MATERIAL = 0.10


@dataclass(frozen=True)
class Alert:
    key: str  # what it is about, and in which window: "expiry:2027-02-03:30"
    subject: str
    body: str
    figure: int  # how much: credits, or (run-outs) the run-out date as a day number
    tolerance: int | None = None  # a change of the figure by more than this is material (None: by MATERIAL)

    def changed_since(self, old: int) -> bool:
        if self.tolerance is not None:
            return abs(self.figure - old) > self.tolerance
        return abs(self.figure - old) > MATERIAL * max(abs(old), 1)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls" | "ssl" | "none"
    user: str | None
    password: str | None
    sender: str
    recipients: tuple[str, ...]
    dashboard_url: str

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SmtpSettings | None:
        """``CREDITS_SMTP_HOST``, ``CREDITS_SMTP_PORT`` (587), ``CREDITS_SMTP_SECURITY`` (starttls, ssl or none),
        ``CREDITS_SMTP_USER``, ``CREDITS_SMTP_PASSWORD``, ``CREDITS_SMTP_FROM``, ``CREDITS_ALERTS_TO`` (comma
        separated), ``CREDITS_DASHBOARD_URL`` (for the links). None when host or recipients are missing."""
        env = os.environ if env is None else env
        host, to = env.get("CREDITS_SMTP_HOST"), env.get("CREDITS_ALERTS_TO", "")
        recipients = tuple(a.strip() for a in to.split(",") if a.strip())
        if not host or not recipients:
            return None
        security = env.get("CREDITS_SMTP_SECURITY", "starttls").lower()
        if security not in ("starttls", "ssl", "none"):
            raise CreditsError(f"CREDITS_SMTP_SECURITY={security!r}: use starttls, ssl or none")
        try:
            port = int(env.get("CREDITS_SMTP_PORT", "465" if security == "ssl" else "587"))
        except ValueError:
            raise CreditsError(f"CREDITS_SMTP_PORT={env.get('CREDITS_SMTP_PORT')!r} is not a port number") from None
        return cls(host, port, security, env.get("CREDITS_SMTP_USER") or None, env.get("CREDITS_SMTP_PASSWORD") or None,
                   env.get("CREDITS_SMTP_FROM", f"sms-credits@{host}"), recipients,
                   env.get("CREDITS_DASHBOARD_URL", "http://localhost:8501").rstrip("/"))


def find_alerts(store: CreditStore, days: Sequence[int] = DAYS, today_us: int | None = None,
                dashboard_url: str = "http://localhost:8501") -> list[Alert]:
    """Every alert due now (``warnings``: the rules the Overview shows too), worded for an e-mail, with the figures,
    the deadline and a link to the right page."""
    now = today_us or now_us()
    facts = warnings(store, days, today_us=now)
    out: list[Alert] = []
    if facts.expiry is not None:
        e = facts.expiry
        local = e.expires_at.tz_convert(ROME)
        sentences = guidance(store, facts.base, today_us=now)
        body = "\n\n".join([s for s in sentences if not s.startswith(("List ", "The unassigned pool will"))]
                           + [f"Who loses what, and what-ifs: {dashboard_url}/expiry"])
        out.append(Alert(f"expiry:{local.date().isoformat()}:{e.window}",
                         f"{e.credits:,} SMS credits expire on {local.day} {local:%B %Y} (in {int(e.days_left)} days)",
                         body, e.credits))
    for r in facts.run_outs:
        who = "The unassigned pool" if r.bucket is POOL else f"List {store.list_name(r.bucket)}"
        d = r.on
        # keyed on the window, with the run-out *date* as figure: days left shrink by themselves, the date does not;
        # it is news again when the date moves by more than a tenth of the time left (a week at least)
        out.append(Alert(f"runout:{holder_key(r.bucket)}:{r.window}", f"{who} runs out of SMS credits on {d.day} "
                         f"{d:%B %Y}", f"{who} will run out on {d.day} {d:%B %Y} at its current pace ({r.days_left} "
                         f"days from today).\n\nLimits and the pool: {dashboard_url}/assign", d.toordinal(),
                         tolerance=max(7, r.days_left // 10)))
    for r in facts.at_risk:
        who = "the unassigned pool" if r.bucket is POOL else f"list {store.list_name(r.bucket)}"
        short = r.reserved - r.remaining
        out.append(Alert(f"risk:{holder_key(r.bucket)}",
                         f"Scheduled campaigns at risk on {who}: {short:,} credits short",
                         f"The scheduled campaigns {r.campaigns} reserve {r.reserved:,} credits on {who}, "
                         f"which holds only {r.remaining:,} now.\n\nCampaigns: {dashboard_url}/expiry", short))
    return out


def due(store: CreditStore, alerts: list[Alert]) -> list[Alert]:
    """The alerts never sent in their current episode, or sent with a figure that has changed materially since."""
    sent = store.alerts_sent()
    return [a for a in alerts if a.key not in sent or a.changed_since(sent[a.key])]


def header_text(text: str, limit: int = 200) -> str:
    """A header value from data (list names): control characters (CR, LF) folded into spaces, cut to ``limit``."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def email(settings: SmtpSettings, subject: str, body: str, attachment: Path | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = header_text(subject), settings.sender, ", ".join(settings.recipients)
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=attachment.name)
    return msg


def send(settings: SmtpSettings, messages: Sequence[EmailMessage]) -> None:
    """Hand the messages to the SMTP server (one connection). Raises ``CreditsError`` saying why it failed."""
    try:
        if settings.security == "ssl":
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=30, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=30)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, settings.password or "")
            for msg in messages:
                server.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise CreditsError(f"the SMTP server {settings.host}:{settings.port} did not take the e-mail: {exc}") from None


def run(store: CreditStore, settings: SmtpSettings | None, *, days: Sequence[int] = DAYS, dry_run: bool = False,
        today_us: int | None = None, out=None) -> int:
    """Check, send what is due, remember it. Returns how many alerts were sent (or would be, with ``dry_run``)."""
    url = settings.dashboard_url if settings else "http://localhost:8501"
    found = find_alerts(store, days, today_us, url)
    todo = due(store, found)
    if not dry_run:  # a resolved alert is forgotten: when the same risk comes back, it is a new episode
        store.forget_alerts_except([a.key for a in found])
    if dry_run or settings is None:
        for a in todo:
            print(f"--- would send: {a.subject}\n{a.body}\n", file=out)
        if settings is None and not dry_run and todo:
            print("nothing sent: set CREDITS_SMTP_HOST and CREDITS_ALERTS_TO to send alerts by e-mail", file=out)
        return len(todo)
    failures = []
    sent = 0
    for a in todo:  # one e-mail per alert, marked as sent only once the server took it; one failure stops no other
        try:
            send(settings, [email(settings, a.subject, a.body)])
        except (CreditsError, ValueError) as exc:
            failures.append(f"{a.key}: {exc}")
            continue
        store.mark_alert_sent(a.key, a.figure)
        sent += 1
    if failures:
        raise CreditsError(f"{sent} alert(s) sent, {len(failures)} not: " + "; ".join(failures))
    return sent

