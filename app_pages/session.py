"""The dashboard's session: the store (one per process, shared by every session), sign-in and roles, the write gate,
answers cached on the store's revision and the Rome date, and the empty state."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import streamlit as st

from app_pages.tables import (
    static_table,
)
from app_pages.text import MAX_SHOWN, W, safe_text, t, tn
from credits_core import CreditsError, CreditStore
from credits_core.ledger import rome_today
from credits_core.reporting import AnswerCache
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
    with _STORES_LOCK:
        for s in _STORES.values():
            s.close()
        _STORES.clear()
    ANSWERS.clear()  # the same object, emptied: every module that holds it sees it so


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
        st.error(t("This dashboard does not answer to this host name. Open it by one of: {hosts} "
                   "(server.allowedHosts).", hosts=safe_text(", ".join(hosts))))
        st.stop()
    if auth is None:
        address = str(st.get_option("server.address") or "")
        if address not in LOOPBACK and os.environ.get("CREDITS_ALLOW_UNAUTHENTICATED") != "1":
            where = address or t("every network interface (server.address is empty or unset)")
            st.error(t("This dashboard listens on {where} without sign-in, so it shows nothing. Configure sign-in (an "
                       "[auth] section and an [access] table in .streamlit/secrets.toml, see the README), set "
                       "server.address to 127.0.0.1 for use on this machine only, or set "
                       "CREDITS_ALLOW_UNAUTHENTICATED=1 if a proxy in front already signs users in (unsafe "
                       "otherwise).", where=safe_text(where)))
            st.stop()
        return LOCAL_USER, ANALYST if read_only_env() else MANAGER
    problem = cookie_secret_problem(auth.get("cookie_secret"))
    if problem:
        st.error(t("Sign-in is configured with a cookie_secret that cannot be used: {problem}. The dashboard refuses "
                   "to start. Generate one with: {command}", problem=problem,
                   command='python -c "import secrets; print(secrets.token_urlsafe(48))"'))
        st.stop()
    if not st.user.get("is_logged_in", False):
        st.title("📨 " + t("SMS credits"))
        st.write(t("Sign in to see the account."))
        st.button(t("Sign in"), on_click=st.login, type="primary")
        st.stop()
    access = _secrets_table("access") or {}
    claims = st.user.to_dict()
    ended = session_problem(claims, time.time(), SignOuts())
    if ended:  # another tab signed out, a copied cookie, or a token past its exp: never the user it names
        st.title("📨 " + t("SMS credits"))
        st.warning(t("Signed out: {why}. Sign in again to see the account.", why=ended))
        st.button(t("Sign in"), on_click=st.login, type="primary")
        st.stop()
    email, role, why = user_from_claims(claims, Access.from_mapping(access),
                                        require_verified=access.get("require_verified_email", True) is not False)
    if role is None:
        st.title("📨 " + t("SMS credits"))
        who = safe_text(email) or t("This account")
        st.error(t("{who} has no access to this dashboard: {why}.", who=who, why=safe_text(why, 500)) if why else
                 t("{who} has no access to this dashboard. Ask a manager of the account to add you to the [access] "
                   "table (managers or analysts).", who=who))
        st.button(t("Sign out"), on_click=st.logout)
        st.stop()
    return email, ANALYST if read_only_env() else role


def sidebar_user(user: str | None, role: str) -> None:
    from credits_core.reporting import as_markdown_table

    with st.sidebar:
        with st.expander(t("Words used here")):
            st.markdown(as_markdown_table(W()))  # our own text, written once (credits_core.reporting.glossary)
        said_role = t("manager") if role == MANAGER else t("analyst")
        if user == LOCAL_USER:
            st.caption(t("Not signed in (sign-in is not configured): local use, as {role}.", role=said_role))
        else:
            # plain text, never Markdown: the address reads and copies exactly as the provider gave it
            st.text(t("Signed in as {user} ({role}).", user=" ".join(str(user).split())[:MAX_SHOWN], role=said_role))
            st.button(t("Sign out"), on_click=sign_out, args=(user,), key="sign_out")


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
        st.error(t("The database cannot be opened: {why}", why=safe_text(words, 600)))
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
    return settings, None if settings else t("no MailUp settings")


def reconciliation_table() -> bool:
    """MailUp's figures of the last sync against this ledger, drawn as a plain table whose last column wraps (read
    whole at any width); False when MailUp was never synced."""
    from credits_core.sources.mailup import explained

    rec = explained(store())
    if rec.empty:
        return False
    w = W()
    rec = rec.assign(name=[t("Total") if lid == "" else x for lid, x in zip(rec["list_id"], rec["name"])],
                     explanation=[w.say(x) for x in rec["explanation"]])
    static_table(rec, {"name": (t("List"), "text"), "mailup": (t("MailUp says"), "int"),
                       "ledger": (t("This ledger"), "int"), "available": (t("Available here"), "int"),
                       "difference": (t("Difference"), "delta"), "explanation": (t("What it means"), "note")})
    if rec.attrs.get("estimated"):
        st.caption(t("{credits} credits of this ledger are estimated: texts with merge tags ([nome]) are priced for "
                     "the longest value known, not MailUp's exact charge.", credits=rec.attrs["estimated"]))
    return True


def empty_state() -> bool:
    """True (and a message saying what this database lacks and how to add it) when it holds no purchase yet."""
    from credits_core.reporting import account_state

    state = account_state(store())
    if not state.empty:
        return False
    if state.synced or state.lists:
        found = (tn("{count} list from MailUp", "{count} lists from MailUp", state.lists) if state.synced else
                 tn("{count} list", "{count} lists", state.lists))
        problems = (" " + tn("The last sync could not record {count} sending for that reason.",
                             "The last sync could not record {count} sendings for that reason.", state.sync_problems)
                    if state.synced and state.sync_problems else "")
        st.info(t("This database has {found} but no purchase yet, so no credit can be spent and no sending can be "
                  "recorded.", found=found) + problems + " " +
                t("Add your purchases: on **Import**, a file of kind *purchases* (lot_id, purchased_at, credits, "
                  "expiring, price_eur, from your invoices), or one purchase on **Buy credits**. Then sync MailUp "
                  "again: the sendings are recorded then."))
    else:
        st.info(t("This database is empty: it holds no purchase and no list yet. Add your purchases on **Import** (a "
                  "file of kind *purchases*) or **Buy credits**, and connect MailUp to bring lists and sendings (see "
                  "**Import**). To explore the dashboard first, start it without `CREDITS_DB`: it opens a demo "
                  "account."))
    return True
