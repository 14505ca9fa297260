"""Benchmark the HTTP service: cached brief reads against a bare FastAPI JSON endpoint, and a
cold brief against a cached one. Both servers run under uvicorn (1 process each) on this
machine, measured in the same run by the same load generator.

    python -m eval.bench_api [--seconds 5] [--concurrency 8]

Goals (issue: HTTP service): cached brief throughput at least 0.7 of the bare endpoint's;
cached brief at least 100 times faster than a cold one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from briefing.llm.embedded import free_port

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples/syria-leadership-2024-12-02.txt"


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


async def load(
    url: str,
    headers: dict[str, str],
    seconds: float,
    concurrency: int,
    method: str = "GET",
    body: Any = None,
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = await client.request(method, url, json=body)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", default=str(ROOT / "eval/results/bench_api.json"))
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env.update(
        BRIEFING_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        BRIEFING_RATE_LIMIT_PER_MINUTE="100000000",
    )
    key = subprocess.run(
        [sys.executable, "-m", "briefing.cli", "keys", "create", "--name", "bench"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    headers = {"Authorization": f"Bearer {key}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp / "service.log").open("w")
    service = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "briefing_api.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    bare = None
    try:
        wait_up(f"{base}/healthz")
        report_id = httpx.post(
            f"{base}/v1/reports?title=Syria",
            content=EXAMPLE.read_bytes(),
            headers={**headers, "Content-Type": "text/plain"},
        ).json()["id"]
        # Warm the model server and spaCy with one brief (not measured).
        warm = httpx.post(
            f"{base}/v1/briefs?wait=60", json={"report_id": report_id}, headers=headers, timeout=120
        )
        assert warm.status_code == 200, warm.text
        cold = []
        for _ in range(2):
            t0 = time.perf_counter()
            r = httpx.post(
                f"{base}/v1/briefs?wait=60",
                json={"report_id": report_id},
                headers={**headers, "Cache-Control": "no-cache"},
                timeout=120,
            )
            cold.append(time.perf_counter() - t0)
            assert r.status_code == 200 and r.headers["x-cache"] == "miss", r.text
        brief_url = base + r.headers["location"]
        (tmp / "brief.json").write_text(r.text)

        bare_port = free_port()
        bare = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "eval.bare_app:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env={**env, "BENCH_BRIEF_JSON": str(tmp / "brief.json")},
            cwd=ROOT,
        )
        wait_up(f"http://127.0.0.1:{bare_port}/small")

        def run(*a: Any, **kw: Any) -> dict[str, float]:
            return asyncio.run(load(*a, seconds=args.seconds, concurrency=args.concurrency, **kw))

        results = {
            "bare_small": run(f"http://127.0.0.1:{bare_port}/small", {}),
            "bare_brief": run(f"http://127.0.0.1:{bare_port}/brief", {}),
            "cached_post": run(
                f"{base}/v1/briefs", headers, method="POST", body={"report_id": report_id}
            ),
            "cached_get": run(brief_url, headers),
        }
    finally:
        service.terminate()
        service.wait(30)
        if bare is not None:
            bare.terminate()
            bare.wait(30)

    cold_s = statistics.median(cold)
    cached_s = results["cached_post"]["p50_ms"] / 1000
    summary = {
        "seconds": args.seconds,
        "concurrency": args.concurrency,
        "results": results,
        "cold_brief_s": cold_s,
        "cached_brief_p50_s": cached_s,
        "ratios": {
            "cached_post_rps_over_bare_brief": results["cached_post"]["rps"]
            / results["bare_brief"]["rps"],
            "cached_post_rps_over_bare_small": results["cached_post"]["rps"]
            / results["bare_small"]["rps"],
            "cached_get_rps_over_bare_brief": results["cached_get"]["rps"]
            / results["bare_brief"]["rps"],
            "cold_over_cached": cold_s / cached_s,
        },
    }
    print(
        f"\nHTTP benchmark: {args.concurrency} concurrent clients, {args.seconds:.0f}s each, "
        "uvicorn 1 process per server, same machine\n"
    )
    print(f"{'endpoint':44}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    names = {
        "bare_small": "bare FastAPI, {'status': 'ok'}",
        "bare_brief": "bare FastAPI, the same brief as a dict",
        "cached_post": "POST /v1/briefs (cache hit, X-Cache: hit)",
        "cached_get": "GET /v1/briefs/{id}",
    }
    for key_, label in names.items():
        r = results[key_]
        print(
            f"{label:44}{r['rps']:>10.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['errors']:>8}"
        )
    ratios = summary["ratios"]
    print(
        f"\ncached POST throughput / bare brief endpoint: {ratios['cached_post_rps_over_bare_brief']:.2f} (goal >= 0.7)"
    )
    print(
        f"cached POST throughput / bare small endpoint: {ratios['cached_post_rps_over_bare_small']:.2f}"
    )
    print(
        f"cold brief {cold_s:.2f}s vs cached {1000 * cached_s:.2f}ms: "
        f"{ratios['cold_over_cached']:.0f}x faster (goal >= 100x)"
    )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(summary, indent=2))
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
