#!/usr/bin/env bash
# Install everything, then run the linters and the whole test suite (real embedded model
# included). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check briefing api tests eval
.venv/bin/mypy briefing api
exec .venv/bin/python -m pytest "$@"
