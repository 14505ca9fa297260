"""Kill -9 the service in the middle of a job; after a restart the job completes and no
accepted report is lost. Real process, real SQLite file, real embedded model."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import EXAMPLE, ROOT
from service_fixtures import cli_key

from briefing.llm.embedded import free_port

pytestmark = pytest.mark.embedded


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefing.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"service did not start: {log.read_text()[-2000:]}")


def test_sigkill_mid_job_then_restart_completes_the_job(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env.update(BRIEFING_DATABASE_URL=f"sqlite:///{tmp_path / 'svc.db'}", BRIEFING_JOB_WORKERS="1")
    key = cli_key(env, "restart-test")
    assert key.startswith("brf_")
    headers = {"Authorization": f"Bearer {key}"}
    port, log = free_port(), tmp_path / "service.log"
    base = f"http://127.0.0.1:{port}"

    first = start(env, port, log)
    try:
        report = httpx.post(
            f"{base}/v1/reports?title=Syria",
            headers={**headers, "Content-Type": "text/plain"},
            content=EXAMPLE.read_bytes(),
            timeout=10,
        )
        assert report.status_code == 201, report.text
        queued = httpx.post(
            f"{base}/v1/briefs",
            headers=headers,
            timeout=10,
            json={"report_id": report.json()["id"]},
        )
        assert queued.status_code == 202, queued.text
        job_url = base + queued.headers["location"]
        deadline = time.monotonic() + 60
        while httpx.get(job_url, headers=headers, timeout=5).json()["status"] != "running":
            assert time.monotonic() < deadline, "job never started"
            time.sleep(0.1)
        while not (children := children_of(first.pid)):  # the model server starts with the job
            assert time.monotonic() < deadline, "the embedded model server never started"
            time.sleep(0.1)
        time.sleep(3.0)  # inside the model call
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() and not zombie(pid) for pid in children):
            alive = [
                Path(f"/proc/{p}/cmdline").read_bytes()[:200]
                for p in children
                if Path(f"/proc/{p}").exists() and not zombie(p)
            ]
            assert time.monotonic() < deadline, f"outlived the killed service: {alive}"
            time.sleep(0.1)
    finally:
        if first.poll() is None:
            first.kill()

    second = start(env, port, log)
    try:
        deadline = time.monotonic() + 240
        while True:
            job = httpx.get(job_url, headers=headers, timeout=5).json()
            if job["status"] in ("succeeded", "failed"):
                break
            assert time.monotonic() < deadline, f"job did not finish: {job}"
            time.sleep(0.5)
        assert job["status"] == "succeeded", job
        assert job["attempts"] == 2  # started, killed, resumed
        brief = httpx.get(base + job["brief_url"], headers=headers, timeout=5).json()
        assert "Sergey Kisel" in {a["name"] for a in brief["actors"]}
        stored = httpx.get(f"{base}/v1/reports/{report.json()['id']}", headers=headers, timeout=5)
        assert stored.status_code == 200 and stored.json()["title"] == "Syria"
        assert "resuming 1 job(s)" in log.read_text()
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
