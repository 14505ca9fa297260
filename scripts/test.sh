#!/usr/bin/env bash
# Install everything, then run the linters and the tests (real embedded model, PostgreSQL,
# Redis, RabbitMQ and chromium included). The tests marked `slow` (the rest of the fault
# matrix, whole corpora: about 8 more minutes) run with --full, as before a release.
# Other arguments go to pytest (a -m of your own replaces the default selection).
set -euo pipefail
cd "$(dirname "$0")/.."
select=(-m "not slow")
if [ "${1:-}" = "--full" ]; then
  select=()
  shift
fi
bash scripts/setup.sh
# The browser tests (tests/browser) drive Debian's chromium with Playwright.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing Debian's chromium for the browser tests" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test: chromium is missing (apt-get install -y chromium); tests/browser will fail" >&2
  fi
fi
.venv/bin/ruff check briefing briefing_api tests eval
.venv/bin/mypy briefing briefing_api
exec .venv/bin/python -m pytest "${select[@]}" "$@"
