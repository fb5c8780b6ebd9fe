"""Who may do what: roles from the ``[access]`` table of the dashboard's secrets, and the one gate every write the
pages can reach goes through.

Roles: a *manager* may do everything; an *analyst* sees every page, report and download but writes nothing; a user
in neither list has no access. ``[access]`` lists e-mail addresses or whole domains (``*@example.com``); the
comparison ignores case; a user in both lists is a manager.

``WriteGate`` wraps the shared ``CreditStore`` for one signed-in user and denies by default: the write methods are
the ones ``CreditStore`` marks with ``@writes`` (``store.write_methods``), the reads the ones it marks ``@reads``
(``store.read_methods``), and any other name is refused (an ``AttributeError``), so a new store method is
unreachable from a page until it is marked where it is written. A read passes through; every write method first
checks the user's role (an analyst is refused with a ``CreditsError``, whatever widget or crafted rerun asked) and
then records the write as that user's (``CreditStore.acting_as``), so the History names its author. Engine
functions that write (``planning.apply_limits``, ``planning.schedule_campaign``, ``sources.import_file``) take the
gate as their store, so their writes are checked too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase

from credits_core.ledger import CreditsError
from credits_core.store.credit_store import CreditStore
from credits_core.store.marks import read_methods, write_methods

MANAGER, ANALYST = "manager", "analyst"
WRITES = write_methods(CreditStore)  # built from the @writes marks: never a list to keep in step by hand
READS = read_methods(CreditStore)  # built from the @reads marks, where each read is written


@dataclass(frozen=True)
class Access:
    managers: tuple[str, ...] = ()
    analysts: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, table: Mapping | None) -> Access:
        table = table or {}

        def patterns(key: str) -> tuple[str, ...]:
            value = table.get(key, [])
            if isinstance(value, str):
                value = [value]
            return tuple(str(v).strip().lower() for v in value if str(v).strip())

        return cls(patterns("managers"), patterns("analysts"))

    def role_of(self, email: str | None) -> str | None:
        """``manager``, ``analyst`` or None; ``*`` in a pattern stands for any characters (``*@example.com``)."""
        if not email:
            return None
        email = email.strip().lower()
        if any(fnmatchcase(email, p) for p in self.managers):
            return MANAGER
        if any(fnmatchcase(email, p) for p in self.analysts):
            return ANALYST
        return None


MIN_COOKIE_SECRET = 32
# values documented in READMEs and examples (ours and Streamlit's): whoever read them could sign a session cookie
KNOWN_PLACEHOLDERS = frozenset({
    "a random string of at least 32 characters", "xxx", "your-secret", "change-me", "changeme", "secret",
    "<paste the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'>",
})


def cookie_secret_problem(secret: object) -> str | None:
    """Why a ``cookie_secret`` must be refused (None: it is fine). It signs the session cookie, so a known, short or
    guessable one lets anyone forge a signed-in user: a documented placeholder, fewer than 32 characters, fewer
    than 12 distinct characters, or a character repeated for more than a quarter of it."""
    text = str(secret or "")
    if text.strip().lower() in KNOWN_PLACEHOLDERS or "<" in text or "random string" in text.lower():
        return "it is a documented placeholder (anyone who read the example could forge a session)"
    if len(text) < MIN_COOKIE_SECRET:
        return f"it has {len(text)} characters; at least {MIN_COOKIE_SECRET} are needed"
    if len(set(text)) < 12:
        return f"it uses only {len(set(text))} distinct characters: too easy to guess"
    if max(text.count(c) for c in set(text)) > len(text) / 4:
        return "one character makes up more than a quarter of it: too easy to guess"
    return None


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def allowed_hosts(configured: list | None, redirect_uri: str | None) -> list[str]:
    """The host names the dashboard answers to (DNS rebinding): ``server.allowedHosts`` when set; otherwise the
    loopback names, and with sign-in the host of ``[auth] redirect_uri`` (the name users reach it by)."""
    from urllib.parse import urlsplit

    named = [str(h) for h in (configured or []) if str(h).strip()]
    if named:
        return named
    return [*LOOPBACK_HOSTS, *([urlsplit(str(redirect_uri)).hostname or ""] if redirect_uri else [])]


def host_allowed(host: str | None, hosts: list[str]) -> bool:
    """A ``Host`` header against the allowed names (a port is ignored; ``*.example.com`` a subdomain, ``*`` any)."""
    from urllib.parse import urlsplit

    if not host:
        return False
    try:
        parts = urlsplit(f"//{host}")
        name, _ = parts.hostname, parts.port  # the port must be a number when there is one
    except ValueError:
        return False
    if not name or parts.username or parts.password or parts.path or parts.query or parts.fragment:
        return False
    name = name.lower().rstrip(".")
    for pattern in (h.strip().lower().rstrip(".") for h in hosts):
        if pattern == "*" or name == pattern.strip("[]") or (pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


def local_user() -> str:
    """Who writes on a dashboard without sign-in: the operating-system user, said so."""
    import getpass

    return f"{getpass.getuser()} (local, no sign-in)"


def normal_email(email: object) -> str:
    """Addresses compare and are recorded in lower case, without surrounding blanks ("ANA@Example.COM" is ana)."""
    return str(email or "").strip().lower()


# -- sign-ins that ended ---------------------------------------------------------------------------------------------
#
# Streamlit keeps a signed-in user in a signed cookie valid 30 days, and st.logout() only deletes it in the browser
# that signs out: another open tab, or a copy of the cookie, stayed signed in. A sign-in is therefore also checked
# on the server: its ID token's ``exp`` must not have passed, and it must not have been signed out. A sign-out is
# recorded (``SignOuts``) in a private file shared by every dashboard process of this user on the machine, keyed by
# the sign-in (the provider's ``sub`` and the token's ``iat``), until that token would have expired anyway.


def sign_in_key(claims: Mapping) -> str:
    """One sign-in: the same for every tab and every copy of its cookie, another for the next sign-in."""
    import hashlib

    parts = (claims.get("iss", ""), claims.get("sub", ""), claims.get("iat", ""), normal_email(claims.get("email")))
    text = "|".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()


class SignOuts:
    """Sign-ins that were signed out, in ``folder/signouts.json`` (a private folder: 0700, the file 0600)."""

    def __init__(self, folder: str | None = None):
        import os
        from pathlib import Path

        default = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "sms-credits"
        self.folder = Path(folder or os.environ.get("CREDITS_STATE_DIR") or default)
        self.path = self.folder / "signouts.json"

    def _read(self) -> dict[str, float]:
        import json

        try:
            data = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError, OSError):
            return {}
        return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def add(self, claims: Mapping, now: float) -> None:
        """Record the sign-out of this sign-in (kept until its token would have expired, a day at least)."""
        import json
        import os

        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        known = {k: v for k, v in self._read().items() if v > now}
        exp = _number(claims.get("exp"))
        known[sign_in_key(claims)] = max(exp or 0.0, now + 86_400)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(known, out)
        os.replace(tmp, self.path)

    def ended(self, claims: Mapping) -> bool:
        return sign_in_key(claims) in self._read()


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def session_problem(claims: Mapping, now: float, sign_outs: SignOuts) -> str | None:
    """Why a signed-in browser may no longer act as that user (None: it may): the token expired, or this sign-in was
    signed out (in another tab, or the cookie was copied before)."""
    exp = _number(claims.get("exp"))
    if exp is not None and exp <= now:
        return "your sign-in has expired"
    if sign_outs.ended(claims):
        return "this sign-in was signed out"
    return None


def user_from_claims(claims: Mapping, access: Access, *, require_verified: bool = True
                     ) -> tuple[str, str | None, str | None]:
    """(e-mail in lower case, role or None, why refused or None) for a signed-in user's OIDC claims. An e-mail the
    provider does not say is verified (``email_verified`` true) gets no role: anyone can claim any address at some
    providers."""
    email = normal_email(claims.get("email"))
    if not email:
        return email, None, "the sign-in did not give an e-mail address"
    from credits_core.ledger import control_problem

    if control_problem(email, "the e-mail address"):
        return "", None, "the e-mail address the sign-in gave holds a control character"
    verified = claims.get("email_verified")
    if require_verified and verified is not True and str(verified).lower() != "true":
        return email, None, (f"the provider does not confirm that {email} is verified (email_verified is "
                             f"{verified!r}); no role is given to an unverified address")
    return email, access.role_of(email), None


class WriteGate:
    """The store as one user may use it: reads as they are, writes only for a manager, named after the user."""

    def __init__(self, store: CreditStore, user: str | None, role: str | None):
        self._store, self.user, self.role = store, (normal_email(user) if user and "@" in user else user), role

    @property
    def can_write(self) -> bool:
        return self.role == MANAGER

    def _check(self, what: str) -> None:
        if not self.can_write:
            who = self.user or "this user"
            raise CreditsError(f"{who} is {'an analyst' if self.role == ANALYST else 'not allowed to write'}: only "
                               f"managers may change the account ({what} refused; nothing was written)")

    @contextmanager
    def batch(self) -> Iterator[WriteGate]:
        self._check("batch")
        with self._store.acting_as(self.user), self._store.batch():
            yield self

    def __getattr__(self, name: str):
        if name not in WRITES and name not in READS:
            raise AttributeError(f"{name!r} is neither a marked write nor a marked read of the store: the write "
                                 f"gate does not pass it")
        attr = getattr(self._store, name)
        if name not in WRITES:
            return attr

        def write(*args, **kwargs):
            self._check(name)
            with self._store.acting_as(self.user):
                return attr(*args, **kwargs)

        return write
