"""Run one size of a benchmark in a fresh process, so its peak memory is its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_child(module: str, size: int) -> dict[str, Any]:
    """``python -m MODULE --child SIZE``: the JSON object on its last line of output.
    Raises RuntimeError with the end of its stderr when it fails."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--child", str(size)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
