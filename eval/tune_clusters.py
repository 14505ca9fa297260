"""Tune the clustering on ECB+ train, report on ECB+ dev (never tuned on).

    python -m eval.tune_clusters

Grid search over the weights of names and dates and the tree's cut, for the clustering and
for the words-only baseline, scored by B-cubed F1 on ecbplus-train; then both, with their
tuned settings, on ecbplus-dev.
"""

from __future__ import annotations

import itertools
import pickle
from pathlib import Path

from briefing.digest.cluster import ClusterParams, Signals, cluster, signals_of_files
from briefing.evaluation.clustering import gold_clusters, score_clusters

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "eval/results/cluster-signals.pkl"


def load(name: str) -> tuple[list[Signals], list[str]]:
    cache: dict[str, tuple[list[Signals], list[str]]] = {}
    if CACHE.is_file():
        cache = pickle.loads(CACHE.read_bytes())
    if name not in cache:
        folder = ROOT / "eval/data" / name
        gold = gold_clusters(folder)
        files = sorted(gold)
        signals = signals_of_files([folder / f for f in files])
        cache[name] = (signals, [gold[f] for f in files])
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_bytes(pickle.dumps(cache))
    return cache[name]


def main() -> None:
    train, train_gold = load("ecbplus-train")
    dev, dev_gold = load("ecbplus-dev")
    files = sorted(gold_clusters(ROOT / "eval/data/ecbplus-train"))
    topics = [int(f.split("_")[0]) for f in files]
    folds = [[i for i, t in enumerate(topics) if t % 2 == k] for k in (0, 1)]

    def robust_f1(p: ClusterParams) -> float:
        """The worse of the two topic folds of ECB+ train: a setting must hold on both."""
        return min(
            score_clusters(cluster([train[i] for i in f], p).labels, [train_gold[i] for i in f]).f1
            for f in folds
        )

    average = [round(0.6 + 0.025 * i, 3) for i in range(16)]
    best_base = max(
        (ClusterParams(0.0, 1.0, t, "average") for t in average),
        key=lambda p: score_clusters(cluster(train, p).labels, train_gold).f1,
    )
    # Average link only: its cut is a mean pairwise distance, the same for 5 reports as for
    # 500. Ward scored higher on ECB+ (B3 F1 0.929 train, 0.888 dev) but its merge cost grows
    # with cluster size, so a cut tuned on ECB+ (about 10 reports an event) merges everything
    # in a small window.
    grid = [
        ClusterParams(n, y, t, "average")
        for n, y, t in itertools.product([0.0, 0.2, 0.3, 0.4, 0.5], [1.0, 0.7, 0.5, 0.3], average)
    ]
    best = max(grid, key=robust_f1)
    print("| | B3 P | B3 R | B3 F1 | ARI | clusters/gold |")
    print("|---|---|---|---|---|---|")
    for label, params in (
        ("baseline (words, TF-IDF, average link)", best_base),
        ("briefing", best),
    ):
        for split, sig, gold in (("train", train, train_gold), ("dev", dev, dev_gold)):
            s = score_clusters(cluster(sig, params).labels, gold)
            print(
                f"| {label}, ecbplus-{split} | {s.precision:.3f} | {s.recall:.3f} | "
                f"{s.f1:.3f} | {s.ari:.3f} | {s.clusters}/{s.gold_clusters} |"
            )
    print("baseline:", best_base)
    print("briefing:", best)


if __name__ == "__main__":
    main()
