"""A fake MailUp REST API (ConsoleService v1.1) built from the documented shapes, served on loopback by
pytest-httpserver (werkzeug): OAuth token (password and refresh-token grants), paged lists, messages, message
details, sendings report details and account credits. Faults on demand: a token that expires after N calls, a 429
with Retry-After, a 500, a connection that dies for good after N sendings pages."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from werkzeug import Request, Response

API = "/API/v1.1/Rest/ConsoleService.svc"


@dataclass
class FakeMailUp:
    client_id: str = "cid-123"
    client_secret: str = "s3cret-client"
    username: str = "m12345"
    password: str = "pa55-w0rd!"
    lists: list[dict] = field(default_factory=list)  # {"IdList", "Name"}
    messages: dict[int, list[dict]] = field(default_factory=dict)  # id_list -> [{"idMessage","Subject","Content",...}]
    sendings: dict[int, list[dict]] = field(default_factory=dict)  # id_message -> [{"Receiver","SentDate","Status"}]
    credits: dict = field(default_factory=lambda: {"TotalCredits": 0, "CreditsByList": []})
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
                return Response("slow down" if status == 429 else "oops", status, headers)
        if self.dead_after_pages is not None and self._pages >= self.dead_after_pages:
            return Response("gone", 503)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self._tokens.get(token, 0) <= 0:
            return Response("expired", 401)
        self._tokens[token] -= 1
        return self._api(route, request)

    def _token(self, request: Request) -> Response:
        form = request.form
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return Response(json.dumps({"error": "invalid_client"}), 401, content_type="application/json")
        grant = form.get("grant_type")
        self.grants.append(grant)
        if grant == "password" and (form.get("username"), form.get("password")) != (self.username, self.password):
            return Response(json.dumps({"error": "invalid_grant"}), 400, content_type="application/json")
        if grant == "refresh_token" and not form.get("refresh_token", "").startswith("refresh-"):
            return Response(json.dumps({"error": "invalid_grant"}), 400, content_type="application/json")
        self._n += 1
        access = f"access-{self._n}-token"
        self._tokens[access] = self.expire_token_after if self.expire_token_after else 10**12
        body = {"access_token": access, "refresh_token": f"refresh-{self._n}", "expires_in": 3600}
        return Response(json.dumps(body), 200, content_type="application/json")

    def _api(self, route: str, request: Request) -> Response:
        args = request.args
        if route == "Console/User/Lists":
            return self._page(self.lists, args)
        if m := re.fullmatch(r"Console/Sms/List/(\d+)/Messages", route):
            items = [{"Subject": x["Subject"], "idList": int(m.group(1)), "idMessage": x["idMessage"]}
                     for x in self.messages.get(int(m.group(1)), [])]
            return self._page(items, args)
        if m := re.fullmatch(r"Console/Sms/List/(\d+)/Message/(\d+)", route):
            for x in self.messages.get(int(m.group(1)), []):
                if x["idMessage"] == int(m.group(2)):
                    return _json({"Subject": x["Subject"], "idList": int(m.group(1)), "idMessage": x["idMessage"],
                                  "Content": x["Content"], "IsUnicode": x.get("IsUnicode", False), "Fields": []})
            return Response("no such message", 404)
        if m := re.fullmatch(r"Console/Sms/(\d+)/Sendings/ReportDetails", route):
            self._pages += 1
            return self._page(self.sendings.get(int(m.group(1)), []), args)
        if route == "Console/Authentication/Details":
            return _json(self.credits)
        return Response("not found", 404)

    @staticmethod
    def _page(items: list, args) -> Response:
        size = int(args.get("pageSize", 20))
        number = int(args.get("pageNumber", 0))
        chunk = items[number * size:(number + 1) * size]
        return _json({"IsPaginated": True, "Items": chunk, "PageNumber": number, "PageSize": size,
                      "Skipped": number * size, "TotalElementsCount": len(items)})


def _json(body: dict) -> Response:
    return Response(json.dumps(body), 200, content_type="application/json")
