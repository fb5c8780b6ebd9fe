"""The History page's view as a link: the event kinds, the lists and the Rome dates it shows, read from a link,
checked, and written back with only what applies. A value the page cannot use is left out with a notice saying
which (never dropped in silence), and the link is written back without it. Pure functions, no Streamlit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from credits_core.language import said

MAX_VALUES = 100  # values of one parameter a link may carry (kinds and lists are a few dozen at most)


@dataclass(frozen=True)
class HistoryView:
    kinds: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    date_from: date | None = None  # None: from the first event
    date_to: date | None = None  # None: to the last
    notices: tuple[str, ...] = field(default=(), compare=False)

    def to_params(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        if self.kinds:
            out["kind"] = list(self.kinds)
        if self.lists:
            out["list"] = list(self.lists)
        if self.date_from is not None:
            out["from"] = self.date_from.isoformat()
        if self.date_to is not None:
            out["to"] = self.date_to.isoformat()
        return out

    def bounds(self, first: date, last: date) -> tuple[date, date]:
        """The dates shown: the link's, else the events' first and last."""
        return self.date_from or first, self.date_to or last


def parse_history_view(params: dict[str, list[str]], kinds: list[str], list_ids: list[str],
                       span: tuple[date, date] | None = None) -> HistoryView:
    """The view a link asks for (``params``: each key's values). Kinds and lists the account does not have, dates
    that are not dates, reversed dates and dates beyond the events (``span``) come back as notices."""
    notices: list[str] = []

    def many(key: str, allowed: list[str], what: str) -> tuple[str, ...]:
        given = list(dict.fromkeys(params.get(key) or []))[:MAX_VALUES]
        bad = [v for v in given if v not in allowed]
        if bad:
            shown = ", ".join(repr(v[:60]) for v in bad[:10])
            notices.append(said("unknown {what} left out: {values} and {more} more", what=what, values=shown,
                                more=len(bad) - 10) if len(bad) > 10 else
                           said("unknown {what} left out: {values}", what=what, values=shown))
        return tuple(v for v in given if v in allowed)

    def day(key: str) -> date | None:
        values = params.get(key) or []
        if not values:
            return None
        try:
            return date.fromisoformat(values[-1])
        except ValueError:
            notices.append(said("the {key} date {value} is not a date (YYYY-MM-DD): left out",
                                key=said("first day (from)") if key == "from" else said("last day (to)"),
                                value=repr(values[-1][:40])))
            return None

    lo, hi = day("from"), day("to")
    if lo is not None and hi is not None and lo > hi:
        notices.append(said("the dates were reversed ({lo} after {hi}): swapped", lo=str(lo), hi=str(hi)))
        lo, hi = hi, lo
    if span is not None:
        if lo is not None and not span[0] <= lo <= span[1] or hi is not None and not span[0] <= hi <= span[1]:
            notices.append(said("the dates go beyond the events ({first} to {last}): brought back to them",
                                first=str(span[0]), last=str(span[1])))
            lo = None if lo is None else min(max(lo, span[0]), span[1])
            hi = None if hi is None else min(max(hi, span[0]), span[1])
        if lo == span[0]:
            lo = None
        if hi == span[1]:
            hi = None
    return HistoryView(many("kind", kinds, said("event kinds")), many("list", list_ids, said("lists")), lo, hi,
                       tuple(notices))
