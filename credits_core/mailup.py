"""The MailUp connector: the account's lists, SMS messages, sendings and credits, from MailUp's REST API
(ConsoleService v1.1), recorded through the normal write path.

Data model (Singer/Airbyte style)
---------------------------------
A few *streams*, each paging through the API and yielding plain records:

* lists: ``GET Console/User/Lists`` (``IdList``, ``Name``) -> ``add_list(str(IdList), Name)``;
* messages of a list: ``GET Console/Sms/List/{idList}/Messages`` (``idMessage``, ``Subject``), with each message's
  text from ``GET Console/Sms/List/{idList}/Message/{idMessage}`` (``Content``, ``IsUnicode``) -> a named campaign
  ``mailup-{idMessage}``;
* sendings of a message: ``GET Console/Sms/{idMessage}/Sendings/ReportDetails`` (``Receiver`` without ``+``/``00``,
  ``SentDate`` UTC ``2015-01-29 14:11:10Z``, ``Status`` 0 delivered / 1 queued / 2 error, ``ErrorCode``) -> messages;
* credits: ``GET Console/Authentication/Details`` (``TotalCredits``, ``CreditsByList`` [{``ListId``, ``Credit``}]) ->
  the figures the reconciliation compares with this ledger.

Every sending has a stable key, ``mailup-{idMessage}-{Receiver}-{SentDate as 20150129T141110Z}``, so recording it
again is a no-op (R13): a second sync writes nothing, and a sync killed half way and started again ends with the
same ledger. A message's sendings, its campaign name and its *bookmark* (how many sendings MailUp reported, and
whether none was still queued) are written in one transaction, so the bookmark never covers records that were not
committed; the next sync skips a message whose bookmark is complete and whose sending count has not changed (one
request of one item).

Credits of a sending (``sending_credits``): the parts of the message text (R12; UCS-2 when MailUp says the message is
Unicode) x the rate of the recipient's country, taken from the number with ``phonenumbers`` ("+" + Receiver). A
number it cannot place, or a country without a rate, is a problem naming the message and the number: the sending is
not recorded (never a guess). Which statuses are charged is a setting (``MailUpSettings.charge_queued``): delivered
and error always (both were handed to a carrier); queued ones once they have a send time (default).

One HTTP layer (``Client``): connect/read timeouts; retries with exponential backoff and jitter (``stamina``) on
connection errors, 429 (honouring ``Retry-After``) and 5xx; on a 401 the token is refreshed once (refresh-token
grant) and the call retried; any other 4xx stops with a message naming the call. Tokens live in memory only;
secrets are never logged, printed or written to the database (``MailUpSettings.__repr__`` hides them).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import numpy as np
import pandas as pd
import phonenumbers
import stamina

from .errors import CreditsError, InsufficientCredits
from .pricing import rates, text_parts
from .store import CreditStore

AUTH_URL = "https://services.mailup.com"
API_URL = "https://services.mailup.com/API/v1.1/Rest/ConsoleService.svc"
ENV = {"client_id": "MAILUP_CLIENT_ID", "client_secret": "MAILUP_CLIENT_SECRET", "username": "MAILUP_USERNAME",
       "password": "MAILUP_PASSWORD", "auth_url": "MAILUP_AUTH_URL", "api_url": "MAILUP_API_URL"}
REQUIRED = ("client_id", "client_secret", "username", "password")
DELIVERED, QUEUED, ERROR = 0, 1, 2
MAX_RETRY_AFTER_S = 120.0


class MailUpError(CreditsError):
    """A MailUp call failed for good (after retries), or the settings are incomplete."""


@dataclass(frozen=True)
class MailUpSettings:
    """Where and who: from ``MAILUP_*`` environment variables or a ``[mailup]`` table in the dashboard's secrets."""

    client_id: str
    client_secret: str
    username: str
    password: str
    auth_url: str = AUTH_URL
    api_url: str = API_URL
    page_size: int = 1000
    timeout_s: float = 30.0
    attempts: int = 6
    wait_initial_s: float = 0.5
    charge_queued: bool = True  # queued sendings that already have a send time are charged

    def __repr__(self) -> str:  # never a secret in a log line or a traceback
        return f"MailUpSettings(username={self.username!r}, auth_url={self.auth_url!r}, api_url={self.api_url!r})"

    __str__ = __repr__

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], source: str) -> MailUpSettings:
        missing = [ENV[k] if source == "environment" else k for k in REQUIRED if not values.get(k)]
        if missing:
            raise MailUpError(f"MailUp is not configured: {', '.join(missing)} missing in the {source}")
        kw = {k: str(values[k]) for k in (*REQUIRED, "auth_url", "api_url") if values.get(k)}
        for k in ("auth_url", "api_url"):
            if k in kw:
                kw[k] = kw[k].rstrip("/")
                if not kw[k].startswith(("https://", "http://")):
                    raise MailUpError(f"MailUp {k} must be an http(s) URL")
        if "charge_queued" in values:
            kw["charge_queued"] = str(values["charge_queued"]).lower() in ("1", "true", "yes")
        if values.get("page_size"):
            try:
                kw["page_size"] = int(str(values["page_size"]))
            except ValueError:
                raise MailUpError(f"MailUp page_size {values['page_size']!r} is not a whole number") from None
            if not 1 <= kw["page_size"] <= 5000:
                raise MailUpError(f"MailUp page_size {kw['page_size']} must be between 1 and 5000")
        return cls(**kw)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailUpSettings | None:
        """None when no ``MAILUP_*`` variable is set; an error naming what is missing when some are."""
        env = os.environ if env is None else env
        values = {k: env.get(v) for k, v in ENV.items()}
        values["charge_queued"] = env.get("MAILUP_CHARGE_QUEUED", "true")
        values["page_size"] = env.get("MAILUP_PAGE_SIZE")
        if not any(values[k] for k in REQUIRED):
            return None
        return cls.from_mapping(values, "environment")


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


class _RetryAfter(Exception):
    def __init__(self, seconds: float, call: str):
        super().__init__(f"{call}: 429 Too Many Requests (retry after {seconds:g} s)")
        self.seconds = seconds


class _ServerError(Exception):
    pass


def _retry_hook(exc: Exception) -> bool | float:
    """stamina's hook: retry connection errors and 5xx with its backoff, a 429 after its Retry-After."""
    if isinstance(exc, _RetryAfter):
        return exc.seconds
    return isinstance(exc, (httpx.TransportError, _ServerError))


class Client:
    """MailUp's REST API with a token in memory. ``transport`` lets tests and benchmarks plug a fake server."""

    def __init__(self, settings: MailUpSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self._http = httpx.Client(timeout=httpx.Timeout(settings.timeout_s, connect=10.0), transport=transport,
                                  headers={"Accept": "application/json"}, follow_redirects=False)
        self._access: str | None = None
        self._refresh: str | None = None
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sign-in ---------------------------------------------------------------------------------------------------

    def _token(self, grant: dict[str, str]) -> None:
        s = self.settings
        data = {**grant, "client_id": s.client_id, "client_secret": s.client_secret}
        response = self._send("POST", f"{s.auth_url}/Authorization/OAuth/Token", "sign-in (OAuth token)", data=data)
        if response.status_code != 200:
            raise MailUpError(f"MailUp refused the sign-in (HTTP {response.status_code}): check the client id, "
                              f"secret, username and password")
        body = response.json()
        self._access, self._refresh = body.get("access_token"), body.get("refresh_token")
        if not self._access:
            raise MailUpError("MailUp's sign-in answered without an access token")

    def sign_in(self) -> None:
        """OAuth 2 password grant."""
        self._token({"grant_type": "password", "username": self.settings.username,
                     "password": self.settings.password})

    def _renew(self) -> None:
        """After a 401: the refresh-token grant (the password grant if there is no refresh token or it is refused)."""
        if self._refresh:
            try:
                self._token({"grant_type": "refresh_token", "refresh_token": self._refresh})
                return
            except MailUpError:
                pass
        self.sign_in()

    # -- calls -----------------------------------------------------------------------------------------------------

    def _send(self, method: str, url: str, call: str, **kw) -> httpx.Response:
        """One request with retries (connection errors, 429 with Retry-After, 5xx)."""
        s = self.settings
        try:
            for attempt in stamina.retry_context(on=_retry_hook, attempts=s.attempts, timeout=None,
                                                 wait_initial=s.wait_initial_s, wait_max=30.0):
                with attempt:
                    self.requests += 1
                    response = self._http.request(method, url, **kw)
                    if response.status_code == 429:
                        raise _RetryAfter(_retry_after(response), call)
                    if response.status_code >= 500:
                        raise _ServerError(f"{call}: HTTP {response.status_code}")
                    return response
        except httpx.TransportError as exc:
            raise MailUpError(f"MailUp did not answer {call} after {s.attempts} attempts: "
                              f"{type(exc).__name__}") from None
        except (_RetryAfter, _ServerError) as exc:
            raise MailUpError(f"MailUp kept failing {call} after {s.attempts} attempts: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, path: str, params: dict | None = None) -> dict:
        """GET ``path`` under the API URL, signed in; a 401 renews the token once and retries."""
        if self._access is None:
            self.sign_in()
        call = f"GET {path}"
        url = f"{self.settings.api_url}/{path}"
        for renewed in (False, True):
            response = self._send("GET", url, call, params=params,
                                  headers={"Authorization": f"Bearer {self._access}"})
            if response.status_code == 401 and not renewed:
                self._renew()
                continue
            if response.status_code != 200:
                raise MailUpError(f"MailUp refused {call} (HTTP {response.status_code})")
            try:
                return response.json()
            except ValueError:
                raise MailUpError(f"MailUp answered {call} with something that is not JSON") from None
        raise MailUpError(f"MailUp refused {call} (HTTP 401 after renewing the token)")

    def paged(self, path: str, page_size: int | None = None) -> Iterator[tuple[list[dict], int]]:
        """Pages of ``Items`` with ``TotalElementsCount``, page numbers from 0, until every element is read."""
        size = page_size or self.settings.page_size
        number, seen = 0, 0
        while True:
            body = self.get(path, {"pageSize": size, "pageNumber": number})
            items = body.get("Items") or []
            total = int(body.get("TotalElementsCount") or 0)
            if not body.get("IsPaginated", True) and not total:
                total = len(items)  # an answer that says it is not paginated holds everything
            yield items, total
            seen += len(items)
            if not items or seen >= total:
                return
            number += 1

    # -- streams ---------------------------------------------------------------------------------------------------

    def lists(self) -> Iterator[dict]:
        for items, _ in self.paged("Console/User/Lists"):
            yield from items

    def messages(self, id_list: int) -> Iterator[dict]:
        for items, _ in self.paged(f"Console/Sms/List/{id_list}/Messages"):
            yield from items

    def message(self, id_list: int, id_message: int) -> dict:
        return self.get(f"Console/Sms/List/{id_list}/Message/{id_message}")

    def sending_count(self, id_message: int) -> int:
        body = self.get(f"Console/Sms/{id_message}/Sendings/ReportDetails", {"pageSize": 1, "pageNumber": 0})
        return int(body.get("TotalElementsCount") or len(body.get("Items") or []))

    def sendings(self, id_message: int) -> Iterator[list[dict]]:
        for items, _ in self.paged(f"Console/Sms/{id_message}/Sendings/ReportDetails"):
            yield items

    def credits(self) -> dict:
        return self.get("Console/Authentication/Details")


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "1")
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (pd.Timestamp(value).to_pydatetime() - datetime.now(UTC)).total_seconds()
        except (ValueError, TypeError):
            seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


# -- from sendings to messages -----------------------------------------------------------------------------------


def _place(digits: str) -> str | None:
    """The ISO country of international digits with phonenumbers, or None when it is not a possible number."""
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.region_code_for_number(parsed)


def _digits(receivers: pd.Series) -> pd.Series:
    s = receivers.astype("string").str.strip().str.lstrip("+")
    return s.where(~s.str.startswith("00").fillna(False), s.str[2:])


def countries_of(receivers) -> np.ndarray:
    """The ISO country of each MailUp ``Receiver`` (international digits without ``+`` or ``00``), None where it
    cannot be placed. Numbers are placed once per (first 7 digits, length), with phonenumbers on the first number
    of each: the country calling code and, for shared codes (+1, +7, +44 ...), the leading digits of the national
    number decide the region, and the length decides whether the number is possible. A million numbers of a few
    hundred such keys cost a few hundred parses, not a million."""
    digits = _digits(pd.Series(receivers, dtype="string"))
    ok = digits.str.fullmatch(r"\d{6,15}").fillna(False).to_numpy(bool)
    out = np.full(len(digits), None, dtype=object)
    if not ok.any():
        return out
    good = digits[ok]
    key = (good.str[:7] + "/" + good.str.len().astype("string")).to_numpy(dtype=object)
    codes, uniques = pd.factorize(key)
    firsts = np.full(len(uniques), -1)
    firsts[codes[::-1]] = np.arange(len(codes))[::-1]  # the first number of each key
    numbers = good.to_numpy(dtype=object)
    region = np.array([_place(str(numbers[i])) for i in firsts], dtype=object)
    out[ok] = region[codes]
    return out


def country_of(receiver: str) -> str | None:
    """The ISO country of one MailUp ``Receiver``, or None (see ``countries_of``)."""
    return countries_of([receiver])[0]


@dataclass
class Converted:
    """Sendings turned into messages (``record_messages`` columns) and the problems of the ones left out."""

    messages: pd.DataFrame
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, why)
    queued_left: int = 0  # queued sendings without a send time (not charged yet)


def _rates_of(countries: np.ndarray) -> np.ndarray:
    """Credits per part of each country (NaN where the price table has none), one lookup per distinct country."""
    table = rates().set_index("country")["credits_per_part"].to_dict()
    codes, uniques = pd.factorize(pd.Series(countries, dtype=object), use_na_sentinel=True)
    per = np.array([table.get(c, np.nan) for c in uniques] + [np.nan], dtype=float)
    return per[codes]  # the sentinel -1 picks the trailing NaN


def parts_of(text: str, unicode: bool = False) -> int:
    """R12 parts of a message text; UCS-2 when MailUp marks the message as Unicode."""
    return text_parts(text, unicode).parts


def sending_credits(id_message: str, list_id: str, text: str, unicode: bool, receivers: np.ndarray,
                    sent: pd.Series, status: np.ndarray, *, charge_queued: bool = True,
                    label: str | None = None, stamps: pd.Series | None = None,
                    countries: np.ndarray | None = None) -> Converted:
    """Messages for ``record_messages`` from one MailUp message's sendings: the stable id, the list, the send time
    (UTC), credits = parts x rate(country), the country, parts, campaign ``mailup-{id}``, the recipient, the text.
    Sendings repeated (a status change reported twice) count once, with their last status."""
    label = label or f"message {id_message}"
    df = pd.DataFrame({"receiver": pd.array(receivers, dtype="string"), "sent": sent.reset_index(drop=True),
                       "status": status})
    if stamps is not None:
        df["stamp"] = stamps.reset_index(drop=True)
    if countries is not None:
        df["country"] = countries
    df = df.drop_duplicates(["receiver", "sent"], keep="last")
    queued_left = int(((df["status"] == QUEUED) & df["sent"].isna()).sum())
    charged = df["status"].isin([DELIVERED, ERROR]) | (charge_queued & (df["status"] == QUEUED))
    df = df[charged & df["sent"].notna()]
    out = Converted(pd.DataFrame(), [], queued_left)
    if df.empty:
        out.messages = _empty_messages()
        return out
    countries = df["country"].to_numpy(dtype=object) if "country" in df else countries_of(df["receiver"])
    rate = _rates_of(countries)
    unplaced = pd.isna(countries)
    for r in df["receiver"].to_numpy(dtype=object)[unplaced][:20]:
        out.problems.append((label, f"number {r} cannot be placed in a country (not a possible international "
                                    f"number): its sending is not recorded"))
    no_rate = ~unplaced & pd.isna(rate)
    for c in sorted(set(countries[no_rate])):
        out.problems.append((label, f"country {c} has no rate in the price table (data/rates.csv): its sendings are "
                                    f"not recorded"))
    if unplaced.sum() > 20:
        out.problems.append((label, f"... {int(unplaced.sum()) - 20} more numbers that cannot be placed"))
    keep = ~unplaced & ~no_rate
    df, countries, rate = df[keep], countries[keep], rate[keep]
    parts = parts_of(text, unicode)
    stamps = df["stamp"] if stamps is not None else df["sent"].dt.strftime("%Y%m%dT%H%M%SZ")
    out.messages = pd.DataFrame({
        "message_id": "mailup-" + str(id_message) + "-" + df["receiver"].astype(str) + "-" + stamps,
        "list_id": list_id,
        "sent_at": df["sent"],
        "credits": (rate.astype("int64") * parts),
        "country": countries.astype(str),
        "parts": parts,
        "campaign_id": f"mailup-{id_message}",
        "recipient": df["receiver"].astype(str),
        "text": text,
    }).reset_index(drop=True)
    return out


def _empty_messages() -> pd.DataFrame:
    return pd.DataFrame({"message_id": pd.Series(dtype=str), "list_id": pd.Series(dtype=str),
                         "sent_at": pd.Series(dtype="datetime64[us, UTC]"), "credits": pd.Series(dtype="int64")})


def parse_sent(values: pd.Series) -> pd.Series:
    """MailUp's ``SentDate`` (``2015-01-29 14:11:10Z``, UTC) as aware timestamps; empty ones are NaT."""
    text = values.astype("string").str.strip().replace("", pd.NA)
    return pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601").dt.floor("s")


# -- sync --------------------------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    account: str
    lists: int = 0
    messages: int = 0
    skipped: int = 0  # messages whose bookmark was complete and unchanged
    sendings: int = 0  # read from MailUp
    recorded: int = 0  # new messages written to the ledger
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    credits: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        rate = f", {self.sendings / self.seconds:,.0f} sendings/s" if self.seconds > 0 and self.sendings else ""
        head = (f"MailUp {self.account}: {self.lists} lists, {self.messages} messages ({self.skipped} unchanged since "
                f"the last sync), {self.sendings:,} sendings read, {self.recorded:,} new recorded in "
                f"{self.seconds:.1f} s{rate}")
        lines = [head] + [f"  problem: {where}: {why}" for where, why in self.problems]
        return "\n".join(lines)


Progress = Callable[[SyncReport, str], None]


def sync(store: CreditStore, client: Client, *, full: bool = False, progress: Progress | None = None
         ) -> SyncReport:
    """Pull the account and record it (idempotent, resumable). ``full`` re-reads messages a bookmark says are
    complete. ``progress(report, stage)`` is called as lists, messages and pages are done."""
    started = time.perf_counter()
    report = SyncReport(client.settings.username)
    say = progress or (lambda _r, _s: None)
    bookmarks = store.mailup_bookmarks()
    say(report, "signing in")
    todo = []
    for item in client.lists():
        id_list = int(item.get("IdList", item.get("idList")))
        store.add_list(str(id_list), (item.get("Name") or None))
        report.lists += 1
        todo += [(int(msg["idMessage"]), id_list, msg.get("Subject") or "") for msg in client.messages(id_list)]
        say(report, f"list {id_list}")
    # MailUp numbers messages as they are created, so in id order they come roughly in time order: recording them
    # so appends to the ledger instead of replaying it from an earlier checkpoint for every list
    for id_message, id_list, subject in sorted(todo):
        report.messages += 1
        mark = bookmarks.get(id_message)
        if not full and mark is not None and mark[1] and client.sending_count(id_message) == mark[0]:
            report.skipped += 1
            continue
        _sync_message(store, client, report, str(id_list), id_list, id_message, subject, say)
        report.seconds = time.perf_counter() - started
        say(report, f"list {id_list}, message {id_message}")
    say(report, "reading the account's credits")
    details = client.credits()
    by_list = {str(int(x.get("ListId", x.get("idList")))): int(x.get("Credit", 0))
               for x in details.get("CreditsByList") or []}
    report.credits = {"total": int(details.get("TotalCredits", 0)), "by_list": by_list}
    store.save_mailup_status(report.credits["total"], by_list, {
        "account": report.account, "lists": report.lists, "messages": report.messages,
        "sendings": report.sendings, "recorded": report.recorded, "problems": len(report.problems)})
    report.seconds = time.perf_counter() - started
    say(report, "done")
    return report


def _sync_message(store: CreditStore, client: Client, report: SyncReport, list_id: str, id_list: int,
                  id_message: int, subject: str, say: Progress) -> None:
    detail = client.message(id_list, id_message)
    text = detail.get("Content") or ""
    unicode = bool(detail.get("IsUnicode", False))
    receivers, sent, status = [], [], []
    total = 0
    for items in client.sendings(id_message):
        receivers += [str(x.get("Receiver") or "") for x in items]
        sent += [x.get("SentDate") or "" for x in items]
        status += [int(x.get("Status", QUEUED)) for x in items]
        total += len(items)
        report.sendings += len(items)
        say(report, f"message {id_message}: {total:,} sendings")
    label = f"message {id_message} ({subject})" if subject else f"message {id_message}"
    conv = sending_credits(str(id_message), list_id, text, unicode, np.array(receivers, dtype=object),
                           parse_sent(pd.Series(sent, dtype="string")), np.array(status, dtype=np.int64),
                           charge_queued=client.settings.charge_queued, label=label)
    report.problems += conv.problems
    campaign = pd.DataFrame({"campaign_id": [f"mailup-{id_message}"], "name": [subject or f"MailUp {id_message}"],
                             "list_id": [list_id], "text": [text]})
    try:
        with store.batch():  # records, name and bookmark commit together: the bookmark never runs ahead
            store.describe_campaigns(campaign)
            report.recorded += store.record_messages(conv.messages)
            store.save_mailup_bookmark(id_message, list_id, total, complete=conv.queued_left == 0 and not conv.problems)
    except InsufficientCredits as exc:
        report.problems.append((label, f"not recorded: the ledger holds too few credits for its sendings ({exc}); "
                                       f"import your purchases first (import kind purchases), then sync again"))


def sync_status(store: CreditStore) -> dict | None:
    """The last sync: when, who, what it brought, and MailUp's credit figures then (None: never synced)."""
    return store.mailup_status()


def reconciliation(store: CreditStore) -> pd.DataFrame:
    """This ledger against MailUp's own figures of the last sync, per list and in total: list_id, name, mailup,
    ledger, difference, explanation (plain words). Empty when MailUp was never synced."""
    status = store.mailup_status()
    if status is None:
        return pd.DataFrame(columns=["list_id", "name", "mailup", "ledger", "difference", "explanation"])
    b = store.balance()
    rows = []
    for list_id, credit in sorted(status["by_list"].items()):
        name = store.list_name(list_id) if list_id in store.list_ids else list_id
        ours = b.assigned.get(list_id)
        if ours is None:
            rows.append((list_id, name, credit, None, None,
                         f"{name}: MailUp gives it {credit:,} credits of its own; here it has free access (it spends "
                         f"from the unassigned pool). Record the assignment to match."))
            continue
        diff = credit - ours
        rows.append((list_id, name, credit, ours, diff, _explain(name, credit, ours)))
    for list_id, ours in b.assigned.items():
        if list_id not in status["by_list"]:
            name = store.list_name(list_id)
            rows.append((list_id, name, None, ours, None,
                         f"{name}: this ledger gives it a spending limit of {ours:,}; MailUp reports no credits of "
                         f"its own (free access there)."))
    total = status["total"]
    rows.append(("", "Total", total, b.total, total - b.total, _explain("The account", total, b.total)))
    df = pd.DataFrame(rows, columns=["list_id", "name", "mailup", "ledger", "difference", "explanation"])
    for c in ("mailup", "ledger", "difference"):
        df[c] = df[c].astype("Int64")
    df.attrs["synced_at"] = status["synced_at"].isoformat()
    return df


def _explain(name: str, mailup: int, ours: int) -> str:
    if mailup == ours:
        return f"{name}: MailUp and this ledger agree ({ours:,})."
    if mailup < ours:
        return (f"{name}: MailUp says {mailup:,}, this ledger {ours:,}: {ours - mailup:,} credits of sends not yet "
                f"synced, an expiry MailUp applied differently, or an assignment made in MailUp after the last sync.")
    return (f"{name}: MailUp says {mailup:,}, this ledger {ours:,}: {mailup - ours:,} more in MailUp, a purchase "
            f"not imported here (purchases come from invoices, import kind purchases), or an assignment made in "
            f"MailUp after the last sync.")


def matching_limits(store: CreditStore) -> list:
    """The limit changes that make every list MailUp reports match it (previewed, then applied by a manager)."""
    from .limits import LimitChange

    status = store.mailup_status()
    if status is None:
        return []
    b = store.balance()
    return [LimitChange(list_id, new_limit=credit) for list_id, credit in sorted(status["by_list"].items())
            if list_id in store.list_ids and b.assigned.get(list_id) != credit]


def apply_matching_limits(store: CreditStore) -> int:
    """Record the assignments that make the lists match MailUp, in one transaction, with one History entry."""
    from .limits import apply_limits, describe

    changes = matching_limits(store)
    if not changes:
        return 0
    words = describe(store, changes)
    with store.batch():
        n = apply_limits(store, changes, datetime.now(UTC))
        store.audit("MailUp reconciliation", "limits set to MailUp's figures: " + "; ".join(words))
    return n



# -- MailUp's CSV export ---------------------------------------------------------------------------------------

STATUS_WORDS = {"0": DELIVERED, "delivered": DELIVERED, "consegnato": DELIVERED, "ok": DELIVERED,
                "1": QUEUED, "queued": QUEUED, "pending": QUEUED, "in coda": QUEUED, "sent": QUEUED,
                "2": ERROR, "error": ERROR, "failed": ERROR, "undelivered": ERROR, "errore": ERROR,
                "rejected": ERROR, "expired": ERROR}


def _compact_instants(text: pd.Series) -> pd.Series:
    """``20220121T111244`` (UTC) as aware timestamps, NaT where it is not one (Arrow's strptime: vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.astype("string").to_numpy(dtype=object, na_value=None), type=pa.string())
    parsed = pc.strptime(arr, format="%Y%m%dT%H%M%S", unit="s", error_is_null=True)
    out = pd.Series(parsed.to_pandas(), index=text.index)
    return out.dt.tz_localize("UTC")


def export_messages(store: CreditStore, df: pd.DataFrame, report) -> pd.DataFrame:
    """Messages from MailUp's SMS statistics export (``import_file`` kind ``mailup-sms-export``): one row per status
    change of a sending, counted once (the latest ``responsedate``); ``sentdate`` like ``20220121T111244`` in UTC,
    as the API gives it, so a sending imported from the file and synced from the API has the same id. Texts come from
    the campaigns already named (``sync``, or a ``campaigns`` file with campaign_id ``mailup-{idSMS}`` or ``{idSMS}``).
    Problems go to ``report`` by row; the rows with a problem are left out (and then nothing is written)."""
    rows = pd.RangeIndex(len(df)) + 2  # spreadsheet rows: the header is row 1
    recipient = _digits(df["recipient"].fillna(""))
    id_sms = df["idSMS"].fillna("").str.strip()
    id_list = df["idList"].fillna("").str.strip()
    raw_sent = df["sentdate"].fillna("").str.strip()
    sent = _compact_instants(raw_sent)
    codes, words = pd.factorize(df["status"].fillna("").str.strip().str.lower())
    status = pd.Series(np.array([STATUS_WORDS.get(w, np.nan) for w in words] + [np.nan], dtype=float)[codes],
                       index=df.index)  # one lookup per distinct status word
    bad = np.zeros(len(df), bool)

    def problem(mask, column, values, why):
        for i in np.nonzero(np.asarray(mask) & ~bad)[0][:200]:
            report.add(int(rows[i]), column, values.iloc[i], why)
        bad[np.asarray(mask)] = True

    problem(~id_sms.str.fullmatch(r"\d+").fillna(False), "idSMS", id_sms, "not a MailUp message id (digits)")
    problem(~id_list.str.fullmatch(r"\d+").fillna(False), "idList", id_list, "not a MailUp list id (digits)")
    problem((raw_sent != "") & sent.isna(), "sentdate", raw_sent,
            "not a date-time like 20220121T111244 (YYYYMMDDTHHMMSS, UTC)")
    problem(status.isna().to_numpy(), "status", df["status"].fillna(""),
            "unknown status; use 0/delivered, 1/queued or 2/error")
    countries = countries_of(recipient)
    problem(pd.isna(countries) & (recipient != "").to_numpy(), "recipient", recipient,
            "cannot be placed in a country (not a possible international number)")
    problem((recipient == "").to_numpy(), "recipient", recipient, "empty")
    has_rate = ~np.isnan(_rates_of(countries))
    problem(~pd.isna(countries) & ~has_rate, "recipient", recipient,
            "its country has no rate in the price table (data/rates.csv)")
    texts = store.campaign_info().set_index("campaign_id")["text"].dropna().to_dict()
    rows_ok = np.nonzero(~bad)[0]
    # every column needed, once, as plain arrays; then one integer sort by message (and response time) instead of a
    # scan of the whole file per message
    sms_codes, sms_ids = pd.factorize(id_sms)
    order_keys = [sms_codes[rows_ok]]
    if "responsedate" in df:
        order_keys.insert(0, pd.factorize(df["responsedate"].fillna(""), sort=True)[0][rows_ok])
    order = rows_ok[np.lexsort(order_keys)]  # the last key sorts first: by message, then by response time
    lists_a = id_list.to_numpy(dtype=object)
    recipients_a, raw_a = recipient.to_numpy(dtype=object), raw_sent.to_numpy(dtype=object)
    status_a = status.to_numpy(dtype=float)
    sms_sorted = sms_codes[order]
    cuts = np.nonzero(sms_sorted[1:] != sms_sorted[:-1])[0] + 1
    frames = []

    def rows_mask(rows_of: np.ndarray) -> np.ndarray:
        mine = np.zeros(len(df), bool)
        mine[rows_of] = True
        return mine

    for rows_of in np.split(order, cuts) if len(order) else []:
        sms = str(sms_ids[sms_codes[rows_of[0]]])
        text = texts.get(f"mailup-{sms}", texts.get(sms))
        if text is None:
            problem(rows_mask(rows_of), "idSMS", id_sms, f"no text for MailUp message {sms}: run sync, or import a "
                                                         f"campaigns file (campaign_id mailup-{sms}, name, text) first")
            continue
        lists = pd.unique(lists_a[rows_of])
        if len(lists) > 1:
            problem(rows_mask(rows_of), "idList", id_list,
                    f"MailUp message {sms} appears under several lists ({', '.join(lists)})")
            continue
        conv = sending_credits(sms, lists[0], text, False, recipients_a[rows_of],
                               sent.iloc[rows_of], status_a[rows_of].astype(np.int64),
                               stamps=pd.Series(raw_a[rows_of]) + "Z",
                               countries=countries[rows_of])
        frames.append(conv.messages)
    out = pd.concat(frames, ignore_index=True) if frames else _empty_messages()
    out.attrs["new_lists"] = sorted(set(out["list_id"].unique()) - set(store.list_ids)) if len(out) else []
    if out.attrs["new_lists"]:
        report.notes.append(f"new lists (MailUp ids, no names yet; sync or a lists file names them): "
                            f"{', '.join(out.attrs['new_lists'])}")
    return out
