"""Fault injection: a deployment of one `briefing serve` and two Celery workers on PostgreSQL
and a Redis of its own, briefing real news reports on a stub model, while one fault strikes
in the middle of the work. For each fault: how many jobs were submitted, completed (degraded
ones among them: the model's words replaced by the analysis pass's), failed (and whether with
a retryable problem), duplicated (a report with two briefs) and lost (an accepted report or
job that is gone, or never finished).

    python -m eval.bench_faults [--reports 12] [--faults llm-killed 429-storm ...]

Faults: the model server killed mid-call (restarted 4 s later), hung (8 s: calls time out),
a 429 storm with Retry-After, 5xx answers, truncated and invalid JSON; a worker SIGKILLed
mid-job; Redis (broker, caches, rate limits) restarted empty; every PostgreSQL connection
dropped (pg_terminate_backend, three times); the broker restarted (RabbitMQ, messages
persistent). Writes eval/results/faults.json. Needs PostgreSQL, RabbitMQ (for the broker
fault) and `redis-server`, as the tests do.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from eval.cluster import ROOT, Cluster

DEV = ROOT / "eval/data/ecbplus-dev"
RESULTS = ROOT / "eval/results/faults.json"
DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/briefing_bench"
RABBIT = "amqp://guest:guest@127.0.0.1:5672//"


@dataclass
class Outcome:
    fault: str
    submitted: int
    completed: int
    degraded: int
    rerun: int  # jobs that ran more than once (the fault reached them)
    failed: int
    retryable: int  # failed with a 503 problem: try again later
    duplicated: int
    lost: int
    seconds: float
    note: str = ""


def texts(n: int) -> list[str]:
    names = sorted(DEV.glob("*.txt"))[:n]
    return [p.read_text() for p in names]


def _restart_redis(c: Cluster) -> str:
    c.kill("redis")
    time.sleep(2)
    c.start_redis()
    return "killed; restarted empty after 2 s"


def _kill_llm(c: Cluster) -> str:
    c.kill("llm")
    time.sleep(4)
    c.start_llm()
    return "killed mid-call; restarted after 4 s"


def _kill_worker(c: Cluster) -> str:
    c.kill("worker-0")
    return "worker-0 and its pool SIGKILLed; worker-1 carries on"


def _drop_connections(c: Cluster) -> str:
    dropped = 0
    for _ in range(3):
        dropped += c.terminate_connections()
        time.sleep(1)
    return f"{dropped} connections terminated in 3 rounds"


def _restart_rabbit(_: Cluster) -> str:
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, capture_output=True)
    time.sleep(2)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, capture_output=True)
    return "RabbitMQ app stopped and started"


def _purge_rabbit() -> None:
    subprocess.run(
        ["rabbitmqctl", "-q", "purge_queue", "briefing"], check=False, capture_output=True
    )


FAULTS: dict[str, Callable[[Cluster], str]] = {
    "none": lambda c: "no fault",
    "llm-killed": _kill_llm,
    "llm-hung": lambda c: (c.llm("hang", seconds=8), "every call hangs for 8 s")[1],
    "429-storm": lambda c: (c.llm("429", count=30), "30 answers 429, Retry-After: 1")[1],
    "5xx": lambda c: (c.llm("503", count=20), "20 answers 503")[1],
    "truncated-json": lambda c: (c.llm("truncated", count=10), "10 answers cut mid-JSON")[1],
    "invalid-json": lambda c: (c.llm("invalid", count=10), "10 answers in prose")[1],
    "worker-killed": _kill_worker,
    "redis-restarted": _restart_redis,
    "postgres-dropped": _drop_connections,
    "broker-restarted": _restart_rabbit,
}


def run_fault(
    fault: str, reports: list[str], workdir: Path, database_url: str = DATABASE
) -> Outcome:
    """One deployment, one batch of reports, one fault one second into the work."""
    broker = RABBIT if fault == "broker-restarted" else None
    if broker:
        _purge_rabbit()
    settings = {"BRIEFING_LLM_TIMEOUT_S": "3", "BRIEFING_JOB_RETRY_BACKOFF_S": "2"}
    settings["BRIEFING_JOB_MAX_ATTEMPTS"] = "4"
    with Cluster(
        workdir / fault, database_url, broker_url=broker, settings=settings, llm_latency_ms=300
    ) as c:
        headers = {"Authorization": f"Bearer {c.key}"}
        started = time.monotonic()
        accepted: list[str] = []
        jobs: list[str] = []
        with httpx.Client(base_url=c.bases[0], headers=headers, timeout=30) as http:
            for body in reports:
                stored = http.post("/v1/reports", json={"text": body})
                stored.raise_for_status()
                accepted.append(stored.json()["id"])
                queued = http.post("/v1/briefs", json={"report_id": accepted[-1]})
                queued.raise_for_status()
                jobs.append(queued.json()["id"])
            time.sleep(1.0)
            note = FAULTS[fault](c)
            deadline = time.monotonic() + 240
            while True:
                try:
                    rows = c.query("SELECT id, status FROM jobs")
                except Exception:  # the database may be between connections
                    time.sleep(0.5)
                    continue
                final = {r[0] for r in rows if r[1] in ("succeeded", "failed")}
                if set(jobs) <= final or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            seconds = time.monotonic() - started
            rows = c.query("SELECT id, status, error, attempts FROM jobs")
            states = {r[0]: (r[1], r[2]) for r in rows if r[0] in set(jobs)}
            rerun = sum(1 for r in rows if r[0] in set(jobs) and r[3] > 1)
            stored_ids = {r[0] for r in c.query("SELECT id FROM reports")}
            per_report = c.query("SELECT report_id, count(*) FROM briefs GROUP BY report_id")
            degraded = sum(
                1
                for (body,) in c.query("SELECT body FROM briefs")
                if json.loads(body)["quality"].get("degraded")
            )
    completed = sum(1 for s, _ in states.values() if s == "succeeded")
    failed = [e for s, e in states.values() if s == "failed"]
    lost = sum(1 for j in jobs if states.get(j, ("gone",))[0] not in ("succeeded", "failed"))
    lost += sum(1 for r in accepted if r not in stored_ids)
    return Outcome(
        fault=fault,
        submitted=len(jobs),
        completed=completed,
        degraded=degraded,
        rerun=rerun,
        failed=len(failed),
        retryable=sum(1 for e in failed if e and e.get("status") == 503),
        duplicated=sum(1 for _, n in per_report if n > 1),
        lost=lost,
        seconds=round(seconds, 1),
        note=note,
    )


def table(outcomes: list[Outcome]) -> str:
    head = (
        "| fault | submitted | completed | degraded | run again | failed (retryable) "
        "| duplicated | lost | seconds |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for o in outcomes:
        lines.append(
            f"| {o.fault} | {o.submitted} | {o.completed} | {o.degraded} | {o.rerun} | "
            f"{o.failed} ({o.retryable}) | {o.duplicated} | {o.lost} | {o.seconds} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=12)
    parser.add_argument("--faults", nargs="*", default=list(FAULTS), choices=list(FAULTS))
    args = parser.parse_args()
    reports = texts(args.reports)
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        for fault in args.faults:
            outcome = run_fault(fault, reports, Path(tmp))
            outcomes.append(outcome)
            print(f"{fault}: {outcome.note}; {asdict(outcome)}", flush=True)
    print()
    print(table(outcomes))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps([asdict(o) for o in outcomes], indent=2))


if __name__ == "__main__":
    main()
