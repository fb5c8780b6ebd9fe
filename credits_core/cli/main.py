"""The command line: ``python -m credits_core COMMAND --help``.

Commands: ``demo`` (build the demo database), ``balance`` (the balance as of an instant), ``report`` (Excel/CSV
usage report), ``import`` (load CSV/Excel files, all or nothing), ``check`` (derived data against a full replay),
``rebuild`` (repair derived data). Exit status: 0 done, 1 refused (or, for ``check``, something differs), 2 usage
error. Every command shares the file with a running dashboard: it waits its turn (``--wait`` seconds, default 60).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from credits_core.cli.session import configure
from credits_core.cli.session import open_store as _open
from credits_core.language import LANGS, Words, pick, said, words
from credits_core.ledger import CreditsError, fmt_local, rome_instant, utc_us
from credits_core.planning.warnings import DAYS


def _instant(text: str) -> datetime:
    """An ISO-8601 instant; without an offset it is read as Rome local time (a time the clocks skip or show twice
    is refused, as the importer refuses it)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 date or date-time") from None
    if value.tzinfo is None:
        try:
            value = rome_instant(value, "--at")
        except CreditsError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def cmd_demo(args: argparse.Namespace) -> int:
    """Build the demo into a file of its own beside ``--db`` and move it into place only once it is whole: a build
    that fails (or is killed) leaves no database behind, and ``--force`` replaces the old file in one step."""
    import os

    from credits_core.sources import build_demo

    target = Path(args.db)
    if target.exists() and not args.force:
        raise CreditsError(said("{file} exists; use --force to replace it", file=args.db))
    if args.messages < 0:
        raise CreditsError(said("--messages {value}: give a number of messages >= 0", value=str(args.messages)))
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{target.name}.building-{os.getpid()}")
    try:
        with _open(str(building)) as store:
            summary = build_demo(store, messages=args.messages, seed=args.seed)
        Path(str(target) + ".wal").unlink(missing_ok=True)  # a closed store leaves no WAL; an old file's may remain
        # the write token moves with the file, so a dashboard open on the old one sees a new ledger (db.py)
        os.replace(str(building) + ".rev", str(target) + ".rev")
        os.replace(building, target)  # the whole file, or nothing: rename is atomic within a folder
    finally:
        for suffix in ("", ".wal", ".rev", ".wait"):
            Path(str(building) + suffix).unlink(missing_ok=True)
    w = args.w
    print(w.t("demo database {file}: {messages} messages in {lists} lists, {lots} lots, {first} to {last}",
              file=args.db, messages=int(summary["messages"]), lists=int(summary["lists"]), lots=int(summary["lots"]),
              first=w.day(summary["from"]), last=w.day(summary["to"])))
    return 0


def cmd_balance(args: argparse.Namespace) -> int:
    with _open(args.db, read_only=True) as store:
        b = store.balance(args.at)
        data = {
            "at": b.at.isoformat(), "total": b.total, "unassigned": b.unassigned, "assigned": b.assigned,
            "expiring": b.expiring, "non_expiring": b.non_expiring, "lots": b.lots,
            "next_expiry": b.next_expiry.isoformat() if b.next_expiry else None,
            "next_expiry_credits": b.next_expiry_credits,
        }
        if args.json:
            print(json.dumps(data, indent=2))
            return 0
        w = args.w
        print(w.t("Balance as of {when}", when=fmt_local(utc_us(b.at))))
        rows = [(w.t("total"), b.total), (w.t("unassigned pool"), b.unassigned)]
        rows += [(w.t("list {list}", list=list_id), credits) for list_id, credits in b.assigned.items()]
        rows += [(w.t("expiring"), b.expiring), (w.t("non-expiring"), b.non_expiring)]
        for label, credits in rows:
            print(f"  {label:<18}{w.number(credits):>14}")
        if b.next_expiry:
            when = fmt_local(utc_us(b.next_expiry))
            print(f"  {w.t('next expiry'):<18}" + w.t("{when}: {credits} credits", when=when,
                                                     credits=b.next_expiry_credits))
        else:
            print(f"  {w.t('next expiry'):<18}" + w.t("none"))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from credits_core.cli import report

    return report.run(args)


def cmd_import(args: argparse.Namespace) -> int:
    from credits_core.cli import imports

    return imports.run(args)


def cmd_check(args: argparse.Namespace) -> int:
    from credits_core.store import verify

    with _open(args.db, read_only=True) as store:
        problems = verify(store)
    w = args.w
    if problems:
        print(w.tn("{file}: {count} difference between the derived data and a full replay:",
                   "{file}: {count} differences between the derived data and a full replay:", len(problems),
                   file=args.db))
        for p in problems:
            print(f"  - {w.say(p)}")
        repair = f"python -m credits_core rebuild --db {args.db}"
        print(w.t("repair with: {command}", command=repair))
        return 1
    print(w.t("{file}: sound (checkpoints, balances and the daily rollup equal a full replay; R11 holds)",
              file=args.db))
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from credits_core.planning import SmtpSettings, run

    settings = SmtpSettings.from_env()
    if settings is None and not args.dry_run:  # a cron job must not succeed silently while nothing can be sent
        print(args.w.t("error: alerts are not configured: set CREDITS_SMTP_HOST and CREDITS_ALERTS_TO (see the "
                       "README), or use --dry-run to print them"), file=sys.stderr)
        return 2
    with _open(args.db, read_only=args.dry_run) as store:
        n = run(store, settings, days=args.days, dry_run=args.dry_run)
    if args.dry_run or settings is None:
        print(args.w.tn("{count} alert would be sent", "{count} alerts would be sent", n), file=sys.stderr)
    else:
        print(args.w.tn("{count} alert sent", "{count} alerts sent", n), file=sys.stderr)
    return 0


def mailup_settings(secrets: str | None = None):
    """MailUp settings from the environment (``MAILUP_*``), else the ``[mailup]`` table of a secrets file (default
    ``.streamlit/secrets.toml``); a ``CreditsError`` saying what is missing."""
    import tomllib

    from credits_core.sources.mailup import MailUpError, find_settings

    path = Path(secrets or ".streamlit/secrets.toml")
    table = None
    if path.exists() and path.stat().st_mode & 0o077:
        raise MailUpError(f"{path} can be read by other users (mode {oct(path.stat().st_mode & 0o777)}): it holds "
                          f"secrets. Fix it with: chmod 600 {path}")
    if path.exists():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("mailup")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise MailUpError(f"{path} is not a readable TOML file: {exc}") from None
    settings = find_settings(table)
    if settings is not None:
        return settings
    raise MailUpError("MailUp is not configured: set MAILUP_CLIENT_ID, MAILUP_CLIENT_SECRET, MAILUP_USERNAME and "
                      f"MAILUP_PASSWORD, or a [mailup] table in {path} (see the README, Connect your MailUp account)")


def cmd_sync(args: argparse.Namespace) -> int:
    import time

    from credits_core.sources.mailup import Client, explained, sync

    settings = mailup_settings(args.secrets)
    shown = [0.0]
    said_done = "done"

    def progress(report, stage: str) -> None:
        now = time.monotonic()
        if now - shown[0] < 0.5 and stage != said_done:
            return
        shown[0] = now
        rate = report.sendings / report.seconds if report.seconds > 0 else 0
        w = args.w
        said = w.t("lists {lists}, messages {messages}, sendings {sendings} ({rate}/s), recorded {recorded}",
                   lists=report.lists, messages=report.messages, sendings=report.sendings, rate=round(rate),
                   recorded=report.recorded)
        sys.stderr.write(f"\r  {said}: {w.say(stage)[:40]:<40}")
        sys.stderr.flush()

    with _open(args.db) as store, Client(settings) as client:
        report = sync(store, client, full=args.full, progress=progress)
        sys.stderr.write("\n")
        print(report.text(args.w))
        rec = explained(store)
        if not rec.empty:
            print(args.w.t("Reconciliation with MailUp's own figures:"))
            for r in rec.itertuples():
                print(f"  {args.w.say(r.explanation)}")
            if rec.attrs.get("estimated"):
                print("  " + args.w.t("{credits} credits of this ledger are estimated (texts with merge tags).",
                                      credits=int(rec.attrs["estimated"])))
    return 0 if report.ok else 1


def cmd_rebuild(args: argparse.Namespace) -> int:
    with _open(args.db) as store:
        store.rebuild()
    print(args.w.t("{file}: derived data rebuilt from the events", file=args.db))
    return 0


def _formatter(w: Words) -> type[argparse.HelpFormatter]:
    """argparse's help in ``w``'s language: its own words (usage) are English otherwise."""

    class Formatter(argparse.HelpFormatter):
        def add_usage(self, usage, actions, groups, prefix=None):
            return super().add_usage(usage, actions, groups, w.t("usage: ") if prefix is None else prefix)

    return Formatter


def _help(p: argparse.ArgumentParser, w: Words) -> None:
    p.add_argument("-h", "--help", action="help", help=w.t("show this help and exit"))
    p._positionals.title = w.t("positional arguments")  # noqa: SLF001 (argparse has no other way to name them)
    p._optionals.title = w.t("options")  # noqa: SLF001


def _command(sub, w: Words, name: str, **said: str) -> argparse.ArgumentParser:
    """A command's parser, its help in ``w``'s language."""
    p = sub.add_parser(name, formatter_class=_formatter(w), add_help=False, **said)
    _help(p, w)
    return p


def language_of(argv: list[str], env: dict[str, str]) -> str:
    """The CLI's language: ``--lang`` (read before the parser is built, so that --help is in it too), else
    ``CREDITS_LANG``, else ``LANG`` when it names one we speak, else English."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return pick(argv[i + 1])
        if a.startswith("--lang="):
            return pick(a.split("=", 1)[1])
    return pick(env.get("CREDITS_LANG"), env.get("LANG"))


# Long: one declaration per command and option, in the order of the CLI's help; split up, the commands would be
# scattered.
def build_parser(w: Words | None = None) -> argparse.ArgumentParser:
    """The commands and their options, every help text in ``w``'s language (English by default)."""
    w = w or words()
    parser = argparse.ArgumentParser(prog="python -m credits_core", formatter_class=_formatter(w), add_help=False,
                                     description=w.t("The command line of the SMS credits ledger."))
    _help(parser, w)
    parser.add_argument("--lang", choices=LANGS, default=w.lang,
                        help=w.t("the language of the messages and of the report (default: LANG's if it is one of "
                                 "them, else en)"))
    parser.add_argument("--wait", type=float, default=60.0,
                        help=w.t("seconds to wait for a database another process is using (default 60)"))
    parser.add_argument("--as", dest="author", default=None, metavar="NAME",
                        help=w.t("who the writes are recorded as in the History (default: the operating-system user)"))
    sub = parser.add_subparsers(dest="command", required=True, title=w.t("commands"))

    p = _command(sub, w, "demo", help=w.t("build a demo database"), description=w.t("Build a realistic demo account."))
    p.add_argument("--db", required=True, help=w.t("database file to create"))
    p.add_argument("--messages", type=int, default=200_000, help=w.t("number of messages (default 200,000)"))
    p.add_argument("--seed", type=int, default=7, help=w.t("random seed (same seed, same account)"))
    p.add_argument("--force", action="store_true", help=w.t("replace an existing file"))
    p.set_defaults(func=cmd_demo)

    p = _command(sub, w, "balance", help=w.t("print the balance"),
                 description=w.t("Print the balance as of an instant."))
    p.add_argument("--db", required=True, help=w.t("database file"))
    p.add_argument("--at", type=_instant, default=None,
                   help=w.t("ISO-8601 instant (default now; without offset: Rome local time)"))
    p.add_argument("--json", action="store_true", help=w.t("print JSON"))
    p.set_defaults(func=cmd_balance)

    p = _command(sub, w, "report", help=w.t("export the usage report to Excel or CSV"),
                       description=w.t("Export the usage report (temporal report, messages, history, expiries)."))
    p.add_argument("--db", required=True, help=w.t("database file"))
    p.add_argument("--from", dest="date_from", help=w.t("first Rome date, YYYY-MM-DD (default: first message)"))
    p.add_argument("--to", dest="date_to", help=w.t("last Rome date, YYYY-MM-DD, inclusive (default: today)"))
    p.add_argument("--by", choices=["day", "week", "month", "quarter", "year"], default="month", help=w.t("period"))
    p.add_argument("--list", dest="lists", action="append", default=[], help=w.t("only this list (repeatable)"))
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--xlsx", help=w.t("write an Excel workbook here"))
    out.add_argument("--csv", help=w.t("write CSV files into this folder"))
    p.add_argument("--email-to", action="append", default=[], metavar="ADDR",
                   help=w.t("also e-mail the workbook (with --xlsx) to this address (repeatable; SMTP settings from "
                            "the "
                        "environment)"))
    p.set_defaults(func=cmd_report)

    p = _command(sub, w, "import", help=w.t("import lists, purchases, assignments or messages from CSV/Excel"),
                       description=w.t("Import a CSV or .xlsx file, all or nothing, after validating every row."))
    p.add_argument("--db", required=True, help=w.t("database file"))
    p.add_argument("kind", choices=["lists", "purchases", "assignments", "messages", "campaigns", "mailup-sms-export"],
                   help=w.t("what the file holds"))
    p.add_argument("file", help=w.t("the .csv or .xlsx file"))
    p.add_argument("--dry-run", action="store_true", help=w.t("validate only; write nothing"))
    p.add_argument("--date-order", choices=["dmy", "mdy"], default=None,
                   help=w.t("numeric dates such as 02/11/2026 read day first (dmy, the Italian way) or month first "
                        "(mdy); needed only when the file cannot tell (none of its dates has a number above 12)"))
    p.add_argument("--numbers", choices=["it", "en"], default=None,
                   help=w.t("numbers with separators read the Italian way (it: 5.000 credits, 1.234,50 EUR) or the "
                        "English way (en: 5,000, 1,234.50); without it, a number that reads differently both ways "
                        "(5.000) is refused with both readings"))
    p.set_defaults(func=cmd_import)

    p = _command(sub, w, "check", help=w.t("verify the derived data against a full replay"),
                       description=w.t("Replay every event and compare checkpoints, balances and the daily rollup; "
                                   "exit 1 with what differs."))
    p.add_argument("--db", required=True, help=w.t("database file"))
    p.set_defaults(func=cmd_check)

    p = _command(sub, w, "alerts", help=w.t("e-mail the alerts due (expiries, lists running out, campaigns at risk)"),
                       description=w.t("Check expiries within the given days, lists running out at their pace and "
                                   "reservations at risk; e-mail each new alert once (SMTP settings from the "
                                   "environment, see the README)."))
    p.add_argument("--db", required=True, help=w.t("database file"))
    p.add_argument("--days", type=int, nargs="+", default=list(DAYS),
                   help=w.t("alert windows in days ({days})", days=" ".join(map(str, DAYS))))
    p.add_argument("--dry-run", action="store_true", help=w.t("print the e-mails; send and remember nothing"))
    p.set_defaults(func=cmd_alerts)

    p = _command(sub, w, "sync", help=w.t("pull lists, SMS messages, sendings and credits from your MailUp account"),
                       description=w.t("Sync from MailUp's REST API (settings from MAILUP_* environment variables or "
                                       "the "
                                   "[mailup] table of the dashboard's secrets); idempotent and resumable; compares "
                                   "MailUp's credits per list with this ledger at the end."))
    p.add_argument("--db", required=True, help=w.t("database file"))
    p.add_argument("--full", action="store_true", help=w.t("re-read messages the last sync found complete"))
    p.add_argument("--secrets", default=None,
                   help=w.t("secrets file with a [mailup] table (default .streamlit/secrets.toml)"))
    p.set_defaults(func=cmd_sync)

    p = _command(sub, w, "rebuild", help=w.t("rebuild the derived data from the events"),
                       description=w.t("Rewrite checkpoints and the daily rollup from the input events."))
    p.add_argument("--db", required=True, help=w.t("database file"))
    p.set_defaults(func=cmd_rebuild)
    return parser


def main(argv: list[str] | None = None) -> int:
    import os

    os.umask(0o077)  # the database, its side files and reports are this user's alone: others read nothing
    argv = sys.argv[1:] if argv is None else argv
    w = words(language_of(argv, dict(os.environ)))
    parser = build_parser(w)
    args = parser.parse_args(argv)
    args.w = w
    try:
        configure(args.wait, args.author)
        return args.func(args)
    except CreditsError as exc:
        print(w.t("error: {why}", why=w.say(exc.args[0]) if len(exc.args) == 1 else str(exc)), file=sys.stderr)
        return 1

