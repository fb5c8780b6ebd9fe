#!/usr/bin/env bash
# Install everything into .venv, build the demo database if there is none, and start the dashboard.
# CREDITS_DB selects the database file (default data/demo.duckdb); extra arguments go to `streamlit run`.
source "$(dirname "$0")/env.sh" requirements.txt
export CREDITS_DB="${CREDITS_DB:-data/demo.duckdb}"
if [ ! -f "$CREDITS_DB" ]; then
  echo "Building the demo database $CREDITS_DB ..."
  .venv/bin/python -m credits_core demo --db "$CREDITS_DB"
fi
exec .venv/bin/python serve.py app.py "$@"  # streamlit run, without the open /_stcore/metrics endpoint
