"""Words and figures as the pages show them, in the reader's language: text from data or a link made safe (never
Markdown or HTML), sentences (``t``, ``tn``: ``credits_core.language``), numbers, euros, periods."""

from __future__ import annotations

import re

import pandas as pd

from credits_core.language import Words, pick
from credits_core.language import words as language

LANG_KEY = "lang"  # the session's language (app.py sets it on every run: link, then choice, then browser)


def W() -> Words:  # noqa: N802 (one letter, like gettext's _: it is called on every line of the pages)
    """The reader's language: the session's, English outside a page run (tests of the helpers)."""
    try:
        import streamlit as st
        return language(st.session_state.get(LANG_KEY))
    except Exception:  # no session (a bare import): the code's own language
        return language()


def t(message: str, /, **values: object) -> str:
    """``message`` in the reader's language, its placeholders filled (``credits_core.language.Words.t``)."""
    return W().t(message, **values)


def tn(singular: str, plural: str, count: int, /, **values: object) -> str:
    """The singular or plural of a message for ``count``, in the reader's language."""
    return W().tn(singular, plural, count, **values)


def reader_language(link: object, chosen: object, browser: object) -> str:
    """The language of a page run: the link's ``?lang=`` (a shared link opens in its language), then the choice made
    in the sidebar, then the browser's (``st.context.locale``), then English."""
    return pick(link, chosen, browser)

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
    """A period as the axes and tables say it: 6 Dec 2026, W49 2026 (ISO week), Jul 2026, Q3 2026, 2026 (Italian:
    6 dic 2026, S49 2026, lug 2026, T3 2026)."""
    start = pd.Timestamp(start)
    w = W()
    if period == "day":
        return w.day_short(start)
    if period == "week":
        year, week, _ = start.isocalendar()
        two = str(week).zfill(2)
        return w.t("W{week} {year}", week=two, year=str(year))
    if period == "month":
        return w.month(start)
    if period == "quarter":
        return w.quarter(start)
    return f"{start.year}"


def n(value) -> str:
    """A whole number with the reader's thousands separators: 1,234 / 1.234."""
    return "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else W().number(int(value))


def eur(value) -> str:
    """A price in euros, the one format of every page (as CLDR writes it): €1,625.00 / 1.625,00 €."""
    return W().money(value)


def words(column: str) -> str:
    """A column header in words: ``spent_this_month`` -> ``Spent this month``."""
    return str(column).replace("_", " ").capitalize()


SHAPES = {  # how a table writes a figure of each kind, in the reader's language
    "int": lambda v: W().number(round(v)), "delta": lambda v: W().signed(round(v)), "eur": lambda v: W().money(v),
    "pct": lambda v: W().percent(v), "decimal": lambda v: W().number(v, 2)}


BLANK = "—"  # what an empty cell shows: Streamlit's grid draws every null as "None", whatever the format


def fine_eur(value) -> str:
    """A small amount in euros with the decimals it has, two at least, six at most (€0.075, €0.05, €0.0833): a
    message's cost rounded to the cent made rows that did not add up to their total."""
    return W().money_fine(value)


POOL_NAME = "Unassigned pool"  # how the engine's tables name the pool among the lists (store.holder_name)


def holders_said(names) -> list[str]:
    """A column of holder names (lists, the engine's ``POOL_NAME``) with the pool named in the reader's language."""
    pool = t(POOL_NAME)
    return [pool if x == POOL_NAME else x for x in names]


def keep_language(params: dict) -> dict:
    """A page's link parameters with the reader's language kept in them when the link had it or the reader chose
    it (a page that writes its view into the link must not drop ``?lang=``)."""
    import streamlit as st

    if "lang" in st.query_params or st.session_state.get("lang_chosen"):
        return {**params, "lang": st.session_state.get(LANG_KEY, "en")}
    return params


def error_words(exc: BaseException) -> str:
    """An error of the engine in the reader's language: its sentence (``Said``) worded, or its text as it is."""
    return W().say(exc.args[0]) if exc.args and len(exc.args) == 1 else str(exc)
