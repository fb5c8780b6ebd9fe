"""Shared page helpers: the store (one per process), caching keyed on the store's revision and the Rome date,
formatting.

The store is shared by every session of this process; it holds the database file only while it works (see
``credits_core.storage.database``), so the CLI, cron jobs and other dashboards use the same file at the same time. A
write by any process recomputes the cached answers it may change (``credits_core.reporting.answers``: last year's
report outlives today's purchase); a new Rome day (``rome_today()``) recomputes every answer.

The helpers live in ``session``, ``text``, ``tables`` and ``vega``; this module hands them on to the pages."""

from app_pages.session import (
    ANSWERS,
    LOCAL_USER,
    LOOPBACK,
    ROOT,
    cached,
    cold_start,
    db_path,
    empty_state,
    gate,
    mailup_settings,
    read_only,
    read_only_env,
    reconciliation_table,
    sidebar_user,
    sign_in,
    sign_out,
    store,
)
from app_pages.tables import (
    DOWNLOAD_STYLE,
    NEEDS,
    STACKED,
    TABLE_STYLE,
    download_link,
    int_columns,
    problem_columns,
    static_table,
    table,
    without_none,
)
from app_pages.text import (
    BLANK,
    LANG_KEY,
    MAX_SHOWN,
    SHAPES,
    W,
    error_words,
    eur,
    fine_eur,
    holders_said,
    keep_language,
    n,
    period_words,
    reader_language,
    safe_label,
    safe_text,
    t,
    tn,
    words,
)
from app_pages.vega import CHART_SAVE, LEGEND_BELOW, colour_scale, draw_chart, list_colours

__all__ = [
    "ANSWERS", "BLANK", "CHART_SAVE", "DOWNLOAD_STYLE", "LEGEND_BELOW", "LOCAL_USER", "LOOPBACK", "MAX_SHOWN",
    "LANG_KEY", "NEEDS", "W", "problem_columns", "reader_language", "t", "tn", "holders_said",
    "keep_language", "error_words", "ROOT", "SHAPES", "STACKED", "TABLE_STYLE", "cached", "cold_start", "colour_scale",
    "db_path", "download_link", "draw_chart", "empty_state", "eur", "fine_eur", "gate", "int_columns", "list_colours",
    "mailup_settings", "n", "period_words", "read_only", "read_only_env", "reconciliation_table", "safe_label",
    "safe_text", "sidebar_user", "sign_in", "sign_out", "static_table", "store", "table", "without_none", "words",
]
