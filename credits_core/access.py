"""Who may do what: roles from the ``[access]`` table of the dashboard's secrets, and the one gate every write the
pages can reach goes through.

Roles: a *manager* may do everything; an *analyst* sees every page, report and download but writes nothing; a user
in neither list has no access. ``[access]`` lists e-mail addresses or whole domains (``*@example.com``); the
comparison ignores case; a user in both lists is a manager.

``WriteGate`` wraps the shared ``CreditStore`` for one signed-in user: reads pass through, and every write method
first checks the user's role (an analyst is refused with a ``CreditsError``, whatever widget or crafted rerun asked)
and then records the write as that user's (``CreditStore.acting_as``), so the History names its author. Engine
functions that write (``limits.apply_limits``, ``forecast.schedule_campaign``, ``importer.import_file``) take the
gate as their store, so their writes are checked too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .errors import CreditsError
from .store import CreditStore

MANAGER, ANALYST = "manager", "analyst"
WRITES = frozenset({"add_list", "purchase", "assign", "set_shared", "send", "record_messages", "save_campaign",
                    "cancel_campaign", "rebuild", "mark_alert_sent", "audit"})


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
        attr = getattr(self._store, name)
        if name not in WRITES:
            return attr

        def write(*args, **kwargs):
            self._check(name)
            with self._store.acting_as(self.user):
                return attr(*args, **kwargs)

        return write
