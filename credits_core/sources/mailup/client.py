"""One HTTP layer for MailUp's REST API (ConsoleService v1.1): sign-in, pacing, retries, bounded answers, paging.

* **Sign-in.** OAuth 2 at ``{auth_url}/Authorization/OAuth/Token``: the password grant, then the refresh-token grant
  after a 401 (once per call). Tokens live in memory only. A token endpoint that answers something other than JSON
  with an access token is a clear error.
* **Pacing.** MailUp's API use policy allows 5 calls a second: the client never starts two calls closer than
  ``1 / calls_per_second`` (retries included), instead of waiting to be told with a 429.
* **Retries** with exponential backoff and jitter (``stamina``) on connection errors, 429 (after its
  ``Retry-After``) and 5xx. Any other refusal stops with the call named and MailUp's own ``ErrorDescription``.
* **Bounded answers.** An answer is read as a stream: more than ``max_answer_bytes`` once decompressed, or a whole
  call longer than ``deadline_s`` (a server trickling a byte at a time never trips a read timeout), is refused; a
  broken gzip body or JSON that does not parse is a ``MailUpError``, never a traceback.
* **Paging** (``pages``): MailUp's lists carry ``Items``, ``IsPaginated``, ``PageNumber``, ``PageSize``, ``Skipped``
  and ``TotalElementsCount`` and take ``pageSize``, ``pageNumber``, ``orderby``. Paging ends on a short or empty
  page, never on the count alone (MailUp's own ReportDetails example answers ``TotalElementsCount: 0`` with its
  items); an answer that says it is not paginated holds everything. ``Skipped`` is checked against the page asked,
  the number read against ``TotalElementsCount``, and a page that repeats the one before stops the read: each
  disagreement is a problem of the read (``Paging.problems``), so the caller reads that resource again next time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import stamina

from credits_core.language import said
from credits_core.sources.mailup.settings import MailUpError, MailUpSettings

MAX_RETRY_AFTER_S = 120.0
MAX_PAGES = 100_000  # a read with no count to bound it stops here (a server that pages forever)


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


@dataclass
class Answer:
    status: int
    body: bytes
    headers: httpx.Headers

    def json(self, call: str) -> dict:
        try:
            value = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise MailUpError(f"MailUp answered {call} with something that is not JSON "
                              f"({_snippet(self.body)})") from None
        if not isinstance(value, dict):
            raise MailUpError(f"MailUp answered {call} with JSON that is not an object ({_snippet(self.body)})")
        return value

    def error_description(self) -> str:
        """MailUp's ``ErrorDescription`` (or an OAuth ``error_description`` / ``error``), when the body has one."""
        try:
            value = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return ""
        if not isinstance(value, dict):
            return ""
        for key in ("ErrorDescription", "error_description", "error", "Message"):
            if value.get(key):
                return " ".join(str(value[key]).split())[:300]
        return ""


def _snippet(body: bytes) -> str:
    text = body[:80].decode("utf-8", "replace")
    return repr(" ".join(text.split())) + ("..." if len(body) > 80 else "")


@dataclass
class Page:
    """One page of a MailUp list: its items and what the answer says of the whole."""

    items: list[dict]
    number: int
    paginated: bool
    size: int  # the page size the answer used (the one asked when it does not say)
    total: int | None  # TotalElementsCount, when the answer gives one (> 0)


@dataclass
class Paging:
    """What a paged read found: items read, the total MailUp announced, and every disagreement (a problem)."""

    read: int = 0
    total: int | None = None
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    ended: bool = False  # the read reached a short or empty page (or an answer that holds everything)


class Client:
    """MailUp's REST API with a token in memory. ``transport`` lets tests and benchmarks plug a fake server."""

    def __init__(self, settings: MailUpSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self._http = httpx.Client(timeout=httpx.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s)),
                                  transport=transport, follow_redirects=False,
                                  headers={"Accept": "application/json", "Accept-Encoding": "gzip"})
        self._access: str | None = None
        self._refresh: str | None = None
        self._next_call = 0.0  # monotonic instant before which no call may start (pacing)
        self._pace_lock = threading.Lock()
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request -----------------------------------------------------------------------------------------------

    def _pace(self) -> None:
        rate = self.settings.calls_per_second
        if not rate:
            return
        with self._pace_lock:
            now = time.monotonic()
            wait = self._next_call - now
            self._next_call = max(now, self._next_call) + 1.0 / rate
        if wait > 0:
            time.sleep(wait)

    def _read(self, method: str, url: str, call: str, **kw) -> Answer:
        """One request, its answer read within the size and time bounds."""
        s = self.settings
        deadline = time.monotonic() + s.deadline_s
        self._pace()
        self.requests += 1
        with self._http.stream(method, url, **kw) as response:
            chunks, size = [], 0
            try:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > s.max_answer_bytes:
                        raise MailUpError(f"MailUp's answer to {call} is larger than "
                                          f"{s.max_answer_bytes / 1e6:,.0f} MB: refused (ask smaller pages with "
                                          f"MAILUP_PAGE_SIZE)")
                    if time.monotonic() > deadline:
                        raise MailUpError(f"MailUp's answer to {call} took more than {s.deadline_s:g} s: refused")
                    chunks.append(chunk)
            except httpx.DecodingError:
                raise MailUpError(f"MailUp's answer to {call} is not readable (its compressed body is broken)"
                                  ) from None
            return Answer(response.status_code, b"".join(chunks), response.headers)

    def _send(self, method: str, url: str, call: str, **kw) -> Answer:
        """One call with retries (connection errors, 429 with Retry-After, 5xx)."""
        s = self.settings
        try:
            for attempt in stamina.retry_context(on=_retry_hook, attempts=s.attempts, timeout=None,
                                                 wait_initial=s.wait_initial_s, wait_max=30.0):
                with attempt:
                    answer = self._read(method, url, call, **kw)
                    if answer.status == 429:
                        raise _RetryAfter(_retry_after(answer.headers), call)
                    if answer.status >= 500:
                        why = answer.error_description()
                        raise _ServerError(f"{call}: HTTP {answer.status}" + (f" ({why})" if why else ""))
                    return answer
        except httpx.TransportError as exc:
            raise MailUpError(f"MailUp did not answer {call} after {s.attempts} attempts: "
                              f"{type(exc).__name__}") from None
        except (_RetryAfter, _ServerError) as exc:
            raise MailUpError(f"MailUp kept failing {call} after {s.attempts} attempts: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    # -- sign-in ---------------------------------------------------------------------------------------------------

    def _token(self, grant: dict[str, str]) -> None:
        s = self.settings
        data = {**grant, "client_id": s.client_id, "client_secret": s.client_secret}
        call = "sign-in (OAuth token)"
        answer = self._send("POST", f"{s.auth_url}/Authorization/OAuth/Token", call, data=data)
        if answer.status != 200:
            why = answer.error_description()
            raise MailUpError(f"MailUp refused the sign-in (HTTP {answer.status}{': ' + why if why else ''}): check "
                              f"the client id, secret, username and password")
        body = answer.json(call)
        self._access, self._refresh = body.get("access_token"), body.get("refresh_token")
        if not self._access or not isinstance(self._access, str):
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

    def get(self, path: str, params: dict | None = None) -> dict:
        """GET ``path`` under the API URL, signed in; a 401 renews the token once and retries."""
        if self._access is None:
            self.sign_in()
        call = f"GET {path}"
        url = f"{self.settings.api_url}/{path}"
        for renewed in (False, True):
            answer = self._send("GET", url, call, params=params,
                                headers={"Authorization": f"Bearer {self._access}"})
            if answer.status == 401 and not renewed:
                self._renew()
                continue
            if answer.status != 200:
                why = answer.error_description()
                raise MailUpError(f"MailUp refused {call} (HTTP {answer.status}{': ' + why if why else ''})")
            return answer.json(call)
        raise MailUpError(f"MailUp refused {call} (HTTP 401 after renewing the token)")

    def pages(self, path: str, paging: Paging, *, size: int | None = None, order: str | None = None,
              params: dict | None = None, first: int = 0) -> Iterator[Page]:
        """The pages of a MailUp list, from page ``first``, until a short or empty page; ``paging`` collects what
        the read found (see the module's docstring). ``order``: MailUp's ``orderby`` (``"SentDate desc"``)."""
        size = size or self.settings.page_size
        query = {**(params or {}), "pageSize": size}
        if order:
            query["orderby"] = order
        previous: list[dict] | None = None
        for number in range(first, MAX_PAGES):
            body = self.get(path, {**query, "pageNumber": number})
            items = body.get("Items")
            if items is None:
                items = []
            if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
                raise MailUpError(f"MailUp's answer to GET {path} has Items that are not a list of objects")
            paginated = body.get("IsPaginated") is not False
            used = _count(body.get("PageSize")) or size
            total = _count(body.get("TotalElementsCount")) or None
            paging.pages += 1
            paging.total = total if total is not None else paging.total
            if paginated and items:
                skipped = _count(body.get("Skipped"))
                if body.get("Skipped") is not None and skipped != number * used:
                    paging.problems.append(said("page {page} skipped {skipped} items where {expected} were expected "
                                                "(the pages moved while they were read)", page=str(number),
                                                skipped=skipped, expected=number * used))
                if previous is not None and items == previous:
                    paging.problems.append(said("page {page} repeats page {previous} (MailUp ignored pageNumber)",
                                                page=str(number), previous=str(number - 1)))
                    paging.ended = True
                    return
            paging.read += len(items)
            yield Page(items, number, paginated, used, total)
            if not paginated or len(items) < used:
                paging.ended = True
                if paginated and total is not None and first == 0 and paging.read != total:
                    paging.problems.append(said("{read} items read where MailUp's TotalElementsCount says {total}",
                                                read=paging.read, total=total))
                return
            if total is not None and number + 1 >= 2 * -(-total // used) + 10:  # twice the pages the count needs
                paging.problems.append(said("more pages than MailUp's TotalElementsCount ({total}) can explain: "
                                            "stopped after {read} items", total=total, read=paging.read))
                return
            previous = items
        paging.problems.append(said("more than {pages} pages: stopped", pages=MAX_PAGES))

    # -- streams ---------------------------------------------------------------------------------------------------

    def items(self, path: str) -> tuple[list[dict], Paging]:
        paging = Paging()
        out = [item for page in self.pages(path, paging) for item in page.items]
        return out, paging

    def lists(self) -> tuple[list[dict], Paging]:
        """The account's lists (``GET Console/List``; MailUp documents ``Console/User/Lists`` as the old method and
        the client falls back to it when the new one is not there)."""
        try:
            return self.items("Console/List")
        except MailUpError as exc:
            if "HTTP 404" not in str(exc):
                raise
            return self.items("Console/User/Lists")

    def messages(self, id_list: int) -> tuple[list[dict], Paging]:
        return self.items(f"Console/Sms/List/{id_list}/Messages")

    def message(self, id_list: int, id_message: int) -> dict:
        return self.get(f"Console/Sms/List/{id_list}/Message/{id_message}")

    def account(self) -> dict:
        """``Console/Authentication/Info``: the account's ``UID`` and ``Username``."""
        return self.get("Console/Authentication/Info")

    def credits(self) -> dict:
        return self.get("Console/Authentication/Details")


def _count(value: object) -> int:
    try:
        return max(0, int(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _retry_after(headers: httpx.Headers) -> float:
    value = headers.get("Retry-After", "1")
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
