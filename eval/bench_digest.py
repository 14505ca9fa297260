"""The digest at scale: time and peak memory of near-duplicate detection and clustering (no
model) over N distinct reports built from the ECB+ texts, and model calls per digest.

    python -m eval.bench_digest [--sizes 1000 10000] [--calls 40 160]

Each size runs in a fresh process. Reports beyond the ECB+ texts are remixes: sentences of
three documents of one ECB+ topic, shuffled, so every report is distinct but each topic's
reports read alike (large, realistic events); one in ten is a republished copy of an earlier
report with an outlet's own first and last lines (near-duplicates to fold). Signals are words
only here (the analysis pass, which adds names and years, runs once per report when it is
briefed). Goals of the digest issue: 1,000 reports in 5 s, 10,000 in 60 s, near-linear growth;
the growth ratio printed is (time per report at the largest size) / (at the smallest).

``--calls`` builds digests of that many ECB+ dev reports with code-only briefs and a counting
model, and prints model calls against reports and events: one call per event, none per report.
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
    paths = sorted((ROOT / "eval/data").glob("ecbplus-*/*.txt"))
    texts = [p.read_text() for p in paths]
    topics: dict[str, list[str]] = {}
    for path, text in zip(paths, texts, strict=True):
        topics.setdefault(path.name.split("_")[0], []).append(text)
    names = sorted(topics)
    rng = random.Random(7)
    out = texts[:n]
    while len(out) < n:
        i = len(out)
        if i % 10 == 0:  # a republished copy with an outlet's own first and last lines
            text = out[rng.randrange(len(out))]
            out.append(f"Report {i} from outlet {rng.randint(1, 50)}\n{text}\nCopyright {i}")
            continue
        docs = rng.sample(topics[names[rng.randrange(len(names))]], 3)
        sentences = [x for d in docs for x in d.split("\n") if x.strip()]
        rng.shuffle(sentences)
        out.append("\n".join(sentences[: max(8, len(sentences) // 3)]))
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


def calls(n: int) -> dict[str, int]:
    """Model calls of one digest of ``n`` ECB+ dev reports (code-only briefs, a fake model
    that answers every event call)."""
    import datetime as dt

    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from briefing.chains.brief import BriefChain
    from briefing.digest.inputs import DigestItem
    from briefing.digest.make import digest_builder
    from briefing.ingest import load_report
    from briefing.llm.backend import Backend
    from briefing.settings import Settings, StructuredMode

    reply = json.dumps({"headline": "Reports of the event", "bluf": "Reports tell the event."})
    model = FakeListChatModel(responses=[reply])
    backend = Backend(chat=model, model="fake", label="fake", mode=StructuredMode.PLAIN)
    chain = BriefChain(Settings(), backend=backend)
    paths = sorted((ROOT / "eval/data/ecbplus-dev").glob("*.txt"))[:n]
    now = dt.datetime.now(dt.UTC)
    items = []
    for path in paths:
        report = load_report(path.read_bytes(), filename=path.name)
        items.append(
            DigestItem(
                id=path.name,
                report=report,
                brief=chain.run(report, use_model=False),
                received=now,
            )
        )
    digest = digest_builder(chain).build(items, since=now - dt.timedelta(days=1), until=now)
    return {
        "reports": len(items),
        "events": len(digest.events),
        "llm_calls": digest.provenance.usage.llm_calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--calls", nargs="*", type=int, default=[40, 160])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print(
        "| reports | stories after dedupe | events | dedupe s | clustering s | total s | "
        "ms per report | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    per_report = []
    for n in args.sizes:
        try:
            r = run_child("eval.bench_digest", n)
        except RuntimeError as exc:
            print(f"| {n} | failed: {str(exc).strip().splitlines()[-1:]} |")
            continue
        total = r["dedupe_s"] + r["cluster_s"]
        per_report.append(1000 * total / n)
        print(
            f"| {r['reports']} | {r['stories']} | {r['events']} | {r['dedupe_s']} | "
            f"{r['cluster_s']} | {total:.2f} | {per_report[-1]:.2f} | {r['peak_rss_mb']} |"
        )
    if len(per_report) > 1:
        print(
            f"\ngrowth: time per report at {args.sizes[-1]} / at {args.sizes[0]} = "
            f"{per_report[-1] / per_report[0]:.2f} (1.0 is linear; all-pairs would be "
            f"{args.sizes[-1] / args.sizes[0]:.0f})"
        )
    if args.calls:
        print("\n| reports | events | model calls of the digest | calls per event |")
        print("|---|---|---|---|")
        for n in args.calls:
            c = calls(n)
            print(
                f"| {c['reports']} | {c['events']} | {c['llm_calls']} | "
                f"{c['llm_calls'] / max(c['events'], 1):.2f} |"
            )


if __name__ == "__main__":
    main()
