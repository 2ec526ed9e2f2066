#!/usr/bin/env bash
# Set-up and the two everyday commands on a fresh machine (Python 3.11 and Node.js/npm only):
#   ./dev.sh demo   install, build the Luoyang demo on SQLite and serve it (prints the URL and demo accounts)
#   ./dev.sh test   install and run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
#   ./dev.sh lint   ruff (lint and format) and the import-layer contracts (import-linter), as CI runs them
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

install() {
  if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
  local stamp=.venv/.heluo-installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[test]"
    touch "$stamp"
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

case "${1:-}" in
  demo)
    shift; install
    exec .venv/bin/heluo demo "$@"
    ;;
  test)
    shift; install
    exec .venv/bin/python -m pytest "$@"
    ;;
  lint)
    shift; install
    .venv/bin/ruff check heluo tests bench scripts
    .venv/bin/ruff format --check heluo tests bench scripts
    .venv/bin/lint-imports --no-cache
    ;;
  install)
    install
    ;;
  *)
    echo "usage: ./dev.sh demo [--port N] | ./dev.sh test [pytest args] | ./dev.sh lint" >&2
    exit 2
    ;;
esac
