"""Words and figures as the pages show them: text from data or a link made safe (never Markdown or HTML), numbers,
euros, periods."""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

MAX_SHOWN = 200  # characters of any one value from data or a link shown in a sentence


def safe_text(value: object, limit: int = MAX_SHOWN) -> str:
    """Text from data or the URL (list and campaign names, texts, link parameters) made inert for Streamlit's
    Markdown: control characters folded, cut to ``limit``, and every ASCII punctuation character backslash-escaped
    (CommonMark allows that for all of them), so no link, image, HTML tag, autolink, emphasis or ``:directive:`` can
    come from it. Use it for every such value rendered in a Markdown element (st.markdown, st.caption, st.warning,
    st.error, st.success, st.info, metric labels)."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(value)).split())
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    # GFM autolinks are found in the text after the escapes are read (http://, www., e-mail addresses): a word
    # joiner (invisible) after the scheme's colon, before the dot of www. and after @ leaves nothing to match
    text = _AUTOLINK.sub("\u2060", text)
    return "".join("\\" + ch if ch in _MD_PUNCT else ch for ch in text)


_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?<=@)")


_MD_PUNCT = set("\\`*_{}[]()#+-.!|<>~$:&\"'=/@%^?;,")


def safe_label(value: object, limit: int = 60) -> str:
    """A name for a chart's legend, axis or tooltip: one line of printable characters, angle brackets as look-alikes
    (no chart library may ever read a tag in it), cut to ``limit``."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(value)).split())
    text = text.replace("<", "‹").replace(">", "›")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def period_words(start, period: str) -> str:
    """A period as the axes and tables say it: 6 Dec 2026, W49 2026 (ISO week), Jul 2026, Q3 2026, 2026."""
    start = pd.Timestamp(start)
    if period == "day":
        return f"{start.day} {start:%b %Y}"
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"W{week:02d} {year}"
    if period == "month":
        return f"{start:%b %Y}"
    if period == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"{start.year}"


def n(value) -> str:
    """A whole number with thousands separators."""
    return "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else f"{int(value):,}"


def eur(value) -> str:
    """A price in euros, the one format of every page (the tables' ``format="euro"`` too): €1,625.00."""
    return f"€{float(value):,.2f}"


def words(column: str) -> str:
    """A column header in words: ``spent_this_month`` -> ``Spent this month``."""
    return str(column).replace("_", " ").capitalize()


SHAPES = {"int": "{:,.0f}", "delta": "{:+,.0f}", "eur": "€{:,.2f}", "pct": "{:.1%}", "decimal": "{:,.2f}"}


BLANK = "—"  # what an empty cell shows: Streamlit's grid draws every null as "None", whatever the format


def fine_eur(value) -> str:
    """A small amount in euros with the decimals it has, two at least, six at most (€0.075, €0.05, €0.0833): a
    message's cost rounded to the cent made rows that did not add up to their total."""
    d = Decimal(str(value)).quantize(Decimal("0.000001"))
    text = f"{d:,.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"€{whole}.{frac.ljust(2, '0')}"
