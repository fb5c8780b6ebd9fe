"""Shared page helpers: the store (one per process), caching keyed on the store's revision, formatting."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

from credits_core import CreditStore

ROOT = Path(__file__).resolve().parents[1]


def db_path() -> str:
    return os.environ.get("CREDITS_DB", str(ROOT / "data" / "demo.duckdb"))


def read_only() -> bool:
    return os.environ.get("CREDITS_READ_ONLY", "") not in ("", "0", "false", "no")


@st.cache_resource(show_spinner="Opening the database ...")
def _open(path: str, ro: bool) -> CreditStore:
    return CreditStore.open(path, read_only=ro and Path(path).exists())


def store() -> CreditStore:
    return _open(db_path(), read_only())


_FUNCTIONS: dict[str, object] = {}


@st.cache_data(show_spinner=False, max_entries=128)
def _cached_call(path: str, revision: int, name: str, args: tuple, kwargs: tuple):
    return _FUNCTIONS[name](store(), *args, **dict(kwargs))


def cached(fn):
    """Cache a data function ``fn(store, *args)`` on (database, revision, function, args): any write to the store
    bumps its revision and so invalidates every cached answer."""
    name = f"{fn.__module__}.{fn.__qualname__}:{fn.__code__.co_firstlineno}"
    _FUNCTIONS[name] = fn

    def call(*args, **kwargs):
        return _cached_call(db_path(), store().revision, name, args, tuple(sorted(kwargs.items())))

    return call


def n(value) -> str:
    """A whole number with thousands separators."""
    return "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else f"{int(value):,}"


def empty_state() -> bool:
    """True (and a helpful message shown) when the database holds no purchase yet."""
    if store().controls:
        return False
    st.info("This database is empty. Record a first purchase on **Buy credits**, import your data on **Import**, "
            "or build the demo account: `python -m credits_core demo --db data/demo.duckdb`.")
    return True


def int_columns(df: pd.DataFrame, cols: list[str]) -> dict:
    return {c: st.column_config.NumberColumn(c.replace("_", " "), format="localized") for c in cols if c in df}


# 24 distinct colours: an account has more lists than plotly's default 10-colour palette
PALETTE = px.colors.qualitative.Dark24
