"""Child processes that must not outlive the process that started them."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1


def _libc_prctl() -> Callable[..., Any] | None:
    if not sys.platform.startswith("linux"):
        return None
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    return None


# Looked up here, in the parent: between fork and exec a child of a process with threads may
# only do what needs no lock another thread could have held at the fork (loading a library
# takes the loader's lock), so the child only makes the call.
_prctl = _libc_prctl()


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """``preexec_fn`` for a child that gets SIGKILL when the thread that started it ends
    (Linux's PR_SET_PDEATHSIG; elsewhere nothing). SIGKILL, since a server drains its
    requests on SIGTERM first."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def end_child(process: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """End a child: SIGTERM, and SIGKILL if it has not exited within ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
