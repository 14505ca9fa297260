"""Child processes that must not outlive the process that started them."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """``preexec_fn`` for a child that gets SIGKILL when the thread that started it ends
    (Linux's PR_SET_PDEATHSIG; elsewhere nothing). SIGKILL, since a server drains its
    requests on SIGTERM first."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
