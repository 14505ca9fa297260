"""Children that must not outlive their parent (the embedded model server, a worker's sweep)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT

PARENT = """
import subprocess, sys, threading, time
from briefing.lifetime import die_with_parent

def busy():  # threads at work while the child is forked, as in the service
    while True:
        sorted(str(i) for i in range(2000))

for _ in range(3):
    threading.Thread(target=busy, daemon=True).start()
children = [
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"],
                     preexec_fn=die_with_parent)
    for _ in range(5)
]
print(" ".join(str(c.pid) for c in children), flush=True)
time.sleep(300)
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # ended, not yet reaped by whoever adopted it


def test_children_started_with_die_with_parent_end_when_their_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 5 and not any(_gone(p) for p in pids)  # all started, none stuck
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in pids):
        assert time.monotonic() < deadline, [p for p in pids if not _gone(p)]
        time.sleep(0.1)
