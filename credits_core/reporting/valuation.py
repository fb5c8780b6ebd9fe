"""What spend cost in euros: every credit spent is valued at the price per credit of the lot it came from.

The engine knows which lot every credit came from: spends take lots in the R5 order (R7), and each replay records a
``ledger.Cut`` wherever the lot at the head of that order changes (a lot runs out, a purchase or an expiry reorders
the lots). Between two cuts every credit spent comes from one lot. So:

- a Rome day with no cut in it took all its credits from one lot: it is valued straight from the daily rollup;
- the few days with a cut are valued message by message (an ASOF join of the messages on their key (sent_at, seq)
  to the cuts), and a message that straddles a cut is split at the cut's offset.

A lot's price per credit is its ``price`` divided by its ``credits``; a lot bought without a price is not free: its
credits are counted apart (``unpriced_credits``) and never valued at 0.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd

from credits_core.ledger import CreditsError, Cut, local_date, local_midnight_us
from credits_core.reporting.filters import ReportFilter, message_where, select, usage_source, usage_where, within_range
from credits_core.store import ROME_DAY, CreditStore

DIMENSIONS = ("period", "list_id", "country", "campaign_id")
CENT = Decimal("0.01")
ALL = ReportFilter()  # every message, grouped by month


def _group_sql(by: Sequence[str], period: str) -> list[tuple[str, str]]:
    """(SQL expression, column) for each dimension of ``by`` over the rollup or the messages."""
    out = []
    for d in by:
        if d not in DIMENSIONS:
            raise CreditsError(f"cannot value spend by {d!r}; use any of {', '.join(DIMENSIONS)}")
        out.append((f"date_trunc('{period}', day)::DATE", "period") if d == "period" else
                   ("list_no", "list_no") if d == "list_id" else (d, d))
    return out


def _cut_keys(cuts: Sequence[Cut]) -> pd.DataFrame:
    """Cuts as one sortable number per key: a cut at offset 0 applies to the message at its key, a cut inside a
    message (offset > 0) only to what follows it (the message itself is split apart)."""
    rows: dict[int, str] = {}
    for c in cuts:  # in key order: the last cut of a key is the one in force after it
        rows[(c.key[0] << 63) + (c.key[1] << 1) + (1 if c.offset else 0)] = c.lot_id
    return pd.DataFrame({"k": [str(k) for k in rows], "lot_id": list(rows.values())})


def spend_by_lot(store: CreditStore, f: ReportFilter = ALL, by: Sequence[str] = ("list_id",)
                 ) -> pd.DataFrame:
    """Credits spent under filter ``f``, grouped by ``by`` (any of period, list_id, country, campaign_id) and by the
    lot they came from. Columns: ``by`` + lot_id, credits."""
    by = list(by)
    groups = _group_sql(by, f.period)
    snap = store.report_facts()
    cuts = snap.cuts
    cols = by + ["lot_id", "credits"]
    if snap.first_day is None or not cuts:
        return pd.DataFrame(columns=cols)
    lo = max(f.date_from or snap.first_day, snap.first_day)
    hi = min(f.date_to or snap.last_day, snap.last_day)
    if lo > hi:
        return pd.DataFrame(columns=cols)
    dirty = sorted({d for c in cuts if lo <= (d := local_date(c.key[0])) <= hi})
    starts = [c.key[0] for c in cuts]
    clean_days, clean_lots = [], []
    day = lo
    dirty_set = set(dirty)
    while day <= hi:
        if day not in dirty_set:
            i = bisect.bisect_left(starts, local_midnight_us(day))  # the cut in force when the day begins
            if i:
                clean_days.append(day)
                clean_lots.append(cuts[i - 1].lot_id)
        day += timedelta(days=1)
    names = [name for _, name in groups]
    dims = [f"{expr} AS {name}" for expr, name in groups]
    columns = ", ".join(dims + ["lot_id"])
    frames = []
    with store.reading():
        if clean_days:
            where, params = usage_where(store, f)
            frames.append(select(store,
                f"SELECT {columns}, sum(credits)::BIGINT AS credits FROM {usage_source(store, f)} "
                f"JOIN _v_day_lot USING (day) WHERE {where} GROUP BY ALL", params,
                tables={"_v_day_lot": pd.DataFrame({"day": clean_days, "lot_id": clean_lots})}).df())
        if dirty:
            frames += _dirty_days(store, f, dirty, dims, names, cuts)
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    out = out.groupby(names + ["lot_id"], as_index=False, dropna=False, sort=True)["credits"].sum()
    out = out[out["credits"] != 0]
    if "list_no" in out:
        out.insert(0, "list_id", np.array(snap.list_ids, dtype=object)[out.pop("list_no").to_numpy(np.int64)])
    if "period" in out:
        out["period"] = pd.to_datetime(out["period"])
    out["credits"] = out["credits"].astype("int64")
    return out[cols].reset_index(drop=True)


def _dirty_days(store: CreditStore, f: ReportFilter, dirty: list[date], dims: list[str], names: list[str],
                cuts: Sequence[Cut]) -> list[pd.DataFrame]:
    """Days with a cut: each message valued at the lot in force at its key; messages that straddle a cut split."""
    where, params = message_where(store, ReportFilter(lists=f.lists, countries=f.countries, campaign=f.campaign,
                                                      search=f.search))
    spans = " OR ".join("(sent_at >= make_timestamp(?) AND sent_at < make_timestamp(?))" for _ in dirty)
    for d in dirty:
        params += [local_midnight_us(d), local_midnight_us(d + timedelta(days=1))]
    inner = (f"SELECT (epoch_us(sent_at)::HUGEINT << 63) + (seq::HUGEINT << 1) AS k, seq, epoch_us(sent_at) AS t_us, "
             f"{ROME_DAY} AS day, list_no, country, campaign_id, credits FROM messages WHERE {where} AND ({spans})")
    keyed = _cut_keys(cuts)
    out = [select(store,
        f"SELECT {', '.join(dims + ['lot_id'])}, sum(m.credits)::BIGINT AS credits FROM ({inner}) m "
        f"ASOF JOIN (SELECT k::HUGEINT AS k, lot_id FROM _v_cuts) c ON m.k >= c.k GROUP BY ALL", params,
        tables={"_v_cuts": keyed}).df()]
    inside = [c for c in cuts if c.offset > 0]
    if inside:  # split the messages a cut falls inside: the ASOF join gave them whole to the lot before the cut
        seqs = sorted({c.key[1] for c in inside})
        rows = select(store, f"SELECT {', '.join(dims + ['seq', 't_us', 'credits'])} FROM ({inner}) m "
                           f"WHERE seq IN ({', '.join('?' * len(seqs))})", params + seqs).df()
        fixes = []
        for r in rows.itertuples(index=False):
            dims = [getattr(r, c) for c in names]
            pieces = message_pieces(cuts, int(r.t_us), int(r.seq), int(r.credits))
            fixes.append(dims + [pieces[0][0], pieces[0][1] - int(r.credits)])
            fixes += [dims + [lot, credits] for lot, credits in pieces[1:]]
        if fixes:
            out.append(pd.DataFrame(fixes, columns=names + ["lot_id", "credits"]))
    return out


def message_pieces(cuts: Sequence[Cut], t_us: int, seq: int, credits: int) -> list[tuple[str | None, int]]:
    """The lots one message's credits came from, in order: [(lot_id, credits), ...] (None: spent before any lot,
    which the ledger never allows)."""
    i = bisect.bisect_right(cuts, ((t_us, seq), 0), key=lambda c: (c.key, c.offset))
    lot = cuts[i - 1].lot_id if i else None
    out, at = [], 0
    while i < len(cuts) and cuts[i].key == (t_us, seq) and cuts[i].offset < credits:
        if cuts[i].offset > at:
            out.append((lot, cuts[i].offset - at))
            at = cuts[i].offset
        lot = cuts[i].lot_id
        i += 1
    out.append((lot, credits - at))
    return out


def lot_prices(store: CreditStore) -> dict[str, tuple[Decimal | None, int]]:
    """Per lot: (price in EUR or None when it was bought without one, credits)."""
    return dict(store.report_facts().lot_prices)


def value_of(pieces: Iterable[tuple[str | None, int]], prices: dict[str, tuple[Decimal | None, int]]
             ) -> tuple[Decimal | None, int]:
    """Credits taken from lots, [(lot_id, credits), ...], valued at each lot's price per credit (price / credits,
    exact): (the value of the priced credits, None when none is priced; how many credits come from lots with no
    price)."""
    value, unpriced, priced = Decimal(0), 0, False
    with localcontext() as ctx:
        ctx.prec = 40
        for lot, n in pieces:
            price, lot_credits = prices.get(lot, (None, 1)) if lot is not None else (None, 1)
            if price is None:
                unpriced += n
            else:
                value += price * n / lot_credits
                priced = True
    return (value if priced else None), unpriced


def value_rows(store: CreditStore, by_lot: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Group ``spend_by_lot`` rows by ``by`` and value them: credits, eur (the priced credits at their lots' price
    per credit, to the cent), unpriced_credits (from lots with no price)."""
    by = list(by)
    cols = by + ["credits", "eur", "unpriced_credits"]
    if by_lot.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("credits", "unpriced_credits") else
                                          "float64" if c == "eur" else object) for c in cols})
    prices = lot_prices(store)
    valued = [value_of([(lot_id, int(credits))], prices) for lot_id, credits in zip(by_lot["lot_id"],
                                                                                  by_lot["credits"])]
    df = by_lot.assign(eur=[v or Decimal(0) for v, _ in valued], unpriced_credits=[n for _, n in valued])
    if by:
        g = df.groupby(by, as_index=False, dropna=False, sort=True)
        out = g.agg(credits=("credits", "sum"), eur=("eur", lambda s: sum(s, Decimal(0))),
                    unpriced_credits=("unpriced_credits", "sum"))
    else:
        out = pd.DataFrame({"credits": [int(df["credits"].sum())], "eur": [sum(df["eur"], Decimal(0))],
                            "unpriced_credits": [int(df["unpriced_credits"].sum())]})
    out["eur"] = [float(v.quantize(CENT)) for v in out["eur"]]
    out["credits"] = out["credits"].astype("int64")
    out["unpriced_credits"] = out["unpriced_credits"].astype("int64")
    return out[cols]


@within_range
def value_spend(store: CreditStore, f: ReportFilter = ALL, by: Sequence[str] = ("list_id",)
                ) -> pd.DataFrame:
    """Spend under ``f`` valued in euros, grouped by ``by`` (any of period, list_id, country, campaign_id; empty:
    one total row). Columns: ``by`` + credits, eur, unpriced_credits."""
    return value_rows(store, spend_by_lot(store, f, by), by)


def message_costs(store: CreditStore, t_us: Sequence[int], seq: Sequence[int], credits: Sequence[int]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per message, vectorised (an export's millions of rows): (euros to the cent as floats, NaN when all its
    credits came from lots with no price; credits from lots with no price). A message at the instant of no cut draws
    from one lot, the head after the last cut before it: its cost is price x credits / lot credits, rounded half to
    even like ``value_of``. The rare message at a cut's instant, or of a lot whose price has fractions of a cent, is
    valued piece by piece with ``message_pieces``."""
    t = np.asarray(t_us, np.int64)
    s = np.asarray(seq, np.int64)
    c = np.asarray(credits, np.int64)
    eur, unpriced = np.full(len(t), np.nan), np.zeros(len(t), np.int64)
    if not len(t):
        return eur, unpriced
    cuts = store.report_facts().cuts
    prices = lot_prices(store)
    cut_t = np.fromiter((k.key[0] for k in cuts), np.int64, len(cuts))
    lots = sorted({k.lot_id for k in cuts})
    lot_no = {lot: i for i, lot in enumerate(lots)}
    cents = np.full(len(lots) + 1, -1, np.int64)  # per lot: price in cents (-1: no price); the last: no lot
    lot_credits = np.ones(len(lots) + 1, np.int64)
    exact = np.ones(len(lots) + 1, bool)
    for lot, i in lot_no.items():
        price, n = prices.get(lot, (None, 1))
        lot_credits[i] = max(int(n), 1)
        if price is not None:
            p = price * 100
            exact[i] = p == p.to_integral_value()
            cents[i] = int(p) if exact[i] else 0
    head = np.fromiter((lot_no[k.lot_id] for k in cuts), np.int64, len(cuts))
    lo = np.searchsorted(cut_t, t, "left")
    at_cut = lo != np.searchsorted(cut_t, t, "right")
    lot = np.where(lo > 0, head[np.maximum(lo - 1, 0)] if len(cuts) else -1, len(lots))
    fast = ~at_cut & exact[lot] & (c < 2**62 // max(int(cents.max()), 1))
    priced = fast & (cents[lot] >= 0)
    num = cents[lot[priced]] * c[priced]
    q, r = np.divmod(num, lot_credits[lot[priced]])
    twice = 2 * r
    up = (twice > lot_credits[lot[priced]]) | ((twice == lot_credits[lot[priced]]) & (q % 2 == 1))
    eur[priced] = (q + up) / 100
    unpriced[fast & ~priced] = c[fast & ~priced]
    for i in np.nonzero(~fast)[0]:
        value, none = value_of(message_pieces(cuts, int(t[i]), int(s[i]), int(c[i])), prices)
        eur[i] = np.nan if value is None else float(value.quantize(CENT))
        unpriced[i] = none
    return eur, unpriced
