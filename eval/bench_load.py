"""Load: 50 concurrent clients for 60 s against two `briefing serve` replicas and two Celery
workers (PostgreSQL, a Redis of their own, a stub model with a fixed latency), mixing cached
brief reads, new reports (stored and queued for a brief) and chat questions; then how many
briefs one worker and two workers make in the same time.

    python -m eval.bench_load [--clients 50] [--seconds 60] [--jobs 24]

Goals (issue: scale-out): no error other than deliberate 429/503 answers that carry
Retry-After; p50/p99 and throughput printed per operation; two workers brief about twice
what one does (the ratio printed). Writes eval/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from eval.cluster import ROOT, Cluster

DEV = ROOT / "eval/data/ecbplus-dev"
RESULTS = ROOT / "eval/results/load.json"
DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/briefing_bench"
MIX = (("cached read", 0.7), ("new report", 0.2), ("chat", 0.1))


def corpus() -> list[str]:
    return [p.read_text() for p in sorted(DEV.glob("*.txt"))]


async def prepare(bases: list[str], key: str, texts: list[str], n: int) -> list[str]:
    """``n`` reports stored and briefed (their briefs are what the cached reads read)."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=bases[0], headers=headers, timeout=60) as http:
        ids = []
        for body in texts[:n]:
            ids.append((await http.post("/v1/reports", json={"text": body})).json()["id"])
            (await http.post("/v1/briefs", json={"report_id": ids[-1]})).raise_for_status()
        for report_id in ids:  # wait until each is briefed
            while (await http.post("/v1/briefs", json={"report_id": report_id})).status_code != 200:
                await asyncio.sleep(0.5)
    return ids


async def client(
    base: str, key: str, briefed: list[str], texts: list[str], until: float, seen: list[Any]
) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random()
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        while time.monotonic() < until:
            kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
            started = time.perf_counter()
            if kind == "cached read":
                answer = await http.post("/v1/briefs", json={"report_id": rng.choice(briefed)})
            elif kind == "new report":
                body = f"{rng.choice(texts)}\n\nReference {uuid.uuid4().hex}."
                answer = await http.post("/v1/reports", json={"text": body})
                if answer.status_code == 201:
                    answer = await http.post("/v1/briefs", json={"report_id": answer.json()["id"]})
            else:
                answer = await http.post(
                    "/v1/chat/completions",
                    json={
                        "model": "briefing",
                        "messages": [{"role": "user", "content": "Who was arrested?"}],
                    },
                )
            elapsed = time.perf_counter() - started
            deliberate = answer.status_code in (429, 503) and "retry-after" in answer.headers
            seen.append((kind, answer.status_code, elapsed, deliberate))
            if deliberate:
                await asyncio.sleep(min(float(answer.headers["retry-after"]), 2.0))


def summarize(seen: list[Any], seconds: float) -> dict[str, dict[str, float]]:
    out = {}
    for kind, _ in MIX:
        rows = [r for r in seen if r[0] == kind]
        ok = [r[2] for r in rows if r[1] < 400]
        cuts = statistics.quantiles(ok, n=100) if len(ok) >= 2 else [0.0] * 99
        out[kind] = {
            "requests": len(rows),
            "ok": len(ok),
            "deliberate_429_503": sum(1 for r in rows if r[3]),
            "errors": sum(1 for r in rows if r[1] >= 400 and not r[3]),
            "p50_ms": round(cuts[49] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1),
            "per_s": round(len(ok) / seconds, 1),
        }
    return out


async def mixed_load(c: Cluster, clients: int, seconds: float) -> dict[str, Any]:
    texts = corpus()
    briefed = await prepare(c.bases, c.key, texts, 20)
    seen: list[Any] = []
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(
            client(c.bases[i % len(c.bases)], c.key, briefed, texts[20:], until, seen)
            for i in range(clients)
        )
    )
    statuses: dict[int, int] = {}
    for r in seen:
        statuses[r[1]] = statuses.get(r[1], 0) + 1
    return {"operations": summarize(seen, seconds), "statuses": statuses}


def throughput(workers: int, jobs: int, workdir: Path, database_url: str) -> float:
    """Briefs a second that ``workers`` workers make of ``jobs`` new reports (stub model: 2 s
    a call), from the first job's start to the last one's end, after a warm-up batch (each
    worker process loads its models on its first task)."""
    texts = corpus()
    with Cluster(workdir / f"w{workers}", database_url, workers=workers, llm_latency_ms=2000) as c:
        headers = {"Authorization": f"Bearer {c.key}"}
        with httpx.Client(base_url=c.bases[0], headers=headers, timeout=30) as http:

            def batch(bodies: list[str]) -> list[str]:
                ids = []
                for body in bodies:
                    report = http.post("/v1/reports", json={"text": body}).json()["id"]
                    queued = http.post("/v1/briefs", json={"report_id": report})
                    ids.append(queued.raise_for_status().json()["id"])
                return ids

            def finished(ids: list[str]) -> tuple[float, float]:
                listed = ", ".join(f"'{i}'" for i in ids)
                sql = f"SELECT started_at, finished_at FROM jobs WHERE id IN ({listed})"
                while True:
                    rows = [r for r in c.query(sql + " AND status = 'succeeded'")]
                    if len(rows) == len(ids):
                        return min(r[0] for r in rows).timestamp(), max(
                            r[1] for r in rows
                        ).timestamp()
                    time.sleep(0.2)

            finished(batch(texts[-2 * workers :]))  # warm-up
            start, end = finished(batch(texts[:jobs]))
            return jobs / (end - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=24, help="Briefs in the worker comparison.")
    parser.add_argument("--database-url", default=DATABASE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = {"BRIEFING_JOB_QUEUE_MAX": "200", "BRIEFING_JOB_QUEUE_PER_KEY": "200"}
        with Cluster(Path(tmp) / "mixed", args.database_url, apis=2, settings=settings) as c:
            load = asyncio.run(mixed_load(c, args.clients, args.seconds))
        one = throughput(1, args.jobs, Path(tmp), args.database_url)
        two = throughput(2, args.jobs, Path(tmp), args.database_url)
    print(f"{args.clients} clients, {args.seconds:g} s, 2 replicas, 2 workers, stub model 200 ms")
    print(
        "| operation | requests | ok | 429/503 with Retry-After | errors | p50 ms | p99 ms | ok/s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, row in load["operations"].items():
        print(
            f"| {kind} | {row['requests']} | {row['ok']} | {row['deliberate_429_503']} | "
            f"{row['errors']} | {row['p50_ms']} | {row['p99_ms']} | {row['per_s']} |"
        )
    print(f"statuses: {load['statuses']}")
    print(
        f"briefs a second, stub model 2 s a call, {args.jobs} reports: 1 worker {one:.2f}, "
        f"2 workers {two:.2f}: ratio {two / one:.2f}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    load.update(clients=args.clients, seconds=args.seconds, one_worker=one, two_workers=two)
    RESULTS.write_text(json.dumps(load, indent=2))


if __name__ == "__main__":
    main()
