"""Whether two reports tell of one event: a pair model learned on ECB+ train.

The hand-mixed similarity (words and names by TF-IDF cosine, years in conflict, shared
nearest neighbours: :mod:`briefing.digest.cluster`) ranks the pairs of reports of one event
above the others with an average precision of 0.88 to 0.92 on ECB+ train topics it was not
tuned on. A gradient-boosted model over the same signals, kept apart (:data:`FEATURES`: words,
names, figures, the lead's words, years and months named by both or in conflict, the mixed and
the neighbour-weighted similarity, and whether each is the other's neighbour or closest
report), ranks them at 0.95 to 0.96 on those topics (``python -m eval.cluster_learned``). Its
probability that two reports tell of one event is the similarity that average link cuts.

The model is fitted when first used, in about a second, from ``briefing/data/cluster_pairs.npz``:
the features and gold answers of the report pairs of ECB+ train (whole, and in random windows of
20 and 60 reports), written by ``python -m eval.train_pairs`` with exactly the code below. Only
pairs inside one block are features (see :func:`briefing.digest.cluster.blocks`): reports whose
neighbourhoods never touch are never one event, in training as in use.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefing.digest.cluster import ClusterParams, _Vectors

FEATURES = (
    "words",  # TF-IDF cosine of the content words
    "names",  # of the actors' and places' names
    "figures",  # of the numbers of two or more digits
    "lead",  # of the first LEAD_CHARS characters' words
    "years_conflict",  # both name years and share none
    "years_shared",  # both name a year, one the same
    "months_conflict",
    "months_shared",
    "similarity",  # the mixed similarity (words and names, conflicts applied)
    "merge_similarity",  # times the neighbourhoods' overlap (ClusterParams.graded)
    "overlap",  # the neighbourhoods' overlap alone
    "neighbours_both",  # each is among the other's neighbours
    "neighbours_either",
    "closest_both",  # each is the other's most similar report
    "closest_either",
)
DATA_FILE = "cluster_pairs.npz"


def _cosine(m: Any, rows: list[int]) -> Any:
    import numpy as np

    if m is None:
        return np.zeros((len(rows), len(rows)))
    part = m[rows]
    return (part @ part.T).toarray()


def _named(marks: Any, rows: list[int]) -> tuple[Any, Any]:
    """(both name values and share none, both name one in common) as 0/1 matrices."""
    import numpy as np

    n = len(rows)
    if marks is None:
        return np.zeros((n, n)), np.zeros((n, n))
    part = marks[rows]
    has = np.asarray(part.sum(axis=1)).ravel() > 0
    share = (part @ part.T).toarray() > 0
    both = np.outer(has, has)
    return (both & ~share).astype(float), (both & share).astype(float)


def features(
    v: _Vectors, block: list[int], near: list[list[int]], params: ClusterParams
) -> Any:
    """The pair features of a block's reports: an array (n, n, len(FEATURES))."""
    import numpy as np

    from briefing.digest.cluster import _dense, _merge_similarity

    n = len(block)
    at = {report: k for k, report in enumerate(block)}
    member = np.eye(n)
    closest = np.zeros((n, n))
    for k, report in enumerate(block):
        inside = [at[j] for j in near[report] if j in at]
        member[k, inside] = 1.0
        if inside:
            closest[k, inside[0]] = 1.0
    sim = _dense(v, block, params)
    merged = _merge_similarity(sim, member, params)
    overlap = np.divide(merged, sim, out=np.zeros_like(sim), where=sim > 1e-9)
    listed = member - np.eye(n)
    years = _named(v.years, block)
    months = _named(v.months, block)
    columns = [
        _cosine(v.words, block),
        _cosine(v.names, block),
        _cosine(v.figures, block),
        _cosine(v.lead, block),
        *years,
        *months,
        sim,
        merged,
        overlap,
        np.minimum(listed, listed.T),
        np.maximum(listed, listed.T),
        np.minimum(closest, closest.T),
        np.maximum(closest, closest.T),
    ]
    return np.stack(columns, axis=-1)


@lru_cache(maxsize=1)
def model() -> Any:
    """The pair model, fitted from the shipped training pairs (deterministic)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    with resources.as_file(resources.files("briefing.data") / DATA_FILE) as path:
        data = np.load(path)
        x, y = data["x"], data["y"]
        meta = json.loads(str(data["meta"]))
    if tuple(meta["features"]) != FEATURES:
        raise RuntimeError(
            f"{DATA_FILE} was written for other features; run python -m eval.train_pairs"
        )
    return HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0
    ).fit(x, y)


def version() -> str:
    """The training data's version (written by eval.train_pairs)."""
    import numpy as np

    with resources.as_file(resources.files("briefing.data") / DATA_FILE) as path:
        return str(json.loads(str(np.load(path)["meta"]))["version"])


def same_event(
    v: _Vectors, block: list[int], near: list[list[int]], params: ClusterParams
) -> Any:
    """The model's probability that two reports of a block tell of one event (n x n, 1 on
    the diagonal)."""
    import numpy as np

    n = len(block)
    out = np.eye(n)
    if n < 2:
        return out
    a, b = np.triu_indices(n, k=1)
    p = model().predict_proba(features(v, block, near, params)[a, b])[:, 1]
    out[a, b] = p
    out[b, a] = p
    return out


def training_pairs(signals: list[Any], gold: list[str], params: ClusterParams) -> tuple[Any, Any]:
    """The features of the pairs inside each block of a window of reports, and whether each
    pair's reports are of one gold event (for eval.train_pairs)."""
    import numpy as np

    from briefing.digest.cluster import _neighbour_lists, _vectors, blocks

    v = _vectors(signals, params)
    near = _neighbour_lists(v, params)
    xs, ys = [np.zeros((0, len(FEATURES)))], [np.zeros(0, dtype=np.int8)]
    for block in blocks(v, params, near):
        if len(block) < 2:
            continue
        a, b = np.triu_indices(len(block), k=1)
        xs.append(features(v, block, near, params)[a, b])
        ys.append(np.array([gold[block[i]] == gold[block[j]] for i, j in zip(a, b)], np.int8))
    return np.vstack(xs), np.concatenate(ys)
