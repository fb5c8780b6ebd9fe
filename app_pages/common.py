"""Shared page helpers: the store (one per process), caching keyed on the store's revision and the Rome date,
formatting.

The store is shared by every session of this process; it holds the database file only while it works (see
``credits_core.storage.database``), so the CLI, cron jobs and other dashboards use the same file at the same time. A
write by any process recomputes the cached answers it may change (``credits_core.reporting.answers``: last year's
report outlives today's purchase); a new Rome day (``rome_today()``) recomputes every answer.
"""

from __future__ import annotations

import os
import re
import threading
import time
from decimal import Decimal
from html import escape
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from credits_core import CreditsError, CreditStore
from credits_core.ledger import rome_today
from credits_core.reporting import POOL_COLOUR, AnswerCache, list_colour
from credits_core.store import (
    ANALYST,
    MANAGER,
    Access,
    SignOuts,
    WriteGate,
    allowed_hosts,
    cookie_secret_problem,
    host_allowed,
    local_user,
    session_problem,
    user_from_claims,
)

ROOT = Path(__file__).resolve().parents[1]
LOCAL_USER = local_user()  # the author of writes made without sign-in


def db_path() -> str:
    return os.environ.get("CREDITS_DB", str(ROOT / "data" / "demo.duckdb"))


def read_only_env() -> bool:
    return os.environ.get("CREDITS_READ_ONLY", "") not in ("", "0", "false", "no")


def read_only() -> bool:
    """True when the current user may not write (an analyst, or a read-only dashboard): no write control shown."""
    return st.session_state.get("credits_user", (None, ANALYST))[1] != MANAGER


# The store and the cached answers are this module's, not Streamlit's caches: any browser can send "clear caches"
# (even before signing in), which must not reopen the shared store or recompute every answer for everyone.
_STORES: dict[tuple[str, bool], CreditStore] = {}
_STORES_LOCK = threading.Lock()


def _open(path: str, ro: bool) -> CreditStore:
    with _STORES_LOCK:
        s = _STORES.get((path, ro))
        if s is None:  # read-only: a missing file is an error, nothing is created
            s = _STORES[(path, ro)] = CreditStore.open(path, read_only=ro)
        return s


ANSWERS = AnswerCache()


def cold_start() -> None:
    """Close this process's stores and drop every answer, as in a process just started (benchmarks of a first
    render; nothing in the dashboard calls it)."""
    global ANSWERS
    with _STORES_LOCK:
        for s in _STORES.values():
            s.close()
        _STORES.clear()
    ANSWERS = AnswerCache()


LOOPBACK = ("localhost", "127.0.0.1", "::1")  # empty or unset is NOT loopback: Streamlit then binds every interface


def _secrets_table(name: str) -> dict | None:
    try:
        return dict(st.secrets[name]) if name in st.secrets else None
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return None


def sign_in() -> tuple[str | None, str]:
    """Who is using the app and their role; stops the page (showing no figure) when they may not see it.

    With an ``[auth]`` section in the secrets: Streamlit's OIDC sign-in, roles from ``[access]``. Without it: one
    person on their own machine (a manager, unauthenticated), refused when the server listens beyond loopback unless
    ``CREDITS_ALLOW_UNAUTHENTICATED=1`` says so. ``CREDITS_READ_ONLY=1`` makes everyone an analyst."""
    auth = _secrets_table("auth")
    host = st.context.headers.get("host") if st.context.headers else None
    hosts = allowed_hosts(st.get_option("server.allowedHosts"), (auth or {}).get("redirect_uri"))
    if host is not None and not host_allowed(host, hosts):  # DNS rebinding, even without serve.py in front
        st.error("This dashboard does not answer to this host name. Open it by one of: "
                 f"{safe_text(', '.join(hosts))} (server.allowedHosts).")
        st.stop()
    if auth is None:
        address = str(st.get_option("server.address") or "")
        if address not in LOOPBACK and os.environ.get("CREDITS_ALLOW_UNAUTHENTICATED") != "1":
            where = address or "every network interface (server.address is empty or unset)"
            st.error(f"This dashboard listens on {safe_text(where)} without sign-in, so it shows nothing. Configure "
                     "sign-in (an [auth] section and an [access] table in .streamlit/secrets.toml, see the README), "
                     "set server.address to 127.0.0.1 for use on this machine only, or set "
                     "CREDITS_ALLOW_UNAUTHENTICATED=1 if a proxy in front already signs users in (unsafe otherwise).")
            st.stop()
        return LOCAL_USER, ANALYST if read_only_env() else MANAGER
    problem = cookie_secret_problem(auth.get("cookie_secret"))
    if problem:
        st.error(f"Sign-in is configured with a cookie_secret that cannot be used: {problem}. The dashboard refuses "
                 "to start. Generate one with: python -c \"import secrets; print(secrets.token_urlsafe(48))\"")
        st.stop()
    if not st.user.get("is_logged_in", False):
        st.title("📨 SMS credits")
        st.write("Sign in to see the account.")
        st.button("Sign in", on_click=st.login, type="primary")
        st.stop()
    access = _secrets_table("access") or {}
    claims = st.user.to_dict()
    ended = session_problem(claims, time.time(), SignOuts())
    if ended:  # another tab signed out, a copied cookie, or a token past its exp: never the user it names
        st.title("📨 SMS credits")
        st.warning(f"Signed out: {ended}. Sign in again to see the account.")
        st.button("Sign in", on_click=st.login, type="primary")
        st.stop()
    email, role, why = user_from_claims(claims, Access.from_mapping(access),
                                        require_verified=access.get("require_verified_email", True) is not False)
    if role is None:
        st.title("📨 SMS credits")
        st.error(f"{safe_text(email) or 'This account'} has no access to this dashboard"
                 + (f": {safe_text(why, 500)}." if why else ". Ask a manager of the account to add you to the "
                    "[access] table (managers or analysts)."))
        st.button("Sign out", on_click=st.logout)
        st.stop()
    return email, ANALYST if read_only_env() else role


def sidebar_user(user: str | None, role: str) -> None:
    from credits_core.reporting import as_markdown_table

    with st.sidebar:
        with st.expander("Words used here"):
            st.markdown(as_markdown_table())  # our own text, written once (credits_core.reporting.glossary)
        if user == LOCAL_USER:
            st.caption(f"Not signed in (sign-in is not configured): local use, as {role}.")
        else:
            # plain text, never Markdown: the address reads and copies exactly as the provider gave it
            st.text(f"Signed in as {' '.join(str(user).split())[:MAX_SHOWN]} ({role}).")
            st.button("Sign out", on_click=sign_out, args=(user,), key="sign_out")


def sign_out(user: str) -> None:
    """End this sign-in everywhere (every tab, every copy of its cookie: ``access.SignOuts``), remove the user's
    exports from this server, then sign out of the browser."""
    from credits_core.exports import forget_owner

    SignOuts().add(st.user.to_dict(), time.time())
    forget_owner(user)
    st.logout()


def gate() -> WriteGate:
    """The store as the current user may use it: every write goes through here and is checked (``access``)."""
    user, role = st.session_state.get("credits_user", (None, ANALYST))
    return WriteGate(store(), user, role)


def store() -> CreditStore:
    try:
        return _open(db_path(), read_only_env())
    except CreditsError as exc:  # a missing file in read-only mode, a foreign file: say so, show nothing else
        path = db_path()  # users never see the server's folders: the file's name only (the log has the rest)
        words = str(exc)
        for shown in {path, os.path.realpath(path), os.path.abspath(path)}:
            words = words.replace(shown, Path(path).name)
        st.error(f"The database cannot be opened: {safe_text(words, 600)}")
        st.stop()


def cached(fn):
    """Cache a data function ``fn(store, *args)`` for every session of this process
    (``credits_core.reporting.answers``): a write by any process recomputes the answers it may change (a report whose
    range ended before the write's events is kept), a new Rome date recomputes everything; an hour at most in any
    case."""

    def call(*args, **kwargs):
        return ANSWERS.answer(store(), rome_today().isoformat(), fn, args, kwargs)

    return call


def mailup_settings():
    """MailUp settings from the environment or the ``[mailup]`` secrets, and why not when there are none."""
    from credits_core.sources.mailup import find_settings

    try:
        settings = find_settings(_secrets_table("mailup"))
    except CreditsError as exc:
        return None, str(exc)
    return settings, None if settings else "no MailUp settings"


def reconciliation_table() -> bool:
    """MailUp's figures of the last sync against this ledger, drawn as a plain table whose last column wraps (read
    whole at any width); False when MailUp was never synced."""
    from credits_core.sources.mailup import explained

    rec = explained(store())
    if rec.empty:
        return False
    static_table(rec, {"name": ("List", "text"), "mailup": ("MailUp says", "int"), "ledger": ("This ledger", "int"),
                       "available": ("Available here", "int"), "difference": ("Difference", "delta"),
                       "explanation": ("What it means", "note")})
    if rec.attrs.get("estimated"):
        st.caption(f"{rec.attrs['estimated']:,} credits of this ledger are estimated: texts with merge tags ([nome]) "
                   "are priced for the longest value known, not MailUp's exact charge.")
    return True


MAX_SHOWN = 200  # characters of any one value from data or a link shown in a sentence


def safe_text(value: object, limit: int = MAX_SHOWN) -> str:
    """Text from data or the URL (list and campaign names, texts, link parameters) made inert for Streamlit's
    Markdown: control characters folded, cut to ``limit``, and every ASCII punctuation character backslash-escaped
    (CommonMark allows that for all of them), so no link, image, HTML tag, autolink, emphasis or ``:directive:`` can
    come from it. Use it for every such value rendered in a Markdown element (st.markdown, st.caption, st.warning,
    st.error, st.success, st.info, metric labels)."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(value)).split())
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    # GFM autolinks are found in the text after the escapes are read (http://, www., e-mail addresses): a word
    # joiner (invisible) after the scheme's colon, before the dot of www. and after @ leaves nothing to match
    text = _AUTOLINK.sub("\u2060", text)
    return "".join("\\" + ch if ch in _MD_PUNCT else ch for ch in text)


_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?<=@)")
_MD_PUNCT = set("\\`*_{}[]()#+-.!|<>~$:&\"'=/@%^?;,")


def safe_label(value: object, limit: int = 60) -> str:
    """A name for a chart's legend, axis or tooltip: one line of printable characters, angle brackets as look-alikes
    (no chart library may ever read a tag in it), cut to ``limit``."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(value)).split())
    text = text.replace("<", "‹").replace(">", "›")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def list_colours(s) -> dict[str, str]:
    """One colour per list, fixed by the list's place among all lists (not among those a filter shows), keyed by the
    label a chart shows; the unassigned pool in grey. The same list has the same colour on every page and filter."""
    colours = {safe_label(s.list_name(lid)): list_colour(i) for i, lid in enumerate(s.list_ids)}
    colours[safe_label("Unassigned pool")] = POOL_COLOUR
    return colours


def colour_scale(s, labels) -> alt.Scale:
    """A chart's colour scale for these holder labels (``safe_label`` of list names, the pool), in their order, in
    the colours of ``list_colours``: the same list has the same colour on every chart."""
    colours = list_colours(s)
    labels = list(dict.fromkeys(labels))
    return alt.Scale(domain=labels, range=[colours.get(x, POOL_COLOUR) for x in labels])


# a chart's legend under it, in columns: at 800 px it no longer takes half the chart's width
LEGEND_BELOW = alt.Legend(orient="bottom", direction="horizontal", columns=3, labelLimit=170, symbolLimit=0,
                          title=None)


def draw_chart(chart, file_name: str = "chart", **kwargs) -> None:
    """A Vega-Lite chart 380 px high across the page, drawn as SVG (every mark an element the browser tests and
    screen readers can find), with links that save it as SVG or PNG named ``file_name`` (the view's name; the
    toolbar's own "Download as PNG" names its file after the time, and Streamlit turns Vega's export menu off)."""
    st.altair_chart(chart.properties(height=380, usermeta={"embedOptions": {"renderer": "svg"}}), width="stretch",
                    **kwargs)
    name = re.sub(r"[^A-Za-z0-9.\-]+", "-", file_name)[:120] or "chart"
    st.html(CHART_SAVE.replace("{name}", escape(name)), unsafe_allow_javascript=True)


# a fixed script (nothing from data or the URL in it; the name is an attribute of letters, digits, dots and dashes):
# the links save the chart just above them, the SVG the page draws, as SVG or as a PNG drawn from it
CHART_SAVE = """<style>.cs {font-size: 0.8rem; color: rgba(49, 51, 63, 0.7); margin-top: -0.5rem;}
.cs a {color: inherit; margin-right: 0.8rem; cursor: pointer;}</style>
<div class="cs" data-name="{name}">Save the chart: <a data-kind="svg" role="button">SVG</a><a data-kind="png"
role="button">PNG</a></div>
<script>
(() => {
  const boxes = [...document.querySelectorAll('div.cs[data-name]')].filter(b => !b.dataset.ready);
  for (const box of boxes) {
    box.dataset.ready = "1";
    const chart = () => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')]
      .filter(s => s.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING).pop();
    const save = (href, ext) => {
      const a = document.createElement('a');
      a.href = href; a.download = box.dataset.name + '.' + ext; document.body.appendChild(a); a.click(); a.remove();
    };
    box.querySelectorAll('a[data-kind]').forEach(link => link.addEventListener('click', () => {
      const svg = chart();
      if (!svg) return;
      const copy = svg.cloneNode(true);
      copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
      const text = new XMLSerializer().serializeToString(copy);
      const url = URL.createObjectURL(new Blob([text], {type: 'image/svg+xml'}));
      if (link.dataset.kind === 'svg') { save(url, 'svg'); return; }
      const img = new Image();
      img.onload = () => {
        const c = document.createElement('canvas'), k = 2, r = svg.getBoundingClientRect();
        c.width = r.width * k; c.height = r.height * k;
        const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
        g.drawImage(img, 0, 0, c.width, c.height);
        save(c.toDataURL('image/png'), 'png');
      };
      img.src = url;
    }));
  }
})();
</script>"""


def period_words(start, period: str) -> str:
    """A period as the axes and tables say it: 6 Dec 2026, W49 2026 (ISO week), Jul 2026, Q3 2026, 2026."""
    start = pd.Timestamp(start)
    if period == "day":
        return f"{start.day} {start:%b %Y}"
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"W{week:02d} {year}"
    if period == "month":
        return f"{start:%b %Y}"
    if period == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"{start.year}"


def n(value) -> str:
    """A whole number with thousands separators."""
    return "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else f"{int(value):,}"


def eur(value) -> str:
    """A price in euros, the one format of every page (the tables' ``format="euro"`` too): €1,625.00."""
    return f"€{float(value):,.2f}"


def empty_state() -> bool:
    """True (and a message saying what this database lacks and how to add it) when it holds no purchase yet."""
    from credits_core.reporting import account_state

    state = account_state(store())
    if not state.empty:
        return False
    if state.synced or state.lists:
        found = f"{state.lists:,} list(s)" + (" from MailUp" if state.synced else "")
        problems = (f" The last sync could not record {state.sync_problems:,} sending(s) for that reason."
                    if state.synced and state.sync_problems else "")
        st.info(f"This database has {found} but no purchase yet, so no credit can be spent and no sending can be "
                "recorded." + problems + " Add your purchases: on **Import**, a file of kind *purchases* (lot_id, "
                "purchased_at, credits, expiring, price_eur, from your invoices), or one purchase on **Buy "
                "credits**. Then sync MailUp again: the sendings are recorded then.")
    else:
        st.info("This database is empty: it holds no purchase and no list yet. Add your purchases on **Import** (a "
                "file of kind *purchases*) or **Buy credits**, and connect MailUp to bring lists and sendings (see "
                "**Import**). To explore the dashboard first, start it without `CREDITS_DB`: it opens a demo account.")
    return True


def words(column: str) -> str:
    """A column header in words: ``spent_this_month`` -> ``Spent this month``."""
    return str(column).replace("_", " ").capitalize()


PROBLEM_COLUMNS = {  # an import's problems, every reason shown whole
    "row": st.column_config.NumberColumn("Row", format="%d", width="small"),
    "column": "Column", "value": "Value", "reason": st.column_config.TextColumn("Reason", width="large"),
}


SHAPES = {"int": "{:,.0f}", "delta": "{:+,.0f}", "eur": "€{:,.2f}", "pct": "{:.1%}", "decimal": "{:,.2f}"}
BLANK = "—"  # what an empty cell shows: Streamlit's grid draws every null as "None", whatever the format


def without_none(df: pd.DataFrame, config: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """``df`` and its column config with no null left to be drawn as "None": text columns show ``BLANK``; a number,
    euro or time column with empty cells becomes text written as the format would (1,200 · €12.50 · 2026-11-30
    14:05), right-aligned, with ``BLANK`` where it is empty. Columns without empty cells are untouched."""
    config = dict(config or {})
    out = df.copy()
    for col in df.columns:
        values = df[col]
        if not values.isna().any():
            continue
        conf = config.get(col)
        label = conf.get("label") if isinstance(conf, dict) else conf if isinstance(conf, str) else None
        kind = (conf.get("type_config") or {}) if isinstance(conf, dict) else {}
        if pd.api.types.is_bool_dtype(values.dtype) or kind.get("type") == "progress":
            continue
        if pd.api.types.is_numeric_dtype(values.dtype):
            money = kind.get("format") in ("euro", "€%.2f") or str(col).lower() in ("eur", "cost (eur)")
            whole = pd.api.types.is_integer_dtype(values.dtype) or (not money and values.dropna().mod(1).eq(0).all())
            shape = SHAPES["eur" if money else "int" if whole else "decimal"]
            out[col] = [BLANK if pd.isna(v) else shape.format(v) for v in values]
            config[col] = st.column_config.TextColumn(label or words(col), alignment="right",
                                                      pinned=(conf or {}).get("pinned") if isinstance(conf, dict)
                                                      else None)
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[col] = [BLANK if pd.isna(v) else f"{v:%Y-%m-%d %H:%M}" for v in values]
            config[col] = st.column_config.TextColumn(label or words(col))
        else:
            out[col] = values.astype(object).where(values.notna(), BLANK)
    return out, config


def table(df: pd.DataFrame, column_config: dict | None = None, **kwargs) -> None:
    """``st.dataframe`` without a "None" in any cell (see ``without_none``)."""
    shown, config = without_none(df, column_config)
    st.dataframe(shown, column_config=config, **kwargs)


TABLE_STYLE = """<style>
.ct-wrap {overflow-x: auto; container-type: inline-size;}
.ct {border-collapse: collapse; font-size: 0.875rem; width: 100%;}
.ct th, .ct td {padding: 0.3rem 0.45rem; border-bottom: 1px solid rgba(49, 51, 63, 0.12); white-space: nowrap;}
.ct th {font-weight: 600; color: rgba(49, 51, 63, 0.75); text-align: left; white-space: normal; vertical-align: bottom;}
.ct td.w {white-space: normal; min-width: 7rem; overflow-wrap: anywhere;}
.ct .n, .ct .t {white-space: nowrap; font-variant-numeric: tabular-nums;}
.ct .n {text-align: right;}
.ct .long {width: 100%; max-width: 0; min-width: 10rem; overflow: hidden; text-overflow: ellipsis;}
.ct tr.has-note td {border-bottom: none;}
.ct td.note {white-space: normal; overflow-wrap: anywhere; color: rgba(49, 51, 63, 0.75); padding-top: 0;}
.ct td .pct {color: rgba(49, 51, 63, 0.6);}
</style>"""
# narrower than its columns need, a table is read as one card per row (label: value), never scrolled sideways
STACKED = """<style>@container (max-width: {width}px) {{
.{cls} thead {{position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);}}
.{cls}, .{cls} tbody, .{cls} tr, .{cls} td {{display: block; width: auto;}}
.{cls} tr {{border-bottom: 1px solid rgba(49, 51, 63, 0.2); padding: 0.25rem 0;}}
.{cls} td {{border: none; padding: 0.1rem 0.45rem; white-space: normal; text-align: left; max-width: none;}}
.{cls} td:first-child {{font-weight: 600;}}
.{cls} td[data-label]:not(:first-child):not(.note) {{display: flex; justify-content: space-between; gap: 1rem;}}
.{cls} td[data-label]:not(:first-child):not(.note)::before {{content: attr(data-label); color: rgba(49, 51, 63, 0.7);
  text-align: left;}}
}}</style>"""
# the width a column needs (px), by kind: a table narrower than their sum is stacked
NEEDS = {"text": 130, "int": 80, "delta": 80, "eur": 100, "pct": 60, "time": 150, "minute": 135, "long": 170,
         "change": 130, "ntext": 100, "eur_fine": 100}


def fine_eur(value) -> str:
    """A small amount in euros with the decimals it has, two at least, six at most (€0.075, €0.05, €0.0833): a
    message's cost rounded to the cent made rows that did not add up to their total."""
    d = Decimal(str(value)).quantize(Decimal("0.000001"))
    text = f"{d:,.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"€{whole}.{frac.ljust(2, '0')}"


def static_table(df: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> None:
    """A small table as plain HTML: no grid to load, so it is drawn with the page (the interactive grid cost the
    Usage page a third of a second on a fresh load and on every change; ``st.table``, which reads Markdown in every
    cell, a fifth: bench/README.md). ``columns``: column -> (label, kind), in the order shown. Kinds: text (wraps),
    int, delta (signed), eur, eur_fine (a message's cost, with its decimals), pct, change (a pair: a signed number
    and a ratio, "+1,234 (+11%)"), ntext (a number already written), time (to the second), minute (30 Nov 2026,
    14:05), long (a text on one line, cut with an ellipsis, whole on hover) or note (a text read whole, on a line of
    its own under its row, across every column: it reads at any width without widening the table). Narrower than
    its columns need (``NEEDS``), the table is read as one card per row, each value beside its label: never a
    sideways scroll. Every cell and label is HTML-escaped (never markup); an empty cell is ``BLANK``."""
    shape = {k: v for k, v in SHAPES.items() if k != "decimal"}

    def cell(v: object, kind: str, label: str) -> str:
        data = f' data-label="{escape(label)}"'
        if kind == "change" and isinstance(v, tuple):
            delta, ratio = v
            if delta is None or pd.isna(delta):
                return f'<td class="n"{data}>{BLANK}</td>'
            said = None if ratio is None or pd.isna(ratio) else "new" if ratio == float("inf") else f"{ratio:+.0%}"
            pct = f' <span class="pct">({said})</span>' if said else ""
            return f'<td class="n"{data}><span>{escape(f"{delta:+,.0f}")}{pct}</span></td>'
        if v is None or (not isinstance(v, str) and not isinstance(v, tuple) and pd.isna(v)):
            text = BLANK
        elif kind == "eur_fine":
            text = fine_eur(v)
        elif kind in shape:
            text = shape[kind].format(v)
        elif kind == "time":
            text = f"{pd.Timestamp(v):%Y-%m-%d %H:%M:%S}"
        elif kind == "minute":
            text = f"{pd.Timestamp(v):%d %b %Y, %H:%M}"
        else:
            text = " ".join(str(v).split())[:500 if kind in ("long", "note") else MAX_SHOWN]
        if kind == "long":  # one line, cut with an ellipsis; the whole text on hover
            return f'<td class="long" title="{escape(text)}"{data}>{escape(text)}</td>'
        css = "n" if kind in shape or kind in ("ntext", "eur_fine") else "t" if kind in ("time", "minute") else "w"
        return f'<td class="{css}"{data}>{escape(text)}</td>'

    shown = [(col, label, kind) for col, (label, kind) in columns.items() if col in df and kind != "note"]
    notes = [col for col, (_, kind) in columns.items() if col in df and kind == "note"]
    numeric = set(shape) | {"change", "ntext", "eur_fine"}
    head = "".join(f'<th class="n">{escape(label)}</th>' if kind in numeric else f"<th>{escape(label)}</th>"
                   for _, label, kind in shown)

    def note(v: object) -> str:
        text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else " ".join(str(v).split())[:1000]
        return f'<tr class="note"><td class="note" colspan="{len(shown)}">{escape(text)}</td></tr>' if text else ""

    rows = "".join(("<tr class=\"has-note\">" if notes else "<tr>")
                   + "".join(cell(v, kind, label) for v, (_, label, kind) in zip(values[:len(shown)], shown))
                   + "</tr>" + "".join(note(v) for v in values[len(shown):])
                   for values in zip(*(df[col] for col, _, _ in shown), *(df[c] for c in notes)))
    width = sum(NEEDS.get(kind, 100) for _, _, kind in shown)
    cls = f"ct-s{width}"
    st.html(f'{TABLE_STYLE}{STACKED.format(width=width, cls=cls)}<div class="ct-wrap"><table class="ct {cls}">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")


DOWNLOAD_STYLE = """<style>
.dl {display: inline-block; padding: 0.35rem 0.75rem; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;
     color: inherit; text-decoration: none; font-size: 0.9rem;}
.dl:hover {border-color: #ff4b4b; color: #ff4b4b;}
</style>"""


def download_link(job) -> None:
    """A finished export, streamed from disk by ``serve.py`` to the user who made it (never loaded into the
    session, never a URL that works for someone else). The link is ours (a token of letters, digits, - and _)."""
    base = "/" + (st.get_option("server.baseUrlPath") or "").strip("/")
    href = f"{base.rstrip('/')}/_credits/download/{job.token}"
    st.html(f'{DOWNLOAD_STYLE}<a class="dl" href="{escape(href)}" download="{escape(job.file_name)}">'
            f"⬇ Download {escape(job.file_name)}</a>")


def int_columns(df: pd.DataFrame, cols: list[str]) -> dict:
    return {c: st.column_config.NumberColumn(words(c), format="localized") for c in cols if c in df}
