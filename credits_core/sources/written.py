"""Numbers and dates as people write them in the files they import, read by a stated convention, never guessed.

* Numbers: ``numbers="it"`` reads ``5.000`` as five thousand and ``375,00`` / ``1.234,50`` with a decimal comma (the
  Italian way); ``numbers="en"`` reads ``5,000`` and ``1,234.50``. Without one, only what reads the same both ways is
  accepted (``5000``, ``375,00``, ``1.234,50``); ``5.000`` or ``1,234`` is refused with both readings named.
* Dates: ``15/09/2026`` or ``15.09.2026 10:30`` (``/``, ``.`` or ``-``) are read day first (``dmy``) or month first
  (``mdy``). The file decides when one of its dates has a first or second number above 12; otherwise the import's date
  order must say it, and ``03/04/2026`` is refused with both readings named. ISO 8601 is always read as it is.

A value written the other way from the convention stated (``1,234.50`` in a file said to be Italian) is refused with
what it would mean the other way, so a file is never read half one way and half the other."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pandas as pd

from credits_core.language import Said, said

NUMBER_STYLES = {"it": (".", ","), "en": (",", ".")}  # style: (thousands separator, decimal separator)
STYLE_WORDS = {"it": said("the Italian way (1.234,50)"), "en": said("the English way (1,234.50)")}
AMOUNT = re.compile(r"^\d{1,3}(?:(?P<t>[.,])\d{3})*(?:(?P<d>[.,])\d+)?$|^\d+(?:[.,]\d+)?$")
NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")


def check_style(numbers: str | None) -> None:
    if numbers not in (None, *NUMBER_STYLES):
        raise ValueError(f"numbers {numbers!r}: use it (1.234,50) or en (1,234.50)")


def _read(t: str, style: str) -> Decimal | None:
    """``t`` read strictly in ``style``, or None when it is not written that way."""
    thousands, dec = NUMBER_STYLES[style]
    t_, d_ = re.escape(thousands), re.escape(dec)
    if not re.fullmatch(rf"(\d{{1,3}}(?:{t_}\d{{3}})+|\d+)(?:{d_}\d+)?", t):
        return None
    whole, _, frac = t.partition(dec)
    return Decimal(whole.replace(thousands, "") + ("." + frac if frac else ""))


def parse_amount(text: str, numbers: str | None = None) -> tuple[Decimal | None, str | None]:
    """A price in euros: (amount, None) or (None, why). See the module for the conventions."""
    check_style(numbers)
    t = text.strip().replace(" ", "").replace("\u00a0", "").replace("'", "")
    if not AMOUNT.match(t):
        return None, said("not an amount (for example 1234.50, 1234,50, 1.234,50 or 1,234.50)")
    readings = {style: _read(t, style) for style in NUMBER_STYLES}
    if numbers is not None:
        if readings[numbers] is not None:
            return readings[numbers], None
        other = next(s for s in NUMBER_STYLES if s != numbers)
        return None, said("written {other}, where it is {value}, but the file's numbers are {style}",
                          other=STYLE_WORDS[other], value=_plain(readings[other]), style=STYLE_WORDS[numbers])
    found = {v for v in readings.values() if v is not None}
    if len(found) == 1:
        return found.pop(), None
    return None, said("ambiguous: {text} is {it} {it_way} and {en} {en_way}; say which with the import's number style "
                      "(it or en), or write {it} or {en} without a thousands separator", text=t,
                      it=_plain(readings["it"]), it_way=STYLE_WORDS["it"], en=_plain(readings["en"]),
                      en_way=STYLE_WORDS["en"])


def whole_number(text: str, numbers: str | None = None) -> tuple[int | None, str | None]:
    """A whole number of credits written with thousands separators (``5.000``, ``5,000``): (value, None) or
    (None, why). Plain digits are read by the caller's fast path; this is for the rest."""
    t = text.strip()
    sign = -1 if t.startswith("-") else 1
    amount, why = parse_amount(t.lstrip("+-"), numbers)
    if amount is None:
        return None, why if why.startswith(("ambiguous", "written")) else said("not a whole number of credits")
    if amount != amount.to_integral_value():
        return None, said("not a whole number of credits: {text} is {value}", text=t, value=_plain(amount))
    return sign * int(amount), None


def _plain(value: Decimal | None) -> str:
    return "no number" if value is None else format(value.normalize() if value == value.to_integral_value() else value,
                                                    "f")


def day_words(d: int, m: int, y: int) -> date | Said:
    """A day as a sentence shows it (in each reader's language), or "no date"."""
    try:
        return date(y, m, d)
    except ValueError:
        return said("no date")


def numeric_dates(s: pd.Series, date_order: str | None) -> tuple[pd.Series, dict, str | None]:
    """``s`` (stripped text) with its numeric dates rewritten as ISO text (``2026-09-15 10:30:00``), the reason each
    numeric date that cannot be read is refused (by index label), and the order used (None when there were none)."""
    if date_order not in (None, "dmy", "mdy"):
        raise ValueError(f"date_order {date_order!r}: use dmy (day first) or mdy (month first)")
    maybe = s.str.match(r"\d{1,2}[/.-]")  # a cheap test first: an ISO column (a million rows) costs ~0.05 s, not 1.5
    if not maybe.any():
        return s, {}, None
    parts = s[maybe].str.extract(NUMERIC_DATE.pattern).reindex(s.index)
    numeric = parts[0].notna()
    if not numeric.any():
        return s, {}, None
    first, second = parts[0][numeric].astype(int), parts[1][numeric].astype(int)
    says_dmy, says_mdy = bool((first > 12).any()), bool((second > 12).any())
    refused: dict = {}
    if says_dmy and says_mdy and date_order is None:
        for label in s.index[numeric.to_numpy()]:
            refused[label] = said("the file has dates with the day first and dates with the month first")
        return s, refused, None
    order = date_order or ("dmy" if says_dmy else "mdy" if says_mdy else None)
    if order is None:
        for label in s.index[numeric.to_numpy()]:
            d1, d2, y = int(parts[0][label]), int(parts[1][label]), int(parts[2][label])
            iso_dmy, iso_mdy = f"{y}-{d2:02d}-{d1:02d}", f"{y}-{d1:02d}-{d2:02d}"
            refused[label] = said("could be {dmy} (day first) or {mdy} (month first); say which with the import's "
                                  "date order (dmy or mdy), or write {iso_dmy} or {iso_mdy}", dmy=day_words(d1, d2, y),
                                  mdy=day_words(d2, d1, y), iso_dmy=iso_dmy, iso_mdy=iso_mdy)
        return s, refused, None
    day, month = (parts[0], parts[1]) if order == "dmy" else (parts[1], parts[0])
    other = said("month first (mdy)") if order == "dmy" else said("day first (dmy)")
    first = said("day first") if order == "dmy" else said("month first")
    for label in s.index[(numeric & (month.astype(float) > 12)).to_numpy()]:
        d1, d2, y = int(parts[0][label]), int(parts[1][label]), int(parts[2][label])
        again = day_words(d2, d1, y) if order == "dmy" else day_words(d1, d2, y)
        refused[label] = said("no month {month}: the import reads dates {order} ({first}); read {other} it would be "
                              "{again}", month=str(int(month[label])), order=order, first=first, other=other,
                              again=again)
    iso = (parts[2] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + " " + parts[3].fillna("0").str.zfill(2)
           + ":" + parts[4].fillna("00") + ":" + parts[5].fillna("00"))
    return s.where(~numeric, iso), refused, order
