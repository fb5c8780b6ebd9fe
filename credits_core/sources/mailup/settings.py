"""Where and who: the connector's settings, from ``MAILUP_*`` environment variables or a ``[mailup]`` table in the
dashboard's secrets. Secrets never reach a log line, a traceback or the database (``__repr__`` hides them).

A URL must be ``https://``: the OAuth password grant sends the account's password, which must never travel in
clear. ``http://`` is accepted only on loopback (a fake server in tests, a local proxy).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from credits_core.ledger import CreditsError

AUTH_URL = "https://services.mailup.com"
API_URL = "https://services.mailup.com/API/v1.1/Rest/ConsoleService.svc"
ENV = {"client_id": "MAILUP_CLIENT_ID", "client_secret": "MAILUP_CLIENT_SECRET", "username": "MAILUP_USERNAME",
       "password": "MAILUP_PASSWORD", "auth_url": "MAILUP_AUTH_URL", "api_url": "MAILUP_API_URL"}
OPTIONS = {"charge_queued": "MAILUP_CHARGE_QUEUED", "page_size": "MAILUP_PAGE_SIZE",
           "merge_tag_length": "MAILUP_MERGE_TAG_LENGTH", "calls_per_second": "MAILUP_CALLS_PER_SECOND"}
REQUIRED = ("client_id", "client_secret", "username", "password")
LOOPBACK_NAMES = ("localhost",)


class MailUpError(CreditsError):
    """A MailUp call failed for good (after retries), MailUp's data cannot be read, or the settings are wrong."""


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(name: str, url: str) -> str:
    """An ``https://`` URL, or ``http://`` on loopback only; the trailing slash removed."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise MailUpError(f"MailUp {name} {url!r} must be an https:// URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise MailUpError(f"MailUp {name} {url!r} is http://: the password would travel in clear; use https:// "
                          f"(http:// is accepted on this machine's loopback only)")
    return url


@dataclass(frozen=True)
class MailUpSettings:
    client_id: str
    client_secret: str
    username: str
    password: str
    auth_url: str = AUTH_URL
    api_url: str = API_URL
    page_size: int = 1000
    timeout_s: float = 30.0  # each network wait (connect, a read); a whole call has its ``deadline_s``
    deadline_s: float = 120.0  # a whole call, however slowly the server trickles its answer
    max_answer_bytes: int = 16 * 1024 * 1024  # a larger answer (decompressed) is refused; 5,000 sendings are ~0.5 MB
    attempts: int = 6
    wait_initial_s: float = 0.5
    calls_per_second: float | None = 5.0  # MailUp's API use policy: at most 5 calls a second (None: not paced)
    charge_queued: bool = True  # queued sendings that already have a send time are charged
    merge_tag_length: int = 20  # characters a merge tag ([nome]) counts when its field's default is shorter

    def __post_init__(self) -> None:
        object.__setattr__(self, "auth_url", check_url("auth_url", self.auth_url))
        object.__setattr__(self, "api_url", check_url("api_url", self.api_url))

    def __repr__(self) -> str:  # never a secret in a log line or a traceback
        return f"MailUpSettings(username={self.username!r}, auth_url={self.auth_url!r}, api_url={self.api_url!r})"

    __str__ = __repr__

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], source: str) -> MailUpSettings:
        names = {**ENV, **OPTIONS} if source == "environment" else {k: k for k in (*ENV, *OPTIONS)}
        missing = [names[k] for k in REQUIRED if not values.get(k)]
        if missing:
            raise MailUpError(f"MailUp is not configured: {', '.join(missing)} missing in the {source}")
        kw: dict[str, object] = {k: str(values[k]) for k in (*REQUIRED, "auth_url", "api_url") if values.get(k)}
        if values.get("charge_queued") not in (None, ""):
            kw["charge_queued"] = str(values["charge_queued"]).strip().lower() in ("1", "true", "yes")
        for key, low, high in (("page_size", 1, 5000), ("merge_tag_length", 0, 1000)):
            if values.get(key) not in (None, ""):
                kw[key] = _whole(values[key], names[key], low, high)
        if values.get("calls_per_second") not in (None, ""):
            text = str(values["calls_per_second"]).strip().lower()
            kw["calls_per_second"] = None if text in ("0", "none", "off") else float(
                _whole(text, names["calls_per_second"], 1, 50))
        return cls(**kw)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailUpSettings | None:
        """None when no ``MAILUP_*`` credential is set; an error naming what is missing when some are."""
        env = os.environ if env is None else env
        values = {k: env.get(v) for k, v in {**ENV, **OPTIONS}.items()}
        if not any(values[k] for k in REQUIRED):
            return None
        return cls.from_mapping(values, "environment")


def _whole(value: object, name: str, low: int, high: int) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise MailUpError(f"MailUp {name} {value!r} is not a whole number") from None
    if not low <= n <= high:
        raise MailUpError(f"MailUp {name} {n} must be between {low} and {high}")
    return n


def find_settings(secrets_table: Mapping[str, object] | None = None,
                  env: Mapping[str, str] | None = None) -> MailUpSettings | None:
    """The environment first (``MAILUP_*``), else the ``[mailup]`` table of the dashboard's secrets; None when
    neither says anything (an error naming what is missing when one of them is incomplete)."""
    settings = MailUpSettings.from_env(env)
    if settings is not None:
        return settings
    if secrets_table:
        return MailUpSettings.from_mapping(secrets_table, "[mailup] table of the secrets")
    return None
