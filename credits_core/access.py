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
READS = frozenset({  # what the engine functions a page calls with the gate may read (query runs one SELECT only)
    "alerts_sent", "audit_trail", "author", "balance", "campaign_info", "check_messages", "checkpoints", "controls",
    "expiries", "expiry_checkpoints", "holder_name", "last_event_at", "list_ids", "list_name", "list_table", "lots",
    "mailup_bookmarks", "mailup_status", "message_count", "messages_until", "next_seq", "now_state", "path",
    "policy", "query", "read_only", "reading", "require_list", "reservations", "revision", "snapshot", "state_at",
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


class WriteGate:
    """The store as one user may use it: reads as they are, writes only for a manager, named after the user."""

    def __init__(self, store: CreditStore, user: str | None, role: str | None):
        self._store, self.user, self.role = store, user, role

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
