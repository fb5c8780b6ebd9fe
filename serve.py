"""Start the dashboard: ``python serve.py [SCRIPT.py] [streamlit run options]``.

The same as ``streamlit run app.py [options]``, with what a dashboard of account data needs in front of it:

* **No ``/_stcore/metrics``.** Streamlit 1.67 registers it unconditionally and without sign-in; it tells anyone who
  can reach the port how many sessions are open and what the caches hold. The route list is built when the server
  starts, so it is taken out here (``tests/test_browser.py`` checks it, and fails if a Streamlit upgrade moves it).
* **Only the expected host names** (DNS rebinding: a web page whose name was rebound to 127.0.0.1 must not reach the
  dashboard through the browser of someone who runs it). ``server.allowedHosts`` when set; otherwise the loopback
  names without sign-in, and with sign-in the host of ``[auth] redirect_uri`` and loopback. Every request and
  WebSocket with another ``Host`` is refused (403), not only the WebSocket Streamlit itself checks.
* **No framing**: ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'`` on every answer.
* **No bearer URL for account data.** With sign-in, ``/media/`` (Streamlit's downloads) answers only a browser
  signed in with a role, and uploads only a signed-in manager (an anonymous upload was held in memory for the
  session's life); without sign-in, a read-only dashboard takes no upload. Exports are streamed from disk by
  ``/_credits/download/<token>``, to the user who made them only (``credits_core.exports.jobs.download``).
* **Private files**: the process's umask is 077 (the database, its side files and exports are the user's alone), a
  secrets file others can read is refused, and the folders of exports left by a process that is gone are removed
  at start.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FRAMING = [(b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'"),
           (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]


def _no_metrics(runtime, base_url):  # the signature of starlette_app.create_metrics_routes
    return []


def secrets_files(options: list[str]) -> list[Path]:
    """The secrets files Streamlit will read: ``--secrets.files`` values, else its defaults."""
    named = [options[i + 1] for i, o in enumerate(options[:-1]) if o == "--secrets.files"]
    named += [o.split("=", 1)[1] for o in options if o.startswith("--secrets.files=")]
    paths = named or [str(HERE / ".streamlit" / "secrets.toml"), str(Path.home() / ".streamlit" / "secrets.toml")]
    return [Path(p) for p in paths]


def check_secrets(paths: list[Path]) -> None:
    """Refuse a secrets file that another user can read: its cookie_secret lets anyone sign a manager's cookie."""
    for path in paths:
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if st.st_mode & 0o077:
            raise SystemExit(f"serve.py: {path} can be read by other users (mode {oct(stat.S_IMODE(st.st_mode))}): its "
                             f"cookie_secret would let them sign in as anyone. Fix it with: chmod 600 {path}")


def _auth_table(name: str) -> dict:
    from streamlit import secrets

    try:
        return dict(secrets[name]) if name in secrets else {}
    except Exception:  # no secrets file at all
        return {}


def allowed_hosts() -> list[str]:
    from streamlit import config

    from credits_core.store import allowed_hosts as hosts

    return hosts(config.get_option("server.allowedHosts"), _auth_table("auth").get("redirect_uri"))


def cookie_user(scope) -> dict | None:
    """The signed-in user of a request (the claims of Streamlit's signed cookie), None without a valid one."""
    from starlette.requests import HTTPConnection
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
    from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks

    try:
        raw = _get_signed_cookie_with_chunks(HTTPConnection(scope).cookies, USER_COOKIE_NAME)
        claims = json.loads(raw) if raw else None
    except Exception:  # a cookie that does not verify or parse is no user
        return None
    return claims if isinstance(claims, dict) and claims.get("is_logged_in") else None


def who(scope) -> tuple[str | None, str | None]:
    """(user, role) of a request, as the pages see them (``app_pages.common.sign_in``): the local user without
    sign-in; with it, the cookie's verified e-mail and its role, while the sign-in has not ended."""
    from credits_core.store import ANALYST, MANAGER, Access, SignOuts, local_user, session_problem, user_from_claims

    read_only = os.environ.get("CREDITS_READ_ONLY", "") not in ("", "0", "false", "no")
    if not _auth_table("auth"):
        return local_user(), ANALYST if read_only else MANAGER
    claims = cookie_user(scope)
    if claims is None or session_problem(claims, time.time(), SignOuts()):
        return None, None
    access = _auth_table("access")
    email, role, _ = user_from_claims(claims, Access.from_mapping(access),
                                      require_verified=access.get("require_verified_email", True) is not False)
    return email, (ANALYST if read_only and role else role)


class Guard:
    """ASGI middleware in front of Streamlit (see the module's docstring)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        from streamlit import config

        from credits_core.store import host_allowed

        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        base = "/" + (config.get_option("server.baseUrlPath") or "").strip("/")
        path = scope.get("path", "")
        path = path[len(base.rstrip("/")):] if base != "/" and path.startswith(base) else path
        if not host_allowed(host, allowed_hosts()):  # DNS rebinding
            return await self._refuse(scope, receive, send, 403, "This dashboard does not answer to this host name.")
        if scope["type"] == "http":
            if path.startswith("/_credits/download/"):
                return await self._download(scope, receive, send, path.rsplit("/", 1)[-1])
            user, role = who(scope) if path.startswith(("/media/", "/_stcore/upload_file")) else (None, "any")
            if path.startswith("/media/") and role is None:
                return await self._refuse(scope, receive, send, 403, "Sign in to download.")
            if path.startswith("/_stcore/upload_file") and role != "manager":
                return await self._refuse(scope, receive, send, 403, "Only a signed-in manager may upload.")

            async def framed(message):
                if message["type"] == "http.response.start":
                    message["headers"] = [h for h in message.get("headers", []) if h[0].lower() not in
                                          {k for k, _ in FRAMING}] + FRAMING
                await send(message)

            return await self.app(scope, receive, framed)
        return await self.app(scope, receive, send)

    async def _download(self, scope, receive, send, token):
        from starlette.responses import FileResponse

        from credits_core.exports import download

        user, role = who(scope)
        job = download(token, user) if role else None
        if job is None:
            return await self._refuse(scope, receive, send, 404, "No such download for this user.")
        gz = job.path.name.endswith(".gz")
        response = FileResponse(job.path, filename=job.file_name, headers=dict((k.decode(), v.decode())
                                                                               for k, v in FRAMING),
                                media_type="application/gzip" if gz else
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return await response(scope, receive, send)

    @staticmethod
    async def _refuse(scope, receive, send, status: int, text: str):
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        from starlette.responses import PlainTextResponse

        headers = {k.decode(): v.decode() for k, v in FRAMING}
        await PlainTextResponse(text, status_code=status, headers=headers)(scope, receive, send)


def main(argv: list[str]) -> int:
    from streamlit.web import cli
    from streamlit.web.server.starlette import starlette_app

    os.umask(0o077)  # every file this process makes is its user's alone
    import logging

    handler = logging.StreamHandler()  # the engine's log (a failed write's full error) goes to the server's log
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("credits_core").addHandler(handler)
    logging.getLogger("credits_core").setLevel(logging.INFO)
    script = argv[0] if argv and argv[0].endswith(".py") else str(HERE / "app.py")
    options = argv[1:] if argv and argv[0].endswith(".py") else argv
    check_secrets(secrets_files(options))
    if not hasattr(starlette_app, "create_metrics_routes") or not hasattr(starlette_app,
                                                                          "create_streamlit_middleware"):
        raise SystemExit("serve.py: this Streamlit version builds its routes differently; check /_stcore/metrics")
    from starlette.middleware import Middleware

    from credits_core.exports import sweep

    sweep()  # the exports of a process that is gone (a crash, a kill) go now, not at the next export
    starlette_app.create_metrics_routes = _no_metrics
    inner = starlette_app.create_streamlit_middleware
    starlette_app.create_streamlit_middleware = lambda: [Middleware(Guard), *inner()]
    sys.argv = ["streamlit", "run", script, *options]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
