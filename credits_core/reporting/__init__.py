"""What was spent, when, by whom, and what it cost: the questions analysts ask of the ledger.

``filters``: what a report covers (``ReportFilter``: dates, lists, countries, campaign, search) and the SQL that
selects it; ``periods``: calendar presets and what a range compares with; ``reports``: usage per period and list,
per country or campaign, the drill-down's pages of messages, the history; ``valuation``: what spend cost in euros,
at the price of the lot each credit came from; ``overview``: the Overview's and Assign page's figures;
``usage_view`` and ``history_view``: the pages' views as links; ``answers``: the dashboard's answer cache;
``palette`` and ``glossary``: one colour per list, the words the pages use. Built on the store; planning and
exports build on this."""

from credits_core.reporting.answers import AnswerCache
from credits_core.reporting.filters import (
    MAX_SEARCH,
    PERIODS,
    ReportFilter,
    message_where,
    range_horizon,
    recipient_pattern,
    select,
)
from credits_core.reporting.glossary import as_markdown_table
from credits_core.reporting.headline import Headline, headline
from credits_core.reporting.history_view import HistoryView, parse_history_view
from credits_core.reporting.overview import account_state, balance_timeline, list_overview, spend_windows
from credits_core.reporting.palette import POOL_COLOUR, WAY_COLOURS, list_colour
from credits_core.reporting.periods import (
    PRESETS,
    comparison_words,
    comparisons,
    coverage,
    describe,
    month_end,
    period_end,
    preset_of,
    preset_range,
)
from credits_core.reporting.reports import (
    campaigns_in_view,
    comparison_ranges,
    count_messages,
    countries,
    data_span,
    estimated_credits,
    history,
    iter_messages,
    mask_recipient,
    messages_page,
    period_totals,
    searching,
    upcoming_expiries,
    usage,
    usage_by,
    usage_by_list,
    usage_matrix,
)
from credits_core.reporting.usage_view import (
    DRILLS,
    MAX_PERIODS,
    PAGE_SIZES,
    PERIOD_WORDS,
    SORTS,
    TABS,
    UsageView,
    fitting_period,
    parse_view,
    periods_in,
    resolve_pick,
)
from credits_core.reporting.valuation import (
    CENT,
    lot_prices,
    message_costs,
    message_pieces,
    spend_by_lot,
    value_of,
    value_spend,
)

__all__ = [
    "AnswerCache", "CENT", "DRILLS", "Headline", "HistoryView", "MAX_PERIODS", "MAX_SEARCH", "PAGE_SIZES",
    "PERIOD_WORDS", "PERIODS", "POOL_COLOUR", "PRESETS", "ReportFilter", "SORTS", "TABS", "UsageView", "WAY_COLOURS",
    "account_state", "as_markdown_table", "balance_timeline", "campaigns_in_view", "comparison_ranges",
    "comparison_words", "comparisons", "count_messages", "countries", "coverage", "data_span", "describe",
    "estimated_credits", "fitting_period", "headline", "history", "iter_messages", "list_colour", "list_overview",
    "lot_prices", "mask_recipient", "message_costs", "message_pieces", "message_where", "messages_page", "month_end",
    "parse_history_view", "parse_view", "period_end", "period_totals", "periods_in", "preset_of", "preset_range",
    "range_horizon", "recipient_pattern", "resolve_pick", "searching", "select", "spend_by_lot", "spend_windows",
    "upcoming_expiries", "usage", "usage_by", "usage_by_list", "usage_matrix", "value_of", "value_spend",
]
