"""Import account data from CSV or Excel files, validated, all or nothing.

File kinds and columns (header row first; extra columns are refused, so a typo never goes unnoticed):

* lists: ``list_id, name``
* purchases: ``lot_id, purchased_at, credits, expiring, price_eur``
* assignments: ``list_id, at, change`` (credits moved to the list, negative to give back, or ``shared``)
* messages: ``message_id, list_id, sent_at, credits`` and optional ``country, parts, campaign_id, recipient, text``

CSV: comma or semicolon, UTF-8 with or without BOM; one leading apostrophe in a cell is the spreadsheet escape
(``export.csv_safe``) and is removed, so exported messages load back as they were. ``.xlsx``: the first sheet.
Timestamps are ISO 8601 or numeric dates (``15/09/2026 10:30``, day or month first: ``written``); one without an
offset is read as Rome local time (the report says so) and an ambiguous or non-existent Rome local time (DST change)
is an error for that row. Prices and credits are read in every unambiguous form (``1234,50``, ``1.234,50``,
``1,234.50``), and by the file's number style (``it``: ``5.000``, ``375,00``; ``en``: ``5,000``) when one is given;
``1.234`` without one is refused with both readings named. Credits are whole numbers below 10**15; instants fall
between 2000 and 2099.

Every problem is reported with file, row (as a spreadsheet shows it: the header is row 1), column, value and
reason, up to ``MAX_PROBLEMS``. Nothing is written unless the whole file is valid and the ledger accepts all of it
(one transaction); re-importing the same file is a no-op (R13).

Long module: one import path for the four kinds of file (lists, purchases, assignments, messages): bounded reading,
column checks naming row and value, and one transaction; each kind is a few lines of the same steps.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from credits_core.language import Words, said, words
from credits_core.ledger import CreditsError, StorageError, bounds, utc_us
from credits_core.sources.written import check_style, numeric_dates, parse_amount, whole_number
from credits_core.storage import OPTIONAL, REQUIRED, MessagesRejected
from credits_core.store import CreditStore

KINDS = {
    "lists": (["list_id"], ["name"]),
    "purchases": (["lot_id", "purchased_at", "credits"], ["expiring", "price_eur"]),
    "assignments": (["list_id", "at", "change"], []),
    "messages": (list(REQUIRED), list(OPTIONAL)),
    "campaigns": (["campaign_id", "name"], ["list_id", "sent_at", "text"]),
    # MailUp's SMS statistics export: one row per status change of a sending (counted once); other columns ignored
    "mailup-sms-export": (["recipient", "idList", "idSMS", "sentdate", "status"], ["responsedate"]),
}
EXTRA_COLUMNS_OK = {"mailup-sms-export"}  # a file made by another program: columns we do not use are ignored
MAX_PROBLEMS = 200
# an offset after a time of day: Z, +01:00, +0100, or hours alone (+01, which ISO 8601 allows)
OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
INT = re.compile(r"^[+-]?\d+$")
DATE_FORMATS = ("ISO 8601: 2026-11-30, 2026-11-30 14:05, 2026-11-30T14:05:00+01:00 or 2026-11-30T13:05:00Z, or "
                "30/11/2026 14:05 (day or month first, as the import's date order says; without an offset: Rome local "
                "time)")


@dataclass
class ImportReport:
    file: str
    kind: str
    rows: int = 0
    problems: list[tuple[int | None, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: int = 0
    renamed: int = 0
    dry_run: bool = False
    date_order: str | None = None  # dmy or mdy: how numeric dates (15/09/2026) read (None: the file says, or refused)
    numbers: str | None = None  # it (1.234,50) or en (1,234.50): how numbers with separators read (``written``)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, row: int | None, column: str, value: object, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append((row, bounds.echo(column, 40), bounds.echo(value), reason))

    def sorted_problems(self) -> list[tuple[int | None, str, str, str]]:
        """By row (problems of the whole file last), then column: every kind reports in the same order."""
        return sorted(self.problems, key=lambda p: (p[0] is None, p[0] or 0, p[1]))

    def table(self) -> pd.DataFrame:
        rows = self.sorted_problems()
        df = pd.DataFrame(rows, columns=["row", "column", "value", "reason"])
        df["reason"] = pd.Series([r[3] for r in rows], index=df.index, dtype=object)  # sentences (Said) as they are
        return df

    def text(self, w: Words | None = None) -> str:
        """What the import did or would do, every problem with its row, in ``w``'s language (English by default)."""
        w = w or words()
        what = dict(file=self.file, kind=self.kind)
        notes = [w.t("note: {note}", note=w.say(n)) for n in self.notes]
        if self.ok and not self.rows:
            return w.t("{file}: {kind}, no rows (only a header): nothing to import", **what)
        if self.ok:
            head = (w.tn("{file}: {kind}, {count} row: would be imported (dry run)",
                         "{file}: {kind}, {count} rows: would be imported (dry run)", self.rows, **what)
                    if self.dry_run else
                    w.tn("{file}: {kind}, {count} row: imported, {new} new", "{file}: {kind}, {count} rows: imported, "
                         "{new} new", self.rows, new=self.written, **what))
            return "\n".join([head] + notes)
        lines = [w.tn("{file}: {kind}, {rows} rows: REJECTED, nothing was written; {count} problem:",
                      "{file}: {kind}, {rows} rows: REJECTED, nothing was written; {count} problems:",
                      len(self.problems), rows=self.rows, **what)
                 + (" " + w.t("(first ones shown)") if len(self.problems) >= MAX_PROBLEMS else "")]
        lines += ["  " + (w.t("row {row}, column {column}, value {value}: {why}", row=str(r), column=c, value=repr(v),
                              why=w.say(why)) if r is not None or c else w.say(why))
                  for r, c, v, why in self.sorted_problems()]
        return "\n".join(lines + notes)


def _check_xlsx_zip(data: bytes, name: str) -> None:
    """Refuse a zip bomb from its directory, before any part is unzipped (``bounds``)."""
    import zipfile

    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise CreditsError(said("{file} is not a readable .xlsx file (not a zip archive)", file=bounds.echo(name))
                           ) from None
    total = sum(p.file_size for p in parts)
    if total > bounds.MAX_XLSX_EXPANDED_BYTES:
        raise CreditsError(said("{file} expands to {mb} MB once unzipped; at most {most} MB are read (save it as CSV)",
                                file=bounds.echo(name), mb=round(total / 1e6),
                                most=round(bounds.MAX_XLSX_EXPANDED_BYTES / 1e6)))
    for p in parts:
        if p.file_size > 1_000_000 and p.file_size > bounds.MAX_XLSX_RATIO * max(p.compress_size, 1):
            raise CreditsError(said("{file}: its part {part} expands {ratio} times; more than {most} is not a "
                                    "spreadsheet", file=bounds.echo(name), part=bounds.echo(p.filename, 40),
                                    ratio=round(p.file_size / max(p.compress_size, 1)), most=bounds.MAX_XLSX_RATIO))


# Long: the bounds are checked while reading (size, expansion, rows, columns, cells), before pandas parses anything, for
# CSV and .xlsx alike.
def read_table(data: bytes, name: str) -> pd.DataFrame:
    """Every cell as a string (or NA): CSV (comma, semicolon or |, UTF-8 with or without BOM) or .xlsx. Size, rows,
    columns and cell length are bounded (``bounds``) before or while reading, never after."""
    if len(data) > bounds.MAX_UPLOAD_BYTES:
        raise CreditsError(said("{file} has {mb} MB; files of at most {most} MB are imported", file=bounds.echo(name),
                                mb=round(len(data) / 1e6), most=round(bounds.MAX_UPLOAD_BYTES / 1e6)))
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        _check_xlsx_zip(data, name)
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise CreditsError(said("{file} is not a readable .xlsx file: {why}", file=bounds.echo(name),
                                    why=bounds.echo(exc, 200))) from None
        sheet = wb.worksheets[0]
        declared = sheet.max_row or 0  # the sheet's own dimension: a crafted one may claim millions of empty rows
        if declared > bounds.MAX_ROWS + 1:
            raise CreditsError(said("{file} declares {rows} rows; at most {most} are read (delete the empty rows "
                                    "below the data, or save it as CSV)", file=bounds.echo(name), rows=declared,
                                    most=bounds.MAX_ROWS))
        rows_iter = sheet.iter_rows(values_only=True, max_col=bounds.MAX_COLUMNS + 1,
                                    max_row=bounds.MAX_ROWS + 1)
        first = next(rows_iter, None)
        if first is None:
            raise CreditsError(said("{file} is empty", file=bounds.echo(name)))
        used = max((i + 1 for i, h in enumerate(first) if h is not None and str(h).strip()), default=0)
        if used > bounds.MAX_COLUMNS:
            raise CreditsError(said("{file} has more than {most} columns", file=bounds.echo(name),
                                    most=bounds.MAX_COLUMNS))
        header = [bounds.echo(h, bounds.MAX_ECHO_CHARS).strip() if h is not None else "" for h in first[:used]]
        body: list[list[str]] = []
        empty = 0  # empty rows seen since the last row with data: counted, kept only if data follows
        for r in rows_iter:
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in r[:used]):
                empty += 1
                continue
            if empty > bounds.MAX_EMPTY_ROWS:
                raise CreditsError(said("{file}: rows {first} to {last} are empty, then data follows: more than "
                                        "{most} empty rows inside the data are not read (delete them, or save the "
                                        "sheet as CSV)", file=bounds.echo(name), first=len(body) + 2,
                                        last=len(body) + empty + 1, most=bounds.MAX_EMPTY_ROWS))
            if len(body) + empty >= bounds.MAX_ROWS:
                raise CreditsError(said("{file} has more than {most} rows", file=bounds.echo(name),
                                        most=bounds.MAX_ROWS))
            body.extend([[""] * used for _ in range(empty)])  # an empty row inside the data keeps its number
            empty = 0
            cells = ["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in r[:used]]
            cells += [""] * (used - len(cells))
            if any(len(c) > bounds.MAX_CELL_CHARS for c in cells):
                raise CreditsError(said("{file}, row {row}: a cell has more than {most} characters",
                                        file=bounds.echo(name), row=str(len(body) + 2), most=bounds.MAX_CELL_CHARS))
            body.append(cells)
        return pd.DataFrame(body, columns=header, dtype="string")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        raise CreditsError(said("{file} contains NUL bytes: not a text CSV file", file=bounds.echo(name)))
    data, encoding = _as_utf8(data, name)
    first = data.split(b"\n", 1)[0]
    sep = max((";", ",", "|"), key=lambda c: (first.count(c.encode()), c == ","))
    quote = _quote_char(first.decode().rstrip("\r"), sep)
    try:  # pyarrow's reader: multithreaded, every cell read as text (types are checked per column afterwards)
        header = next(csv.reader([first.decode().rstrip("\r")], delimiter=sep, quotechar=quote))
        table = pacsv.read_csv(
            io.BytesIO(data), read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=quote, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, StopIteration, csv.Error, ValueError) as exc:
        raise CreditsError(said("{file} is not a readable CSV file: {why}", file=bounds.echo(name),
                                why=bounds.echo(exc, 200))) from None
    if table.num_columns > bounds.MAX_COLUMNS:
        raise CreditsError(said("{file} has {columns} columns; at most {most}", file=bounds.echo(name),
                                columns=table.num_columns, most=bounds.MAX_COLUMNS))
    if table.num_rows > bounds.MAX_ROWS:
        raise CreditsError(said("{file} has {rows} rows; at most {most} at once", file=bounds.echo(name),
                                rows=table.num_rows, most=bounds.MAX_ROWS))
    for col in table.columns:
        longest = pc.max(pc.utf8_length(col)).as_py() if len(col) else 0
        if longest and longest > bounds.MAX_CELL_CHARS:
            raise CreditsError(said("{file}: a cell has {chars} characters; at most {most}", file=bounds.echo(name),
                                    chars=int(longest), most=bounds.MAX_CELL_CHARS))
    df = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    df.columns = [bounds.echo(c).strip() for c in df.columns]
    df.attrs["encoding"] = encoding
    for col in df.columns:  # the spreadsheet escape of our CSV exports (export.csv_safe): one leading apostrophe
        quoted = df[col].str.startswith("'").fillna(False).to_numpy(bool)
        if quoted.any():
            df.loc[quoted, col] = df.loc[quoted, col].str[1:]
    return df


def _as_utf8(data: bytes, name: str) -> tuple[bytes, str]:
    """The file as UTF-8: UTF-8 as it is, else Windows' "ANSI" code page for Western Europe (cp1252), which is what
    a spreadsheet or MailUp's export writes when UTF-8 is not chosen. Valid UTF-8 is never read as cp1252 (text with
    accents in cp1252 is practically never valid UTF-8); bytes cp1252 does not define are refused."""
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        raise CreditsError(said("{file} is neither UTF-8 nor Windows ANSI text (byte {at}: {byte}); save it as CSV "
                                "UTF-8", file=bounds.echo(name), at=str(first_bad),
                                byte=repr(data[first_bad:first_bad + 1]))) from None


def _quote_char(header: str, sep: str) -> str:
    """The text delimiter: ' when the header's fields are wrapped in it (MailUp's export lets the customer choose
    " or '), else "."""
    fields = header.split(sep)
    wrapped = sum(1 for f in fields if len(f.strip()) >= 2 and f.strip()[0] == f.strip()[-1] == "'")
    return "'" if fields and wrapped == len(fields) else '"'


def _instants(col: pd.Series, column: str, report: ImportReport) -> pd.Series:
    """UTC instants from ISO 8601 text; without an offset the text is Rome local time (R2)."""
    s, refused, order = numeric_dates(col.fillna("").str.strip(), report.date_order)
    if order is not None:
        report.notes.append(f"{column}: dates with numbers only were read {'day' if order == 'dmy' else 'month'} first")
    has_offset = s.str.contains(OFFSET, na=False)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]")
    unparsable = s == ""
    if has_offset.any():
        parsed = _with_offset(s[has_offset])
        out[has_offset] = parsed
        unparsable[has_offset] = parsed.isna()
    naive = ~has_offset & (s != "")
    if naive.any():
        local = pd.to_datetime(s[naive], format="ISO8601", errors="coerce")
        unparsable[naive] = local.isna()
        rome = local.dt.tz_localize("Europe/Rome", ambiguous="NaT", nonexistent="NaT")
        for label in rome.index[(rome.isna() & local.notna()).to_numpy()]:
            report.add(int(label) + 2, column, s[label],
                       said("ambiguous or non-existent Rome local time (DST change): add an offset"))
        out[naive] = rome.dt.tz_convert("UTC")
        report.notes.append(said("{count} {column} value(s) without an offset were read as Rome local time",
                                 count=int(naive.sum()), column=column))
    for label in s.index[unparsable.to_numpy()][:MAX_PROBLEMS]:
        report.add(int(label) + 2, column, col[label], refused.get(label) or
                   said("not a date-time in the expected format: {formats}", formats=DATE_FORMATS))
    earliest, latest = (pd.Timestamp(us, unit="us", tz="UTC") for us in (bounds.EARLIEST_US, bounds.LATEST_US))
    far = out.notna() & ((out < earliest) | (out >= latest))
    for label in s.index[far.to_numpy()][:MAX_PROBLEMS]:
        report.add(int(label) + 2, column, s[label], said("out of range: dates must fall between {first} and {last}",
                                                          first=str(earliest.year), last=str(latest.year - 1)))
    future = out.notna() & ~far & (out > pd.Timestamp.now(tz="UTC") + pd.Timedelta(minutes=5))
    if future.any():
        first = s.index[future.to_numpy()][0]
        report.notes.append(said("{count} {column} value(s) are in the future (first: row {row}, {value}): check "
                                 "that the dates are right", count=int(future.sum()), column=column,
                                 row=str(int(first) + 2), value=bounds.echo(s[first])))
    return out.where(~far)


def _with_offset(s: pd.Series) -> pd.Series:
    """ISO 8601 instants with an offset: DuckDB's cast does a million in a fraction of a second; whatever it cannot
    read goes through pandas, the reference for what counts as ISO 8601 here."""
    con = duckdb.connect()
    try:
        con.register("t", pa.table({"s": pa.array(s.astype("string[pyarrow]"))}))
        us = con.execute("SELECT epoch_us(try_cast(s AS TIMESTAMPTZ)) AS us FROM t").fetchnumpy()["us"]
    finally:
        con.close()
    out = pd.Series(pd.to_datetime(np.ma.filled(us.astype("float64"), np.nan), unit="us", utc=True), index=s.index)
    missing = out.isna()
    if missing.any():
        out[missing] = pd.to_datetime(s[missing], format="ISO8601", utc=True, errors="coerce")
    return out.astype("datetime64[us, UTC]")


def _ints(col: pd.Series, column: str, report: ImportReport, positive: bool) -> pd.Series:
    s = col.fillna("").str.strip()
    try:  # the common case, a clean column: one Arrow cast
        vals = pd.Series(pa.array(s.astype("string[pyarrow]")).cast(pa.int64()).to_numpy(), index=s.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        vals = None
    if vals is not None and (vals.abs() >= 10**15).any():
        vals = None  # some are out of range: the careful path below names them
    if vals is not None:
        if positive:
            for i in np.nonzero((vals <= 0).to_numpy())[0][:MAX_PROBLEMS]:
                report.add(int(s.index[i]) + 2, column, s.iloc[i], said("must be > 0"))
        return vals
    ok = s.str.match(INT, na=False)
    if not ok.all():  # written with separators (5.000, 5,000): read by the file's number style, each value once
        readings, refused = {}, 0
        for text in s[~ok].unique():
            readings[text] = whole_number(text, report.numbers)
            refused += readings[text][0] is None
            if refused >= MAX_PROBLEMS:
                break  # the file is refused already: the first problems are shown
        read = s[~ok].map(lambda v: None if v not in readings else readings[v][0])
        for label in read.index[read.isna().to_numpy()][:MAX_PROBLEMS]:
            report.add(int(label) + 2, column, s[label],
                       readings.get(s[label], (None, said("not a whole number of credits")))[1])
        good = read.dropna()
        s = s.copy()
        s[good.index] = [str(int(v)) for v in good]
        ok[good.index] = True
    big = ok & s.map(lambda v: INT.match(v) is not None and abs(int(v)) >= 10**15, na_action="ignore").fillna(
        False).astype(bool)
    for i in np.nonzero(big.to_numpy())[0][:MAX_PROBLEMS]:
        report.add(int(s.index[i]) + 2, column, s.iloc[i], said("too large: amounts must stay below 10**15"))
    ok &= ~big
    vals = pd.to_numeric(s.where(ok, "0"), errors="coerce").fillna(0).astype("int64")
    if positive:
        for i in np.nonzero((ok & (vals <= 0)).to_numpy())[0][:MAX_PROBLEMS]:
            report.add(int(s.index[i]) + 2, column, s.iloc[i], said("must be > 0"))
    return vals




def _known_columns(df: pd.DataFrame, kind: str, report: ImportReport) -> pd.DataFrame:
    """Columns named in any case, the ones this kind does not use left out (and said so)."""
    required, optional = KINDS[kind]
    by_lower = {c.lower(): c for c in (*required, *optional)}
    keep = {c: by_lower[c.strip().lower()] for c in df.columns if c.strip().lower() in by_lower}
    ignored = [c for c in df.columns if c not in keep]
    if ignored:
        report.notes.append(said("columns not used: {columns}", columns=", ".join(str(c)[:40] for c in ignored[:10])))
    return df[list(keep)].rename(columns=keep)


def _check_columns(df: pd.DataFrame, kind: str, report: ImportReport) -> bool:
    required, optional = KINDS[kind]
    missing = [c for c in required if c not in df.columns]
    extra = [c for c in df.columns if c not in required + optional]
    if missing:
        for other, (req, opt) in KINDS.items():
            if other != kind and all(c in df.columns for c in req) and all(c in req + opt for c in df.columns):
                report.add(1, "", ", ".join(df.columns), said("this looks like a {other} file, not a {kind} file: "
                                                              "choose the file kind {other}", other=other, kind=kind))
                return False
    for c in missing:
        report.add(1, c, "", said("required column missing (a {kind} file has {columns})", kind=kind,
                                  columns=", ".join(required + optional)))
    for c in extra:
        report.add(1, c, c, said("unknown column (a {kind} file has {columns})", kind=kind,
                                 columns=", ".join(required + optional)))
    return not missing and not extra


def _duplicates(col: pd.Series, column: str, report: ImportReport) -> None:
    dup = col.duplicated(keep="first") & col.notna()
    for i in np.nonzero(dup.to_numpy())[0][:MAX_PROBLEMS]:
        report.add(int(col.index[i]) + 2, column, col.iloc[i], said("duplicate id inside the file"))


class _DryRun(Exception):
    pass


Apply = Callable[[], None]  # writes a validated file, inside the import's batch


def _mailup_export(store: CreditStore, df: pd.DataFrame, report: ImportReport) -> Apply:
    from credits_core.sources.mailup import prepare_export

    prepared = prepare_export(store, df, report, report.date_order)

    def apply() -> None:
        for list_id in prepared.new_lists:
            store.add_list(list_id)
        if prepared.new_parts:  # the parts of a campaign are fixed by its first pricing (a sync gives the same)
            store.describe_campaigns(_with_parts(store, prepared.new_parts))
        report.written = store.record_messages(prepared.messages(store.mailup_id_key()))
    return apply


def _with_parts(store: CreditStore, parts: list[tuple[str, int]]) -> pd.DataFrame:
    """The campaigns' stored rows with the parts priced for them."""
    info = store.campaign_info().set_index("campaign_id").loc[[c for c, _ in parts]].reset_index()
    info["parts"] = [p for _, p in parts]
    info["sent_at"] = pd.to_datetime(info.pop("t_us"), unit="us", utc=True)
    return info


def _ids(df: pd.DataFrame, column: str, report: ImportReport, what: str) -> pd.Series:
    """The ids of ``column``, stripped; an empty one or one repeated inside the file is a problem of its row."""
    ids = df[column].fillna("").str.strip()
    for i in np.nonzero((ids == "").to_numpy())[0]:
        report.add(i + 2, column, "", said("empty {what} id", what=what))
    _duplicates(ids, column, report)
    return ids


def _lists(store: CreditStore, df: pd.DataFrame, report: ImportReport) -> Apply:
    ids = _ids(df, "list_id", report, "list")
    names = df["name"] if "name" in df else pd.Series(pd.NA, index=df.index)

    def apply() -> None:
        for lid, name in zip(ids, names):
            new = None if pd.isna(name) or name == "" else str(name)
            if new is not None and lid in store.list_ids and store.list_name(lid) not in (new, lid):
                report.notes.append(f"list {lid} renamed from {store.list_name(lid)!r} to {new!r}")
                report.renamed += 1
            store.add_list(lid, new)
    return apply


def _purchases(store: CreditStore, df: pd.DataFrame, report: ImportReport) -> Apply:
    at = _instants(df["purchased_at"], "purchased_at", report)
    credits = _ints(df["credits"], "credits", report, positive=True)
    _duplicates(df["lot_id"], "lot_id", report)
    expiring = pd.Series(True, index=df.index)
    if "expiring" in df:
        e = df["expiring"].fillna("").str.strip().str.lower()
        yes, no = e.isin(["1", "true", "yes", "si", "sì", "y", ""]), e.isin(["0", "false", "no", "n"])
        for i in np.nonzero((~yes & ~no).to_numpy())[0]:
            report.add(i + 2, "expiring", df["expiring"].iloc[i], said("use true/false"))
        expiring = ~no
    prices: list[Decimal | None] = [None] * len(df)
    if "price_eur" in df:
        for i, v in enumerate(df["price_eur"].fillna("")):
            v = v.strip()
            if v:
                prices[i], why = parse_amount(v, report.numbers)
                if why:
                    report.add(i + 2, "price_eur", v, why)

    def apply() -> None:
        for i in np.argsort(at.to_numpy(), kind="stable"):
            store.purchase(int(credits.iloc[i]), at.iloc[i].to_pydatetime(), expiring=bool(expiring.iloc[i]),
                           price=prices[i], lot_id=str(df["lot_id"].iloc[i]).strip())
    return apply


def _assignments(store: CreditStore, df: pd.DataFrame, report: ImportReport) -> Apply:
    at = _instants(df["at"], "at", report)
    change = df["change"].fillna("").str.strip()
    shared = change.str.lower() == "shared"
    amounts = _ints(change.where(~shared, "0"), "change", report, positive=False)
    for i, lid in enumerate(df["list_id"].fillna("")):
        if lid not in store.list_ids:
            report.add(i + 2, "list_id", lid, said("unknown list; import the lists first"))

    def apply() -> None:
        # assignments carry no id: one identical to a recorded one (list, instant, change) is skipped, so that
        # importing the same file twice is a no-op like everywhere else
        seen = {(c.kind, c.list_id, c.at_us, c.credits) for c in store.controls if c.kind != "purchase"}
        for i in np.argsort(at.to_numpy(), kind="stable"):
            lid, when = str(df["list_id"].iloc[i]), at.iloc[i].to_pydatetime()
            key = ("set_shared", lid, utc_us(when), None) if shared.iloc[i] else (
                "assign", lid, utc_us(when), int(amounts.iloc[i]))
            if key in seen:
                continue
            if shared.iloc[i]:
                store.set_shared(lid, when)
            else:
                store.assign(lid, int(amounts.iloc[i]), when)
    return apply


def _campaigns(store: CreditStore, df: pd.DataFrame, report: ImportReport) -> Apply:
    ids = _ids(df, "campaign_id", report, "campaign")
    names = df["name"].fillna("").str.strip()
    for i in np.nonzero((names == "").to_numpy())[0]:
        report.add(i + 2, "name", "", said("empty name: a campaign is imported to be named"))
    rows = pd.DataFrame({"campaign_id": ids, "name": names})
    if "list_id" in df:
        lids = df["list_id"].fillna("").str.strip()
        for i, lid in enumerate(lids):
            if lid and lid not in store.list_ids:
                report.add(i + 2, "list_id", lid, said("unknown list; import the lists first"))
        rows["list_id"] = lids.replace("", pd.NA)
    if "sent_at" in df:
        given = df["sent_at"].fillna("").str.strip() != ""
        at = _instants(df["sent_at"].where(given, "2000-01-01T00:00:00Z"), "sent_at", report)
        rows["sent_at"] = at.astype(object).where(given.to_numpy(), None)
    if "text" in df:
        rows["text"] = df["text"].replace("", pd.NA)

    def apply() -> None:
        report.written = store.describe_campaigns(rows)
    return apply


def _messages(store: CreditStore, df: pd.DataFrame, report: ImportReport) -> Apply:
    at = _instants(df["sent_at"], "sent_at", report)
    credits = _ints(df["credits"], "credits", report, positive=True)
    _duplicates(df["message_id"], "message_id", report)
    msgs = pd.DataFrame({"message_id": df["message_id"], "list_id": df["list_id"], "sent_at": at,
                         "credits": credits})
    if "parts" in df:
        p = df["parts"].fillna("").str.strip()
        okp = p.str.match(INT, na=False) | (p == "")
        for i in np.nonzero(~okp.to_numpy())[0][:MAX_PROBLEMS]:
            report.add(i + 2, "parts", p.iloc[i], said("not a whole number"))
        msgs["parts"] = pd.to_numeric(p.where(okp & (p != "")), errors="coerce").astype("Int32")
    for c in ("country", "campaign_id", "recipient", "text"):
        if c in df:
            msgs[c] = df[c].replace("", pd.NA)
    if "country" in msgs:
        msgs["country"] = msgs["country"].str.upper()
    if not report.ok:
        _engine_checks(store, msgs, report)

    def apply() -> None:
        try:
            report.written = store.record_messages(msgs)
        except MessagesRejected as exc:
            for row, col, val, why in exc.problems:
                report.add(int(row) + 2 if row is not None else None, col, val, why)
            raise
    return apply


def _engine_checks(store: CreditStore, msgs: pd.DataFrame, report: ImportReport) -> None:
    """When some rows already have problems, still run the engine's checks (ids, lists) on every row, with
    stand-ins for the values already reported, so that every row's other columns are checked too."""
    valid = msgs[~msgs["message_id"].duplicated()].copy()
    valid.loc[valid["credits"] <= 0, "credits"] = 1
    valid.loc[valid["sent_at"].isna(), "sent_at"] = pd.Timestamp("2000-01-01", tz="UTC")
    try:
        store.check_messages(valid)
    except MessagesRejected as exc:
        for row, col, val, why in exc.problems:
            report.add(int(row) + 2 if row is not None else None, col, val, why)
    except CreditsError as exc:
        report.add(None, "", "", exc.args[0] if len(exc.args) == 1 else str(exc))
    report.problems = sorted(set(report.problems), key=lambda p: (p[0] is None, p[0] or 0, p[1]))


PREPARE: dict[str, Callable[[CreditStore, pd.DataFrame, ImportReport], Apply]] = {
    "lists": _lists, "purchases": _purchases, "assignments": _assignments, "messages": _messages,
    "campaigns": _campaigns, "mailup-sms-export": _mailup_export}  # one validator per kind, each returns its writer
COUNTS_ITSELF = {"messages", "campaigns", "mailup-sms-export"}  # their writer sets report.written


def import_file(store: CreditStore, kind: str, data: bytes, name: str, *, dry_run: bool = False,
                progress: Callable[[str], None] | None = None, date_order: str | None = None,
                numbers: str | None = None) -> ImportReport:
    """Validate and import one file; returns the report (``ok`` False: nothing was written). ``date_order``
    (``dmy`` or ``mdy``) reads numeric dates (15/09/2026) when the file itself cannot tell; ``numbers`` (``it`` or
    ``en``) reads numbers with separators (5.000, 1.234,50) the Italian or the English way (``written``)."""
    if kind not in KINDS:
        raise CreditsError(f"kind {kind!r} is unknown; use one of {', '.join(KINDS)}")
    if date_order not in (None, "dmy", "mdy"):
        raise CreditsError(f"date_order {date_order!r}: use dmy (day first) or mdy (month first)")
    try:
        check_style(numbers)
    except ValueError as exc:
        raise CreditsError(str(exc)) from None
    report = ImportReport(name, kind, dry_run=dry_run, date_order=date_order, numbers=numbers)
    step = progress or (lambda _stage: None)
    step("reading")
    try:
        df = read_table(data, name)
    except CreditsError as exc:
        report.add(None, "", "", exc.args[0] if len(exc.args) == 1 else str(exc))
        return report
    report.rows = len(df)
    if df.attrs.get("encoding") == "cp1252":
        report.notes.append("the file is not UTF-8: it was read as Windows ANSI (cp1252)")
    step(f"validating {len(df):,} rows")
    if kind in EXTRA_COLUMNS_OK:
        df = _known_columns(df, kind, report)
    if not _check_columns(df, kind, report):
        return report
    apply = PREPARE[kind](store, df, report)
    if report.ok:
        step("checking against the ledger and writing" if not dry_run else "checking against the ledger")
        _write(store, kind, name, df, report, apply)
    report.problems.sort(key=lambda p: (p[0] is None, p[0] or 0, p[1]))
    return report


def _write(store: CreditStore, kind: str, name: str, df: pd.DataFrame, report: ImportReport, apply: Apply) -> None:
    """Run ``apply`` in one batch (all or nothing), with one audit entry; a dry run rolls it back."""
    try:
        with store.batch():
            before = store.message_count + len(store.controls) + len(store.list_ids)
            apply()
            if kind not in COUNTS_ITSELF:
                report.written = store.message_count + len(store.controls) + len(store.list_ids) - before
                report.written += report.renamed  # a rename is a write: in the History with its author
            if report.dry_run:
                raise _DryRun
            if report.written:  # one entry in the History: the file, and what it wrote (its events carry the author)
                store.audit("import", f"{name}: {report.written:,} new {kind} of {report.rows:,} rows")
    except _DryRun:
        pass
    except MessagesRejected as exc:  # the kinds that name rows have done so; any other kind says it here
        if report.ok:
            for _, col, val, why in exc.problems:
                report.add(None, col, val, said("the ledger refuses this file: {why}", why=why))
    except StorageError as exc:  # the disk, not the file: said as it is, and nothing was written
        report.add(None, "", "", exc.args[0] if len(exc.args) == 1 else str(exc))
    except CreditsError as exc:
        report.add(_row_of(str(exc), df, kind), "", "", said("the ledger refuses this file: {why}",
                                                             why=exc.args[0] if len(exc.args) == 1 else str(exc)))


def _row_of(message: str, df: pd.DataFrame, kind: str) -> int | None:
    """The spreadsheet row of the event a ledger refusal names (a message id, a lot id), when it has one."""
    for pattern, column in ((r"message '([^']+)'", "message_id"), (r"lot ([^ ]+) \(", "lot_id"),
                            (r"lot_id '([^']+)'", "lot_id")):
        m = re.search(pattern, message)
        if m and column in df.columns:
            hits = np.nonzero((df[column].fillna("").str.strip() == m.group(1)).to_numpy())[0]
            if len(hits):
                return int(hits[0]) + 2
    return None
