"""Long reports: time and peak memory at 1k, 5k, 20k and 50k tokens on the embedded model.

Each size runs in a fresh process (so its peak RSS is its own); reports are built from the
dev news in eval/data. Time should grow linearly with length, memory stay flat.

    python -m eval.bench_long [--sizes 1000 5000 20000 50000]

Goal (issue: analyst-grade briefs): peak RSS under 1 GB at 50k tokens.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from eval.fresh import run_child

ROOT = Path(__file__).resolve().parent.parent


def build_report(tokens: int) -> str:
    from briefing.llm.tokens import count_tokens

    texts = [p.read_text() for p in sorted((ROOT / "eval/data/ecbplus-dev").glob("*.txt"))]
    parts, used = ["date 2024-12-02 Long digest"], 0
    for text in texts:
        if used >= tokens:
            break
        parts.append(text.strip())
        used += count_tokens(text)
    return "\n\n".join(parts)


def child(tokens: int) -> None:
    """Brief one report of about ``tokens`` tokens; print a JSON line of figures."""
    from briefing.chains.brief import BriefChain
    from briefing.ingest import load_report
    from briefing.llm.tokens import count_tokens
    from briefing.settings import get_settings

    report = load_report(build_report(tokens).encode())
    chain = BriefChain(get_settings())
    _ = chain.backend  # start the model server outside the timing
    started = time.perf_counter()
    brief = chain.run(report)
    wall = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "tokens": count_tokens(report.text),
                "wall_s": wall,
                "peak_rss_mb": rss_mb,
                "llm_calls": brief.provenance.usage.llm_calls,
                "actors": len(brief.actors),
                "claims": len(brief.claims),
                "llm_s": brief.provenance.timings.llm_ms / 1000,
                "analysis_s": brief.provenance.timings.analysis_ms / 1000,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000, 50000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", default=str(ROOT / "eval/results/bench_long.json"))
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rows = []
    for size in args.sizes:
        print(f"briefing a ~{size}-token report ...", file=sys.stderr, flush=True)
        try:
            rows.append(run_child("eval.bench_long", size))
        except RuntimeError as exc:
            print(f"size {size} failed:\n{exc}", file=sys.stderr)
    print(
        f"\n{'tokens':>8}{'wall s':>10}{'s/1k tok':>10}{'LLM calls':>11}{'analysis s':>12}"
        f"{'peak RSS MB':>13}{'actors':>8}{'claims':>8}"
    )
    for r in rows:
        print(
            f"{r['tokens']:>8}{r['wall_s']:>10.1f}{1000 * r['wall_s'] / r['tokens']:>10.2f}"
            f"{r['llm_calls']:>11}{r['analysis_s']:>12.2f}{r['peak_rss_mb']:>13.0f}"
            f"{r['actors']:>8}{r['claims']:>8}"
        )
    print(
        "\npeak RSS is the briefing process; the llama.cpp server is a separate process of "
        "constant size (the 135M model)."
    )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(rows, indent=2))
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
