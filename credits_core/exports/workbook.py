"""Excel and CSV exports of the usage report.

One workbook per report, written with openpyxl in write-only mode (rows stream to disk, memory stays flat):
Summary (totals, cost in euros, comparisons with the previous period and last year), Usage (periods x lists, with
totals and a native stacked chart), By list, Cost by period, By campaign (names, texts), By country (each with its
cost in euros; credits from lots bought without a price counted apart), Messages (the drill-down rows), History
(the ledger audit trail), Expiries (upcoming). Finished look: bold frozen header, autofilter, thousands separators,
real Excel dates, sensible widths.

Safety: a text cell that starts with ``= + - @``, tab or carriage return is written as text, never as a formula
(CSV/formula injection). A sheet that would pass Excel's row limit continues on the next sheet ("Messages (2)"),
and the Summary says so. Characters Excel cannot store (control characters) are dropped.

Long module: every sheet of the workbook (Summary, Usage, By list, Cost by period, By campaign, By country, Messages)
shares its styles, its column formats and the view's words; in one module the sheets read as the workbook does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from credits_core.exports import xlsx_stream
from credits_core.language import Words, words
from credits_core.ledger import ROME, now_us, zone
from credits_core.reporting import (
    PERIOD_WORDS,
    ReportFilter,
    campaigns_in_view,
    comparison_ranges,
    comparison_words,
    count_messages,
    estimated_credits,
    history,
    iter_messages,
    list_colour,
    message_where,
    period_end,
    recipient_pattern,
    searching,
    upcoming_expiries,
    usage,
    usage_by,
    usage_by_list,
    usage_matrix,
    value_spend,
)
from credits_core.store import CreditStore

EXCEL_MAX_ROWS = 1_048_576  # including the header row
RISKY = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
INT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
PCT_FORMAT = "0.0%"
EUR_FORMAT = '"€"#,##0.00'
EUR_FINE_FORMAT = '"€"#,##0.00####'  # a message's cost: a credit can cost €0.075, and rows must add up to their total


def N_(message: str) -> str:  # noqa: N802 (a message marked for the catalogs, translated where it is written)
    return message


class EurValue(float):
    """A Summary figure in euros (written with the euro format)."""
PERIOD_FORMATS = {"day": "yyyy-mm-dd", "week": "yyyy-mm-dd", "month": "mmm yyyy", "quarter": "mmm yyyy",
                  "year": "yyyy"}
PERIOD_TITLES = {"day": N_("Day"), "week": N_("Week (from Monday)"), "month": N_("Month"),
                 "quarter": N_("Quarter (from)"), "year": N_("Year")}
HEADERS = {  # readable headers for page downloads (frame_to_xlsx), translated by the reader's Words
    "at_rome": N_("At (Rome)"), "kind": N_("Event"), "lot_id": N_("Lot"), "list_id": N_("List"),
    "credits": N_("Credits"), "detail": N_("Detail"), "pool_after": N_("Pool after"),
    "assigned_after": N_("Assigned after"), "total_after": N_("Total after"), "expires_at": N_("Expires at (Rome)"),
    "expires_at_rome": N_("Expires at (Rome)"), "holder": N_("Who loses"),
    "if_nothing_spent": N_("If nothing is spent"),
    "at_current_pace": N_("At the current pace"), "author": N_("Author"),
}


class SheetWriter:
    """Writes rows to one logical sheet, continuing on new sheets at the row limit."""

    def __init__(self, wb: Workbook, title: str, columns: list[tuple[str, str, int]], max_rows: int, *,
                 footer_rows: int = 0, empty: str = N_("Nothing to show in this view.")):
        self.wb, self.title, self.columns, self.max_rows = wb, title, columns, max_rows
        self.footer_rows = footer_rows  # rows at the end (a Total) kept out of the filter range
        self.empty = empty  # what an empty sheet says instead
        self.sheets: list[str] = []
        self.rows = 0
        self._ws = None
        self._in_sheet = 0
        self._templates = [self._template(kind) for _, kind, _ in columns]

    def _template(self, kind: str) -> Callable[[object], object]:
        fmt = {"int": INT_FORMAT, "date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "pct": PCT_FORMAT}.get(kind, kind)
        fmt = None if fmt == "text" else fmt

        def make(value: object) -> object:
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                return None
            if isinstance(value, str):
                value = ILLEGAL.sub("", value)
                if value.startswith(RISKY):
                    cell = WriteOnlyCell(self._ws, value)
                    cell.data_type = "s"  # text, never a formula
                    return cell
                return value
            if fmt is None:
                return value
            cell = WriteOnlyCell(self._ws, value.to_pydatetime() if isinstance(value, pd.Timestamp) else value)
            cell.number_format = fmt
            return cell

        return make

    def _new_sheet(self) -> None:
        n = len(self.sheets) + 1
        name = self.title if n == 1 else f"{self.title} ({n})"
        self._ws = self.wb.create_sheet(name)
        self.sheets.append(name)
        self._ws.freeze_panes = "A2"
        for i, (_, _, width) in enumerate(self.columns):
            self._ws.column_dimensions[_col(i)].width = width
        header = []
        for title, _, _ in self.columns:
            c = WriteOnlyCell(self._ws, ILLEGAL.sub("", str(title)))
            c.data_type = "s"  # headers are list names too: always text
            c.font, c.fill = HEADER_FONT, HEADER_FILL
            c.alignment = Alignment(vertical="center")
            header.append(c)
        self._ws.append(header)
        self._in_sheet = 0

    def append_rows(self, rows: Iterable[tuple]) -> None:
        makers = self._templates
        for row in rows:
            if self._ws is None or self._in_sheet >= self.max_rows - 1:
                self._close_sheet()
                self._new_sheet()
            self._ws.append([m(v) for m, v in zip(makers, row)])
            self._in_sheet += 1
            self.rows += 1

    def _close_sheet(self, last: bool = False) -> None:
        if self._ws is not None:
            rows = self._in_sheet - (self.footer_rows if last else 0)
            self._ws.auto_filter.ref = f"A1:{_col(len(self.columns) - 1)}{max(rows, 1) + 1}"

    def finish(self) -> None:
        if self._ws is None:  # an empty sheet says why, instead of a bare header
            self._new_sheet()
            note = WriteOnlyCell(self._ws, self.empty)
            note.font = Font(italic=True)
            self._ws.append([note])
            return
        self._close_sheet(last=True)


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _frame_rows(df: pd.DataFrame) -> Iterable[tuple]:
    return df.itertuples(index=False, name=None)


MESSAGE_COLUMNS = [(N_("Sent at (Rome)"), "datetime", 20), (N_("Message id"), "text", 16), (N_("List"), "text", 18),
                   (N_("Campaign"), "text", 22), (N_("Country"), "text", 14), (N_("Parts"), "int", 7),
                   (N_("Credits"), "int", 9), (N_("Cost (EUR)"), EUR_FINE_FORMAT, 11), (N_("Recipient"), "text", 16),
                   (N_("Text"), "text", 60), (N_("Credits estimated"), "text", 16)]


def coverage_words(cover: object, w: Words) -> str:
    """The days of a period inside the range, as a sheet says them: "3 of 30 days", or "all"."""
    return w.say(cover) if cover else w.t("all")


def said_columns(columns: list[tuple[str, str, int]], w: Words) -> list[tuple[str, str, int]]:
    """A sheet's columns with their titles in ``w``'s language (wider when a title needs it)."""
    return [(w.t(title), kind, max(width, min(60, len(w.t(title)) + 2))) for title, kind, width in columns]


# how big an export will be, said before it is written (export_jobs, the page, report): from bench/ figures
ROWS_PER_S = 77_000  # workbook message rows a second (bench/README.md: a year at 10M, 3.96M rows in 51 s)
BYTES_PER_ROW = 31  # of the workbook, a message row with names and cost (3.96M rows: 122.5 MB)
SUMMARY_S = 2.0
SUMMARY_ONLY_ABOVE = 1_000_000


@dataclass(frozen=True)
class Estimate:
    messages: int
    seconds: float
    megabytes: float
    summary_seconds: float = SUMMARY_S

    @property
    def summary_by_default(self) -> bool:
        return self.messages > SUMMARY_ONLY_ABOVE

    def words(self, w: Words | None = None) -> str:
        w = w or words()
        size = (w.t("{mb} MB", mb=w.number(round(self.megabytes))) if self.megabytes >= 1 else w.t("under 1 MB"))
        return w.tn("{count} message: about {time} and {size}; the summary sheets alone: {summary}",
                    "{count} messages: about {time} and {size}; the summary sheets alone: {summary}", self.messages,
                    time=duration(self.seconds, w), size=size, summary=duration(self.summary_seconds, w))


def duration(seconds: float, w: Words | None = None) -> str:
    w = w or words()
    return f"{w.number(round(seconds))} s" if seconds < 120 else f"{w.number(round(seconds / 60))} min"


def estimate(messages: int) -> Estimate:
    return Estimate(messages, SUMMARY_S + messages / ROWS_PER_S, messages * BYTES_PER_ROW / 1e6)


def write_workbook(store: CreditStore, f: ReportFilter, out: str | Path, *, account: str | None = None,
                   include_messages: bool = True, max_rows: int = EXCEL_MAX_ROWS,
                   progress: Callable[[int], None] | None = None, preset: str | None = None,
                   search: str | None = None, view: Iterable[tuple[str, str]] = (), w: Words | None = None) -> dict:
    """Write the report workbook for filter ``f`` to ``out`` (``preset``: the range's preset, which names the
    comparisons, see ``periods.comparisons``; ``search``: the drill-down's search, applied to the messages;
    ``view``: what else narrows the view, in words, for the Summary: the drill-down pick, a clicked period).
    Every sheet of the view (Usage, By list, Cost by period, By campaign, By country, Messages) and the Summary's
    figures follow every filter, the search included; History and Expiries are the account's, and say so.
    Returns what was written (sheets and row counts). Sheet names, headers, the Summary and the sentences are in
    ``w``'s language (English by default); numbers stay numbers, which Excel shows in the reader's locale."""
    w = w or words()
    f = searching(f, search)
    search = f.search or None
    wb = Workbook(write_only=True)
    summary_ws = wb.create_sheet(w.t("Summary"))
    long = usage(store, f)
    per_list = usage_by_list(store, f, preset)
    prev, last_year = comparison_ranges(store, f, preset) or (None, None)
    usage_w = _usage_sheet(wb, store, f, long, max_rows, w)
    _by_list_sheet(wb, per_list, prev, last_year, max_rows, w)
    _cost_by_period_sheet(wb, store, f, long, max_rows, w)
    _table_sheet(wb, w.t("By campaign"), campaigns_in_view(store, f), said_columns(CAMPAIGN_COLUMNS, w), max_rows,
                 w.t("No campaign message in this view."))
    countries = usage_by(store, "country", f)[["country", "messages", "parts", "credits", "eur", "unpriced_credits"]]
    _table_sheet(wb, w.t("By country"), countries, said_columns(COUNTRY_COLUMNS, w), max_rows,
                 w.t("No credits were spent in this view."))
    msg_w, n_messages = None, 0
    if include_messages:
        n_messages = count_messages(store, f, search)
        msg_w = _messages_placeholder(wb, n_messages, max_rows, w)
    events = history(store, f.date_from, f.date_to)
    events = events.assign(kind=[w.t(EVENT_WORDS.get(k, k)) for k in events["kind"]],
                           detail=[w.say(d) for d in events["detail"]], author=[w.say(a) for a in events["author"]])
    hist_w = _table_sheet(wb, w.t("History"), events, said_columns(HISTORY_COLUMNS, w), max_rows,
                          w.t("No purchase, assignment or expiry in these dates."))
    up = upcoming_expiries(store)
    up_shown = up.assign(holder=[w.t(x) if x == "Unassigned pool" else x for x in up["holder"]]) if "holder" in up \
        else up
    _table_sheet(wb, w.t("Expiries"), up_shown, said_columns(EXPIRY_COLUMNS, w), max_rows,
                 w.t("No credit is due to expire: every credit held is non-expiring, or none is held."))
    # Summary last in time, first in the workbook
    lines = _summary_lines(store, f, account, per_list, prev, last_year, up, view, search, w)
    for sheet in (usage_w, msg_w, hist_w):
        if sheet is not None and len(sheet.sheets) > 1:
            lines.append((w.t("Note: {sheet}", sheet=sheet.title),
                          w.t("{rows} rows exceed one Excel sheet; continued on {sheets}", rows=sheet.rows,
                              sheets=", ".join(sheet.sheets[1:]))))
    _write_summary(summary_ws, lines)
    wb.save(str(out))
    if msg_w is not None:
        xlsx_stream.fill(out, msg_w.sheets, [k for _, k, _ in MESSAGE_COLUMNS], iter_messages(store, f, search=search),
                         n_messages, max_rows - 1, progress)
    return {"sheets": wb.sheetnames, "messages": n_messages, "message_sheets": msg_w.sheets if msg_w else []}


CAMPAIGN_COLUMNS = [(N_("Campaign"), "text", 12), (N_("Name"), "text", 30), (N_("Sent (Rome)"), DATETIME_FORMAT, 18),
                    (N_("Lists"), "text", 16), (N_("Text"), "text", 50), (N_("Messages"), "int", 11),
                    (N_("Parts"), "int", 11), (N_("Credits"), "int", 11), (N_("Cost (EUR)"), EUR_FORMAT, 13),
                    (N_("Unpriced credits"), "int", 12)]
COUNTRY_COLUMNS = [(N_("Country"), "text", 10), (N_("Messages"), "int", 12), (N_("Parts"), "int", 12),
                   (N_("Credits"), "int", 12), (N_("Cost (EUR)"), EUR_FORMAT, 14), (N_("Unpriced credits"), "int", 12)]
HISTORY_COLUMNS = [(N_("At (Rome)"), "datetime", 24), (N_("Event"), "text", 12), (N_("Lot"), "text", 10),
                   (N_("List"), "text", 14), (N_("Credits"), "int", 11), (N_("Detail"), "text", 60),
                   (N_("Pool after"), "int", 12), (N_("Assigned after"), "int", 14), (N_("Total after"), "int", 12),
                   (N_("Author"), "text", 28)]
EXPIRY_COLUMNS = [(N_("Expires at (Rome)"), "datetime", 20), (N_("Who loses"), "text", 22), (N_("Credits"), "int", 12)]
EVENT_WORDS = {k: N_(k) for k in ("purchase", "extension", "assignment", "free access", "expiry", "lot expired",
                                  "import", "campaign scheduled", "campaign cancelled", "MailUp reconciliation")}


def _table_sheet(wb: Workbook, title: str, df: pd.DataFrame, columns: list, max_rows: int, empty: str
                 ) -> SheetWriter:
    w = SheetWriter(wb, title, columns, max_rows, empty=empty)
    w.append_rows(_frame_rows(df))
    w.finish()
    return w


def _usage_sheet(wb: Workbook, store: CreditStore, f: ReportFilter, long: pd.DataFrame, max_rows: int, w: Words
                 ) -> SheetWriter:
    """Usage: periods x lists (periods as real dates, the first day, so that Excel sorts and filters them), a Total
    row, and a stacked column chart."""
    matrix = usage_matrix(long)
    lists = [c for c in matrix.columns if c != "Total"] if not matrix.empty else []
    names = [store.list_name(x) for x in lists]
    starts = dict(zip(long["label"], long["period"])) if not long.empty else {}
    usage_w = SheetWriter(wb, w.t("Usage"), [(w.t(PERIOD_TITLES[f.period]), PERIOD_FORMATS[f.period], 16)]
                          + [(nm, "int", max(12, len(nm) + 3)) for nm in names] + [(w.t("Total"), "int", 14)],
                          max_rows, footer_rows=1,
                          empty=w.t("No credits were spent in this view (dates, lists, countries)."))
    usage_w.append_rows((starts.get(idx, idx) if idx != "Total" else w.t("Total"), *row)
                        for idx, row in zip(matrix.index, matrix.itertuples(index=False, name=None)))
    usage_w.finish()
    n_periods = len(matrix) - 1 if not matrix.empty else 0
    if n_periods > 0 and lists:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
        chart.title = w.t("Credits per {period}, by list", period=w.say(PERIOD_WORDS[f.period]))
        chart.y_axis.title = w.t("credits")
        chart.y_axis.numFmt = INT_FORMAT
        chart.height, chart.width = 9, 24
        ws = wb[usage_w.sheets[0]]
        data = Reference(ws, min_col=2, max_col=1 + len(lists), min_row=1, max_row=1 + n_periods)
        cats = Reference(ws, min_col=1, min_row=2, max_row=1 + n_periods)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        for series, list_id in zip(chart.series, lists, strict=True):  # each list in its colour on every page
            colour = list_colour(store.list_ids.index(list_id)).lstrip("#")
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour
        ws.add_chart(chart, f"{_col(len(lists) + 3)}2")
    return usage_w


def _by_list_sheet(wb: Workbook, per_list: pd.DataFrame, prev, last_year, max_rows: int, w: Words) -> None:
    prev_name = comparison_words(prev, w) if prev else w.t("Previous period")
    year_name = comparison_words(last_year, w) if last_year else w.t("Same period last year")
    same = prev is not None and last_year is not None and (prev.lo, prev.hi) == (last_year.lo, last_year.hi)
    columns = said_columns([(N_("List"), "text", 16), (N_("Name"), "text", 26), (N_("Messages"), "int", 12),
                            (N_("Parts"), "int", 12), (N_("Credits"), "int", 12), (N_("Cost (EUR)"), EUR_FORMAT, 14),
                            (N_("Unpriced credits"), "int", 12), (N_("Share"), "pct", 8)], w)
    columns += [(prev_name, "int", 16), (w.t("Change vs {period}", period=prev_name), "int", 16)]
    if not same:  # each comparison once: last year is the previous period for a year or 12 months
        columns += [(year_name, "int", 16), (w.t("Change vs {period}", period=year_name), "int", 16)]
    _table_sheet(wb, w.t("By list"), per_list if not same else per_list.iloc[:, :len(columns)], columns, max_rows,
                 w.t("No list spent credits in this view."))


def _cost_by_period_sheet(wb: Workbook, store: CreditStore, f: ReportFilter, long: pd.DataFrame, max_rows: int,
                          w: Words) -> None:
    by_period = value_spend(store, f, ("period",))
    cover = dict(zip(long["period"], long["coverage"])) if not long.empty else {}
    period_w = SheetWriter(wb, w.t("Cost by period"), [(w.t(PERIOD_TITLES[f.period]), PERIOD_FORMATS[f.period], 16)]
                           + said_columns([(N_("Credits"), "int", 12), (N_("Cost (EUR)"), EUR_FORMAT, 14),
                                           (N_("Unpriced credits"), "int", 12), (N_("Days in range"), "text", 16)], w),
                           max_rows, empty=w.t("No credits were spent in this view."))
    period_w.append_rows((p, c, e, u, coverage_words(cover.get(p), w)) for p, c, e, u in _frame_rows(by_period))
    period_w.finish()


def _messages_placeholder(wb: Workbook, n_messages: int, max_rows: int, w: Words) -> SheetWriter:
    """The Messages sheets as placeholders (header, styles, one sample row per sheet); ``xlsx_stream.fill`` streams
    the rows in after the workbook is saved."""
    msg_w = SheetWriter(wb, w.t("Messages"), said_columns(MESSAGE_COLUMNS, w), 2)
    sample = (datetime(2000, 1, 1), "id", "list", "campaign", "Italy", 1, 1, 0.5, "recipient", "text")
    msg_w.append_rows([sample] * xlsx_stream.placeholder_count(n_messages, max_rows))
    msg_w.finish()
    msg_w.rows, msg_w.title = n_messages, w.t("Messages")
    return msg_w


def _summary_lines(store: CreditStore, f: ReportFilter, account: str | None, per_list: pd.DataFrame, prev,
                   last_year, up: pd.DataFrame, view: Iterable[tuple[str, str]], search: str | None, w: Words
                   ) -> list[tuple]:
    """The Summary: what the view is (every filter, pick and search named) and its headline figures, in ``w``'s
    language."""
    generated = datetime.fromtimestamp(now_us() / 1e6, zone(ROME)).replace(tzinfo=None, microsecond=0)
    total = int(per_list["credits"].sum()) if not per_list.empty else 0
    unpriced = int(per_list["unpriced_credits"].sum()) if not per_list.empty else 0
    previous = int(per_list["previous_credits"].sum()) if not per_list.empty else 0
    year_ago = int(per_list["last_year_credits"].sum()) if not per_list.empty else 0
    every = w.t("all")
    prev_name = comparison_words(prev, w) if prev else ""
    year_name = comparison_words(last_year, w) if last_year else ""
    return [
        (w.t("SMS credits usage report"), None),
        *([(w.t("Account"), account)] if account else []),
        (w.t("Generated at (Rome)"), generated),
        (w.t("Period"), w.t("{lo} to {hi} (Rome dates, inclusive)",
                            lo=w.day(f.date_from) if f.date_from else w.t("first message"),
                            hi=w.day(f.date_to) if f.date_to else w.t("today"))),
        (w.t("Grouped by"), w.say(PERIOD_WORDS[f.period])),
        (w.t("Lists"), ", ".join(store.list_name(x) for x in f.lists) or every),
        (w.t("Countries"), ", ".join(f.countries) or every),
        (w.t("Campaign"), f.campaign or every),
        *list(view),
        *([(w.t("Search in the messages"), searched_words(search, w))] if search else []),
        (w.t("Credits spent"), total),
        (w.t("Cost (EUR)"), EurValue(float(per_list["eur"].fillna(0).sum()) if not per_list.empty else 0.0)),
        *([(w.t("Credits from lots with no price (not valued)"), unpriced)] if unpriced else []),
        *([(w.t("Credits spent in {period} (previous period)", period=prev_name), previous),
           (w.t("Change vs {period}", period=prev_name), total - previous),
           (w.t("Credits spent in {period} (same period last year)", period=year_name), year_ago),
           (w.t("Change vs {period}", period=year_name), total - year_ago)] if prev else []),
        (w.t("Messages"), int(per_list["messages"].sum()) if not per_list.empty else 0),
        *([(w.t("Credits estimated (texts with merge tags, priced for the longest value known)"), estimated)]
          if (estimated := estimated_credits(store, f)) else []),
        (w.t("Credits that expire if nothing more is spent"), int(up["credits"].sum()) if not up.empty else 0),
        (w.t("Sheets of the view"), w.t("Summary, Usage, By list, Cost by period, By campaign, By country and "
                                        "Messages follow every filter above, the search included") if search else
         w.t("Summary, Usage, By list, Cost by period, By campaign, By country and Messages follow every filter "
             "above")),
        (w.t("Sheets of the account"), w.t("History (every purchase, assignment and expiry in these dates) and "
                                           "Expiries (what expires if nothing more is spent) are the whole "
                                           "account's")),
    ]


def view_file_name(store: CreditStore, f: ReportFilter, kind: str = "xlsx", picks: Iterable[str] = ()) -> str:
    """A report's file name that names its view: the range (2026-Q3, 2026-07, 2026, 2025-12-2026-11, or its first
    and last days),
    the lists, countries and campaign, and the drill-down's pick, as ASCII words (usage-2026-Q3-newsletter-italia.
    xlsx). Never the search: it may be a recipient's number."""
    lo, hi = f.date_from, f.date_to
    if lo is None or hi is None:
        when = "all"
    elif (lo.day, hi) == (1, period_end(lo, "quarter")) and lo.month in (1, 4, 7, 10):
        when = f"{lo.year}-Q{(lo.month - 1) // 3 + 1}"
    elif (lo.day, hi) == (1, period_end(lo, "month")):
        when = f"{lo:%Y-%m}"
    elif (lo.month, lo.day, hi.month, hi.day, lo.year) == (1, 1, 12, 31, hi.year):
        when = str(lo.year)
    elif lo.day == 1 and hi == period_end(hi.replace(day=1), "month"):  # whole months
        when = f"{lo:%Y-%m}-{hi:%Y-%m}"
    else:
        when = f"{lo.isoformat()}-{hi.isoformat()}"
    names = [store.list_name(x) for x in f.lists] if len(f.lists) <= 2 else [f"{len(f.lists)}-lists"]
    words = [when, *names, *f.countries[:3], *([f.campaign] if f.campaign else []), *picks]
    slug = "-".join(w for w in (_ascii_slug(x) for x in words) if w)
    return f"usage-{slug[:100].strip('-')}.{kind}"


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower() if not re.fullmatch(r"\d{4}-Q\d", plain) \
        else plain


def searched_words(search: str, w: Words | None = None) -> str:
    """A search as the Summary names it: a number is personal data, so it is named masked, as the pages show
    recipients (393366*****988), never whole."""
    w = w or words()
    pattern = recipient_pattern(search)
    if pattern is None:
        return search
    digits = pattern[1].replace("_", "*")
    shown = digits[:6] + "*" * max(0, len(digits) - 9) + digits[-3:] if len(digits) > 9 else "*" * len(digits)
    return w.t("a recipient's number ({digits})", digits=shown)


def _write_summary(summary_ws, lines: list[tuple]) -> None:
    summary_ws.column_dimensions["A"].width = 44
    summary_ws.column_dimensions["B"].width = 70
    for i, (k, v) in enumerate(lines):
        kc = WriteOnlyCell(summary_ws, k)
        kc.font = Font(bold=True, size=14 if i == 0 else 11)
        if isinstance(v, str) and v.startswith(RISKY):
            vc = WriteOnlyCell(summary_ws, v)
            vc.data_type = "s"
        elif isinstance(v, EurValue):
            vc = WriteOnlyCell(summary_ws, float(v))
            vc.number_format = EUR_FORMAT
        elif isinstance(v, int):
            vc = WriteOnlyCell(summary_ws, v)
            vc.number_format = INT_FORMAT
        elif isinstance(v, datetime):
            vc = WriteOnlyCell(summary_ws, v)
            vc.number_format = DATETIME_FORMAT
        else:
            vc = WriteOnlyCell(summary_ws, v)
        if v is not None and not isinstance(vc, str):
            vc.alignment = Alignment(horizontal="left")
        summary_ws.append([kc, vc])


def write_csv(store: CreditStore, f: ReportFilter, folder: str | Path,
              progress: Callable[[int], None] | None = None) -> dict:
    """The same report as CSV files (UTF-8 with BOM so Excel reads accents): usage.csv, by_list.csv,
    messages.csv, history.csv, expiries.csv."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    safe_frame(usage_matrix(usage(store, f))).to_csv(folder / "usage.csv", encoding="utf-8-sig")
    safe_frame(usage_by_list(store, f)).to_csv(folder / "by_list.csv", index=False, encoding="utf-8-sig")
    safe_frame(history(store, f.date_from, f.date_to)).to_csv(folder / "history.csv", index=False,
                                                             encoding="utf-8-sig")
    safe_frame(upcoming_expiries(store)).to_csv(folder / "expiries.csv", index=False, encoding="utf-8-sig")
    n = copy_messages_csv(store, f, folder / "messages.csv")
    if progress:
        progress(n)
    return {"messages": n, "folder": str(folder)}


FORMULA_START = RISKY + ("'",)  # in CSV the apostrophe is escaped too, so that the importer can undo the escape
MASKED_RECIPIENT = ("CASE WHEN length(recipient) > 9 THEN left(recipient, 6) || repeat('*', length(recipient) - 9) "
                    "|| right(recipient, 3) ELSE recipient END")


def _text_safe(col: str, expr: str | None = None) -> str:
    """SQL: the CSV escape of a text cell (``csv_safe``), done by DuckDB."""
    expr = expr or col
    return (f"CASE WHEN left({expr}, 1) IN ('=', '+', '-', '@', chr(9), chr(13), chr(39)) THEN chr(39) || {expr} "
            f"ELSE {expr} END AS {col}")


def csv_safe(value: object) -> object:
    """The CSV escape: a text cell starting with ``= + - @``, tab, carriage return or an apostrophe gets one more
    leading apostrophe, so a spreadsheet never reads a formula. The importer removes one leading apostrophe, so an
    exported messages file loads back as exactly the same data (an apostrophe of the data itself is kept, doubled on
    the way out)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell, column name and index label of ``df`` escaped for CSV."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(csv_safe, na_action="ignore")
    out.columns = [csv_safe(c) for c in out.columns]
    out.index = out.index.map(csv_safe)
    return out


def copy_messages_csv(store: CreditStore, f: ReportFilter, path: Path) -> int:
    """The filtered messages as CSV (UTF-8 with BOM), written by DuckDB's COPY in one pass. The columns are the
    import format's (``importer``), so the file loads back as it is: ``sent_at`` is Rome local time with its UTC
    offset (readable and exact), recipients are masked, and every text cell is escaped (``csv_safe``). Returns the
    row count."""
    import shutil
    import tempfile

    where, params = message_where(store, f)
    sql = f"""
        SELECT strftime(local, '%Y-%m-%dT%H:%M:%S') || CASE date_diff('hour', sent_at, local)
                   WHEN 2 THEN '+02:00' ELSE '+01:00' END AS sent_at,
               {_text_safe('message_id')}, {_text_safe('list_id')}, credits, {_text_safe('country')}, parts,
               {_text_safe('campaign_id')},
               {_text_safe('recipient', MASKED_RECIPIENT)},
               {_text_safe('text')}
        FROM (SELECT *, (sent_at AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Rome' AS local FROM messages
              WHERE {where}) m JOIN lists USING (list_no)
        ORDER BY sent_at, seq"""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "messages.csv"
        with store.reading() as cur:
            cur.copy_to_csv(sql, params, raw)
        with open(path, "wb") as out, open(raw, "rb") as src:
            out.write("\ufeff".encode())  # a BOM, so that Excel reads accents right
            shutil.copyfileobj(src, out, 1 << 20)
    return count_messages(store, f)


def frame_to_xlsx(df: pd.DataFrame, title: str, kinds: dict[str, str] | None = None, w: Words | None = None) -> bytes:
    """One finished sheet from a DataFrame (for page downloads): kinds maps column -> int|date|datetime|pct|text;
    the headers in ``w``'s language (English by default); sentences of the engine (``Said``) worded in it."""
    import tempfile

    kinds = kinds or {}
    w = w or words()
    wb = Workbook(write_only=True)
    titles = [w.t(HEADERS[c]) if c in HEADERS else str(c).replace("_", " ").capitalize() for c in df.columns]
    df = df.assign(**{c: [w.say(v) if isinstance(v, str) else v for v in df[c]] for c in df.columns
                      if pd.api.types.is_object_dtype(df[c].dtype)})
    w = SheetWriter(wb, title, [(t, kinds.get(c, "text"), max(12, min(60, len(t) + 4)))
                                for c, t in zip(df.columns, titles)], EXCEL_MAX_ROWS)
    w.append_rows(_frame_rows(df))
    w.finish()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        wb.save(tmp.name)
        return Path(tmp.name).read_bytes()
