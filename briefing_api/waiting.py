"""Waiting for a job (``?wait=SECONDS``) without holding a worker thread.

The wait is a coroutine that sleeps between short reads of the job's row, so a thousand
waiting requests hold no threads, and one key waiting on a slow backend cannot starve the
thread pool that every other request's database reads need.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

from fastapi.concurrency import run_in_threadpool

T = TypeVar("T")
FINISHED = ("succeeded", "failed")


async def wait_for_job(read: Callable[[], T], timeout_s: float) -> T:
    """The job (re-read with ``read``) once finished, or as it is when ``timeout_s`` passed."""
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        row = await run_in_threadpool(read)
        if getattr(row, "status", None) in FINISHED or time.monotonic() >= deadline:
            return row
        await asyncio.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 1.5, 0.5)
