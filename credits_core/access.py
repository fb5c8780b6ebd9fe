"""Who may do what: roles from the ``[access]`` table of the dashboard's secrets, and the one gate every write the
pages can reach goes through.

Roles: a *manager* may do everything; an *analyst* sees every page, report and download but writes nothing; a user
in neither list has no access. ``[access]`` lists e-mail addresses or whole domains (``*@example.com``); the
comparison ignores case; a user in both lists is a manager.

``WriteGate`` wraps the shared ``CreditStore`` for one signed-in user and denies by default: the write methods are
the ones ``CreditStore`` marks with ``@writes`` (``store.write_methods``), the reads are declared in ``READS``, and
any other name is refused (an ``AttributeError``), so a new store method is unreachable from a page until it is
marked or declared. A declared read passes through; every write method first checks the user's role (an analyst
is refused with a ``CreditsError``, whatever widget or crafted rerun asked) and then records the write as that
user's (``CreditStore.acting_as``), so the History names its author. Engine
functions that write (``limits.apply_limits``, ``forecast.schedule_campaign``, ``importer.import_file``) take the
gate as their store, so their writes are checked too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .errors import CreditsError
from .store import CreditStore, write_methods

MANAGER, ANALYST = "manager", "analyst"
WRITES = write_methods(CreditStore)  # built from the @writes marks: never a list to keep in step by hand
READS = frozenset({  # what the engine functions a page calls with the gate may read (reading: one SELECT at a time)
    "alerts_sent", "audit_trail", "author", "balance", "campaign_info", "check_messages", "checkpoints", "controls",
    "expiries", "expiry_checkpoints", "holder_name", "last_event_at", "list_ids", "list_name", "list_table", "lots",
    "mailup_account", "mailup_bookmarks", "mailup_status", "message_count", "messages_until", "next_seq",
    "now_state", "path", "policy", "read_only", "reading", "require_list", "reservations", "revision", "snapshot",
    "state_at",
})


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


def normal_email(email: object) -> str:
    """Addresses compare and are recorded in lower case, without surrounding blanks ("ANA@Example.COM" is ana)."""
    return str(email or "").strip().lower()


def user_from_claims(claims: Mapping, access: Access, *, require_verified: bool = True
                     ) -> tuple[str, str | None, str | None]:
    """(e-mail in lower case, role or None, why refused or None) for a signed-in user's OIDC claims. An e-mail the
    provider does not say is verified (``email_verified`` true) gets no role: anyone can claim any address at some
    providers."""
    email = normal_email(claims.get("email"))
    if not email:
        return email, None, "the sign-in did not give an e-mail address"
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
            raise AttributeError(f"{name!r} is neither a marked write nor a declared read of the store: the write "
                                 f"gate does not pass it")
        attr = getattr(self._store, name)
        if name not in WRITES:
            return attr

        def write(*args, **kwargs):
            self._check(name)
            with self._store.acting_as(self.user):
                return attr(*args, **kwargs)

        return write
