"""Benchmark one brief of the example report: our chain against the naive per-section chain.

Both run on the same model in the same process, warmed up first, alternating runs. Prints wall
time, time inside LLM calls, analysis time, LLM calls and tokens per brief, and the ratios.

    python -m eval.bench_brief [--runs 3] [--report examples/...txt]

Goals (issue: foundation): time outside LLM calls at most 5% of wall time; tokens per brief at
most half of the naive chain's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from briefing.analysis import get_nlp
from briefing.chains.brief import BriefChain
from briefing.ingest import load_report
from briefing.settings import get_settings
from eval.naive import naive_brief

ROOT = Path(__file__).resolve().parent.parent


class LLMTimer(BaseCallbackHandler):
    """Wall time spent inside chat model calls, from LangChain's callbacks."""

    def __init__(self) -> None:
        self.started: dict[UUID, float] = {}
        self.total_s = 0.0
        self.calls = 0

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, **kw: Any
    ) -> None:
        self.started[run_id] = time.perf_counter()

    def on_llm_end(self, response: Any, *, run_id: UUID, **kw: Any) -> None:
        self.total_s += time.perf_counter() - self.started.pop(run_id)
        self.calls += 1

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self.total_s += time.perf_counter() - self.started.pop(run_id, time.perf_counter())

    def reset(self) -> None:
        self.total_s, self.calls = 0.0, 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="measured runs per chain (default 3)")
    parser.add_argument("--report", default=str(ROOT / "examples/syria-leadership-2024-12-02.txt"))
    parser.add_argument("--json", default=str(ROOT / "eval/results/bench_brief.json"))
    args = parser.parse_args()

    settings = get_settings()
    report = load_report(Path(args.report).read_bytes(), filename=Path(args.report).name)
    t0 = time.perf_counter()
    get_nlp(settings.spacy_model)
    chain = BriefChain(settings)
    backend = chain.backend  # starts the embedded server when no endpoint is set
    cold_s = time.perf_counter() - t0
    timer = LLMTimer()
    backend.chat.callbacks = [timer]
    print(
        f"model {backend.model} via {backend.label} ({backend.mode.value}); "
        f"start-up (spaCy + backend) {cold_s:.2f}s",
        file=sys.stderr,
    )

    chain.run(report)  # warm-up: dateparser, caches, the server's first request
    naive_brief(chain.caller(), report)

    ours: list[dict[str, float]] = []
    naive: list[dict[str, float]] = []
    for i in range(args.runs):
        timer.reset()
        start = time.perf_counter()
        brief = chain.run(report)
        wall = time.perf_counter() - start
        u = brief.provenance.usage
        ours.append(
            {
                "wall_s": wall,
                "llm_s": timer.total_s,
                "analysis_s": brief.provenance.timings.analysis_ms / 1000,
                "calls": u.llm_calls,
                "tokens": u.total_tokens,
                "input_tokens": u.input_tokens,
                "output_tokens": u.output_tokens,
            }
        )
        timer.reset()
        start = time.perf_counter()
        _, nu = naive_brief(chain.caller(), report)
        wall = time.perf_counter() - start
        naive.append(
            {
                "wall_s": wall,
                "llm_s": timer.total_s,
                "analysis_s": 0.0,
                "calls": nu.llm_calls,
                "tokens": nu.total_tokens,
                "input_tokens": nu.input_tokens,
                "output_tokens": nu.output_tokens,
            }
        )
        print(
            f"run {i + 1}/{args.runs}: ours {ours[-1]['wall_s']:.1f}s, "
            f"naive {naive[-1]['wall_s']:.1f}s",
            file=sys.stderr,
        )

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    keys = ["wall_s", "llm_s", "analysis_s", "calls", "tokens", "input_tokens", "output_tokens"]
    summary = {
        "report": Path(args.report).name,
        "model": backend.model,
        "backend": backend.label,
        "runs": args.runs,
        "ours": {k: med(ours, k) for k in keys},
        "naive": {k: med(naive, k) for k in keys},
    }
    o, n = summary["ours"], summary["naive"]
    outside = o["wall_s"] - o["llm_s"]
    summary["ratios"] = {
        "ours_outside_llm_share": outside / o["wall_s"],
        "tokens_ours_over_naive": o["tokens"] / n["tokens"],
        "wall_ours_over_naive": o["wall_s"] / n["wall_s"],
        "calls_ours_over_naive": o["calls"] / n["calls"],
    }
    r = summary["ratios"]
    print(
        f"\nBrief benchmark: {summary['report']}, {backend.model} via {backend.label}, "
        f"median of {args.runs} runs (same process, alternating)\n"
    )
    print(f"{'':24}{'ours':>12}{'naive':>12}{'ours/naive':>12}")
    rows = [
        ("wall time (s)", "wall_s", "{:.2f}"),
        ("inside LLM calls (s)", "llm_s", "{:.2f}"),
        ("analysis (s)", "analysis_s", "{:.3f}"),
        ("LLM calls", "calls", "{:.0f}"),
        ("tokens", "tokens", "{:.0f}"),
        ("  input tokens", "input_tokens", "{:.0f}"),
        ("  output tokens", "output_tokens", "{:.0f}"),
    ]
    for label, key, fmt in rows:
        ratio = f"{o[key] / n[key]:.2f}" if n[key] else "-"
        print(f"{label:24}{fmt.format(o[key]):>12}{fmt.format(n[key]):>12}{ratio:>12}")
    print(
        f"\ntime outside LLM calls: {outside:.3f}s = {100 * r['ours_outside_llm_share']:.1f}% "
        f"of wall time (goal <= 5%)"
    )
    print(
        f"tokens per brief: {100 * r['tokens_ours_over_naive']:.0f}% of the naive chain's "
        f"(goal <= 50%)"
    )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(summary, indent=2))
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
