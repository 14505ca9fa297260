"""The learned pair model against the hand-mixed similarity, out of fold on ECB+ train only.

    python -m eval.cluster_learned             # about 3 minutes; ECB+ dev is not read
    python -m eval.cluster_learned --seeds 0 1

For each seed and each half of the train topics (even topic ids, then odd): the pair model
(briefing.digest.pairs, its fixed settings) is fitted on the pairs of the other half (whole,
and five random windows of 20 and of 60 of its reports, drawn with the seed), and the held
half is clustered whole and in ten random windows of 20 and of 60 (seed + 1), at each cut. The
pairs' average precision (how well a similarity ranks the pairs of one event above the rest)
is printed for the mixed similarity, the neighbour-weighted one (briefing's default) and the
model. The last table is each cut's mean over seeds and halves of the held scores: the
learned setting's cut (LEARNED_PARAMS) is the best of them, a choice made on train only.
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np

from briefing.digest import pairs
from briefing.digest.cluster import DEFAULT_PARAMS, ClusterParams, Signals, cluster
from briefing.evaluation.clustering import score_clusters
from eval.tune_clusters import load, windows

CUTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@contextmanager
def fitted_on(signals: list[Signals], gold: list[str], rows_sets: list[list[int]]) -> Iterator[Any]:
    """The pair model fitted on the pairs of these windows, in place of the shipped one."""
    from sklearn.base import clone

    params = replace(DEFAULT_PARAMS, learned=True)
    xs, ys = [], []
    for rows in rows_sets:
        x, y = pairs.training_pairs([signals[i] for i in rows], [gold[i] for i in rows], params)
        xs.append(x)
        ys.append(y)
    shipped = pairs.model
    model = clone(shipped()).fit(np.vstack(xs), np.concatenate(ys))
    pairs.model = lambda: model  # type: ignore[assignment]
    try:
        yield model
    finally:
        pairs.model = shipped


def average_precisions(
    model: Any, signals: list[Signals], gold: list[str], rows: list[int]
) -> dict[str, float]:
    from sklearn.metrics import average_precision_score

    params = replace(DEFAULT_PARAMS, learned=True)
    x, y = pairs.training_pairs([signals[i] for i in rows], [gold[i] for i in rows], params)
    if not y.any():
        return {}
    similarity = pairs.FEATURES.index("similarity")
    merged = pairs.FEATURES.index("merge_similarity")
    return {
        "similarity": float(average_precision_score(y, x[:, similarity])),
        "neighbour-weighted (default)": float(average_precision_score(y, x[:, merged])),
        "pair model": float(average_precision_score(y, model.predict_proba(x)[:, 1])),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument(
        "--dev", action="store_true", help="only report on ECB+ dev (the shipped model, no tuning)"
    )
    args = parser.parse_args(argv)
    if args.dev:
        report_dev()
        return
    train, gold = load("ecbplus-train")
    topics = [int(g.split("_")[0]) for g in gold]
    halves = [[i for i, t in enumerate(topics) if t % 2 == k] for k in (0, 1)]

    def f1(rows: list[int], p: ClusterParams) -> float:
        labels = cluster([train[i] for i in rows], p).labels
        return score_clusters(labels, [gold[i] for i in rows]).f1

    def sampled(rows: list[int], size: int, count: int, seed: int) -> list[list[int]]:
        return [[rows[i] for i in w] for w in windows(len(rows), size, count, seed)]

    by_cut: dict[float, list[list[float]]] = defaultdict(list)
    aps: dict[str, list[float]] = defaultdict(list)
    print("| seed | held half | default: whole / w20 / w60 | pair model, cut tuned on the other half |")
    print("|---|---|---|---|")
    for seed in args.seeds:
        for name, tune, held in (("even", halves[1], halves[0]), ("odd", halves[0], halves[1])):
            tune_sets = [tune, *sampled(tune, 20, 5, seed), *sampled(tune, 60, 5, seed)]
            held_sets = [sampled(held, s, 10, seed + 1) for s in (20, 60)]

            def score(p: ClusterParams, rows: list[int], sets: list[list[list[int]]]) -> list[float]:
                return [f1(rows, p), *(statistics.mean(f1(w, p) for w in g) for g in sets)]

            default = score(DEFAULT_PARAMS, held, held_sets)
            with fitted_on(train, gold, tune_sets) as model:
                tune_windows = [sampled(tune, s, 5, seed) for s in (20, 60)]
                best = max(
                    CUTS,
                    key=lambda t: statistics.mean(
                        score(replace(DEFAULT_PARAMS, learned=True, threshold=t), tune, tune_windows)
                    ),
                )
                for t in CUTS:
                    held_scores = score(replace(DEFAULT_PARAMS, learned=True, threshold=t), held, held_sets)
                    by_cut[t].append(held_scores)
                    if t == best:
                        learned = held_scores
                for rows in [held, *held_sets[0], *held_sets[1]]:
                    for k, value in average_precisions(model, train, gold, rows).items():
                        aps[k].append(value)
            print(
                f"| {seed} | {name} | {' / '.join(f'{x:.3f}' for x in default)} | "
                f"{' / '.join(f'{x:.3f}' for x in learned)} (cut {best}) |",
                flush=True,
            )
    print("\n| pairs ranked by | mean average precision (held halves, whole and windows) |")
    print("|---|---|")
    for k, values in aps.items():
        print(f"| {k} | {statistics.mean(values):.3f} |")
    print("\n| cut | held halves, whole | w20 | w60 | mean (over seeds and halves) |")
    print("|---|---|---|---|---|")
    for t, rows in by_cut.items():
        whole, w20, w60 = (statistics.mean(r[k] for r in rows) for k in range(3))
        print(f"| {t} | {whole:.3f} | {w20:.3f} | {w60:.3f} | {(whole + w20 + w60) / 3:.4f} |")


def report_dev() -> None:
    """The baseline, the default and the learned setting on ECB+ dev (never tuned on), whole
    and in ten random windows of 20, 60 and 120 reports (seed 1, as eval.tune_clusters)."""
    from briefing.digest.cluster import BASELINE_PARAMS, LEARNED_PARAMS
    from eval.tune_clusters import f1_on

    dev, gold = load("ecbplus-dev")
    rows = list(range(len(dev)))
    print("| ECB+ dev | B3 P | B3 R | B3 F1 | ARI | windows 20 | 60 | 120 |")
    print("|---|---|---|---|---|---|---|---|")
    for label, p in (
        ("baseline", BASELINE_PARAMS),
        ("neighbour-weighted (default)", DEFAULT_PARAMS),
        ("pair model", LEARNED_PARAMS),
    ):
        s = score_clusters(cluster(dev, p).labels, gold)
        means = [
            statistics.mean(f1_on(dev, gold, w, p) for w in windows(len(rows), size, 10, seed=1))
            for size in (20, 60, 120)
        ]
        print(
            f"| {label} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.ari:.3f} | "
            + " | ".join(f"{m:.3f}" for m in means)
            + " |"
        )


if __name__ == "__main__":
    main()
