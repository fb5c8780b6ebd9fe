"""``python -m credits_core report``: the usage report of a range as an Excel workbook or CSV files, e-mailed if
asked (the same workbook the Usage page writes)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from credits_core.cli.session import open_store as _open
from credits_core.exports import estimate, write_csv, write_workbook
from credits_core.language import said, words
from credits_core.ledger import CreditsError
from credits_core.reporting import PERIOD_WORDS, ReportFilter, count_messages, data_span


def _parse_date(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CreditsError(said("{option} {value} is not a date (YYYY-MM-DD)", option=name, value=repr(text))) from None


def within_span(f: ReportFilter, span: tuple[date, date] | None) -> ReportFilter:
    """``f`` with dates beyond the data's span brought back to it (``--from 0001-01-01`` asks for nothing more)."""
    if span is None:
        return f
    lo = None if f.date_from is None else min(max(f.date_from, span[0]), span[1])
    hi = None if f.date_to is None else max(min(f.date_to, span[1]), span[0])
    return replace(f, date_from=lo, date_to=hi)


def run(args) -> int:
    """The ``report`` CLI command."""
    w = getattr(args, "w", None) or words()
    f = ReportFilter(_parse_date(args.date_from, "--from"), _parse_date(args.date_to, "--to"), tuple(args.lists),
                     (), None, args.by)
    settings = None
    if args.email_to:  # checked before the work, so that a missing setting never costs a report
        from credits_core.planning import SmtpSettings

        if not args.xlsx:
            raise CreditsError(said("--email-to sends the workbook: use it with --xlsx"))
        settings = SmtpSettings.from_env({**os.environ, "CREDITS_ALERTS_TO": ",".join(args.email_to)})
        if settings is None:
            raise CreditsError(said("--email-to needs CREDITS_SMTP_HOST (and the other SMTP settings) in the "
                                    "environment"))
    with _open(args.db, read_only=True) as store, store.reading():  # one snapshot, one turn, for the whole report
        for list_id in f.lists:
            store.require_list(list_id)
        f = within_span(f, data_span(store))
        total = count_messages(store, f)
        sys.stderr.write(f"  {estimate(total).words(w)}\n")
        started = time.monotonic()

        def progress(done: int) -> None:  # the same figures as the page: rows written, rate, time left
            if sys.stderr.isatty() or total > 200_000:
                width = 30
                frac = min(1.0, done / max(total, 1))
                rate = done / max(time.monotonic() - started, 1e-6)
                left = (total - done) / rate if rate else 0
                said = w.t("{done} of {total} ({rate}/s, about {left} s left)", done=done, total=total,
                           rate=round(rate), left=round(left))
                sys.stderr.write(f"\r  {w.t('messages')} [{'#' * int(frac * width):<{width}}] {said}")
                sys.stderr.flush()

        if args.xlsx:
            info = write_workbook(store, f, args.xlsx, progress=progress, w=w)
            sys.stderr.write("\n")
            print(w.t("wrote {file}: sheets {sheets}; {messages} messages", file=args.xlsx,
                      sheets=", ".join(info["sheets"]), messages=int(info["messages"])))
            if settings is not None:
                from credits_core.planning import email, send

                period = w.t("{lo} to {hi}", lo=w.day(f.date_from) if f.date_from else w.t("the first message"),
                             hi=w.day(f.date_to) if f.date_to else w.t("today"))
                send(settings, [email(settings, w.t("SMS credits usage report, {period}", period=period),
                                      w.t("The usage report from {period} by {by} is attached.", period=period,
                                          by=w.say(PERIOD_WORDS[f.period])), Path(args.xlsx))])
                print(w.t("e-mailed {file} to {to}", file=args.xlsx, to=", ".join(settings.recipients)))
        else:
            info = write_csv(store, f, args.csv, progress=progress)
            sys.stderr.write("\n")
            print(w.t("wrote CSV files into {folder}; {messages} messages", folder=args.csv,
                      messages=int(info["messages"])))
    return 0


