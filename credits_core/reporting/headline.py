"""The Usage report's headline as facts: what the page, the workbook's Summary and the CLI say first about a view.

The page used to add up its per-list answer itself; the figures are the engine's, the page only words them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd


@dataclass(frozen=True)
class Headline:
    """A view's headline: credits spent, against the previous period and the same period last year; cost in euros
    (credits from unpriced lots apart); messages and parts; the list that spent the most (None when nothing was)."""

    credits: int
    previous: int
    last_year: int
    eur: Decimal
    unpriced: int
    messages: int
    parts: int
    top_name: str | None = None
    top_credits: int = 0
    top_share: float = 0.0
    top_eur: Decimal | None = None

    @property
    def change(self) -> int:
        return self.credits - self.previous

    @property
    def change_last_year(self) -> int:
        return self.credits - self.last_year


def headline(per_list: pd.DataFrame) -> Headline:
    """The headline of ``usage_by_list``'s answer (its rows sorted by credits, the largest first)."""
    def whole(col: str) -> int:
        return int(per_list[col].sum()) if len(per_list) else 0

    cost = Decimal(str(round(float(per_list["eur"].fillna(0).sum()), 2))) if len(per_list) else Decimal(0)
    out = Headline(whole("credits"), whole("previous_credits"), whole("last_year_credits"), cost,
                   whole("unpriced_credits"), whole("messages"), whole("parts"))
    if out.credits:
        top = per_list.iloc[0]
        out = Headline(**{**out.__dict__, "top_name": str(top["name"]), "top_credits": int(top["credits"]),
                          "top_share": float(top["share"]),
                          "top_eur": None if pd.isna(top["eur"]) else Decimal(str(round(float(top["eur"]), 2)))})
    return out
