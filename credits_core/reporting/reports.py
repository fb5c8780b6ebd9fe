"""Usage reports: the temporal report, the drill-down to messages, the ledger history.

Every calendar question is answered in Europe/Rome (R2): a message sent 2025-03-31T22:30Z belongs to 1 April.

The temporal report is answered from ``daily_usage``, a rollup of messages, parts and credits per Rome day, list,
country and campaign, which the journal keeps current in every write's transaction (``usage_source`` adds the few
single sends not folded yet), so reports never scan the message table and reading never writes.
The drill-down reads messages of one list (or campaign, or country) in a date range, one page at a time; pages
sorted by time are found by key (sent_at, seq), not by a deep OFFSET over wide rows.

Long module: every report of the pages and the workbook (usage, per list, drill-down, campaigns, history) is SQL
over the same rollup and filter; together they show one way of asking.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from credits_core.language import said
from credits_core.ledger import POOL, ROME, CreditsError, fmt_local, from_us, local_date, now_us
from credits_core.reporting.filters import (
    EVERYTHING,
    ReportFilter,
    message_where,
    select,
    usage_source,
    usage_where,
    within_range,
)
from credits_core.reporting.periods import Comparison, comparisons, coverage
from credits_core.reporting.valuation import message_costs, value_spend
from credits_core.store import CreditStore

UNKNOWN = said("unknown (recorded before authors were kept)")
AUTOMATIC = said("automatic (expiry rule)")
SORTABLE = {"sent_at": "sent_at", "credits": "credits", "parts": "parts", "country": "country",
            "campaign_id": "campaign_id", "message_id": "message_id"}
MAX_PAGE_SIZE = 1000


def one_turn(fn):
    """Answer from one snapshot in one turn on the file: the rollup boundary read by ``usage_source`` and the query
    that uses it cannot be split by another process's write (which would count folded sends twice)."""
    @functools.wraps(fn)
    def wrapper(store: CreditStore, *args, **kwargs):
        with store.reading():
            return fn(store, *args, **kwargs)
    return wrapper


@one_turn
def countries(store: CreditStore) -> list[str]:
    """Countries a filter can offer: those in the messages (the rollup) and those of the rates file."""
    from credits_core.ledger import rates

    got = {r[0] for r in select(store, f"SELECT DISTINCT country FROM {usage_source(store)} "
                                     f"WHERE country IS NOT NULL").fetchall()}
    return sorted(got | set(rates()["country"]))


# -- the rollup -------------------------------------------------------------------------------------------------


def period_start(d: pd.Series | pd.DatetimeIndex, period: str) -> pd.Series:
    """The first day of the period (ISO week: Monday) that each date falls in."""
    s = pd.Series(pd.to_datetime(d))
    if period == "day":
        return s.dt.normalize()
    if period == "week":
        return (s - pd.to_timedelta(s.dt.day_of_week, unit="D")).dt.normalize()
    if period == "month":
        return s.dt.to_period("M").dt.start_time
    if period == "quarter":
        return s.dt.to_period("Q").dt.start_time
    return s.dt.to_period("Y").dt.start_time


def period_label(start: pd.Timestamp, period: str) -> str:
    if period == "day":
        return f"{start:%Y-%m-%d}"
    if period == "week":
        iso = start.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    if period == "month":
        return f"{start:%Y-%m}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}"


def data_span(store: CreditStore) -> tuple[date, date] | None:
    """The days a report can show anything on: from the first message to today (or the last message, if later)."""
    snap = store.report_facts()
    if snap.first_day is None:
        return None
    return snap.first_day, max(snap.last_day or snap.first_day, local_date(now_us()))


def _range(store: CreditStore, f: ReportFilter) -> tuple[date, date] | None:
    snap = store.report_facts()
    lo, hi = snap.first_day, snap.last_day
    lo = f.date_from or lo
    hi = f.date_to or (max(hi, local_date(now_us())) if hi else None)
    if lo is None or hi is None:
        return None
    return lo, hi


MAX_REPORT_ROWS = 2_000_000  # periods x lists: 450 years of days for a dozen lists; a chart shows far fewer


@within_range
@one_turn
def usage(store: CreditStore, f: ReportFilter = EVERYTHING) -> pd.DataFrame:
    """The temporal report, long form: one row per period and list, periods with no spend included (0).

    Columns: period (first Rome day), label, list_id, name, messages, parts, credits, coverage ("3 of 30 days" for
    a period the range covers only in part, else empty).
    """
    table = usage_source(store, f)
    where, params = usage_where(store, f)
    rng = _range(store, f)
    snap = store.report_facts()  # one picture of the lists for the whole answer (not one per row)
    lists = list(f.lists) or list(snap.list_ids)
    cols = ["period", "label", "list_id", "name", "messages", "parts", "credits", "coverage"]
    if rng is None or not lists:
        return pd.DataFrame(columns=cols)
    from credits_core.reporting.usage_view import periods_in

    n = periods_in(rng[0], rng[1], f.period)
    if n * len(lists) > MAX_REPORT_ROWS:  # a grid of millions of days would pin the server: never built
        raise CreditsError(f"{rng[0]} to {rng[1]} by {f.period} is {n:,} periods for {len(lists):,} lists; a report "
                           f"holds at most {MAX_REPORT_ROWS:,} rows: group by a longer period or shorten the range")
    trunc = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}[f.period]
    got = select(store,
        f"SELECT date_trunc('{trunc}', day)::DATE AS period, list_no, sum(messages)::BIGINT AS messages, "
        f"sum(parts)::BIGINT AS parts, sum(credits)::BIGINT AS credits FROM {table} WHERE {where} GROUP BY ALL",
        params).df()
    got["list_id"] = [snap.list_ids[i] for i in got["list_no"]]
    periods = pd.Series(period_start(pd.date_range(rng[0], rng[1], freq="D"), f.period).unique())
    grid = pd.MultiIndex.from_product([periods, lists], names=["period", "list_id"])
    got["period"] = pd.to_datetime(got["period"])
    out = got.set_index(["period", "list_id"])[["messages", "parts", "credits"]].reindex(grid, fill_value=0)
    out = out.reset_index()
    for c in ("messages", "parts", "credits"):
        out[c] = out[c].astype("int64")
    labels = {p: period_label(p, f.period) for p in periods}
    out["label"] = out["period"].map(labels)
    out["name"] = [snap.names.get(x) or x for x in out["list_id"]]
    cover = {p: coverage(rng[0], rng[1], f.period, p.date()) for p in periods}
    out["coverage"] = pd.Series([  # "" or a sentence (``Said``, kept as it is: object, not pandas' str)
        "" if cover[p][0] == cover[p][1] else said("{days} of {total} days", days=cover[p][0], total=cover[p][1])
        for p in out["period"]], index=out.index, dtype=object)
    return out[cols]


@within_range
@one_turn
def estimated_credits(store: CreditStore, f: ReportFilter = EVERYTHING) -> int:
    """Credits in the view spent by messages whose text had merge tags (``campaign_info.estimated``): priced for
    the longest value known, not the platform's exact charge. Shown beside every total they are part of."""
    table = usage_source(store, f)
    where, params = usage_where(store, f)
    return int(select(store, f"SELECT coalesce(sum(u.credits), 0) FROM {table} u JOIN campaign_info c "
                             f"USING (campaign_id) WHERE c.estimated AND {where}", params).fetchall()[0][0])


def usage_matrix(long: pd.DataFrame, value: str = "credits") -> pd.DataFrame:
    """Periods x lists with a Total column and a Total row (the table the Excel sheet and the page show)."""
    if long.empty:
        return pd.DataFrame()
    m = long.pivot_table(index="label", columns="list_id", values=value, aggfunc="sum", sort=False).fillna(0)
    m = m.astype("int64")
    m["Total"] = m.sum(axis=1)
    m.loc["Total"] = m.sum(axis=0)
    m.index.name = "period"
    return m


@within_range
def comparison_ranges(store: CreditStore, f: ReportFilter, preset: str | None = None
                      ) -> tuple[Comparison, Comparison] | None:
    """The previous calendar period of the same kind and the same period last year (``periods.comparisons``)."""
    rng = _range(store, f)
    return None if rng is None else comparisons(rng[0], rng[1], preset)


@within_range
@one_turn
def usage_by_list(store: CreditStore, f: ReportFilter = EVERYTHING, preset: str | None = None, *,
                  with_cost: bool = True, compare: bool = True) -> pd.DataFrame:
    """Totals per list for the filter's range, its share of the total, and the same figures for the previous
    calendar period of the same kind (Q3 against Q2) and the same period last year.

    Columns: list_id, name, messages, parts, credits, eur, unpriced_credits (see ``usage_by``), share,
    previous_credits, change (credits - previous), last_year_credits, change_last_year. ``attrs["previous"]`` and
    ``attrs["last_year"]`` name those ranges. ``with_cost=False``: eur left empty, not computed; ``compare=False``:
    the comparison columns are 0, not computed (totals of a drill-down).
    """

    long = usage(store, f)
    cols = ["list_id", "name", "messages", "parts", "credits", "eur", "unpriced_credits", "share",
            "previous_credits", "change", "last_year_credits", "change_last_year"]
    if long.empty:
        return pd.DataFrame(columns=cols)
    tot = long.groupby(["list_id", "name"], as_index=False, sort=False)[["messages", "parts", "credits"]].sum()
    total = int(tot["credits"].sum())
    tot["share"] = tot["credits"] / total if total else 0.0
    tot["previous_credits"], tot["last_year_credits"] = 0, 0
    for c, column in zip(comparison_ranges(store, f, preset) if compare else (),
                         ("previous_credits", "last_year_credits")):
        pf = replace(f, date_from=c.lo, date_to=c.hi, period="year")
        p = usage(store, pf).groupby("list_id")["credits"].sum()
        tot[column] = tot["list_id"].map(p).fillna(0).astype("int64")
        tot.attrs[c.kind] = c.label
    tot["change"] = tot["credits"] - tot["previous_credits"]
    tot["change_last_year"] = tot["credits"] - tot["last_year_credits"]
    if with_cost:
        valued = value_spend(store, f, ("list_id",)).set_index("list_id")
        tot["unpriced_credits"] = tot["list_id"].map(valued["unpriced_credits"]).fillna(0).astype("int64")
        tot["eur"] = tot["list_id"].map(valued["eur"])
        tot = _valued(tot)
    else:  # callers that only need credits (limits, the overview) skip the valuation
        tot["eur"], tot["unpriced_credits"] = float("nan"), 0
    # stable: lists that spent the same keep the lists' order (``period_totals`` gives the same order)
    return tot.sort_values("credits", ascending=False, ignore_index=True, kind="stable")[cols]  # attrs go along


def period_totals(long: pd.DataFrame, valued: pd.DataFrame, period: date) -> pd.DataFrame | None:
    """``usage_by("list_id", g)`` of one period of a report, from two answers the report already has: ``long`` =
    ``usage(f)``, ``valued`` = ``value_spend(f, ("period", "list_id"))``, and ``g`` = ``f`` narrowed to the days of
    ``period`` within its range (a click on a bar). None when ``period`` is not one of the report's periods."""
    at = pd.Timestamp(period)
    rows = long[long["period"] == at]
    if rows.empty:
        return None
    rows = rows[rows["messages"] > 0]
    cost = valued[pd.to_datetime(valued["period"]) == at].set_index("list_id")
    out = rows[["list_id", "name", "messages", "parts", "credits"]].reset_index(drop=True)
    out["eur"] = out["list_id"].map(cost["eur"])
    out["unpriced_credits"] = out["list_id"].map(cost["unpriced_credits"])
    return _valued(out).sort_values("credits", ascending=False, ignore_index=True, kind="stable")


@within_range
@one_turn
def usage_by(store: CreditStore, dimension: str, f: ReportFilter = EVERYTHING) -> pd.DataFrame:
    """Totals by ``list_id``, ``country`` or ``campaign_id`` for the filter, best first (ties in the lists' order or
    by id), with what they cost: messages, parts, credits, eur, unpriced_credits (credits from lots bought without a
    price: not valued, never counted as free); by country or campaign also first_day, last_day, lists (ids, comma
    separated); by list its name."""

    if dimension == "list_id":
        per = usage_by_list(store, f, compare=False)
        return per[per["messages"] > 0].reset_index(drop=True)[["list_id", "name", "messages", "parts", "credits",
                                                                   "eur", "unpriced_credits"]]
    if dimension not in ("country", "campaign_id"):
        raise CreditsError(f"cannot group usage by {dimension!r}")
    table = usage_source(store, f)
    where, params = usage_where(store, f)
    df = select(store,
        f"SELECT {dimension}, min(day) AS first_day, max(day) AS last_day, list(DISTINCT list_no) AS list_nos, "
        f"sum(messages)::BIGINT AS messages, sum(parts)::BIGINT AS parts, sum(credits)::BIGINT AS credits "
        f"FROM {table} WHERE {where} GROUP BY ALL ORDER BY credits DESC, {dimension} NULLS LAST", params).df()
    ids = store.report_facts().list_ids
    df["lists"] = [", ".join(ids[i] for i in sorted(nos)) for nos in df.pop("list_nos")]
    valued = value_spend(store, f, (dimension,)).set_index(dimension)
    df["eur"] = df[dimension].map(valued["eur"]).astype("float64")
    df["unpriced_credits"] = df[dimension].map(valued["unpriced_credits"])
    return _valued(df)


def _valued(df: pd.DataFrame) -> pd.DataFrame:
    df["unpriced_credits"] = df["unpriced_credits"].fillna(0).astype("int64")
    # all credits from lots with no price: no value at all (None), not 0
    df["eur"] = df["eur"].where(df["unpriced_credits"] < df["credits"], None).astype("Float64")
    return df.reset_index(drop=True)


def campaign_names(store: CreditStore) -> pd.DataFrame:
    """What names campaigns: the ``campaigns`` import (campaign_info) and the campaigns scheduled in the dashboard
    (named by the start of their text). Columns: campaign_id, name, list_id, t_us (when sent or scheduled), text."""
    info = store.campaign_info()
    sched = select(store, "SELECT campaign_id, list_id, epoch_us(scheduled_at) AS t_us, text FROM campaigns").df()
    sched["name"] = [x if len(x) <= 40 else x[:39].rstrip() + "…" for x in sched["text"]]
    sched = sched[~sched["campaign_id"].isin(info["campaign_id"])]
    cols = ["campaign_id", "name", "list_id", "t_us", "text"]
    return pd.concat([info[cols], sched[cols]], ignore_index=True) if len(sched) else info[cols]


@within_range
@one_turn
def campaigns_in_view(store: CreditStore, f: ReportFilter = EVERYTHING) -> pd.DataFrame:
    """The campaigns that spent under ``f``, best first: campaign_id, name (the id when none was given), sent_at
    (Rome; the named send time, else the first message's), lists, text (the named text, else the first message's),
    messages, parts, credits, eur, unpriced_credits."""
    df = usage_by(store, "campaign_id", f)
    df = df[df["campaign_id"].notna()].reset_index(drop=True)
    cols = ["campaign_id", "name", "sent_at", "lists", "text", "messages", "parts", "credits", "eur",
            "unpriced_credits"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    names = campaign_names(store).set_index("campaign_id")
    where, params = message_where(store, f)
    first = select(store, f"SELECT campaign_id, min(epoch_us(sent_at)) AS t_us, min_by(text, sent_at) AS text "
                        f"FROM messages WHERE {where} AND campaign_id IS NOT NULL GROUP BY ALL",
                        params).df().set_index("campaign_id")
    ids = df["campaign_id"]
    df["name"] = [names["name"].get(c) or c for c in ids]
    t_us = [names["t_us"].get(c) if pd.notna(names["t_us"].get(c, None)) else first["t_us"].get(c) for c in ids]
    df["sent_at"] = pd.to_datetime(pd.Series(t_us, dtype="float64"), unit="us", utc=True).dt.tz_convert(
        ROME).dt.tz_localize(None).dt.floor("s")
    df["text"] = [names["text"].get(c) if pd.notna(names["text"].get(c, None)) else first["text"].get(c)
                  for c in ids]
    return df[cols]


# -- drill-down -------------------------------------------------------------------------------------------------


def mask_recipient(r: pd.Series) -> pd.Series:
    """+393201234567 -> +39320*****567: enough to recognise, not enough to reuse."""
    s = r.astype("string")
    n = s.str.len()
    return (s.str[:6] + pd.Series(["*" * max(int(k) - 9, 0) if pd.notna(k) else "" for k in n], index=s.index)
            + s.str[-3:]).where(n > 9, s)


@dataclass(frozen=True)
class MessagePage:
    rows: pd.DataFrame  # sent_at_rome, message_id, list_id, campaign_id, country, parts, credits, eur, recipient, text
    total_rows: int
    total_credits: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_rows // self.page_size))


@within_range
def messages_page(store: CreditStore, f: ReportFilter, *, page: int = 1, page_size: int = 100,
                  sort: str = "sent_at", descending: bool = False, search: str | None = None) -> MessagePage:
    """One page of the messages matching ``f`` (usually one list, or a campaign, or a country) and the search
    (``search_where``), with what each message cost (``eur``; empty when its credits came from lots with no price).
    """

    if sort not in SORTABLE:
        raise CreditsError(f"cannot sort messages by {sort!r}; use one of {', '.join(SORTABLE)}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise CreditsError(f"page_size {page_size} must be between 1 and {MAX_PAGE_SIZE}")
    if page < 1:
        raise CreditsError(f"page {page} must be >= 1")
    f = searching(f, search)
    where, params = message_where(store, f)
    with store.reading():
        if f.search:
            total, credits = select(store, f"SELECT count(*), coalesce(sum(credits), 0)::BIGINT FROM messages "
                                           f"WHERE {where}", params).fetchall()[0]
        else:  # without a search the daily rollup has the totals: no scan of the messages
            u_where, u_params = usage_where(store, f)
            total, credits = select(store, f"SELECT coalesce(sum(messages), 0)::BIGINT, coalesce(sum(credits), 0)"
                                           f"::BIGINT FROM {usage_source(store, f)} WHERE {u_where}", u_params
                                    ).fetchall()[0]
        direction = "DESC" if descending else "ASC"
        offset = (page - 1) * page_size
        cols = ("epoch_us(sent_at) AS t_us, seq, message_id, list_no, campaign_id, country, parts, credits, "
                "recipient, text")
        if sort == "sent_at":
            # keyset: past page 1, find the page's first key on the two narrow key columns, then read only that
            # page's rows from it (page 1 reads its rows at once)
            after = ""
            if offset:
                first = select(store, f"SELECT sent_at, seq FROM messages WHERE {where} ORDER BY sent_at "
                                    f"{direction}, seq {direction} LIMIT 1 OFFSET ?", params + [offset]).fetchall()
                after = f" AND (sent_at, seq) {'<=' if descending else '>='} (?, ?)" if first else " AND false"
                params = params + list(first[0] if first else ())
            df = select(store, f"SELECT {cols} FROM messages WHERE {where}{after} ORDER BY sent_at {direction}, "
                               f"seq {direction} LIMIT ?", params + [page_size]).df()
        else:
            df = select(store,
                f"SELECT {cols} FROM messages WHERE {where} ORDER BY {SORTABLE[sort]} {direction} NULLS LAST, "
                f"sent_at, seq LIMIT ? OFFSET ?", params + [page_size, offset]).df()
        rows = _message_frame(store, df, costs=True)
    return MessagePage(rows, int(total), int(credits), page, page_size)


def iter_messages(store: CreditStore, f: ReportFilter, chunk: int = 20_000, search: str | None = None):
    """All messages matching ``f`` in time order, in chunks of about ``chunk`` rows (for exports).

    Chunks are windows of whole Rome days sized from the daily rollup: each is one range scan on sent_at (zone maps
    skip the rest of the table) and one small sort, so an export is linear in its rows, never a sort of the whole
    table or a deep OFFSET."""
    f = searching(f, search)
    table = usage_source(store, f)
    where, params = usage_where(store, f)
    days = select(store, f"SELECT day, sum(messages)::BIGINT AS n FROM {table} WHERE {where} GROUP BY day ORDER BY day",
                       params).fetchall()
    windows: list[tuple[date, date]] = []
    start, size = None, 0
    for day, n in days:
        if start is None:
            start = day
        size += n
        if size >= chunk:
            windows.append((start, day))
            start, size = None, 0
    if start is not None:
        windows.append((start, days[-1][0]))
    names = _names(store)
    for lo, hi in windows:
        w = replace(f, date_from=lo, date_to=hi)
        where_m, params_m = message_where(store, w)
        df = select(store,
            f"SELECT epoch_us(sent_at) AS t_us, seq, message_id, list_no, campaign_id, country, parts, credits, "
            f"recipient, text FROM messages WHERE {where_m} ORDER BY sent_at, seq", params_m).df()
        if len(df):
            yield _message_frame(store, df, names, costs=True)


def searching(f: ReportFilter, search: str | None) -> ReportFilter:
    """``f`` narrowed by a search given apart (the drill-down's own box): the filter's own search, else this one."""
    return replace(f, search=search) if search and search.strip() and not f.search else f


@within_range
@one_turn
def count_messages(store: CreditStore, f: ReportFilter, search: str | None = None) -> int:
    where, params = message_where(store, searching(f, search))
    return int(select(store, f"SELECT count(*) FROM messages WHERE {where}", params).fetchall()[0][0])


_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per store: (names fingerprint, _names)


def _names(store: CreditStore) -> tuple[np.ndarray, dict[str, str], dict[str, str], frozenset[str]]:
    """What message rows show instead of ids: list names by list number, campaign names, country names, and the
    campaigns whose credits are estimated (texts with merge tags). Kept per store until a list or campaign name
    changes (``Basis.names``): a page of messages does not read them again."""
    from credits_core.ledger import country_names

    fingerprint = store.basis().names
    held = _NAMES.get(store)
    if held is None or held[0] != fingerprint:
        lists = np.array([store.list_name(x) for x in store.list_ids], dtype=object)
        named = campaign_names(store).dropna(subset=["name"])
        campaigns = dict(zip(named["campaign_id"].tolist(), named["name"].tolist()))  # tolist: no Arrow scalars
        info = store.campaign_info()
        estimated = frozenset(info.loc[info["estimated"].astype(bool), "campaign_id"].tolist())
        held = _NAMES[store] = (fingerprint, (lists, campaigns, country_names(), estimated))
    return held[1]


def _named(ids: pd.Series, names: dict[str, str]) -> pd.Series:
    """Each id's name, the id itself where it has none (missing stays missing)."""
    values = ids.astype(object)
    named = values.map(names).astype(object)
    return pd.Series(np.where(named.notna(), named, values), index=ids.index, dtype=object)


def _message_frame(store: CreditStore, df: pd.DataFrame, names: tuple | None = None, costs: bool = False
                   ) -> pd.DataFrame:
    """Message rows as shown and exported: Rome local time, names where names exist (the list's name, the
    campaign's name, the country's name; the id where there is none), masked recipients, and "estimated" where the
    text had merge tags (its credits are the worst case known). ``names``: ``_names``,
    computed once by a caller that makes many frames (an export). ``costs``: each message's cost in euros after
    its credits (``valuation.message_costs``; empty when none of its credits had a price); ``df`` then has seq."""
    lists, campaigns, countries, estimated = names or _names(store)
    out = pd.DataFrame({
        "sent_at_rome": pd.to_datetime(df["t_us"], unit="us", utc=True).dt.tz_convert(ROME).dt.tz_localize(None),
        "message_id": df["message_id"],
        "list_id": lists[df["list_no"].to_numpy(np.int64)],
        "campaign_id": _named(df["campaign_id"], campaigns),
        "country": _named(df["country"], countries),
        "parts": df["parts"].astype("Int64"),
        "credits": df["credits"].astype("int64"),
        "recipient": mask_recipient(df["recipient"]),
        "text": df["text"],
        "estimated": np.where(df["campaign_id"].isin(estimated).to_numpy(bool), "estimated", None)
        if estimated else None,  # credits priced for the longest value of its merge tags
    })
    if costs:
        eur, _ = message_costs(store, df["t_us"], df["seq"], df["credits"])
        out.insert(out.columns.get_loc("credits") + 1, "eur",
                   pd.Series(eur, index=out.index).where(~np.isnan(eur), None).astype("Float64"))
    return out


# -- ledger history ---------------------------------------------------------------------------------------------


# Long: one SQL statement over the events and the stored checkpoints, and the columns the History page and the workbook
# show.
@one_turn
def history(store: CreditStore, date_from: date | None = None, date_to: date | None = None,
            kinds: tuple[str, ...] = ()) -> pd.DataFrame:
    """The audit trail: every purchase, assignment change, expiry extension and expiry deduction, in time order,
    with the balances right after it; expiries due by now are included even when nothing was recorded since.

    Columns: at_rome, kind, lot_id, list_id, credits (the change: + in, - out; for an extension and a lot that
    expired, the credits concerned, which the balance columns do not move), detail, pool_after, assigned_after,
    total_after (empty for an import's own entry), author (who recorded it; expiries are automatic).
    """
    controls = {c.seq: c for c in store.controls}
    recorded = store.checkpoints
    keys = {c.key for c in recorded}
    # expiries due by now after the last recorded event happened too (R8 at the wall clock): they belong here
    pending = [c for c in store.expiry_checkpoints(now_us()) if c.key not in keys]
    rows = []
    for ck in recorded + pending:
        s = ck.state
        after = (s.pool, sum(s.assigned.values()), s.total)
        if ck.kind == "expiry":
            for holder, credits in ck.detail["holders"]:
                rows.append((ck.key[0], "expiry", None, None if holder is POOL else holder, -credits,
                             said("expired from the unassigned pool") if holder is POOL else
                             said("expired from the list's assigned credits (its share, in proportion to what the "
                                  "limited lists held)"), *after, AUTOMATIC))
            for lot_id, credits in ck.detail["lots"].items():
                rows.append((ck.key[0], "lot expired", lot_id, None, credits,
                             said("{credits} credits of this lot expired (counted in the expiry rows above)",
                                  credits=int(credits)), *after, AUTOMATIC))
            continue
        c = controls[ck.seq]
        by = c.author or UNKNOWN
        if c.kind == "purchase":
            lot = s.lots[c.lot_id]
            if c.expiring:
                what = (said("expiring, expires on {day}, price {price}", day=lot.expires_on,
                             price=Decimal(str(c.price)))
                        if c.price is not None else said("expiring, expires on {day}", day=lot.expires_on))
            else:
                what = (said("non-expiring, price {price}", price=Decimal(str(c.price))) if c.price is not None
                        else said("non-expiring"))
            rows.append((c.at_us, "purchase", c.lot_id, None, c.credits, what, *after, by))
            for lot_id, old, new, remaining in ck.detail.get("extended", []):
                rows.append((c.at_us, "extension", lot_id, None, remaining,
                             said("{credits} credits now expire on {new} instead of {old}: the purchase moved them "
                                  "(no change to the balance)", credits=int(remaining), new=date.fromisoformat(new),
                                  old=date.fromisoformat(old)), *after, by))
        elif c.kind == "assign":
            rows.append((c.at_us, "assignment", None, c.list_id, c.credits,
                         said("assigned to the list (spending limit)") if c.credits >= 0 else
                         said("given back to the pool"),
                         *after, by))
        else:
            rows.append((c.at_us, "free access", None, c.list_id, ck.detail.get("returned", 0),
                         said("list back to free access; its credits returned to the pool"), *after, by))
    for r in store.audit_trail().itertuples():  # imports: one entry each, with the file and what it wrote
        rows.append((int(r.t_us), r.action, None, None, 0, r.detail, None, None, None, r.author or UNKNOWN))
    for r in select(store, "SELECT campaign_id, list_id, epoch_us(scheduled_at), credits, author, "
                         "epoch_us(created_at) FROM campaigns WHERE created_at IS NOT NULL").fetchall():
        cid, lid, when, credits, author, created = r
        rows.append((int(created), "campaign scheduled", None, lid, 0,
                     said("campaign {campaign} for {when}, {credits} credits reserved", campaign=cid,
                          when=fmt_local(when), credits=int(credits)), None, None, None,
                     author or UNKNOWN))
    rows.sort(key=lambda r: r[0])
    df = pd.DataFrame(rows, columns=["t_us", "kind", "lot_id", "list_id", "credits", "detail", "pool_after",
                                     "assigned_after", "total_after", "author"])
    for i, col in ((5, "detail"), (9, "author")):  # sentences (``Said``) kept as they are: object, not pandas' str
        df[col] = pd.Series([r[i] for r in rows], index=df.index, dtype=object)
    df.insert(0, "at_rome", pd.to_datetime(df.pop("t_us"), unit="us", utc=True).dt.tz_convert(ROME).dt.tz_localize(
        None))
    if date_from:
        df = df[df["at_rome"] >= pd.Timestamp(date_from)]
    if date_to:
        df = df[df["at_rome"] < pd.Timestamp(date_to + timedelta(days=1))]
    if kinds:
        df = df[df["kind"].isin(kinds)]
    df["credits"] = df["credits"].astype("int64")
    for c in ("pool_after", "assigned_after", "total_after"):
        df[c] = df[c].astype("Int64")
    return df.reset_index(drop=True)


@one_turn
def upcoming_expiries(store: CreditStore, horizon_days: int | None = None) -> pd.DataFrame:
    """Expiries after now if nothing more is spent, every one of them (or those within ``horizon_days``):
    expires_at_rome, holder, credits."""
    now = now_us()
    until = 2**62 if horizon_days is None else now + horizon_days * 86_400_000_000
    cks = [c for c in store.expiry_checkpoints(until) if c.key[0] > now]
    rows = [(from_us(c.key[0]), store.holder_name(holder), credits)
            for c in cks for holder, credits in c.detail["holders"]]
    df = pd.DataFrame(rows, columns=["t", "holder", "credits"])
    df.insert(0, "expires_at_rome", pd.to_datetime(df.pop("t"), utc=True).dt.tz_convert(ROME).dt.tz_localize(None))
    df["credits"] = df["credits"].astype("int64")
    return df
