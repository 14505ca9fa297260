#!/usr/bin/env bash
# Install everything, then run the linters and the whole test suite (real embedded model
# included). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
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
exec .venv/bin/python -m pytest "$@"
