"""Which actor rules earn their place: each ruler pattern and span repair switched off in turn,
scored on the tuning material and, separately, on the untuned part.

    python -m eval.ablate_actors [--only NAME ...] [--jobs 2]

Columns: the figures with the rule off minus the figures with everything on (recall and
precision deltas, x1000). A rule whose removal *raises* a figure on the data it was not
written for does not earn its place. The tuning material is the WikiEvents dev tuning part
plus ECB+ train (other topics than ECB+ dev, scored inside its coreference sentences); the
untuned part is the WikiEvents dev "report" part. Figures come from code-only briefs: the actor
set does not depend on the model.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "wiki-tune": ("wikievents-dev", "tune"),
    "ecb-train": ("ecbplus-train", None),
    "wiki-report": ("wikievents-dev", "report"),
}


def _identity(_doc: Any, ents: Any) -> Any:
    return ents


def _patches() -> dict[str, Callable[[], contextlib.AbstractContextManager[None]]]:
    from briefing.analysis import repairs, ruler

    def patched(module: Any, name: str, value: Any) -> Callable[[], Iterator[None]]:
        @contextlib.contextmanager
        def cm() -> Iterator[None]:
            old = getattr(module, name)
            setattr(module, name, value)
            try:
                yield
            finally:
                setattr(module, name, old)

        return cm

    def without_pattern(kind: str, pid: str) -> Callable[[], Iterator[None]]:
        original = getattr(ruler, kind)
        return patched(ruler, kind, lambda: [p for p in original() if p["id"] != pid])

    out: dict[str, Any] = {}
    for kind in ("fill_patterns", "fix_patterns"):
        for p in getattr(ruler, kind)():
            out[f"ruler:{p['id']}"] = without_pattern(kind, p["id"])
    for name in (
        "_split_and",
        "_split_titles",
        "_extend_people",
        "_without_offices",
        "_extend_directions",
    ):
        if name == "_split_and":
            out[f"repair:{name}"] = patched(repairs, name, lambda _d, e: [e])
        else:
            out[f"repair:{name}"] = patched(repairs, name, _identity)
    out["repair:_untagged_acronyms"] = patched(repairs, "_untagged_acronyms", lambda _d, _e: [])
    out["repair:_headline_repair"] = patched(repairs, "_headline_tokens", lambda _d: set())
    out["repair:_acts_as_party"] = patched(repairs, "_acts_as_party", lambda _t: True)
    out["repair:_noise"] = patched(repairs, "_noise", lambda _d, _e, _w: False)
    out["repair:_trim"] = patched(repairs, "_trim", lambda _d, e: e)
    return out


def _score(dataset: str, part: str | None) -> tuple[int, int, int, int]:
    from briefing.chains.brief import BriefChain
    from briefing.evaluation.datasets import load_dataset
    from briefing.evaluation.harness import brief_names
    from briefing.evaluation.scoring import Score, score
    from briefing.ingest import load_report
    from briefing.settings import Settings

    chain = BriefChain(Settings())
    total = Score(0, 0, 0, 0)
    for doc in load_dataset(ROOT / "eval/data" / dataset):
        if part not in (None, doc.part):
            continue
        brief = chain.run(load_report(doc.text, filename=f"{doc.doc_id}.txt"), use_model=False)
        total += score(doc.actors, brief_names(brief, doc))
    return total.gold, total.predicted, total.gold_matched, total.predicted_matched


def _run(rule: str | None) -> dict[str, tuple[int, int, int, int]]:
    from briefing.analysis.spacy_pass import get_nlp

    with contextlib.ExitStack() as stack:
        patches = _patches()
        for name in list(patches) if rule == "ALL" else [rule] if rule else []:
            stack.enter_context(patches[name]())
        get_nlp.cache_clear()  # the rulers are added when the pipeline loads
        return {name: _score(*where) for name, where in SETS.items()}


def _pr(s: tuple[int, int, int, int]) -> tuple[float, float]:
    gold, predicted, gm, pm = s
    return gm / gold, pm / predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        nargs="*",
        help="rules to switch off (default: each in turn; NONE: just the figures)",
    )
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rules = [r for r in args.only if r != "NONE"] if args.only else [*_patches(), "ALL"]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = dict(zip([None, *rules], pool.map(_run, [None, *rules]), strict=True))
    full = results[None]
    head = " | ".join(f"{n} R/P" for n in SETS)
    print(f"| rule off | {head} |")
    print("|---|" + "---|" * len(SETS))
    cells = " | ".join("{:.3f}/{:.3f}".format(*_pr(full[n])) for n in SETS)
    print(f"| (everything on) | {cells} |")
    for rule in rules:
        deltas = []
        for n in SETS:
            r0, p0 = _pr(full[n])
            r1, p1 = _pr(results[rule][n])
            deltas.append(f"{(r1 - r0) * 1000:+.0f}/{(p1 - p0) * 1000:+.0f}")
        print(f"| {rule} | {' | '.join(deltas)} |")


if __name__ == "__main__":
    main()
