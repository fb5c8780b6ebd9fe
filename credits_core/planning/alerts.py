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
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path

from credits_core.language import LANGS, Words, pick, words
from credits_core.ledger import POOL, ROME, CreditsError, holder_key, now_us
from credits_core.planning.advice import RUN_OUT, guidance
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
    languages: tuple[str, ...] = ()  # each recipient's language (it, en), in the order of ``recipients``

    def by_language(self) -> dict[str, tuple[str, ...]]:
        """The recipients grouped by the language their e-mails are written in."""
        out: dict[str, list[str]] = {}
        for i, to in enumerate(self.recipients):
            out.setdefault(self.languages[i] if i < len(self.languages) else "en", []).append(to)
        return {lang: tuple(v) for lang, v in out.items()}

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SmtpSettings | None:
        """``CREDITS_SMTP_HOST``, ``CREDITS_SMTP_PORT`` (587), ``CREDITS_SMTP_SECURITY`` (starttls, ssl or none),
        ``CREDITS_SMTP_USER``, ``CREDITS_SMTP_PASSWORD``, ``CREDITS_SMTP_FROM``, ``CREDITS_ALERTS_TO`` (comma
        separated; an address may say its language after a space: ``anna@example.it it``), ``CREDITS_ALERTS_LANG``
        (the others' language; else ``LANG``'s if it is one we speak, else English), ``CREDITS_DASHBOARD_URL`` (for the
        links). None when host or recipients are missing."""
        env = os.environ if env is None else env
        host, to = env.get("CREDITS_SMTP_HOST"), env.get("CREDITS_ALERTS_TO", "")
        default = pick(env.get("CREDITS_ALERTS_LANG"), env.get("LANG"))
        recipients, languages = [], []
        for entry in (a.split() for a in to.split(",") if a.strip()):
            if len(entry) > 2 or len(entry) == 2 and entry[1].lower() not in LANGS:
                raise CreditsError(f"CREDITS_ALERTS_TO: {' '.join(entry)!r} is not an address and a language "
                                   f"({', '.join(LANGS)})")
            recipients.append(entry[0])
            languages.append(entry[1].lower() if len(entry) == 2 else default)
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
                   env.get("CREDITS_SMTP_FROM", f"sms-credits@{host}"), tuple(recipients),
                   env.get("CREDITS_DASHBOARD_URL", "http://localhost:8501").rstrip("/"), tuple(languages))


# Long: the three kinds of alert, each worded (subject and body) in the reader's language from the same facts.
def find_alerts(store: CreditStore, days: Sequence[int] = DAYS, today_us: int | None = None,
                dashboard_url: str = "http://localhost:8501", w: Words | None = None) -> list[Alert]:
    """Every alert due now (``warnings``: the rules the Overview shows too), worded for an e-mail in ``w``'s language
    (English by default), with the figures, the deadline and a link to the right page."""
    w = w or words()
    now = today_us or now_us()
    facts = warnings(store, days, today_us=now)
    link = f"?lang={w.lang}" if w.lang != "en" else ""  # the dashboard opens in the e-mail's language
    expiry_url, assign_url = f"{dashboard_url}/expiry{link}", f"{dashboard_url}/assign{link}"
    out: list[Alert] = []
    if facts.expiry is not None:
        e = facts.expiry
        local = e.expires_at.tz_convert(ROME)
        sentences = guidance(store, facts.base, today_us=now)
        body = "\n\n".join([w.say(s) for s in sentences if s.message not in RUN_OUT]
                           + [w.t("Who loses what, and what-ifs: {url}", url=expiry_url)])
        out.append(Alert(f"expiry:{local.date().isoformat()}:{e.window}",
                         w.tn("{credits} SMS credits expire on {day} (in {count} day)",
                              "{credits} SMS credits expire on {day} (in {count} days)", int(e.days_left),
                              credits=e.credits, day=w.day(local.date())), body, e.credits))
    for r in facts.run_outs:
        d, name = r.on, store.list_name(r.bucket) if r.bucket is not POOL else ""
        pool = r.bucket is POOL
        subject = (w.t("The unassigned pool runs out of SMS credits on {day}", day=w.day(d)) if pool else
                   w.t("List {name} runs out of SMS credits on {day}", name=name, day=w.day(d)))
        said_body = (w.tn("The unassigned pool will run out on {day} at its current pace ({count} day from today).",
                          "The unassigned pool will run out on {day} at its current pace ({count} days from today).",
                          r.days_left, day=w.day(d)) if pool else
                     w.tn("List {name} will run out on {day} at its current pace ({count} day from today).",
                          "List {name} will run out on {day} at its current pace ({count} days from today).",
                          r.days_left, name=name, day=w.day(d)))
        # keyed on the window, with the run-out *date* as figure: days left shrink by themselves, the date does not;
        # it is news again when the date moves by more than a tenth of the time left (a week at least)
        out.append(Alert(f"runout:{holder_key(r.bucket)}:{r.window}", subject,
                         said_body + "\n\n" + w.t("Limits and the pool: {url}", url=assign_url),
                         d.toordinal(), tolerance=max(7, r.days_left // 10)))
    for r in facts.at_risk:
        who = w.t("the unassigned pool") if r.bucket is POOL else w.t("list {name}", name=store.list_name(r.bucket))
        short = r.reserved - r.remaining
        out.append(Alert(f"risk:{holder_key(r.bucket)}",
                         w.t("Scheduled campaigns at risk on {who}: {short} credits short", who=who, short=short),
                         w.t("The scheduled campaigns {campaigns} reserve {reserved} credits on {who}, which holds "
                             "only {remaining} now.", campaigns=r.campaigns, reserved=r.reserved, who=who,
                             remaining=r.remaining)
                         + "\n\n" + w.t("Campaigns: {url}", url=expiry_url), short))
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
    groups = settings.by_language() if settings else {pick(os.environ.get("CREDITS_ALERTS_LANG")): ()}
    # the same alerts (keys, figures) in each language its recipients read
    worded = {lang: find_alerts(store, days, today_us, url, words(lang)) for lang in groups}
    found = next(iter(worded.values()))
    todo = due(store, found)
    if not dry_run:  # a resolved alert is forgotten: when the same risk comes back, it is a new episode
        store.forget_alerts_except([a.key for a in found])
    if dry_run or settings is None:
        for lang, alerts in worded.items():
            for a in (x for x in alerts if x.key in {t.key for t in todo}):
                said = "" if lang == "en" else f" ({lang})"
                print(f"--- would send{said}: {a.subject}\n{a.body}\n", file=out)
        if settings is None and not dry_run and todo:
            print("nothing sent: set CREDITS_SMTP_HOST and CREDITS_ALERTS_TO to send alerts by e-mail", file=out)
        return len(todo)
    failures = []
    sent = 0
    for a in todo:  # one e-mail per alert (and language), marked as sent once the server took them all
        try:
            for lang, to in groups.items():
                said = next(x for x in worded[lang] if x.key == a.key)
                send(settings, [email(replace(settings, recipients=to), said.subject, said.body)])
        except (CreditsError, ValueError) as exc:
            failures.append(f"{a.key}: {exc}")
            continue
        store.mark_alert_sent(a.key, a.figure)
        sent += 1
    if failures:
        raise CreditsError(f"{sent} alert(s) sent, {len(failures)} not: " + "; ".join(failures))
    return sent

