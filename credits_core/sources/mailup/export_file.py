"""MailUp's SMS statistics export (import kind ``mailup-sms-export``).

MailUp delivers it as a paid data export over FTP or SFTP that the customer configures: the field separator (``;``,
``,`` or ``|``), the text delimiter (``"`` or ``'``), the date-time format and the encoding (UTF-8 or ANSI). The
importer's reader detects the separator, the delimiter and the encoding (``importer.read_table``); this module reads
the send times in any of these forms, as UTC like the API's:

* ``20220121T111244`` (with or without a Z), ``2022-01-21 11:12:44``, ``2022-01-21T11:12:44``;
* day or month first, with ``/``, ``-`` or ``.``: ``21/01/2022 11:12:44``. The file decides which when one of its
  dates has a first or second number above 12; otherwise ``date_order`` (``dmy`` or ``mdy``) must say it: a date
  like ``02/11/2026`` is refused with both readings named, never guessed.

One row per status change of a sending, counted once (charged if any of its reports is a charged status). Texts come
from the campaigns already known (a sync, or a ``campaigns`` file with campaign_id ``mailup-{idSMS}`` or ``{idSMS}``
and ``text``), with MailUp's Unicode flag and the parts the sync priced, so a sending imported from the file and one
synced from the API have the same id and the same credits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from credits_core.sources.mailup.credits import (
    DELIVERED,
    ERROR,
    QUEUED,
    convert,
    countries_of,
    digits_of,
    price_text,
    rates_of,
)
from credits_core.store import CreditStore

STATUS_WORDS = {"0": DELIVERED, "delivered": DELIVERED, "consegnato": DELIVERED, "ok": DELIVERED,
                "1": QUEUED, "queued": QUEUED, "pending": QUEUED, "in coda": QUEUED, "sent": QUEUED,
                "2": ERROR, "error": ERROR, "failed": ERROR, "undelivered": ERROR, "errore": ERROR,
                "rejected": ERROR, "expired": ERROR}
COMPACT = re.compile(r"^\d{8}T\d{6}Z?$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?Z?$")
NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
DATE_FORMS = ("20220121T111244, 2022-01-21 11:12:44, or 21/01/2022 11:12:44 (day first) / 01/21/2022 11:12:44 "
              "(month first), in UTC")


def export_instants(values: pd.Series, date_order: str | None = None) -> tuple[pd.Series, pd.Series, str | None]:
    """The send times of an export column (UTC), the reason each unreadable non-empty value is refused (empty
    string when it is fine), and the day order used for numeric dates (None when there were none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values.fillna("").astype("string").str.strip()
    arrow = pa.array(text.to_numpy(dtype=object), type=pa.string())
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    why = pd.Series("", index=text.index, dtype="string")
    bare = pc.utf8_rtrim(pc.replace_substring(arrow, "T", " "), "Z")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y%m%d %H%M%S", "%Y-%m-%d %H:%M"):  # ISO, compact; every row at once (Arrow)
        missing = out.isna().to_numpy(bool)
        if not missing.any():
            break
        parsed = pc.strptime(bare, format=fmt, unit="s", error_is_null=True).to_pandas()
        got = missing & parsed.notna().to_numpy(bool)
        out[got] = pd.to_datetime(parsed[got]).dt.tz_localize("UTC")
    rest = out.isna().to_numpy(bool) & (text != "").to_numpy(bool)
    text = text.where(rest, "")  # numeric dates: only what ISO and compact did not read
    parts = text[rest].str.extract(NUMERIC.pattern).reindex(text.index) if rest.any() else pd.DataFrame(
        {i: pd.Series(pd.NA, index=text.index, dtype="string") for i in range(6)})
    numeric = parts[0].notna().to_numpy(bool)
    order = None
    if numeric.any():
        first, second = parts[0][numeric].astype(int), parts[1][numeric].astype(int)
        says_dmy, says_mdy = bool((first > 12).any()), bool((second > 12).any())
        order = date_order or ("dmy" if says_dmy and not says_mdy else "mdy" if says_mdy and not says_dmy else None)
        if says_dmy and says_mdy:
            why[numeric] = "the file has dates with the day first and dates with the month first"
            order = None
        elif order is None:
            for i in np.nonzero(numeric)[0]:
                d1, d2, y = int(parts[0].iloc[i]), int(parts[1].iloc[i]), int(parts[2].iloc[i])
                why.iloc[i] = (f"could be {_day(d1, d2, y)} (day first) or {_day(d2, d1, y)} (month first); say which "
                               f"with the import's date order (dmy or mdy), or export ISO dates (2022-01-21 11:12:44)")
        else:
            day, month = (parts[0], parts[1]) if order == "dmy" else (parts[1], parts[0])
            stamp = (parts[2] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + " " + parts[3].str.zfill(2) + ":"
                     + parts[4] + ":" + parts[5].fillna("00"))
            out[numeric] = pd.to_datetime(stamp[numeric], format="%Y-%m-%d %H:%M:%S", utc=True, errors="coerce")
    bad = rest & out.isna().to_numpy(bool) & (why == "").to_numpy(bool)
    why[bad] = f"not a date-time in a form MailUp exports: {DATE_FORMS}"
    return out.dt.floor("s"), why, order


def _day(d: int, m: int, y: int) -> str:
    import calendar

    return f"{d} {calendar.month_name[m]} {y}" if 1 <= m <= 12 and 1 <= d <= 31 else "no date"


@dataclass
class Prepared:
    """A validated export: the sendings of each MailUp message, ready to become messages once the file's id key is
    known (inside the import's write)."""

    groups: list[tuple[str, str, str, int, pd.DataFrame, np.ndarray]] = field(default_factory=list)
    new_lists: list[str] = field(default_factory=list)
    new_parts: list[tuple[str, int]] = field(default_factory=list)  # campaigns priced here for the first time

    def messages(self, key: str) -> pd.DataFrame:
        from credits_core.sources.mailup.credits import TextPricing, empty_messages

        frames = [convert(sms, list_id, text, TextPricing(parts, ""), key, rows, countries=countries).messages
                  for sms, list_id, text, parts, rows, countries in self.groups]
        return pd.concat(frames, ignore_index=True) if frames else empty_messages()


# Long: one check per column of MailUp's SMS export, each naming its row and value; the checks share the rows' index.
def prepare_export(store: CreditStore, df: pd.DataFrame, report, date_order: str | None = None) -> Prepared:
    """Check every row (problems go to ``report`` with their spreadsheet row); the rows with a problem are left
    out, and then the import writes nothing."""
    rows = pd.RangeIndex(len(df)) + 2  # spreadsheet rows: the header is row 1
    recipient = digits_of(df["recipient"].fillna(""))
    id_sms = df["idSMS"].fillna("").str.strip()
    id_list = df["idList"].fillna("").str.strip()
    raw_sent = df["sentdate"].fillna("").str.strip()
    sent, sent_why, order = export_instants(raw_sent, date_order)
    if order:
        report.notes.append(f"dates with numbers only were read {'day' if order == 'dmy' else 'month'} first, as UTC")
    codes, words = pd.factorize(df["status"].fillna("").str.strip().str.lower())
    status = pd.Series(np.array([STATUS_WORDS.get(w, np.nan) for w in words] + [np.nan], dtype=float)[codes],
                       index=df.index)  # one lookup per distinct status word
    bad = np.zeros(len(df), bool)

    def problem(mask, column, values, why):
        mask = np.asarray(mask, bool)
        for i in np.nonzero(mask & ~bad)[0][:200]:
            report.add(int(rows[i]), column, values.iloc[i], why if isinstance(why, str) else why.iloc[i])
        bad[mask] = True

    problem(~id_sms.str.fullmatch(r"\d+").fillna(False), "idSMS", id_sms, "not a MailUp message id (digits)")
    problem(~id_list.str.fullmatch(r"\d+").fillna(False), "idList", id_list, "not a MailUp list id (digits)")
    problem((sent_why != "").to_numpy(bool), "sentdate", raw_sent, sent_why)
    problem(status.isna().to_numpy(), "status", df["status"].fillna(""),
            "unknown status; use 0/delivered, 1/queued or 2/error")
    final = status.isin([DELIVERED, ERROR]).to_numpy(bool)
    problem(final & sent.isna().to_numpy(bool), "sentdate", raw_sent,
            "a delivered or error sending needs its send time")
    countries = countries_of(recipient)
    problem(pd.isna(countries) & (recipient != "").to_numpy(), "recipient", recipient,
            "cannot be placed in a country (not a possible international number)")
    problem((recipient == "").to_numpy(), "recipient", recipient, "empty")
    has_rate = ~np.isnan(rates_of(countries))
    problem(~pd.isna(countries) & ~has_rate, "recipient", recipient,
            "its country has no rate in the price table (data/rates.csv)")
    info = store.campaign_info().set_index("campaign_id")
    out = Prepared()
    order_rows = _by_message(df, id_sms, bad)
    def plain(values) -> pd.Series:  # numpy objects, not Arrow strings: each message's rows are a cheap numpy take
        return pd.Series(np.asarray(values, dtype=object), index=df.index, dtype=object)

    frame = pd.DataFrame({
        "receiver": plain(recipient), "digits": plain(recipient), "sent": sent,
        "status": status.fillna(-1).astype("int64"), "unreadable": False, "bad_status": False,
        "raw_sent": plain(raw_sent), "raw_status": plain(df["status"])})
    for rows_of in order_rows:
        sms = str(id_sms.iloc[rows_of[0]])
        cid = f"mailup-{sms}" if f"mailup-{sms}" in info.index else sms
        if cid not in info.index or pd.isna(info.loc[cid, "text"]):
            problem(_mask(len(df), rows_of), "idSMS", id_sms,
                    f"no text for MailUp message {sms}: run sync, or import a campaigns file (campaign_id "
                    f"mailup-{sms}, name, text) first")
            continue
        lists = pd.unique(id_list.iloc[rows_of])
        if len(lists) > 1:
            problem(_mask(len(df), rows_of), "idList", id_list,
                    f"MailUp message {sms} appears under several lists ({', '.join(lists)})")
            continue
        c = info.loc[cid]
        text = str(c["text"])
        if pd.isna(c["parts"]):
            parts = price_text(text, bool(c["is_unicode"]) if not pd.isna(c["is_unicode"]) else False).parts
            out.new_parts.append((cid, parts))
        else:
            parts = int(c["parts"])
        out.groups.append((sms, str(lists[0]), text, parts, frame.iloc[rows_of], countries[rows_of]))
    known = set(store.list_ids)
    out.new_lists = sorted({g[1] for g in out.groups} - known)
    if out.new_lists:
        report.notes.append(f"new lists (MailUp ids, no names yet; sync or a lists file names them): "
                            f"{', '.join(out.new_lists)}")
    return out


def _mask(n: int, rows_of: np.ndarray) -> np.ndarray:
    mine = np.zeros(n, bool)
    mine[rows_of] = True
    return mine


def _by_message(df: pd.DataFrame, id_sms: pd.Series, bad: np.ndarray) -> list[np.ndarray]:
    """The good rows of each MailUp message, in the order of their status changes (``responsedate``): one integer
    sort for the whole file instead of a scan per message."""
    rows_ok = np.nonzero(~bad)[0]
    sms_codes, _ = pd.factorize(id_sms)
    keys = [sms_codes[rows_ok]]
    if "responsedate" in df:
        keys.insert(0, pd.factorize(df["responsedate"].fillna(""), sort=True)[0][rows_ok])
    order = rows_ok[np.lexsort(keys)]  # the last key sorts first: by message, then by response time
    if not len(order):
        return []
    sorted_codes = sms_codes[order]
    cuts = np.nonzero(sorted_codes[1:] != sorted_codes[:-1])[0] + 1
    return np.split(order, cuts)
