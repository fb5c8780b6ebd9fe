"""Start the dashboard: ``python serve.py [SCRIPT.py] [streamlit run options]``.

The same as ``streamlit run app.py [options]`` with one difference: Streamlit's ``/_stcore/metrics`` endpoint is not
served. Streamlit 1.67 registers it unconditionally and without sign-in; it tells anyone who can reach the port how
many sessions are open and what the caches hold. The route list is built when the server starts, so it is taken out
here, before that (the path then falls to the app's page); ``tests/test_browser.py`` checks that no metric is served
(and fails if a Streamlit upgrade moves the hook). Everything else (address, port, secrets, sign-in) is Streamlit's own.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _no_metrics(runtime, base_url):  # the signature of starlette_app.create_metrics_routes
    return []


def main(argv: list[str]) -> int:
    from streamlit.web import cli
    from streamlit.web.server.starlette import starlette_app

    if not hasattr(starlette_app, "create_metrics_routes"):
        raise SystemExit("serve.py: this Streamlit version builds its routes differently; check /_stcore/metrics")
    starlette_app.create_metrics_routes = _no_metrics
    script = argv[0] if argv and argv[0].endswith(".py") else str(HERE / "app.py")
    options = argv[1:] if argv and argv[0].endswith(".py") else argv
    sys.argv = ["streamlit", "run", script, *options]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
