"""Shared page helpers: the store (one per process), caching keyed on the store's revision and the Rome date,
formatting.

The store is shared by every session of this process; it holds the database file only while it works (see
``credits_core.db``), so the CLI, cron jobs and other dashboards use the same file at the same time. A write by any
process changes ``store().revision``; a new Rome day changes ``rome_today()``: either refreshes every cached answer.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

from credits_core import CreditsError, CreditStore
from credits_core.calendar import local_date, now_us

ROOT = Path(__file__).resolve().parents[1]


def db_path() -> str:
    return os.environ.get("CREDITS_DB", str(ROOT / "data" / "demo.duckdb"))


def read_only() -> bool:
    return os.environ.get("CREDITS_READ_ONLY", "") not in ("", "0", "false", "no")


@st.cache_resource(show_spinner="Opening the database ...")
def _open(path: str, ro: bool) -> CreditStore:
    return CreditStore.open(path, read_only=ro)  # read-only: a missing file is an error, nothing is created


def store() -> CreditStore:
    try:
        return _open(db_path(), read_only())
    except CreditsError as exc:  # a missing file in read-only mode, a foreign file: say so, show nothing else
        st.error(f"The database cannot be opened: {exc}")
        st.stop()


_FUNCTIONS: dict[str, object] = {}


@st.cache_data(show_spinner=False, max_entries=128, ttl=3600)
def _cached_call(path: str, revision: str, today: str, name: str, args: tuple, kwargs: tuple):
    s = store()
    with s.reading():  # one turn on the file for all the queries of this answer
        return _FUNCTIONS[name](s, *args, **dict(kwargs))


def cached(fn):
    """Cache a data function ``fn(store, *args)`` on (database, revision, Rome date, function, args): a write by any
    process changes the revision, and answers that depend on "now" (expiries happen at Rome midnight, windows are
    Rome days) are recomputed when the date changes; an hour at most in any case."""
    name = f"{fn.__module__}.{fn.__qualname__}:{fn.__code__.co_firstlineno}"
    _FUNCTIONS[name] = fn

    def call(*args, **kwargs):
        return _cached_call(db_path(), store().revision, rome_today().isoformat(), name, args,
                            tuple(sorted(kwargs.items())))

    return call


def rome_today():
    return local_date(now_us())


def n(value) -> str:
    """A whole number with thousands separators."""
    return "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else f"{int(value):,}"


def eur(value) -> str:
    """A price in euros, the one format of every page (the tables' ``format="euro"`` too): €1,625.00."""
    return f"€{float(value):,.2f}"


def empty_state() -> bool:
    """True (and a helpful message shown) when the database holds no purchase yet."""
    if store().controls:
        return False
    st.info("This database is empty. Record a first purchase on **Buy credits**, import your data on **Import**, "
            "or build the demo account: `python -m credits_core demo --db data/demo.duckdb`.")
    return True


def words(column: str) -> str:
    """A column header in words: ``spent_this_month`` -> ``Spent this month``."""
    return str(column).replace("_", " ").capitalize()


PROBLEM_COLUMNS = {  # an import's problems, every reason shown whole
    "row": st.column_config.NumberColumn("Row", format="%d", width="small"),
    "column": "Column", "value": "Value", "reason": st.column_config.TextColumn("Reason", width="large"),
}


def int_columns(df: pd.DataFrame, cols: list[str]) -> dict:
    return {c: st.column_config.NumberColumn(words(c), format="localized") for c in cols if c in df}


# 24 distinct colours: an account has more lists than plotly's default 10-colour palette
PALETTE = px.colors.qualitative.Dark24
