# Sourced by the start and test scripts: a local virtual environment with the given requirements file installed.
# Installs only when the requirements changed since the last install (a stamp file in .venv remembers).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REQ="${1:-requirements.txt}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv ..."
  "$PY" -m venv .venv
fi
STAMP=".venv/.installed-$(basename "$REQ")"
WANT="$(cat requirements.txt "$REQ" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "Installing $REQ into .venv ..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQ"
  echo "$WANT" > "$STAMP"
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# the translations: each catalog's .po compiled to .mo (Babel), so that the pages need not compile them in memory
.venv/bin/python -m credits_core.language >/dev/null || echo "(the translations could not be compiled here: they are compiled in memory at start)"
