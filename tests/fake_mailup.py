"""A fake MailUp REST API (ConsoleService v1.1) served on loopback by pytest-httpserver (werkzeug), built from the
shapes MailUp documents ("Paging and filtering", "Text messages - SMS", "Authenticating with OAuth v2", "Accounts"):

* OAuth token (password and refresh-token grants); a refused grant answers OAuth's JSON error;
* ``Console/Authentication/Info`` (``UID``, ``Username``) and ``Details`` (``TotalCredits``, ``CreditsByList``);
* lists through ``GET Console/List`` (lower-case ``idList``, ``listGuid``, as documented) and the old
  ``Console/User/Lists`` (``IdList``);
* SMS messages of a list (``Subject``, ``idList``, ``idMessage``) and a message's details (``Content`` with merge
  tags, ``Fields`` with their defaults, ``IsUnicode``);
* sendings (``ReportDetails``): paged as asked, or as MailUp's own example answers (``unpaginated``: everything,
  ``IsPaginated`` false, ``PageSize`` 0, ``TotalElementsCount`` 0); ``orderby=SentDate desc`` applied (newest first)
  unless ``ignore_order``;
* errors with MailUp's body (``ErrorCode``, ``ErrorDescription``, ``ErrorName``, ``ErrorStack``).

Faults on demand: a token that expires after N calls, a 429 with Retry-After, a 500, a connection that dies for good
after N sendings pages, a wrong ``TotalElementsCount``, ``Skipped`` that does not match the page asked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from werkzeug import Request, Response

API = "/API/v1.1/Rest/ConsoleService.svc"


def _sent_key(value) -> float:
    """A sending's send time for ``orderby`` (those MailUp would not sort, last)."""
    text = str(value or "")
    m = re.fullmatch(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/", text)
    if m:
        return int(m.group(1)) / 1000
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return float("-inf")


@dataclass
class FakeMailUp:
    client_id: str = "cid-123"
    client_secret: str = "s3cret-client"
    username: str = "m12345"
    password: str = "pa55-w0rd!"
    uid: str = "388"
    lists: list[dict] = field(default_factory=list)  # {"IdList", "Name"}
    messages: dict[int, list[dict]] = field(default_factory=dict)  # id_list -> [{"idMessage","Subject","Content",...}]
    sendings: dict[int, list[dict]] = field(default_factory=dict)  # id_message -> [{"Receiver","SentDate","Status"}]
    credits: dict = field(default_factory=lambda: {"TotalCredits": 0, "CreditsByList": []})
    unpaginated: set = field(default_factory=set)  # message ids whose sendings come as MailUp's own example
    old_lists_only: bool = False  # only Console/User/Lists (an older API)
    ignore_order: bool = False  # orderby is not applied
    wrong_total: dict[int, int] = field(default_factory=dict)  # id_message -> the TotalElementsCount announced
    skipped_off: dict[int, int] = field(default_factory=dict)  # id_message -> added to Skipped on pages after 0
    expire_token_after: int | None = None  # API calls a token is good for
    fail_once: dict[str, int] = field(default_factory=dict)  # path regex -> status (429 or 500), served once
    retry_after: str = "1"
    dead_after_pages: int | None = None  # sendings pages served before every call fails with 503
    calls: list[str] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)
    _tokens: dict[str, int] = field(default_factory=dict)  # access token -> API calls left
    _n: int = 0
    _pages: int = 0

    # -- werkzeug handler --------------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        path = request.path
        self.calls.append(f"{request.method} {path}?{request.query_string.decode()}")
        if path == "/Authorization/OAuth/Token":
            return self._token(request)
        if not path.startswith(API + "/"):
            return Response("not found", 404)
        route = path[len(API) + 1:]
        for pattern, status in list(self.fail_once.items()):
            if re.fullmatch(pattern, route):
                del self.fail_once[pattern]
                headers = {"Retry-After": self.retry_after} if status == 429 else {}
                return _error(status, "Too many requests. Max:5 calls per second" if status == 429 else "oops",
                              headers)
        if self.dead_after_pages is not None and self._pages >= self.dead_after_pages:
            return Response("gone", 503)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self._tokens.get(token, 0) <= 0:
            return _error(401, "Authorization error: the access token expired")
        self._tokens[token] -= 1
        return self._api(route, request)

    def _token(self, request: Request) -> Response:
        form = request.form
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return Response(json.dumps({"error": "invalid_client"}), 401, content_type="application/json")
        grant = form.get("grant_type")
        self.grants.append(grant)
        if grant == "password" and (form.get("username"), form.get("password")) != (self.username, self.password):
            return Response(json.dumps({"error": "invalid_grant", "error_description": "wrong username or password"}),
                            400, content_type="application/json")
        if grant == "refresh_token" and not form.get("refresh_token", "").startswith("refresh-"):
            return Response(json.dumps({"error": "invalid_grant"}), 400, content_type="application/json")
        self._n += 1
        access = f"access-{self._n}-token"
        self._tokens[access] = self.expire_token_after if self.expire_token_after else 10**12
        body = {"access_token": access, "refresh_token": f"refresh-{self._n}", "expires_in": 3600}
        return Response(json.dumps(body), 200, content_type="application/json")

    def _api(self, route: str, request: Request) -> Response:
        args = request.args
        if route == "Console/List" and not self.old_lists_only:
            items = [{"idList": x["IdList"], "Name": x["Name"], "listGuid": f"guid-{x['IdList']}",
                      "Company": "Example"} for x in self.lists]
            return self._page(items, args)
        if route == "Console/User/Lists":
            return self._page(self.lists, args)
        if route == "Console/Authentication/Info":
            return _json({"AccountName": "", "Company": "Example", "UID": self.uid, "Username": self.username,
                          "IsTrial": False, "Version": "9.0.0"})
        if route == "Console/Authentication/Details":
            return _json({"UID": self.uid, "Username": self.username, **self.credits})
        if m := re.fullmatch(r"Console/Sms/List/(\d+)/Messages", route):
            items = [{"Subject": x["Subject"], "idList": int(m.group(1)), "idMessage": x["idMessage"]}
                     for x in self.messages.get(int(m.group(1)), [])]
            return self._page(items, args)
        if m := re.fullmatch(r"Console/Sms/List/(\d+)/Message/(\d+)", route):
            for x in self.messages.get(int(m.group(1)), []):
                if x["idMessage"] == int(m.group(2)):
                    return _json({"Subject": x["Subject"], "idList": int(m.group(1)), "idMessage": x["idMessage"],
                                  "Content": x["Content"], "IsUnicode": x.get("IsUnicode", False),
                                  "Fields": x.get("Fields", [])})
            return _error(404, "message not found")
        if m := re.fullmatch(r"Console/Sms/(\d+)/Sendings/ReportDetails", route):
            self._pages += 1
            id_message = int(m.group(1))
            items = self.sendings.get(id_message, [])
            if args.get("orderby", "").replace("+", " ").strip('"') == "SentDate desc" and not self.ignore_order:
                items = sorted(items, key=lambda x: _sent_key(x.get("SentDate")), reverse=True)
            if id_message in self.unpaginated:
                return _json({"IsPaginated": False, "Items": list(items), "PageNumber": 0, "PageSize": 0, "Skipped": 0,
                              "TotalElementsCount": 0})
            return self._page(items, args, self.wrong_total.get(id_message), self.skipped_off.get(id_message, 0))
        return _error(404, f"no resource {route}")

    @staticmethod
    def _page(items, args, total: int | None = None, skipped_off: int = 0) -> Response:
        size = int(args.get("pageSize", 20))
        number = int(args.get("pageNumber", 0))
        chunk = list(items[number * size:(number + 1) * size])
        return _json({"IsPaginated": True, "Items": chunk, "PageNumber": number, "PageSize": size,
                      "Skipped": number * size + (skipped_off if number else 0),
                      "TotalElementsCount": len(items) if total is None else total})


def _json(body: dict) -> Response:
    return Response(json.dumps(body), 200, content_type="application/json")


def _error(status: int, description: str, headers: dict | None = None) -> Response:
    body = {"ErrorCode": str(status), "ErrorDescription": description, "ErrorName": None, "ErrorStack": None}
    return Response(json.dumps(body), status, headers or {}, content_type="application/json")
