"""The Usage report's state: the view read from the link and written back before each rerun (every widget
follows the link), the answers it asks for, and the words of its counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

from app_pages.common import (
    W,
    cached,
    keep_language,
    store,
    t,
)
from credits_core.exports import searched_words
from credits_core.ledger import rome_today
from credits_core.reporting import (
    MAX_SEARCH,
    TABS,
    ReportFilter,
    comparison_ranges,
    data_span,
    parse_view,
    usage,
    usage_by_list,
    value_spend,
)
from credits_core.reporting import countries as report_countries


def drill_words() -> dict[str, str]:
    return {"list": t("List"), "campaign": t("Campaign"), "country": t("Country")}


def sort_words() -> dict[str, str]:
    return {"sent_at": t("Time sent"), "credits": t("Credits"), "parts": t("Parts"), "country": t("Country"),
            "campaign_id": t("Campaign"), "message_id": t("Message id")}


def current_view():
    """The view of the link, with the search of this session: a search is never in the link (it may be a phone
    number); a link that carries one (``q``, as older links did) gives it to the session once."""
    s = store()
    qp = st.query_params
    view = parse_view({k: qp.get_all(k) for k in qp if k != "lang"}, rome_today(), s.list_ids,
                      cached(report_countries)(),
                      span=cached(data_span)())
    ss = st.session_state
    if view.search:
        ss["u_search"] = view.search
    return replace(view, search=ss.get("u_search", ""))


def write_view(view) -> None:
    st.query_params.from_dict(keep_language(view.to_params()))


def changed(what: str) -> None:
    """A widget changed: the view it makes goes to the URL; anything but the page number goes back to page 1."""
    ss = st.session_state
    view, today = current_view(), rome_today()
    if what == "preset":
        view = view.with_preset(ss["u_preset"] or view.preset, today)
        if view.preset == "custom":  # the date picker stays open for the rest of the session
            ss["u_dates_open"] = True
    elif what == "dates":
        picked = ss["u_dates"]
        if not (isinstance(picked, tuple) and len(picked) == 2):
            return  # one end picked so far: the page waits for the other (and says so)
        view = view.with_dates(picked[0], picked[1], today)
    elif what == "tab":
        view = replace(view, tab=next(k for k, v in TABS.items() if t(v) == ss["u_tab"]))
    else:
        value = {"period": ss.get("u_by"), "lists": tuple(ss.get("u_lists") or ()),
                 "countries": tuple(ss.get("u_countries") or ()), "drill": ss.get("u_drill"),
                 "pick": ss.get("u_pick"), "search": " ".join((ss.get("u_q") or "").split())[:MAX_SEARCH],
                 "sort": ss.get("u_sort"),
                 "descending": bool(ss.get("u_desc")), "page_size": ss.get("u_size"),
                 "page": int(ss.get("u_page") or 1)}[what]
        if what == "drill":
            view = replace(view, pick=None)
        if what == "search":  # kept by the session, never in the link
            ss["u_search"] = value
        view = replace(view, **{what: value})
        if what in ("lists", "countries", "period"):
            view = replace(view, drill_period=None)
    if what != "page":
        view = replace(view, page=1)
    write_view(view)


def clicked(key: str) -> None:
    """A bar was clicked: the drill-down of that list and period."""
    points = (st.session_state.get(key) or {}).get("selection", {}).get("bar") or []
    if points and points[0].get("list_id") and points[0].get("start"):
        point = points[0]
        write_view(current_view().drill_into(str(point["list_id"]), date.fromisoformat(str(point["start"])[:10])))
        st.session_state["u_scroll"] = True  # the next run brings the clicked bar's messages into view


def message_columns() -> dict[str, tuple[str, str]]:
    """The drill-down's columns: label (in the reader's language) and kind (``static_table``)."""
    return {"sent_at_rome": (t("Sent at (Rome)"), "time"), "message_id": (t("Message id"), "text"),
            "list_id": (t("List"), "text"), "campaign_id": (t("Campaign"), "text"),
            "country": (t("Country"), "text"), "parts": (t("Parts"), "int"), "credits": (t("Credits"), "int"),
            "eur": (t("Cost (EUR)"), "eur_fine"), "recipient": (t("Recipient"), "text"), "text": (t("Text"), "long"),
            "estimated": (t("Credits"), "text")}  # shown only when a message's credits are estimated

# a fixed script (no value from data or the URL in it): scroll the tabs, whose open tab holds the messages, to the
# top of the window once they are drawn
SCROLL_TO_MESSAGES = """<script>
setTimeout(() => {
  const tabs = document.querySelector('[data-testid="stTabs"]');
  if (tabs) tabs.scrollIntoView({block: "start"});
}, 400);
</script>"""


def clear_period() -> None:
    write_view(replace(current_view(), drill_period=None, page=1))


def answers(view):
    """The report of the view's range and filters: (its filter, usage, usage_by_list, comparison_ranges, the cost
    per period and list), each a kept answer."""
    f = ReportFilter(view.date_from, view.date_to, view.lists, view.countries, None, view.period, view.search)
    return (f, cached(usage)(f), cached(usage_by_list)(f, view.preset), cached(comparison_ranges)(f, view.preset),
            cached(value_spend)(f, ("period", "list_id")))


def searched(search: str) -> str:
    """A search in words: a number masked as the rows show recipients, anything else quoted."""
    said = searched_words(search, W())
    return said if said != search else f"“{search}”"


def show(key: str, value) -> None:
    """Set a widget to the view's value before it is drawn (the URL is the truth; widgets follow it)."""
    if st.session_state.get(key) != value:
        st.session_state[key] = value
