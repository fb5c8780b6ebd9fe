"""The usage report's view as a link: every choice on the page (range preset or dates, grouping, lists, countries,
tab, drill-down dimension and pick, clicked period, search, sort, page size, page) read from a link, checked, and
written back with only the parameters that apply and differ from the defaults.

A link never fails: a value the page cannot use falls back to its default with a short notice saying which.
Pure functions, no Streamlit: the page reads ``parse_view(st.query_params)`` and writes ``view.to_params()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from credits_core.language import said
from credits_core.reporting.periods import N_, PRESETS, preset_of, preset_range

PERIODS = ("day", "week", "month", "quarter", "year")
PERIOD_WORDS = {"day": said("day"), "week": said("week"), "month": said("month"), "quarter": said("quarter"),
                "year": said("year")}  # a period's name as the pages say it
LINK_DATES = {"from": said("first day (from)"), "to": said("last day (to)"),
              "dp": said("clicked period (dp)")}  # the link's dates, named for a notice
PERIOD_PLURALS = {"day": said("days"), "week": said("weeks"), "month": said("months"), "quarter": said("quarters"),
                  "year": said("years")}
TABS = {"lists": N_("Per list"), "periods": N_("Periods × lists"), "messages": N_("Messages (drill-down)")}
DRILLS = ("list", "campaign", "country")
SORTS = ("sent_at", "credits", "parts", "country", "campaign_id", "message_id")
PAGE_SIZES = (50, 100, 500, 1000)
DEFAULT_PRESET = "last_12_months"
MAX_PERIODS = 400  # bars a chart can show side by side (a year of days fits; a longer range is grouped coarser)


def periods_in(lo: date, hi: date, period: str) -> int:
    """How many periods of ``period`` the range covers (partly or wholly)."""
    days = (hi - lo).days + 1
    return {"day": days, "week": (hi - lo).days // 7 + 2, "month": (hi.year - lo.year) * 12 + hi.month - lo.month + 1,
            "quarter": (hi.year - lo.year) * 4 + (hi.month - 1) // 3 - (lo.month - 1) // 3 + 1,
            "year": hi.year - lo.year + 1}[period]


def fitting_period(lo: date, hi: date, period: str) -> str:
    """``period``, or the finest coarser one whose periods a chart can show (at most ``MAX_PERIODS``)."""
    for p in PERIODS[PERIODS.index(period):]:
        if periods_in(lo, hi, p) <= MAX_PERIODS:
            return p
    return "year"


@dataclass(frozen=True)
class UsageView:
    """Everything the usage page shows, as values (dates are Rome calendar dates, both ends included)."""

    date_from: date
    date_to: date
    preset: str = DEFAULT_PRESET  # "custom" when the dates are not a preset's
    period: str = "month"
    lists: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    tab: str = "lists"
    drill: str = "list"
    pick: str | None = None  # a list id, campaign id (or name) or country; None: the top one of the view
    drill_period: date | None = None  # first day of a clicked period: the drill-down covers it only
    search: str = ""
    sort: str = "sent_at"
    descending: bool = False
    page_size: int = 100
    page: int = 1
    notices: tuple[str, ...] = field(default=(), compare=False)

    def with_preset(self, preset: str, today: date) -> UsageView:
        """The view for another preset (custom keeps the dates); the drill-down goes back to its first page."""
        if preset == "custom":
            return replace(self, preset="custom", drill_period=None, page=1)
        lo, hi = preset_range(preset, today)
        return replace(self, preset=preset, date_from=lo, date_to=hi, drill_period=None, page=1)

    def with_dates(self, lo: date, hi: date, today: date) -> UsageView:
        return replace(self, date_from=lo, date_to=hi, preset=preset_of(lo, hi, today), drill_period=None, page=1)

    def drill_into(self, list_id: str, period_start: date | None) -> UsageView:
        """A click on a bar: the messages of that list in that period (page 1)."""
        return replace(self, tab="messages", drill="list", pick=list_id, drill_period=period_start, page=1)

    def drill_range(self, period_end: date | None) -> tuple[date, date]:
        """The dates the drill-down covers: the view's, or the clicked period's part of them."""
        if self.drill_period is None or period_end is None:
            return self.date_from, self.date_to
        return max(self.date_from, self.drill_period), min(self.date_to, period_end)

    def to_params(self) -> dict[str, str | list[str]]:
        """The link of this view: parameters that differ from the defaults and apply to what is shown. Never the
        search: it may be a recipient's number, and a link travels (history, logs, e-mails, the Referer); a link
        that carries one (``q``, as older links did) is read once and the page takes it out of the address."""
        out: dict[str, str | list[str]] = {}
        if self.preset == "custom":
            out["from"], out["to"] = self.date_from.isoformat(), self.date_to.isoformat()
        elif self.preset != DEFAULT_PRESET:
            out["range"] = self.preset
        if self.period != "month":
            out["by"] = self.period
        if self.lists:
            out["list"] = list(self.lists)
        if self.countries:
            out["country"] = list(self.countries)
        if self.tab != "lists":
            out["tab"] = self.tab
        if self.tab == "messages":  # the drill-down's own choices apply only to it
            if self.drill != "list":
                out["drill"] = self.drill
            if self.pick:
                out["pick"] = self.pick
            if self.drill_period:
                out["dp"] = self.drill_period.isoformat()
            if self.sort != "sent_at":
                out["sort"] = self.sort
            if self.descending:
                out["desc"] = "1"
            if self.page_size != 100:
                out["size"] = str(self.page_size)
            if self.page != 1:
                out["page"] = str(self.page)
        return out


# Long: one check per parameter of the link, each with its fallback and notice, in the order of the page's widgets.
def parse_view(params: dict[str, list[str]], today: date, list_ids: list[str], countries: list[str],
               span: tuple[date, date] | None = None) -> UsageView:
    """The view a link asks for (``params``: each key's values, as ``st.query_params.get_all`` gives them); any
    value that cannot be used falls back to its default and adds a notice. ``span``: the first and last days the
    data could show (first message or purchase, today): dates a link asks beyond it are brought back to it, and a
    grouping with more periods than a chart shows becomes the finest that fits, saying so (a link of 3.65 million
    days pinned the server)."""
    notices: list[str] = []

    def one(key: str) -> str | None:
        values = params.get(key) or []
        return values[-1] if values else None

    def choice(key: str, allowed, default, what: str):
        v = one(key)
        if v is None:
            return default
        if v not in allowed:
            notices.append(said("{what} {value} is not one of {allowed}: using {default}", what=what, value=repr(v),
                                 allowed=", ".join(map(str, allowed)), default=str(default)))
            return default
        return v

    def whole(key: str, default: int, lo: int, what: str) -> int:
        v = one(key)
        if v is None:
            return default
        try:
            got = int(v)
            if got < lo:
                raise ValueError
            return got
        except ValueError:
            notices.append(said("{what} {value} is not a whole number from {lo}: using {default}", what=what,
                                value=repr(v), lo=str(lo), default=str(default)))
            return default

    def day(key: str) -> date | None:
        text = one(key)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            notices.append(said("{key} date {value} is not a date (YYYY-MM-DD)", key=LINK_DATES.get(key, key),
                                value=repr(text)))
            return None

    preset = choice("range", [p for p in PRESETS if p != "custom"], DEFAULT_PRESET, said("range"))
    lo, hi = preset_range(preset, today)
    given_lo, given_hi = day("from"), day("to")
    if one("range") is None and (given_lo or given_hi):
        lo, hi = given_lo or lo, given_hi or hi
        if lo > hi:
            notices.append(said("the dates were reversed ({lo} after {hi}): swapped", lo=str(lo), hi=str(hi)))
            lo, hi = hi, lo
        preset = preset_of(lo, hi, today)
    if span is not None and preset == "custom" and (lo < span[0] or hi > span[1]):
        notices.append(said("the dates {lo} to {hi} go beyond the account's data ({first} to {last}): showing what "
                            "lies within it", lo=str(lo), hi=str(hi), first=str(span[0]), last=str(span[1])))
        lo, hi = min(max(lo, span[0]), span[1]), max(min(hi, span[1]), span[0])
        preset = preset_of(lo, hi, today)
    period = choice("by", PERIODS, "month", said("period"))
    fits = fitting_period(lo, hi, period)
    if fits != period:
        notices.append(said("{count} {periods} are more than a chart shows (at most {most}): grouped by {fits}; pick "
                            "a shorter range to see them by {period}", count=periods_in(lo, hi, period),
                            periods=PERIOD_PLURALS[period], most=MAX_PERIODS, fits=PERIOD_WORDS[fits],
                            period=PERIOD_WORDS[period]))
        period = fits
    lists = tuple(x for x in params.get("list", []) if x in list_ids)
    if len(lists) < len(params.get("list", [])):
        notices.append(said("unknown lists in the link were left out: {lists}",
                            lists=", ".join(x for x in params.get("list", []) if x not in list_ids)))
    known = {c.upper() for c in countries}
    picked = tuple(dict.fromkeys(c.upper() for c in params.get("country", [])))
    if any(c not in known for c in picked):
        notices.append(said("unknown countries in the link were left out: {countries}",
                            countries=", ".join(c for c in picked if c not in known)))
    tab = choice("tab", tuple(TABS), "lists", said("tab"))
    drill = choice("drill", DRILLS, "list", said("drill-down dimension"))
    drill_period = day("dp")
    if drill_period and not lo <= drill_period <= hi:
        drill_period = None  # a clicked period outside the dates no longer applies
    size = whole("size", 100, 1, said("page size"))
    if size not in PAGE_SIZES:
        notices.append(said("page size {size} is not one of {allowed}: using 100", size=str(size),
                            allowed=", ".join(map(str, PAGE_SIZES))))
        size = 100
    return UsageView(
        date_from=lo, date_to=hi, preset=preset, period=period, lists=lists,
        countries=tuple(c for c in picked if c in known), tab=tab, drill=drill, pick=one("pick") or None,
        drill_period=drill_period, search=(one("q") or "").strip(), sort=choice("sort", SORTS, "sent_at", "sort"),
        descending=one("desc") in ("1", "true"), page_size=size, page=whole("page", 1, 1, "page"),
        notices=tuple(notices))


def resolve_pick(pick: str | None, values: list[str], names: dict[str, str] | None = None) -> str | None:
    """The value a pick means among ``values`` (best first): the value itself, else the one whose name is ``pick``
    (any case), else the only one whose name contains it; None when nothing matches (the page takes the first)."""
    if not values:
        return None
    if pick is None:
        return None
    if pick in values:
        return pick
    names = names or {}
    low = pick.strip().lower()
    exact = [v for v in values if str(names.get(v, "")).lower() == low or v.lower() == low]
    if exact:
        return exact[0]
    partial = [v for v in values if low and low in str(names.get(v, "")).lower()]
    return partial[0] if len(partial) == 1 else None
