"""The baseline for eval/bench_api.py: a bare FastAPI app with JSON endpoints, nothing else."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

app = FastAPI()
_BRIEF: dict[str, Any] = json.loads(Path(os.environ["BENCH_BRIEF_JSON"]).read_text())


@app.get("/small")
async def small() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/brief")
async def brief() -> dict[str, Any]:
    return _BRIEF
