"""Tune the clustering on ECB+ train, report on ECB+ dev (never tuned on).

    python -m eval.tune_clusters               # about 12 minutes
    python -m eval.tune_clusters --train-only  # the same, ECB+ dev not read
    python -m eval.tune_clusters --lead        # the lead's words on and off in the grid

Grid search over the weights of names and dates, the shared-neighbour settings (graded
neighbourhoods or counted ones) and the tree's cut on ecbplus-train. A setting must hold on a whole window and on small ones: its score is
the mean of four B-cubed F1 figures, the worse of train's two topic folds (each fold clustered
on its own, its own IDF) and the mean over five random windows of 20, of 60 and of 120 train
reports (where events have one to four reports and shared neighbourhoods say less). Settings
that merge two earthquakes of two reports each, years apart (the hand-made case of
``tests/test_clustering.py``), are not candidates. The words-only baseline gets its own threshold on the whole of train, and the best setting
without shared neighbours (the clustering before them) is chosen like the rest. All three are
then printed on ecbplus-train and ecbplus-dev, whole and in random windows of each size (ten
each, another seed).
"""

from __future__ import annotations

import itertools
import pickle
import random
import statistics
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


def f1_on(signals: list[Signals], gold: list[str], rows: list[int], p: ClusterParams) -> float:
    labels = cluster([signals[i] for i in rows], p).labels
    return score_clusters(labels, [gold[i] for i in rows]).f1


def windows(n: int, size: int, count: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    return [sorted(rng.sample(range(n), size)) for _ in range(count)]


def keeps_two_small_events_apart(p: ClusterParams) -> bool:
    """Two reports each of two earthquakes years apart, and an election: three events."""
    quake = ("earthquake", "magnitude", "killed")
    qeshm = ("qeshm", "island", "hormozgan", "strait", "ferries")
    bam = ("bam", "citadel", "kerman", "mudbrick", "ruins")
    signals = [
        Signals(words=(*quake, *qeshm), names=("qeshm", "iran"), years=frozenset({2005})),
        Signals(words=(*quake, *qeshm, "rescue"), names=("qeshm",), years=frozenset({2005})),
        Signals(words=(*quake, *bam), names=("bam", "iran"), years=frozenset({2003})),
        Signals(words=(*quake, *bam, "rescue"), names=("bam",), years=frozenset({2003})),
        Signals(words=("election", "parliament", "vote", "turnout", "ballots")),
    ]
    return sorted(cluster(signals, p).groups()) == [[0, 1], [2, 3], [4]]


# The tree's cut for each way of comparing neighbourhoods: a graded neighbourhood's cosine
# is higher than the share of neighbours two reports count in common, so its cuts are lower.
CUTS = {False: (0.95, 0.975, 0.985), True: (0.85, 0.9, 0.925, 0.95, 0.975)}


def grid(
    leads: tuple[bool, ...] = (False,), graded: tuple[bool, ...] = (False, True)
) -> list[ClusterParams]:
    average = [round(0.6 + 0.025 * i, 3) for i in range(16)]
    out = []
    for names, years, lead in itertools.product([0.0, 0.2, 0.3], [1.0, 0.7], leads):
        out += [ClusterParams(names, years, t, neighbours=0, lead=lead) for t in average]
        for g in graded:
            for k, floor, ratio, power, t in itertools.product(
                [4, 5], [0.15, 0.175], [0.0, 0.3, 0.5], [0.5, 1.0], CUTS[g]
            ):
                out.append(
                    ClusterParams(
                        names,
                        years,
                        t,
                        neighbours=k,
                        neighbour_floor=floor,
                        neighbour_ratio=ratio,
                        shared_power=power,
                        lead=lead,
                        graded=g,
                    )
                )
    return out


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-only", action="store_true", help="do not read ECB+ dev")
    parser.add_argument("--lead", action="store_true", help="the lead's words on and off")
    args = parser.parse_args(argv)
    train_only = args.train_only
    train, train_gold = load("ecbplus-train")
    dev, dev_gold = ([], []) if train_only else load("ecbplus-dev")
    topics = [int(g.split("_")[0]) for g in train_gold]
    folds = [[i for i, t in enumerate(topics) if t % 2 == k] for k in (0, 1)]
    small = [windows(len(train), size, 5, seed=0) for size in (20, 60, 120)]

    def key(p: ClusterParams) -> float:
        """Mean of the worse topic fold and the small windows of each size."""
        worse = min(f1_on(train, train_gold, f, p) for f in folds)
        sizes = [statistics.mean(f1_on(train, train_gold, w, p) for w in ws) for ws in small]
        return round(statistics.mean([worse, *sizes]), 4)

    leads = (False, True) if args.lead else (False,)
    scored = [(key(p), p) for p in grid(leads) if keeps_two_small_events_apart(p)]
    best = max(scored, key=lambda s: s[0])[1]
    without_neighbours = [s for s in scored if s[1].neighbours == 0 and not s[1].lead]
    before = max(without_neighbours, key=lambda s: s[0])[1]
    base = max(
        (ClusterParams(0.0, 1.0, round(0.6 + 0.025 * i, 3), neighbours=0) for i in range(16)),
        key=lambda p: score_clusters(cluster(train, p).labels, train_gold).f1,
    )
    rows = (
        ("baseline (words, TF-IDF, average link)", base),
        ("without shared neighbours", before),
        ("briefing", best),
    )
    score_of = {p: k for k, p in scored}
    print("tuning score (ECB+ train):", {label: score_of[p] for label, p in rows[1:]})
    splits = (("train", train, train_gold),) + (() if train_only else (("dev", dev, dev_gold),))
    print("| | B3 P | B3 R | B3 F1 | ARI | clusters/gold |")
    print("|---|---|---|---|---|---|")
    for label, params in rows:
        for split, sig, gold in splits:
            s = score_clusters(cluster(sig, params).labels, gold)
            print(
                f"| {label}, ecbplus-{split} | {s.precision:.3f} | {s.recall:.3f} | "
                f"{s.f1:.3f} | {s.ari:.3f} | {s.clusters}/{s.gold_clusters} |"
            )
    print()
    print("Mean B3 F1 over ten random windows of each size (seed 1):")
    heads = [f"{split} {size}" for split, _, _ in splits for size in (20, 60, 120)]
    print("| | " + " | ".join(heads) + " |")
    print("|---" * (len(heads) + 1) + "|")
    for label, params in rows:
        cells = []
        for _, sig, gold in splits:
            for size in (20, 60, 120):
                ws = windows(len(sig), size, 10, seed=1)
                cells.append(statistics.mean(f1_on(sig, gold, w, params) for w in ws))
        print(f"| {label} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    print()
    print("baseline:", base)
    print("without shared neighbours:", before)
    print("briefing:", best)


if __name__ == "__main__":
    main()
