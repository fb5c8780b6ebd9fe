"""The MailUp client against a hostile or broken server (issue 31.9): an answer too large, a server that trickles a
byte at a time, pages that never end, bodies that are not JSON or not readable gzip. Each one is a ``MailUpError``
saying what happened, within bounded memory and time, never a traceback."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from werkzeug import Response

from credits_core.sources.mailup import Client, MailUpError, MailUpSettings
from credits_core.sources.mailup import client as client_module
from credits_core.sources.mailup.client import Paging

from .fake_mailup import API


def settings(base: str, **kw) -> MailUpSettings:
    return MailUpSettings("cid", "secret", "m1", "pw", auth_url=base, api_url=base + API, calls_per_second=None,
                          wait_initial_s=0.01, attempts=2, **kw)


def token(request) -> Response:
    return Response(json.dumps({"access_token": "a", "refresh_token": "refresh-1"}), 200,
                    content_type="application/json")


@pytest.fixture
def base(httpserver):
    httpserver.expect_request("/Authorization/OAuth/Token").respond_with_handler(token)
    return httpserver, httpserver.url_for("").rstrip("/")


def test_an_answer_too_large_is_refused(base):
    server, url = base
    server.expect_request(f"{API}/Console/List").respond_with_data(b"[" + b"0," * 600_000 + b"0]",
                                                                   content_type="application/json")
    with Client(settings(url, max_answer_bytes=1_000_000)) as client, pytest.raises(MailUpError, match="larger than"):
        client.get("Console/List")


def test_a_body_that_is_not_json_or_not_readable_gzip_is_a_clear_error(base):
    server, url = base
    server.expect_request(f"{API}/Console/Authentication/Info").respond_with_data(
        b"<html>Service Unavailable</html>", content_type="text/html")
    server.expect_request(f"{API}/Console/Authentication/Details").respond_with_data(
        b"\x1f\x8bnot gzip at all", headers={"Content-Encoding": "gzip"}, content_type="application/json")
    with Client(settings(url)) as client:
        with pytest.raises(MailUpError, match="not JSON .'<html>Service Unavailable</html>'"):
            client.get("Console/Authentication/Info")
        with pytest.raises(MailUpError, match="compressed body is broken"):
            client.get("Console/Authentication/Details")


def test_pages_that_never_end_are_bounded(base, monkeypatch):
    server, url = base
    counter = {"n": 0}

    def endless(request):  # every page full and new, whatever the count says
        counter["n"] += 1
        size = int(request.args["pageSize"])
        n = int(request.args["pageNumber"])
        return Response(json.dumps({"IsPaginated": True, "Items": [{"idList": n * size + i} for i in range(size)],
                                    "PageNumber": n, "PageSize": size, "Skipped": n * size,
                                    "TotalElementsCount": 10}), 200, content_type="application/json")

    server.expect_request(f"{API}/Console/List").respond_with_handler(endless)
    with Client(settings(url, page_size=5)) as client:
        paging = Paging()
        pages = list(client.pages("Console/List", paging))
    assert len(pages) == 2 * 2 + 10 and any("more pages than" in p for p in paging.problems)
    monkeypatch.setattr(client_module, "MAX_PAGES", 7)

    def no_count(request):
        body = json.loads(endless(request).get_data())
        body["TotalElementsCount"] = 0
        return Response(json.dumps(body), 200, content_type="application/json")

    server.clear()
    server.expect_request("/Authorization/OAuth/Token").respond_with_handler(token)
    server.expect_request(f"{API}/Console/List").respond_with_handler(no_count)
    with Client(settings(url, page_size=5)) as client:
        paging = Paging()
        assert len(list(client.pages("Console/List", paging))) == 7
    assert paging.problems == ["more than 7 pages: stopped"]


def test_a_server_that_trickles_is_cut_at_the_calls_deadline():
    """A byte every 0.2 s never trips a 2 s read timeout; the call's deadline ends it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                body = b"{" + b" " * 200 + b"}"  # 40 s at a byte every 0.2 s
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             + f"Content-Length: {len(body)}\r\n\r\n".encode())
                for byte in body:
                    if stop.is_set():
                        return
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break
                    time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}"
        with Client(settings(url, timeout_s=2.0, deadline_s=1.5)) as client, \
                pytest.raises(MailUpError, match="took more than 1.5 s"):
            client.sign_in()
    finally:
        stop.set()
        listener.close()
