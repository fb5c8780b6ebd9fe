"""What a report covers, and the SQL that selects it: ``ReportFilter`` (dates, lists, countries, campaign, period)
and the WHERE clauses over the daily rollup (``usage_where``, on ``usage_source``) and over the messages
(``message_where``, ``search_where``), and ``select``: how those modules run their own read SQL (one SELECT on the
store's read cursor; the store has no raw query to hand out). Reports, valuation and exports build on this module; it
builds on none of them (no import cycle).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from credits_core.ledger import CreditsError, local_midnight_us
from credits_core.store import ROLLUP_SELECT, CreditStore

PERIODS = ("day", "week", "month", "quarter", "year")
MAX_SEARCH = 200  # characters of a search (a number, an id, a few words)


class select:  # noqa: N801 - used like a function: select(store, sql, params).df()
    """One read SELECT of the module that owns it, run on ``store.reading()`` (a ``db.ReadCursor``: one SELECT,
    nothing else) when its rows are fetched; ``tables``: small frames the query joins, by name (registered for
    this query only)."""

    __slots__ = ("_store", "_sql", "_params", "_tables")

    def __init__(self, store: CreditStore, sql: str, params: list | None = None,
                 tables: dict[str, pd.DataFrame] | None = None):
        self._store, self._sql, self._params, self._tables = store, sql, params or [], tables or {}

    def _run(self, fetch):
        with self._store.reading() as cur:
            for name, frame in self._tables.items():
                cur.register(name, frame)
            try:
                return fetch(cur.execute(self._sql, self._params))
            finally:
                for name in self._tables:
                    cur.unregister(name)

    def fetchall(self) -> list[tuple]:
        return self._run(lambda r: r.fetchall())

    def df(self) -> pd.DataFrame:
        return self._run(lambda r: r.df())

    def fetchnumpy(self) -> dict:
        return self._run(lambda r: r.fetchnumpy())


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers. Dates are Rome calendar dates, both ends inclusive; empty tuples mean 'all'.
    ``search`` narrows it to the messages a search finds (``search_where``): every report of the filter follows it,
    from the scan of the messages instead of the daily rollup."""

    date_from: date | None = None
    date_to: date | None = None
    lists: tuple[str, ...] = field(default_factory=tuple)
    countries: tuple[str, ...] = field(default_factory=tuple)
    campaign: str | None = None
    period: str = "month"
    search: str = ""

    def __post_init__(self) -> None:
        search = " ".join(str(self.search or "").split())
        if len(search) > MAX_SEARCH:
            raise CreditsError(f"a search of {len(search):,} characters is too long (at most {MAX_SEARCH})")
        object.__setattr__(self, "search", search)
        if self.period not in PERIODS:
            raise CreditsError(f"period {self.period!r} is unknown; use one of {', '.join(PERIODS)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise CreditsError(f"date range {self.date_from} .. {self.date_to} is empty (from is after to)")


def usage_source(store: CreditStore, f: ReportFilter | None = None) -> str:
    """The daily rollup as a table expression: ``daily_usage`` (kept by the journal in each write's transaction) plus
    the few single sends not folded into it yet, aggregated on the fly. Reading never writes. For a filter with a
    search, the rollup of the messages it finds, from the messages themselves: its parameters come first in
    ``usage_where``'s (the two are always used together, ``FROM {usage_source} ... WHERE {usage_where}``)."""
    if f is not None and f.search:
        found, _ = search_where(f.search)
        return f"({ROLLUP_SELECT} WHERE {found} GROUP BY ALL)"
    snap = store.report_facts()
    if not snap.unrolled:
        return "daily_usage"
    return (f"(SELECT * FROM daily_usage UNION ALL {ROLLUP_SELECT} WHERE seq > {int(snap.rolled_seq)} "
            f"GROUP BY ALL)")


def usage_where(store: CreditStore, f: ReportFilter, day_col: str = "day") -> tuple[str, list]:
    """The WHERE clause over ``usage_source(store, f)`` (its parameters first, when it searches)."""
    clauses, params = ["true"], list(search_where(f.search)[1]) if f.search else []
    if f.date_from:
        clauses.append(f"{day_col} >= ?")
        params.append(f.date_from)
    if f.date_to:
        clauses.append(f"{day_col} <= ?")
        params.append(f.date_to)
    if f.lists:
        nos = [store.require_list(x) for x in f.lists]
        clauses.append(f"list_no IN ({', '.join('?' * len(nos))})")
        params += nos
    if f.countries:
        clauses.append(f"country IN ({', '.join('?' * len(f.countries))})")
        params += [c.upper() for c in f.countries]
    if f.campaign:
        clauses.append("campaign_id = ?")
        params.append(f.campaign)
    return " AND ".join(clauses), params


def message_where(store: CreditStore, f: ReportFilter) -> tuple[str, list]:
    """The WHERE clause over ``messages`` for a filter: Rome dates become UTC instants (whole local days)."""
    where, params = usage_where(store, ReportFilter(lists=f.lists, countries=f.countries, campaign=f.campaign))
    clauses = [where]
    if f.search:
        found, found_params = search_where(f.search)
        clauses.append(found)
        params += found_params
    if f.date_from:
        clauses.append("sent_at >= make_timestamp(?)")
        params.append(local_midnight_us(f.date_from))
    if f.date_to:
        clauses.append("sent_at < make_timestamp(?)")
        params.append(local_midnight_us(f.date_to + timedelta(days=1)))
    return " AND ".join(clauses), params


def search_where(search: str | None) -> tuple[str, list]:
    """SQL over ``messages`` for a search box: the message id itself, or a recipient whose number holds the digits
    typed (3 or more; spaces, dots, dashes and brackets ignored; an international prefix written +39 or 0039 is read
    as 39, the way numbers are stored), or a recipient matching a number as the pages mask it (393366*****988: each
    * one digit), or a text holding every word typed (any case)."""
    text = (search or "").strip()
    if not text:
        return "true", []
    ors, params = ["message_id = ?"], [text]
    number = recipient_pattern(text)
    if number is not None:
        kind, value = number
        ors.append("contains(recipient, ?)" if kind == "digits" else
                   "regexp_replace(recipient, '^(\\+|00)', '') LIKE ?")  # stored with or without a prefix
        params.append(value)
    words = text.split()
    ors.append("(" + " AND ".join("contains(lower(text), ?)" for _ in words) + ")")
    params += [w.lower() for w in words]
    return "(" + " OR ".join(ors) + ")", params


def recipient_pattern(text: str) -> tuple[str, str] | None:
    """A search read as a phone number: ("digits", the digits to find in the stored number) or ("mask", a LIKE
    pattern for a masked number); None when it is not a number."""
    compact = re.sub(r"[\s\-().]", "", text)
    if compact.startswith("+"):
        compact = compact[1:]
    elif compact.startswith("00") and len(compact) >= 8:  # 0039 ...: the international prefix as dialled
        compact = compact[2:]
    if compact.isdigit() and len(compact) >= 3:
        return "digits", compact
    if re.fullmatch(r"\d+\*+\d*|\*+\d+", compact) and sum(c.isdigit() for c in compact) >= 6:
        return "mask", compact.replace("*", "_")
    return None


def looks_like_a_number(text: str | None) -> bool:
    """Whether a search is (or may be) a recipient's number: personal data, kept out of links, file names, the
    workbook and logs."""
    return bool(text) and recipient_pattern(text) is not None


def within_range(fn):
    """Mark a data function ``fn(store, ..., f: ReportFilter, ...)`` whose answer depends only on the ledger before
    the end of the filter's last Rome day (its messages, and the lots they drew from): a write whose events are all
    at or after that instant (``CreditStore.changed_from``) leaves it unchanged. See ``range_horizon``."""
    fn.within_range = True
    return fn


def range_horizon(fn, args: tuple, kwargs: dict) -> int | None:
    """The instant (UTC microseconds) before which ``fn``'s answer for these arguments lies wholly: the midnight
    after the filter's last day for a ``within_range`` function with an end date; None when the answer may depend
    on anything (no end date: it runs to the last message and to today; or not marked)."""
    if not getattr(fn, "within_range", False):
        return None
    found = [a for a in (*args, *kwargs.values()) if isinstance(a, ReportFilter)]
    if not found or any(f.date_to is None for f in found):
        return None
    return local_midnight_us(max(f.date_to for f in found) + timedelta(days=1))


EVERYTHING = ReportFilter()  # every date, list, country and campaign, by month
