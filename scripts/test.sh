#!/usr/bin/env bash
# Install everything (Python packages into .venv, Debian's chromium for the browser tests) and run the whole suite.
# Extra arguments go to pytest (for example: scripts/test.sh -k ledger).
source "$(dirname "$0")/env.sh" requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests ..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/python -m ruff check credits_core app_pages tests bench app.py
exec .venv/bin/python -m pytest "$@"
