"""Prices: country rates, packages, and how many SMS parts a text needs (R12).

* ``rates()``: credits per SMS part for each destination country (``data/rates.csv``).
* ``packages()``: the credit packages on sale and their price in EUR (``data/packages.csv``).
* ``message_cost(text, country)``: parts, encoding, the character that forced Unicode, credits.
* ``sms_per_package(countries)``: how many SMS (of one part) each package buys per country.

R12: a text made only of GSM-7 characters is 1 part up to 160 septets; characters of the GSM extension table
(``^{}\\[~]|`` and the euro sign) take 2. Any other text is UCS-2, counted in UTF-16 code units: 1 part up to 70.
Longer texts are split as carriers split them: parts of at most 153 septets (or 67 units), filled in order, and a
character is never cut across two parts (an extension character's 2 septets, a surrogate pair's 2 units), so
``"a"*152 + "€" + "a"*152`` is 3 parts, not 2. An empty text is 1 part.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pandas as pd

from credits_core.ledger.errors import CreditsError

DATA = Path(__file__).resolve().parents[2] / "data"

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class TextParts:
    length: int  # in GSM-7 septets or UTF-16 code units
    parts: int
    encoding: str  # 'GSM-7' | 'UCS-2'
    unicode_char: str | None  # the first character that forced UCS-2


@dataclass(frozen=True)
class MessageCost:
    text: TextParts
    country: str
    rate: int
    credits: int


def _segments(sizes: list[int], single: int, per_part: int) -> int:
    """Parts for characters of the given sizes: one part up to ``single``, else parts of at most ``per_part``
    filled in order, a character never cut across two parts."""
    if sum(sizes) <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts


def text_parts(text: str, unicode: bool = False) -> TextParts:
    """R12: SMS parts of a text, split as carriers split them; ``unicode``: the sender chose UCS-2 whatever the
    text (MailUp's IsUnicode)."""
    if not isinstance(text, str):
        raise CreditsError(f"text={text!r} must be a string")
    forcing = next((ch for ch in text if ch not in GSM_BASIC and ch not in GSM_EXTENSION), None)
    if forcing is None and not unicode:
        sizes = [2 if ch in GSM_EXTENSION else 1 for ch in text]
        return TextParts(sum(sizes), _segments(sizes, 160, 153), "GSM-7", None)
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # UTF-16 code units: a surrogate pair is 2
    return TextParts(sum(sizes), _segments(sizes, 70, 67), "UCS-2", forcing)


@lru_cache(maxsize=1)
def rates() -> pd.DataFrame:
    """country, name, credits_per_part (int)."""
    df = pd.read_csv(DATA / "rates.csv", dtype={"country": str, "name": str, "credits_per_part": "int64"},
                     keep_default_na=False)
    return df.sort_values("name", ignore_index=True)


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO code -> the country's name (from the rates file): IT -> Italy."""
    return dict(zip(rates()["country"], rates()["name"]))


def rate(country: str) -> int:
    table = rates().set_index("country")["credits_per_part"]
    code = (country or "").upper()
    if code not in table.index:
        raise CreditsError(f"country {country!r} has no rate; known: {', '.join(sorted(table.index))}")
    return int(table[code])


@lru_cache(maxsize=1)
def packages() -> pd.DataFrame:
    """package, credits, price_eur (Decimal), eur_per_1000 (Decimal)."""
    df = pd.read_csv(DATA / "packages.csv", dtype={"package": str, "credits": "int64", "price_eur": str})
    df["price_eur"] = df["price_eur"].map(Decimal)
    df["eur_per_1000"] = [(p * 1000 / c).quantize(Decimal("0.01")) for p, c in zip(df["price_eur"], df["credits"])]
    return df.sort_values("credits", ignore_index=True)


def package(name: str) -> pd.Series:
    df = packages()
    hit = df[df["package"] == name]
    if hit.empty:
        raise CreditsError(f"package {name!r} is unknown; on sale: {', '.join(df['package'])}")
    return hit.iloc[0]


def message_cost(text: str, country: str, recipients: int = 1) -> MessageCost:
    """Credits of ``recipients`` messages of ``text`` to ``country``: parts x rate x recipients."""
    if type(recipients) is not int or recipients < 1:
        raise CreditsError(f"recipients={recipients!r} must be a whole number >= 1")
    tp = text_parts(text)
    r = rate(country)
    return MessageCost(tp, country.upper(), r, tp.parts * r * recipients)


def sms_per_package(countries: list[str] | None = None) -> pd.DataFrame:
    """Rows: packages; columns: countries; values: how many one-part SMS the package buys there."""
    r = rates()
    if countries:
        unknown = sorted(set(c.upper() for c in countries) - set(r["country"]))
        if unknown:
            raise CreditsError(f"countries {unknown} have no rate")
        r = r[r["country"].isin([c.upper() for c in countries])]
    p = packages()
    out = pd.DataFrame({row.country: p["credits"] // row.credits_per_part for row in r.itertuples()})
    out.index = p["package"]
    return out
