"""The languages the product speaks (English, Italian) and the reader's formats.

Every sentence a person reads is an English message in the code, written with named placeholders
(``"{credits} credits expire on {day}"``) and translated by a standard gettext catalog
(``credits_core/language/locale/<lang>/LC_MESSAGES/credits.po``, compiled to ``.mo`` by the install step; a missing
or older ``.mo`` is compiled in memory from the ``.po``). Numbers, euros, dates and months are written by Babel from
CLDR's data for the reader's locale, never by hand: ``1,234`` / ``1.234``, ``€1,234.50`` / ``1.234,50 €``,
``10 February 2027`` / ``10 febbraio 2027``, ``Jul 2026`` / ``lug 2026``.

A ``Words`` object is one language: ``w.t(message, **values)`` translates and fills the placeholders (whole numbers
are written with the language's grouping), ``w.tn(singular, plural, count, **values)`` picks the plural form. The
engine returns facts; the pages, the workbook, the e-mails and the CLI word them with the reader's ``Words``.

This package imports nothing else of credits_core: every layer may use it."""

from __future__ import annotations

import gettext
import io
import re
import string
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

LANGS = ("en", "it")  # the languages with a catalog ("en" is the code's own)
DEFAULT = "en"
NAMES = {"en": "English", "it": "Italiano"}
LOCALES = {"en": "en", "it": "it_IT"}  # the formats of each language (patterns below: day month year in both)
DOMAIN = "credits"
HERE = Path(__file__).resolve().parent / "locale"


def pick(*wanted: object) -> str:
    """The first of ``wanted`` (a link's ``lang``, a choice, a browser locale like ``it-IT`` or ``en_US.UTF-8``)
    that names a language we speak; English when none does."""
    for w in wanted:
        if not isinstance(w, str) or not w:
            continue
        code = re.split(r"[-_.@]", w.strip().lower(), maxsplit=1)[0]
        if code in LANGS:
            return code
    return DEFAULT


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The translations of ``lang``: its compiled ``.mo`` when it is newer than its ``.po``, else the ``.po``
    compiled in memory; English (the code's own messages) has none."""
    if lang == DEFAULT or lang not in LANGS:
        return gettext.NullTranslations()
    po = HERE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    return gettext.GNUTranslations(io.BytesIO(compiled(po)))


def compiled(po: Path) -> bytes:
    """A ``.po`` file compiled to ``.mo`` bytes by Babel (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    with po.open("rb") as f:
        cat = read_po(f)
    out = io.BytesIO()
    write_mo(out, cat)
    return out.getvalue()


def compile_all() -> list[Path]:
    """Compile every catalog's ``.po`` to its ``.mo`` (the install step runs it); returns the files written."""
    done = []
    for lang in LANGS:
        po = HERE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            po.with_suffix(".mo").write_bytes(compiled(po))
            done.append(po.with_suffix(".mo"))
    catalog.cache_clear()
    return done


def placeholders(message: str) -> set[str]:
    """The named placeholders of a message: ``{credits}``, ``{day}`` ..."""
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


class Words:
    """One language: its translations and its formats."""

    def __init__(self, lang: str = DEFAULT):
        self.lang = pick(lang)
        self.locale = Locale.parse(LOCALES[self.lang])
        self._cat = catalog(self.lang)

    def __repr__(self) -> str:
        return f"Words({self.lang!r})"

    # sentences
    def say(self, fact: object) -> str:
        """A sentence the engine returned (``Said``) in this language; any other value as text."""
        if not isinstance(fact, Said):
            return "" if fact is None else str(fact)
        values = {k: self.value(v) for k, v in fact.values}
        if fact.plural is None:
            return self._cat.gettext(fact.message).format(**values)
        return self._cat.ngettext(fact.message, fact.plural, fact.count).format(count=self.number(fact.count),
                                                                               **values)

    def value(self, v: object) -> str:
        """A value of a sentence as this language writes it: whole numbers grouped, euros (Decimal) as money,
        days in full, instants to the minute, a nested sentence worded, a list of sentences joined by "; "."""
        if isinstance(v, Said):
            return self.say(v)
        if isinstance(v, bool) or v is None:
            return str(v)
        if isinstance(v, int):
            return self.number(v)
        if isinstance(v, WholeEuros):
            return self.money_whole(v)
        if isinstance(v, Decimal):
            return self.money(v)
        if isinstance(v, float):
            return self.number(v, 1)
        if isinstance(v, datetime):
            return self.moment(v)
        if isinstance(v, date):
            return self.day(v)
        if isinstance(v, tuple):
            return "; ".join(self.value(x) for x in v)
        return str(v)

    def t(self, message: str, /, **values: object) -> str:
        """``message`` in this language, its placeholders filled (whole numbers with the language's grouping)."""
        text = self._cat.gettext(message)
        return text.format(**self._shown(values)) if values else text

    def tn(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """The singular or plural form for ``count`` (``{count}`` is filled too), in this language."""
        text = self._cat.ngettext(singular, plural, count)
        return text.format(**self._shown({"count": count, **values}))

    def _shown(self, values: dict) -> dict:
        return {k: self.number(v) if isinstance(v, int) and not isinstance(v, bool) else
                self.say(v) if isinstance(v, Said) else v for k, v in values.items()}

    # figures
    def number(self, value, decimals: int = 0) -> str:
        """A number with the language's grouping and decimal mark: 1,234.5 / 1.234,5."""
        if value is None:
            return "—"
        if decimals == 0:
            return format_decimal(int(value), locale=self.locale, group_separator=True)
        fmt = "#,##0." + "0" * decimals
        return format_decimal(value, format=fmt, locale=self.locale)

    def signed(self, value: int) -> str:
        """A change in credits with its sign, no change included: +1,234 / -1.234 / +0."""
        return ("+" if value >= 0 else "") + self.number(value)

    def money(self, value) -> str:
        """Euros to the cent as CLDR writes them: €1,234.50 / 1.234,50 €."""
        return format_currency(Decimal(str(value)), "EUR", locale=self.locale)

    def money_whole(self, value) -> str:
        """Euros to the euro: €1,235 / 1.235 €."""
        return format_currency(Decimal(str(value)).quantize(Decimal(1)), "EUR", format="¤#,##0" if self.lang == "en"
                               else "#,##0 ¤", locale=self.locale, currency_digits=False)

    def money_fine(self, value) -> str:
        """A small amount with the decimals it has, two at least, six at most: €0.075 / 0,075 €."""
        d = Decimal(str(value)).quantize(Decimal("0.000001")).normalize()
        return format_currency(d, "EUR", locale=self.locale, decimal_quantization=False)

    def percent(self, value: float, decimals: int = 1) -> str:
        """A share: 12.5% / 12,5%."""
        return format_decimal(value * 100, format="#,##0." + "0" * decimals, locale=self.locale) + "%"

    # time
    def day(self, value: date | datetime) -> str:
        """A day in full: 10 February 2027 / 10 febbraio 2027."""
        return self._date(value, "d MMMM y")

    def day_short(self, value: date | datetime) -> str:
        """A day, month abbreviated: 10 Feb 2027 / 10 feb 2027."""
        return self._date(value, "d MMM y")

    def month(self, value: date | datetime) -> str:
        """A month as the axes say it: Jul 2026 / lug 2026."""
        return self._date(value, "MMM y")

    def month_abbr(self, value: date | datetime) -> str:
        """A month's short name alone: Jul / lug."""
        return self._date(value, "MMM")

    def month_long(self, value: date | datetime) -> str:
        """A month in full: July 2026 / luglio 2026."""
        return self._date(value, "LLLL y")

    def quarter(self, value: date | datetime) -> str:
        """A quarter: Q3 2026 / T3 2026."""
        return self._date(value, "QQQ y")

    def _date(self, value: date | datetime, pattern: str) -> str:
        return format_date(_as_date(value), format=pattern, locale=self.locale)

    def moment(self, value: datetime) -> str:
        """A day and time (the time as the value has it): 10 Feb 2027, 14:30 / 10 feb 2027, 14:30."""
        return format_datetime(value, format="d MMM y, HH:mm", locale=self.locale)


class WholeEuros(Decimal):
    """Euros a sentence says to the euro (€41 / 41 €): a rough figure beside credits."""


class Said(str):
    """A sentence the engine returns: which message, with which values (facts: numbers, days, euros as Decimal,
    names). It reads as English wherever a string is expected (the CLI, logs, older callers); ``Words.say`` words it
    in another language from the catalog. Built by ``said`` and ``said_n`` (the catalogs' extraction finds them)."""

    message: str
    values: tuple
    plural: str | None
    count: int | None

    def __new__(cls, message: str, values: dict, plural: str | None = None, count: int | None = None) -> Said:
        items = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in values.items()))
        english = Words(DEFAULT)
        shown = {k: english.value(v) for k, v in items}
        text = (message if plural is None or count == 1 else plural).format(
            **({"count": english.number(count)} if plural is not None else {}), **shown)
        obj = super().__new__(cls, text)
        obj.message, obj.values, obj.plural, obj.count = message, items, plural, count
        return obj

    def __reduce__(self):  # pickled (answers cached across processes) as what it is
        return (Said, (self.message, dict(self.values), self.plural, self.count))


def said(message: str, /, **values: object) -> Said:
    """A sentence as a fact: ``said("{credits} credits expire on {day}", credits=1200, day=date(2027, 2, 10))``."""
    return Said(message, values)


def said_n(singular: str, plural: str, count: int, /, **values: object) -> Said:
    """A sentence with a singular and a plural form, picked by ``count`` in each language."""
    return Said(singular, values, plural, count)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp, as is (its own zone)
        return value.to_pydatetime().date()
    return value


@cache
def words(lang: str | None = None) -> Words:
    """The shared ``Words`` of a language."""
    return Words(pick(lang))


try:  # the locales exist in every Babel install; a broken one is a clear error at import, not on a page
    for _code in LOCALES.values():
        Locale.parse(_code)
except UnknownLocaleError as exc:  # pragma: no cover
    raise RuntimeError(f"Babel lacks the locale {exc.identifier}") from exc


@cache
def chart_locale(lang: str) -> dict:
    """A language's number and time formats as Vega-Lite's ``config.locale`` (d3's format), from CLDR: the charts'
    axes read ``lug 2026`` and ``1.234`` in Italian."""
    loc = Locale.parse(LOCALES[pick(lang)])
    sym = loc.number_symbols.get("latn", loc.number_symbols)
    months = [loc.months["format"]["wide"][i] for i in range(1, 13)]
    short = [loc.months["format"]["abbreviated"][i].rstrip(".") for i in range(1, 13)]
    days = [loc.days["format"]["wide"][i] for i in (6, 0, 1, 2, 3, 4, 5)]  # Babel: 0 is Monday; d3: Sunday first
    short_days = [loc.days["format"]["abbreviated"][i] for i in (6, 0, 1, 2, 3, 4, 5)]
    return {"number": {"decimal": sym["decimal"], "thousands": sym["group"], "grouping": [3],
                       "currency": ["€", ""] if pick(lang) == "en" else ["", " €"]},
            "time": {"dateTime": "%x, %X", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
                     "days": days, "shortDays": short_days, "months": months, "shortMonths": short}}
