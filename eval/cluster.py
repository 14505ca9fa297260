"""A small briefing deployment on this machine, for the fault and load benchmarks and the
scale-out tests: `briefing serve` replicas and `briefing worker`s (BRIEFING_QUEUE=celery) on
one PostgreSQL database, a Redis of their own (broker, caches, rate limits: restartable
without touching the machine's Redis), and the stub model server (eval/stub_llm.py). Every
process runs in its own process group, so a kill takes its children with it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from briefing.llm.embedded import free_port

ROOT = Path(__file__).resolve().parent.parent


def reset_database(url: str) -> None:
    """An empty schema (the services migrate it on start); the database is created when
    missing."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def wait_http(url: str, timeout_s: float = 60, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{url} did not come up\n{tail}")
        time.sleep(0.2)


class Cluster:
    def __init__(
        self,
        workdir: Path,
        database_url: str,
        *,
        apis: int = 1,
        workers: int = 2,
        llm_latency_ms: float = 200.0,
        broker_url: str | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.apis = apis
        self.workers = workers
        self.llm_latency_ms = llm_latency_ms
        self.redis_port = free_port()
        self.llm_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
        self.env.update(
            BRIEFING_DATABASE_URL=database_url,
            BRIEFING_QUEUE="celery",
            BRIEFING_BROKER_URL=broker_url or self.redis_url,
            BRIEFING_REDIS_URL=self.redis_url,
            BRIEFING_LLM_BASE_URL=f"http://127.0.0.1:{self.llm_port}/v1",
            BRIEFING_LLM_MODEL="stub",
            BRIEFING_STRUCTURED_MODE="plain",
            BRIEFING_SCHEDULER_ENABLED="false",
            BRIEFING_JOB_LEASE_S="10",
            BRIEFING_SWEEP_S="2",
            BRIEFING_BROKER_VISIBILITY_TIMEOUT_S="20",
            BRIEFING_JOB_QUEUE_MAX="100000",
            BRIEFING_JOB_QUEUE_PER_KEY="100000",
        )
        self.env.update(settings or {})
        self.bases: list[str] = []
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.key = ""

    # -- processes ----------------------------------------------------------------------

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = self.workdir / f"{name}.log"
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start(self) -> Cluster:
        self.workdir.mkdir(parents=True, exist_ok=True)
        reset_database(self.database_url)
        self.start_redis()
        self.start_llm()
        for i in range(self.apis):
            port = free_port()
            self._spawn(f"api-{i}", self._cli("serve", "--port", str(port)))
            self.bases.append(f"http://127.0.0.1:{port}")
        for base, i in zip(self.bases, range(self.apis), strict=True):
            wait_http(f"{base}/healthz", log=self.workdir / f"api-{i}.log")
        for i in range(self.workers):
            self.start_worker(i)
        made = subprocess.run(
            self._cli("keys", "create", "--name", "bench", "--rate-limit", "1000000"),
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.key = made.stdout.strip().split()[-1]
        return self

    def _cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "briefing.cli", "-v", *args]

    def start_worker(self, i: int, concurrency: int = 1) -> None:
        self._spawn(f"worker-{i}", self._cli("worker", "--concurrency", str(concurrency)))

    def start_redis(self) -> None:
        self._spawn(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--save", "", "--appendonly", "no"],
        )
        deadline = time.monotonic() + 10
        while True:
            import redis

            try:
                redis.Redis(port=self.redis_port).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def start_llm(self) -> None:
        self._spawn(
            "llm",
            [
                sys.executable,
                "-m",
                "eval.stub_llm",
                "--port",
                str(self.llm_port),
                "--latency-ms",
                str(self.llm_latency_ms),
            ],
        )
        wait_http(f"http://127.0.0.1:{self.llm_port}/v1/models", log=self.workdir / "llm.log")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        proc.wait(30)

    def llm(self, mode: str, count: int = 0, seconds: float = 0) -> None:
        httpx.post(
            f"http://127.0.0.1:{self.llm_port}/control",
            json={"mode": mode, "count": count, "seconds": seconds},
            timeout=5,
        ).raise_for_status()

    def terminate_connections(self) -> int:
        """pg_terminate_backend on every connection to the cluster's database."""
        from sqlalchemy.engine import make_url

        name = make_url(self.database_url).database
        admin = create_engine(
            make_url(self.database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar()
        admin.dispose()
        return int(killed or 0)

    def stop(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in list(self.procs.values()):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        self.procs.clear()

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_: Any) -> None:
        self.stop()

    # -- the database's view ---------------------------------------------------------------

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        engine = create_engine(self.database_url)
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(text(sql))]
        engine.dispose()
        return rows
