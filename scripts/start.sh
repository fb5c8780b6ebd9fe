#!/usr/bin/env bash
# Install everything into .venv and start the dashboard.
# Without CREDITS_DB: the demo database data/demo.duckdb, built the first time (a build that fails leaves no file).
# With CREDITS_DB naming a file: that file, never a demo; a file that does not exist yet opens as an empty database,
# whose pages say what to do (import purchases, sync MailUp). Extra arguments go to `streamlit run`.
source "$(dirname "$0")/env.sh" requirements.txt
if [ -z "${CREDITS_DB:-}" ]; then
  export CREDITS_DB="data/demo.duckdb"
  if [ ! -f "$CREDITS_DB" ]; then
    echo "Building the demo database $CREDITS_DB ..."
    .venv/bin/python -m credits_core demo --db "$CREDITS_DB"
  fi
elif [ ! -f "$CREDITS_DB" ]; then
  echo "$CREDITS_DB does not exist yet: the dashboard opens it as an empty database (no demo data is put in a file"
  echo "you name). Add your purchases and sync MailUp (see the README, Connect your MailUp account)."
fi
exec .venv/bin/python serve.py app.py "$@"  # streamlit run, without the open /_stcore/metrics endpoint
