#!/usr/bin/env bash
# Install everything (Python packages, and Debian's chromium for the browser tests) and run the whole suite: every
# test once on this machine's clock, then the tests that depend on the date (marker `clock`) again under each shifted
# clock of tests/conftest.py CLOCKS (month end, both DST nights, year end and new year, a leap day), two at a time.
# Extra arguments run pytest with them instead (for example: scripts/test.sh -k ledger).
source "$(dirname "$0")/env.sh" requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests ..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ $# -gt 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
.venv/bin/python -m ruff check credits_core app_pages tests bench app.py serve.py
.venv/bin/python -m pytest

shifted() {  # the date tests under each clock named, one after the other; fails if any run failed
  local failed=0
  for clock in "$@"; do
    echo "== the date tests with the clock at $clock (tests/conftest.py CLOCKS)"
    CREDITS_TEST_CLOCK="$clock" .venv/bin/python -m pytest -m "clock and not browser" || failed=1
  done
  return $failed
}
logs="$(mktemp -d)"
shifted month-end dst-spring dst-autumn >"$logs/a" 2>&1 & a=$!
shifted year-end new-year leap-day >"$logs/b" 2>&1 & b=$!
status=0
wait $a || status=1
wait $b || status=1
cat "$logs/a" "$logs/b"
rm -rf "$logs"
exit $status
