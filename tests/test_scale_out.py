"""Several processes on one PostgreSQL: two `briefing serve` replicas with two Celery workers
(`BRIEFING_QUEUE=celery`, Redis broker), one worker SIGKILLed in the middle of a brief: every
job completes exactly once; and two replicas running jobs in their own threads never run one
job twice; digests, deliveries and readiness on workers. Real processes, real PostgreSQL and
Redis; the embedded model where a worker is killed mid-brief, a stub model elsewhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
import redis
from conftest import EXAMPLE, ROOT
from service_fixtures import POSTGRES_URL, cli_key, reset_postgres
from sqlalchemy import create_engine, text

from briefing.llm.embedded import free_port
from eval.cluster import wait_http

pytestmark = pytest.mark.embedded

BROKER = "redis://127.0.0.1:6379/14"  # the tests' broker database (flushed here)
DEV = ROOT / "eval/data/ecbplus-dev"


def environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env.update(
        BRIEFING_DATABASE_URL=POSTGRES_URL,
        BRIEFING_SCHEDULER_ENABLED="false",
        BRIEFING_JOB_LEASE_S="10",
        **{f"BRIEFING_{k.upper()}": v for k, v in settings.items()},
    )
    return env


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A process in its own group (killing the group takes its children too)."""
    return subprocess.Popen(
        [sys.executable, "-m", "briefing.cli", "-v", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@contextmanager
def processes(env: dict[str, str], tmp: Path, apis: int, workers: int) -> Iterator[list[str]]:
    """``apis`` replicas of `briefing serve` and ``workers`` `briefing worker`s; yields the
    replicas' base URLs. Everything is stopped (its process group) at the end."""
    with ExitStack() as stack:
        started: list[subprocess.Popen[bytes]] = []

        def stop_all() -> None:
            for proc in started:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in started:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)

        stack.callback(stop_all)
        bases = []
        for i in range(apis):
            port = free_port()
            started.append(spawn(["serve", "--port", str(port)], env, tmp / f"api-{i}.log"))
            bases.append(f"http://127.0.0.1:{port}")
        for i in range(workers):
            started.append(spawn(["worker"], env, tmp / f"worker-{i}.log"))
        for i, base in enumerate(bases):
            wait_http(f"{base}/healthz", log=tmp / f"api-{i}.log")
        yield bases


NEWS = ("1_1ecbplus.txt", "8_3ecbplus.txt", "16_1ecbplus.txt", "8_8ecbplus.txt", "1_7ecbplus.txt")


def reports() -> list[str]:
    return [EXAMPLE.read_text()] + [(DEV / name).read_text() for name in NEWS[:3]]


def submit(bases: list[str], key: str, texts: list[str] | None = None) -> list[str]:
    """Each report handed in and briefed through the replicas in turn; the job URLs."""
    headers = {"Authorization": f"Bearer {key}"}
    jobs = []
    for i, body in enumerate(texts or reports()):
        base = bases[i % len(bases)]
        stored = httpx.post(f"{base}/v1/reports", headers=headers, json={"text": body}, timeout=10)
        assert stored.status_code == 201, stored.text
        queued = httpx.post(
            f"{base}/v1/briefs", headers=headers, json={"report_id": stored.json()["id"]}
        )
        assert queued.status_code == 202, queued.text
        jobs.append(base + queued.headers["location"])
    return jobs


def finished(jobs: list[str], key: str, timeout_s: float) -> list[dict[str, object]]:
    headers = {"Authorization": f"Bearer {key}"}
    deadline = time.monotonic() + timeout_s
    while True:
        states = [httpx.get(url, headers=headers, timeout=5).json() for url in jobs]
        if all(s["status"] in ("succeeded", "failed") for s in states):
            return states
        assert time.monotonic() < deadline, states
        time.sleep(0.5)


def briefs_per_report() -> dict[str, int]:
    engine = create_engine(POSTGRES_URL)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT report_id, count(*) FROM briefs GROUP BY report_id"))
        counts = {r[0]: int(r[1]) for r in rows}
    engine.dispose()
    return counts


def running_owner() -> tuple[str, str] | None:
    """(job id, lease owner) of a running job, if any."""
    engine = create_engine(POSTGRES_URL)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, lease_owner FROM jobs WHERE status = 'running' LIMIT 1")
        ).first()
    engine.dispose()
    return (row[0], row[1]) if row else None


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def cli_processes(command: str) -> dict[int, int]:
    """pid: parent pid of every `briefing COMMAND` process running on this machine."""
    found = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
                if b"briefing.cli" in args and command.encode() in args:
                    found[int(proc.name)] = parent_of(int(proc.name))
            except OSError:  # ended meanwhile
                continue
    return found


def logs_of(tmp: Path) -> str:
    return "\n".join(f"== {p.name}\n{p.read_text()[-3000:]}" for p in sorted(tmp.glob("*.log")))


def test_a_celery_worker_killed_mid_brief_loses_nothing_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    reset_postgres()
    redis.Redis.from_url(BROKER).flushdb()
    env = environment(
        queue="celery", broker_url=BROKER, broker_visibility_timeout_s="15", sweep_s="2"
    )
    with processes(env, tmp_path, apis=2, workers=2) as bases:
        key = cli_key(env, "scale-out")
        jobs = submit(bases, key)
        deadline = time.monotonic() + 120
        while (running := running_owner()) is None:
            assert time.monotonic() < deadline, f"no job started\n{logs_of(tmp_path)}"
            time.sleep(0.2)
        killed_job, owner = running
        child = int(owner.split(":")[1])  # the Celery pool process running it
        # Each worker sweeps in a child process of its own, never in a thread of the process
        # that forks Celery's pool (a fork can catch a thread holding a lock).
        mains = {pid for pid, parent in cli_processes("worker").items() if parent == os.getpid()}
        assert len(mains) == 2 and sorted(cli_processes("sweep").values()) == sorted(mains)
        # A sweep child that dies is started again by its worker (checked every BRIEFING_SWEEP_S).
        inside = time.monotonic() + 3.0  # inside the brief
        victim = min(cli_processes("sweep"))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while victim in (now := cli_processes("sweep")) or sorted(now.values()) != sorted(mains):
            assert time.monotonic() < deadline, f"sweep not started again\n{logs_of(tmp_path)}"
            time.sleep(0.2)
        time.sleep(max(0.0, inside - time.monotonic()))
        os.killpg(os.getpgid(parent_of(child)), signal.SIGKILL)  # the whole worker

        states = finished(jobs, key, timeout_s=420)
        assert [s["status"] for s in states] == ["succeeded"] * len(jobs), states
        attempts = {str(s["id"]): s["attempts"] for s in states}
        assert attempts.pop(killed_job) == 2  # taken, killed, taken again by the other worker
        assert set(attempts.values()) == {1}
        counts = briefs_per_report()
        assert len(counts) == len(jobs) and set(counts.values()) == {1}, counts  # no duplicate
    logs = "".join(p.read_text() for p in tmp_path.glob("worker-*.log"))
    assert "succeeded" in logs
    assert f"sweep process {victim} ended" in logs


def test_two_replicas_never_run_one_job_twice(tmp_path: Path) -> None:
    """`threads` mode: each replica's own runner threads take jobs from the shared table (a
    stub model at 500 ms a call: what matters here is who takes which job)."""
    from eval.cluster import Cluster

    settings = {"BRIEFING_QUEUE": "threads", "BRIEFING_JOB_WORKERS": "2"}
    with Cluster(
        tmp_path, POSTGRES_URL, apis=2, workers=0, llm_latency_ms=500, settings=settings
    ) as c:
        jobs = submit(c.bases, c.key, texts=[(DEV / n).read_text() for n in NEWS])
        states = finished(jobs, c.key, timeout_s=120)
        counts = briefs_per_report()
    assert [s["status"] for s in states] == ["succeeded"] * len(jobs), states
    assert {s["attempts"] for s in states} == {1}
    assert len(counts) == len(jobs) and set(counts.values()) == {1}, counts
    logs = [p.read_text() for p in sorted(tmp_path.glob("api-*.log"))]
    assert all("succeeded in" in log for log in logs)  # both replicas ran jobs
    for state in states:  # each job ran in exactly one replica
        ran_in = [log for log in logs if f"job {state['id']} succeeded" in log]
        assert len(ran_in) == 1, state["id"]


def test_digests_and_their_deliveries_run_on_celery_workers(tmp_path: Path) -> None:
    from test_digest_service import Receiver

    from eval.cluster import Cluster

    hook = Receiver([500])  # the first attempt fails: its retry goes through a worker too
    settings = {"BRIEFING_DELIVERY_BACKOFF_S": "1"}
    try:
        with Cluster(tmp_path, POSTGRES_URL, workers=1, settings=settings) as c:
            headers = {"Authorization": f"Bearer {c.key}"}
            with httpx.Client(base_url=c.bases[0], headers=headers, timeout=30) as http:
                for name in ("8_3ecbplus.txt", "8_8ecbplus.txt"):
                    http.post("/v1/reports", json={"text": (DEV / name).read_text()})
                target = {"kind": "webhook", "url": hook.url}
                spec = {"name": "riots", "cron": "0 7 * * *", "targets": [target]}
                schedule = http.post("/v1/digest-schedules", json=spec).json()
                queued = http.post(
                    "/v1/digests", json={"schedule_id": schedule["id"], "use_model": False}
                ).json()
                deadline = time.monotonic() + 120
                while (answer := http.get(f"/v1/digests/{queued['id']}")).status_code == 202:
                    assert time.monotonic() < deadline, answer.text
                    time.sleep(0.5)
                assert answer.status_code == 200 and len(answer.json()["events"]) == 1
                url = f"/v1/digests/{queued['id']}/deliveries"
                while True:  # deliveries are queued once the digest is made
                    done = http.get(url).json()
                    if [d["status"] for d in done] == ["delivered"]:
                        break
                    assert time.monotonic() < deadline, done
                    time.sleep(0.5)
                ready = http.get("/readyz")
                assert (
                    ready.status_code == 200 and ready.json()["checks"]["broker"] == "ok (celery)"
                )
                c.kill("redis")  # the broker (and the caches) gone: not ready, and it says why
                ready = http.get("/readyz")
                assert ready.status_code == 503 and "broker" in ready.json()["detail"], ready.text
            assert [a["status_code"] for a in done[0]["attempts"]] == [500, 200]
            worker = (tmp_path / "worker-0.log").read_text()
            api = (tmp_path / "api-0.log").read_text()
    finally:
        hook.close()
    assert len(hook.requests) == 2 and "webhook-signature" in hook.requests[1][0]
    assert "briefing.digest[" in worker and "briefing.deliver[" in worker  # the worker did them
    assert "briefing.digest.jobs" not in api  # the replica ran no digest or delivery itself
