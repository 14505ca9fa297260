"""Chat at scale: retrieval time over N stored reports, and an answer's time to first token
and total latency over 1,000 reports.

    python -m eval.bench_chat [--sizes 1000 10000] [--questions 20] [--model]

Reports are the ECB+ texts and remixes of them (``eval.bench_digest.reports``) plus the
example report, stored through the service's store (passages indexed as on ``POST
/v1/reports``). Retrieval: full-text search of the questions' terms plus the relevance
filter, median and p95 over the questions, injection checks of the reports found included
the first time (they are cached in the database after). ``--model`` also answers one
question on the configured backend (the embedded model by default) over the first size and
prints time to first token and total. Goal (chat issue): retrieval <= 50 ms at 10,000.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eval.bench_digest import reports

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Who took command after Kisel was dismissed?",
    "Where did the earthquake strike?",
    "Who was arrested after the shooting?",
    "What did the police say about the fire?",
    "Who won the election?",
    "How many people were killed?",
    "Which company announced the acquisition?",
    "Who was fired as coach?",
    "What did Peskov say?",
    "When was the suspect charged?",
]


def child(n: int, questions: int, with_model: bool) -> None:
    from briefing.chains.brief import BriefChain
    from briefing.chat.answer import Answer, Answerer
    from briefing.ingest import load_report
    from briefing.schemas.chat import ChatMessage
    from briefing.settings import Settings
    from briefing.store.db import Database
    from briefing.store.passages import Scope
    from briefing.store.reports import add_report

    tmp = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    db = Database(f"sqlite:///{tmp / 'chat.db'}")
    db.migrate()
    started = time.perf_counter()
    add_report(db, load_report((ROOT / "examples/syria-leadership-2024-12-02.txt").read_bytes()))
    for text in reports(n - 1):
        add_report(db, load_report(text.encode()))
    store_s = time.perf_counter() - started
    answerer = Answerer(db, BriefChain(Settings()), use_model=with_model)
    asked = (QUESTIONS * (questions // len(QUESTIONS) + 1))[:questions]
    first_pass, second_pass = [], []
    for timings in (first_pass, second_pass):
        for q in asked:
            _, ms = answerer.retrieve([ChatMessage(role="user", content=q)], Scope())
            timings.append(ms)
    result: dict[str, object] = {
        "reports": n,
        "store_s": round(store_s, 1),
        "retrieval_first_ms_median": round(statistics.median(first_pass), 1),
        "retrieval_ms_median": round(statistics.median(second_pass), 1),
        "retrieval_ms_p95": round(sorted(second_pass)[int(0.95 * (len(second_pass) - 1))], 1),
    }
    if with_model:
        t0 = time.perf_counter()
        first = None
        answer = None
        for event in answerer.stream([ChatMessage(role="user", content=QUESTIONS[0])], Scope()):
            if isinstance(event, Answer):
                answer = event
            elif first is None:
                first = time.perf_counter() - t0
        result["ttft_s"] = round(first or 0.0, 2)
        result["total_s"] = round(time.perf_counter() - t0, 2)
        result["answer"] = answer.content.split("\n\n")[0] if answer else None
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--model", action="store_true", help="also answer on the model")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.questions, args.model)
        return
    rows = []
    for i, n in enumerate(args.sizes):
        command = [sys.executable, "-m", "eval.bench_chat", "--child", str(n)]
        command += ["--questions", str(args.questions)]
        command += ["--model"] if args.model and i == 0 else []
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("| reports | store (s) | retrieval 1st pass median (ms) | median (ms) | p95 (ms) |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['reports']} | {r['store_s']} | {r['retrieval_first_ms_median']} "
            f"| {r['retrieval_ms_median']} | {r['retrieval_ms_p95']} |"
        )
    for r in rows:
        if "ttft_s" in r:
            print(
                f"\nanswer over {r['reports']} reports: first sentence after {r['ttft_s']} s, "
                f"whole answer {r['total_s']} s\n> {r['answer']}"
            )


if __name__ == "__main__":
    main()
