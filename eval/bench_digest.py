"""Digest groundwork at scale: time and peak memory of near-duplicate detection and
clustering (no model) over N reports built from the ECB+ texts.

    python -m eval.bench_digest [--sizes 1000 3000]

Each size runs in a fresh process. Signals are words only here (the analysis pass, which gives
names and years, costs about 0.1 s a report and runs once per report, when it is briefed).
Goals of the digest issue: 1,000 reports in 5 s, 10,000 in 60 s, near-linear growth. The
clustering is all-pairs today, so its cost grows with the square: this prints how far off it is.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path

from eval.fresh import run_child

ROOT = Path(__file__).resolve().parent.parent


def reports(n: int) -> list[str]:
    texts = [p.read_text() for p in sorted((ROOT / "eval/data").glob("ecbplus-*/*.txt"))]
    rng = random.Random(7)
    out = []
    for i in range(n):
        text = texts[i % len(texts)]
        if i >= len(texts):  # a republished copy with an outlet's own first and last lines
            text = f"Report {i} from outlet {rng.randint(1, 50)}\n{text}\nCopyright {i}"
        out.append(text)
    return out


def child(n: int) -> None:
    from briefing.digest.cluster import cluster, signals_of
    from briefing.digest.dedupe import near_duplicates

    texts = reports(n)
    started = time.perf_counter()
    groups = near_duplicates(texts)
    dedupe_s = time.perf_counter() - started
    originals = [texts[g[0]] for g in groups]
    started = time.perf_counter()
    clusters = cluster([signals_of(t) for t in originals]).groups()
    cluster_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "reports": n,
                "stories": len(groups),
                "events": len(clusters),
                "dedupe_s": round(dedupe_s, 2),
                "cluster_s": round(cluster_s, 2),
                "peak_rss_mb": round(peak_mb),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 3000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print("| reports | stories after dedupe | events | dedupe s | clustering s | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        try:
            r = run_child("eval.bench_digest", n)
        except RuntimeError as exc:
            print(f"| {n} | failed: {str(exc).strip().splitlines()[-1:]} |")
            continue
        print(
            f"| {r['reports']} | {r['stories']} | {r['events']} | {r['dedupe_s']} | "
            f"{r['cluster_s']} | {r['peak_rss_mb']} |"
        )


if __name__ == "__main__":
    main()
