"""From MailUp's sendings to messages for the ledger: the country of a number, the parts of a text (merge tags
priced for the worst case known), the statuses that are charged, the send time, and a sending's id.

* **Country** (``countries_of``): ``Receiver`` is international digits without ``+``/``00``; ``phonenumbers`` places
  it (the calling code, and for shared codes such as +1 the leading digits). A number it cannot place is a problem.
* **Parts** (``price_text``): R12 on the message's ``Content``; UCS-2 when MailUp flags it ``IsUnicode``. A text
  with merge tags (``[nome]``) is sent with each recipient's value in place of the tag, which MailUp does not
  report: each tag is priced as its field's default (``Fields``) or ``merge_tag_length`` characters, whichever is
  longer, and the message's credits are marked *estimated* wherever they are shown.
* **Statuses**: 0 delivered and 2 error are charged (both were handed to a carrier); 1 queued is charged once it has
  a send time when ``charge_queued`` (the default), and is otherwise not recorded *yet*: its message stays
  incomplete, so the next sync reads it again. Any other status is a problem.
* **Send time** (``parse_sent``): UTC, as MailUp documents (``2015-01-29 14:11:10Z``, ISO 8601 with or without the
  Z or an offset) and .NET's ``/Date(1762070400000)/``. Anything else (``02/11/2026 08:00:00`` could be two days)
  is a problem, never a guess; a delivered or error sending without one is a problem too.
* **Id** (``sending_ids``): ``mailup-{idMessage}-{h}``, ``h`` a keyed hash (this file's key, ``schema.HASHED_ID_SQL``)
  of the message, the number and the send time: stable across a sync and an export, and no number in it.

Every row that is not recorded is either a problem (named with its message, row and value) or an uncharged queued
sending: a message is complete only when it has neither.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers

from credits_core.language import said
from credits_core.ledger import rates, text_parts

DELIVERED, QUEUED, ERROR = 0, 1, 2
MERGE_TAG = re.compile(r"\[([^\[\]\r\n]{1,60})\]")
DOTNET_DATE = re.compile(r"^/Date\((-?\d{1,15})(?:[+-]\d{4})?\)/$")
MAX_PROBLEMS_PER_MESSAGE = 20


# -- countries --------------------------------------------------------------------------------------------------


_PLACED: dict[str, str | None] = {}  # (first 7 digits, length) -> region: the same prefixes come back every sync


def _place(digits: str) -> str | None:
    """The ISO country of international digits with phonenumbers, or None when it is not a possible number."""
    key = f"{digits[:7]}/{len(digits)}"
    if key in _PLACED:
        return _PLACED[key]
    if len(_PLACED) > 200_000:
        _PLACED.clear()
    _PLACED[key] = region = _place_now(digits)
    return region


def _place_now(digits: str) -> str | None:
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.region_code_for_number(parsed)


SMALL = 5_000  # below this many values, plain Python beats pandas' per-call overhead (a page of sendings)


def _digits(r: object) -> str:
    s = "" if r is None or (isinstance(r, float) and np.isnan(r)) else str(r).strip().lstrip("+")
    return s[2:] if s.startswith("00") else s


def digits_of(receivers: pd.Series) -> pd.Series:
    """MailUp receivers as bare international digits (a ``+`` or ``00`` prefix removed)."""
    if len(receivers) < SMALL:
        return pd.Series([_digits(r) for r in receivers.to_numpy(dtype=object, na_value=None)],
                         index=receivers.index, dtype="string")
    s = receivers.astype("string").str.strip().str.lstrip("+")
    return s.where(~s.str.startswith("00").fillna(False), s.str[2:])


def countries_of(receivers) -> np.ndarray:
    """The ISO country of each MailUp ``Receiver``, None where it cannot be placed. Numbers are placed once per
    (first 7 digits, length), with phonenumbers on the first number of each: the calling code and, for shared codes
    (+1, +7, +44 ...), the leading digits of the national number decide the region, and the length decides whether
    the number is possible. A million numbers of a few hundred such keys cost a few hundred parses."""
    if len(receivers) < SMALL:
        return np.array([_place(d) if 6 <= len(d) <= 15 and d.isdigit() and d.isascii() else None
                         for d in (_digits(r) for r in np.asarray(receivers, dtype=object))], dtype=object)
    digits = digits_of(pd.Series(receivers, dtype="string"))
    ok = digits.str.fullmatch(r"\d{6,15}").fillna(False).to_numpy(bool)
    out = np.full(len(digits), None, dtype=object)
    if not ok.any():
        return out
    good = digits[ok]
    key = (good.str[:7] + "/" + good.str.len().astype("string")).to_numpy(dtype=object)
    codes, uniques = pd.factorize(key)
    firsts = np.full(len(uniques), -1)
    firsts[codes[::-1]] = np.arange(len(codes))[::-1]  # the first number of each key
    numbers = good.to_numpy(dtype=object)
    region = np.array([_place(str(numbers[i])) for i in firsts], dtype=object)
    out[ok] = region[codes]
    return out


def country_of(receiver: str) -> str | None:
    """The ISO country of one MailUp ``Receiver``, or None (see ``countries_of``)."""
    return countries_of([receiver])[0]


@lru_cache(maxsize=1)
def _rate_table() -> dict[str, int]:
    return rates().set_index("country")["credits_per_part"].to_dict()


def rates_of(countries: np.ndarray) -> np.ndarray:
    """Credits per part of each country (NaN where the price table has none), one lookup per distinct country."""
    table = _rate_table()
    codes, uniques = pd.factorize(pd.Series(countries, dtype=object), use_na_sentinel=True)
    per = np.array([table.get(c, np.nan) for c in uniques] + [np.nan], dtype=float)
    return per[codes]  # the sentinel -1 picks the trailing NaN


# -- texts -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextPricing:
    """How a message's text is priced: its parts (per recipient), and whether they are an estimate."""

    parts: int
    encoding: str
    tags: tuple[str, ...] = ()  # merge tags found in the text ([nome] -> "nome")

    @property
    def estimated(self) -> bool:
        return bool(self.tags)


def price_text(content: str, is_unicode: bool = False, fields: list | None = None,
               tag_length: int = 20) -> TextPricing:
    """R12 parts of a MailUp text, each merge tag replaced by its worst case known: the field's default value
    (``Fields``: ``Description`` and ``Value``) or ``tag_length`` characters, whichever is longer."""
    defaults = {}
    for f in fields or []:
        if isinstance(f, dict) and f.get("Description"):
            defaults[str(f["Description"]).strip().lower()] = str(f.get("Value") or "")
    tags = tuple(m.group(1) for m in MERGE_TAG.finditer(content))

    def worst(m: re.Match) -> str:
        default = defaults.get(m.group(1).strip().lower(), "")
        return default + "x" * max(0, tag_length - len(default))

    priced = text_parts(MERGE_TAG.sub(worst, content), is_unicode)
    return TextPricing(priced.parts, priced.encoding, tags)


# -- send times and statuses --------------------------------------------------------------------------------------


_DOCUMENTED = "%Y-%m-%d %H:%M:%S"  # MailUp's SentDate without its Z: read for a whole page at once (Arrow)


def parse_sent(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """MailUp's ``SentDate`` as aware UTC timestamps (whole seconds), and a mask of the values that are neither
    empty nor a date-time MailUp documents (each one a problem for its caller). The documented form is read for the
    whole column at once; only what it does not read goes through the other forms, value by value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = pa.array(values.astype(object).where(values.notna(), None).to_numpy(), type=pa.string())
    text = pc.utf8_trim_whitespace(raw)
    fast = pc.strptime(pc.utf8_rtrim(text, "Z"), format=_DOCUMENTED, unit="s", error_is_null=True)
    out = pd.Series(fast.to_pandas(), index=values.index).dt.tz_localize("UTC").astype("datetime64[us, UTC]")
    filled = pc.fill_null(text, "").to_numpy(zero_copy_only=False)
    rest = (filled != "") & out.isna().to_numpy(bool)
    if rest.any():
        out[rest] = _parse_other(pd.Series(filled[rest], dtype="string"), out.index[rest])
    unreadable = (filled != "") & out.isna().to_numpy(bool)
    return out, unreadable


def _parse_other(text: pd.Series, index: pd.Index) -> pd.Series:
    """.NET's ``/Date(ms)/`` and ISO 8601 with an offset or a T (UTC without one); NaT for anything else."""
    text.index = index
    out = pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]")
    dotnet = text.str.match(DOTNET_DATE.pattern).fillna(False).to_numpy(bool)
    if dotnet.any():
        ms = text[dotnet].str.extract(DOTNET_DATE.pattern, expand=False).astype("int64")
        out[dotnet] = pd.to_datetime(ms, unit="ms", utc=True).astype("datetime64[us, UTC]")
    iso = ~dotnet
    if iso.any():  # year first only: 2015-01-29T14:11:10+01:00 (02/11/2026 could be two days: never guessed)
        candidates = text[iso]
        shaped = candidates.str.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$",
                                      case=False).fillna(False)
        parsed = pd.to_datetime(candidates.where(shaped), utc=True, errors="coerce", format="ISO8601")
        out[iso] = parsed.astype("datetime64[us, UTC]")
    return out.dt.floor("s")


def parse_status(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """MailUp's ``Status`` as 0/1/2 (-1 where unknown), and the mask of the unknown ones."""
    raw = values.to_numpy(dtype=object)
    out = np.full(len(raw), -1, dtype=np.int64)
    for i, v in enumerate(raw):
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v <= 2:
            out[i] = v
        elif isinstance(v, str) and v.strip() in ("0", "1", "2"):
            out[i] = int(v)
    return out, out < 0


# -- ids --------------------------------------------------------------------------------------------------------


def _naive(sent: pd.Series) -> np.ndarray:
    """UTC instants as numpy datetime64 (no per-value conversion: an aware Series's to_numpy goes through objects)."""
    return sent.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()


def stamps_of(sent: pd.Series) -> np.ndarray:
    """The send time as it enters a sending's id: ``20150129T141110Z`` (UTC, whole seconds)."""
    iso = np.datetime_as_string(_naive(sent).astype("datetime64[s]"), unit="s")  # 2015-01-29T14:11:10, in C
    return np.char.add(np.char.replace(np.char.replace(iso, "-", ""), ":", ""), "Z").astype(object)


def sending_ids(key: str, id_message: str, digits: np.ndarray, stamps: np.ndarray) -> list[str]:
    """``mailup-{idMessage}-{h}``: h is the first 20 hex digits of sha256(key|idMessage|digits|stamp), as
    ``schema.HASHED_ID_SQL`` computes it in SQL. No number in the id, one id per sending whatever the path."""
    head = f"{key}|{id_message}|"
    return [f"mailup-{id_message}-" + hashlib.sha256(f"{head}{d}|{t}".encode()).hexdigest()[:20]
            for d, t in zip(digits, stamps)]


# -- sendings to messages ------------------------------------------------------------------------------------------


@dataclass
class Converted:
    """One MailUp message's sendings as messages for ``record_messages``, and what was left out."""

    messages: pd.DataFrame
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, why): each one named
    uncharged: int = 0  # queued sendings not charged yet (read again next time)
    last_sent_us: int | None = None  # the latest send time among the messages

    @property
    def complete(self) -> bool:
        return not self.problems and not self.uncharged


def empty_messages() -> pd.DataFrame:
    return pd.DataFrame({"message_id": pd.Series(dtype=str), "list_id": pd.Series(dtype=str),
                         "sent_at": pd.Series(dtype="datetime64[us, UTC]"), "credits": pd.Series(dtype="int64")})


_EMPTY = empty_messages()  # read only: a message with nothing to record


# Long: one vectorised pass over a message's sendings: charged statuses, send times, countries, parts and ids, each
# problem said with its row.
def convert(id_message: str, list_id: str, text: str, pricing: TextPricing, key: str, rows: pd.DataFrame, *,
            charge_queued: bool = True, label: str | None = None, countries: np.ndarray | None = None,
            positions: np.ndarray | None = None) -> Converted:
    """Messages from the sendings of one MailUp message. ``rows``: ``receiver``, ``sent`` (aware UTC, NaT when
    MailUp gave none), ``status`` (0/1/2), ``unreadable`` (the send time could not be read), ``bad_status``,
    ``raw_sent`` and ``raw_status`` (what MailUp sent, for the problems). A sending reported more than once (its
    status changes) counts once: charged if any of its reports is a charged status."""
    label = label or f"message {id_message}"
    positions = np.arange(1, len(rows) + 1) if positions is None else positions
    out = Converted(_EMPTY)
    df = rows.reset_index(drop=True).assign(pos=positions)
    if "digits" not in df:  # the export's rows come with their digits already
        df["digits"] = digits_of(df["receiver"].fillna(""))
    digits = df["digits"]

    def problem(mask: np.ndarray, why) -> None:
        for i in np.nonzero(mask)[0]:
            if len(out.problems) < MAX_PROBLEMS_PER_MESSAGE:
                out.problems.append((label, said("sending {n}: {why}", n=str(int(df["pos"].iloc[i])),
                                                 why=why(df.iloc[i]))))
            elif len(out.problems) == MAX_PROBLEMS_PER_MESSAGE:
                out.problems.append((label, said("... more sendings with problems")))
        bad[mask] = True

    bad = np.zeros(len(df), bool)
    problem(df["bad_status"].to_numpy(bool),
            lambda r: said("Status {value} is not one MailUp documents (0 delivered, 1 queued, 2 error); not "
                           "recorded", value=repr(r["raw_status"])))
    problem(df["unreadable"].to_numpy(bool) & ~bad,
            lambda r: said("SentDate {value} is not a date-time MailUp documents (UTC, like 2015-01-29 14:11:10Z); "
                           "not recorded", value=repr(r["raw_sent"])))
    final = df["status"].isin([DELIVERED, ERROR]).to_numpy(bool)
    problem(final & df["sent"].isna().to_numpy(bool) & ~bad,
            lambda r: said("delivered without a send time; not recorded") if r["status"] == DELIVERED else
            said("error without a send time; not recorded"))
    problem((digits.fillna("") == "").to_numpy(bool) & ~bad, lambda r: said("no Receiver; not recorded"))
    charged = final | (charge_queued & (df["status"] == QUEUED).to_numpy(bool))
    waiting = (df["status"] == QUEUED).to_numpy(bool) & ~bad & (~charged | df["sent"].isna().to_numpy(bool))
    keep = charged & ~bad & df["sent"].notna().to_numpy(bool)
    if waiting.any():  # a queued report of a sending also reported charged is done; the others wait
        at = _naive(df["sent"]).astype("datetime64[s]").astype(np.int64)
        charged_pairs = set(zip(digits[keep], at[keep]))
        out.uncharged = len({p for p in zip(digits[waiting], at[waiting]) if p not in charged_pairs})
    df = df[keep]
    if countries is not None:
        countries = np.asarray(countries, dtype=object)[keep]
    df = df.assign(country=countries if countries is not None else countries_of(df["digits"]))
    df = df.drop_duplicates(["digits", "sent"], keep="first")
    country = df["country"].to_numpy(dtype=object)
    rate = rates_of(country)
    unplaced = pd.isna(country)
    shown = 0
    for pos, number in zip(df["pos"].to_numpy()[unplaced], df["digits"].to_numpy(dtype=object)[unplaced]):
        if shown < MAX_PROBLEMS_PER_MESSAGE:
            out.problems.append((label, said("sending {n}: number {number} cannot be placed in a country (not a "
                                             "possible international number); not recorded", n=str(int(pos)),
                                             number=str(number))))
        shown += 1
    if shown > MAX_PROBLEMS_PER_MESSAGE:
        out.problems.append((label, said("... {count} more numbers that cannot be placed",
                                         count=shown - MAX_PROBLEMS_PER_MESSAGE)))
    no_rate = ~unplaced & pd.isna(rate)
    for c in sorted(set(country[no_rate])):
        out.problems.append((label, said("country {country} has no rate in the price table (data/rates.csv): its "
                                         "sendings are not recorded", country=str(c))))
    ok = ~unplaced & ~no_rate
    df, country, rate = df[ok], country[ok], rate[ok]
    if df.empty:
        return out
    stamps = stamps_of(df["sent"])
    digits = df["digits"].to_numpy(dtype=object)
    out.messages = pd.DataFrame({
        "message_id": sending_ids(key, id_message, digits, stamps),
        "list_id": list_id,
        "sent_at": df["sent"].array,
        "credits": rate.astype("int64") * pricing.parts,
        "country": country.astype(str),
        "parts": pricing.parts,
        "campaign_id": f"mailup-{id_message}",
        "recipient": df["digits"].astype(str).to_numpy(),
        "text": text,
    })
    out.last_sent_us = int(df["sent"].max().value // 1000)
    return out
