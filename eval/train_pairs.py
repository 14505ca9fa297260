"""Write the pair model's training data (briefing/data/cluster_pairs.npz) from ECB+ train.

    python -m eval.train_pairs     # about a minute once the train signals are cached

The pairs inside each block (briefing.digest.pairs.training_pairs) of the whole of
eval/data/ecbplus-train and of five random windows of 20 and of 60 of its reports (seed 0),
with whether each pair's two reports are of one gold event. ECB+ dev is not read. Bump VERSION
when the features or the data change; every digest records it.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from briefing.digest import pairs
from briefing.digest.cluster import DEFAULT_PARAMS
from eval.tune_clusters import load, windows

VERSION = "2026.12.1"
OUT = Path(pairs.__file__).resolve().parent.parent / "data" / pairs.DATA_FILE


def main() -> None:
    signals, gold = load("ecbplus-train")
    n = len(signals)
    rows_sets = [list(range(n)), *windows(n, 20, 5, 0), *windows(n, 60, 5, 0)]
    params = replace(DEFAULT_PARAMS, learned=True)
    xs, ys = [], []
    for rows in rows_sets:
        x, y = pairs.training_pairs([signals[i] for i in rows], [gold[i] for i in rows], params)
        xs.append(x.astype(np.float32))
        ys.append(y)
    x, y = np.vstack(xs), np.concatenate(ys)
    meta = {
        "version": VERSION,
        "features": list(pairs.FEATURES),
        "source": "ECB+ train (eval/data/ecbplus-train, CC BY 3.0): whole, 5 windows of 20 "
        "and 5 of 60 reports (seed 0)",
        "pairs": int(len(y)),
        "same_event": int(y.sum()),
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=x, y=y, meta=np.array(json.dumps(meta)))
    OUT.write_bytes(buffer.getvalue())
    print(f"{OUT}: {meta['pairs']} pairs, {meta['same_event']} of one event, "
          f"{OUT.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
