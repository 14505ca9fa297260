"""How much one report moves the clustering of the others, on ECB+ train (dev not read).

    python -m eval.cluster_stability        # about 30 seconds

For 60 reports drawn at random (seed 0), the window is clustered without that report and
compared with the whole window's clustering of the same other reports (adjusted Rand index):
a clustering whose events split or join when one report comes or goes is fragile, and its
score on a held-out set says as much about which reports that set holds as about the method.
Printed for the default settings (graded neighbourhoods), for the best setting with counted
neighbourhoods (the share two reports have in common), each chosen by eval.tune_clusters, and
for the counted setting it chose before dates were read better.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import replace

from sklearn.metrics import adjusted_rand_score

from briefing.digest.cluster import DEFAULT_PARAMS, ClusterParams, cluster
from briefing.evaluation.clustering import score_clusters
from eval.tune_clusters import load

# eval.tune_clusters' pick when graded neighbourhoods are left out of its grid.
COUNTED = replace(DEFAULT_PARAMS, neighbours=4, neighbour_ratio=0.3, graded=False)
# The defaults before dates were read better (December 2026), picked on the signals of then.
BEFORE = replace(COUNTED, names_share=0.2, threshold=0.975, shared_power=1.0)


def main() -> None:
    signals, gold = load("ecbplus-train")
    random.seed(0)
    dropped = random.sample(range(len(signals)), 60)
    print("| ECB+ train | B3 F1 | mean ARI without one report | least | clusterings changed |")
    print("|---|---|---|---|---|")
    rows: list[tuple[str, ClusterParams]] = [
        ("graded neighbourhoods (default)", DEFAULT_PARAMS),
        ("counted neighbourhoods", COUNTED),
        ("counted, the settings picked before dates were read better", BEFORE),
    ]
    for label, params in rows:
        whole = cluster(signals, params).labels
        aris = []
        for d in dropped:
            rest = [i for i in range(len(signals)) if i != d]
            labels = cluster([signals[i] for i in rest], params).labels
            aris.append(adjusted_rand_score([whole[i] for i in rest], labels))
        f1 = score_clusters(whole, gold).f1
        changed = sum(a < 0.9999 for a in aris)
        print(
            f"| {label} | {f1:.3f} | {statistics.mean(aris):.4f} | {min(aris):.3f} | "
            f"{changed}/{len(aris)} |"
        )


if __name__ == "__main__":
    main()
