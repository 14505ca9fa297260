"""Clustering scores against gold event clusters: B-cubed precision, recall and F1, and the
adjusted Rand index. Also the gold clusters of an ECB+ folder (``clusters.json``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from briefing.digest.cluster import Signals


@dataclass(frozen=True)
class ClusterScore:
    precision: float
    recall: float
    f1: float
    ari: float
    clusters: int
    gold_clusters: int


def bcubed(predicted: Sequence[int], gold: Sequence[str | int]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of one labelling against another (same items)."""
    n = len(predicted)
    if n == 0:
        return 1.0, 1.0, 1.0
    by_pred: dict[int, set[int]] = {}
    by_gold: dict[str | int, set[int]] = {}
    for i, (p, g) in enumerate(zip(predicted, gold, strict=True)):
        by_pred.setdefault(p, set()).add(i)
        by_gold.setdefault(g, set()).add(i)
    precision = recall = 0.0
    for i in range(n):
        mine, truth = by_pred[predicted[i]], by_gold[gold[i]]
        both = len(mine & truth)
        precision += both / len(mine)
        recall += both / len(truth)
    precision, recall = precision / n, recall / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_clusters(predicted: Sequence[int], gold: Sequence[str | int]) -> ClusterScore:
    from sklearn.metrics import adjusted_rand_score

    p, r, f = bcubed(predicted, gold)
    return ClusterScore(
        precision=p,
        recall=r,
        f1=f,
        ari=float(adjusted_rand_score(list(gold), list(predicted))),
        clusters=len(set(predicted)),
        gold_clusters=len(set(gold)),
    )


def gold_clusters(folder: Path) -> dict[str, str]:
    """file name -> gold event, from an ECB+ folder's ``clusters.json``; empty if it has none."""
    path = folder / "clusters.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: str(row["event"]) for name, row in data["documents"].items()}


def evaluate_clustering(
    folder: Path, progress: Callable[[str], None] = lambda _m: None
) -> dict[str, ClusterScore]:
    """The digest's clustering and the TF-IDF average-link baseline against a folder's gold
    clusters, in one run; empty when the folder has no ``clusters.json``."""
    from briefing.digest.cluster import signals_of_files

    gold = gold_clusters(folder)
    if not gold:
        return {}
    files = sorted(gold)
    signals = signals_of_files([folder / name for name in files], progress)
    return score_signals(signals, [gold[name] for name in files])


def score_signals(signals: Sequence[Signals], gold: Sequence[str]) -> dict[str, ClusterScore]:
    """Both clusterings of already-analysed reports against their gold labels."""
    from briefing.digest.cluster import BASELINE_PARAMS, DEFAULT_PARAMS, cluster

    labels = list(gold)
    return {
        "baseline": score_clusters(cluster(signals, BASELINE_PARAMS).labels, labels),
        "briefing": score_clusters(cluster(signals, DEFAULT_PARAMS).labels, labels),
    }


def clustering_table(scores: dict[str, ClusterScore]) -> str:
    rows = [
        "| clustering | B3 precision | B3 recall | B3 F1 | ARI | clusters / gold |",
        "|---|---|---|---|---|---|",
    ]
    labels = {
        "baseline": "TF-IDF words, average link (baseline, same run)",
        "briefing": "briefing (the digest's clustering)",
    }
    for key, s in scores.items():
        rows.append(
            f"| {labels[key]} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.ari:.3f} "
            f"| {s.clusters} / {s.gold_clusters} |"
        )
    return "\n".join(rows) + "\n"
