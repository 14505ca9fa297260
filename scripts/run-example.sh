#!/usr/bin/env bash
# Install everything, then print the brief of the example report on the embedded model.
# Usage: bash scripts/run-example.sh [--format md]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/briefing brief examples/syria-leadership-2024-12-02.txt "$@"
