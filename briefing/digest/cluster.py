"""Reports clustered into events: the clustering the digest uses, measurable on its own.

Each report is described by its words (content words, case-folded: what happened), its named
actors and places (from the analysis pass, aliases merged: who and where) and the years it
names or resolves (when). Words and names are compared by TF-IDF cosine and mixed; two reports
that both name years and share none are set further apart (two earthquakes years apart).
Average-link agglomerative clustering cuts the tree at a mean distance.

Names help only a little on ECB+ train (share 0.2): the participants that tell two events of
one kind apart need a sharper signal than all names alike. The settings are tuned on ECB+ train
(other topics) and reported on ECB+ dev (``python -m eval.tune_clusters``). The similarity
matrix is all-pairs: fine for a day's reports, not yet for tens of thousands (blocking is
future work).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from briefing.analysis.result import Analysis

_WORD = re.compile(r"[a-z][a-z'-]{2,}")


@dataclass(frozen=True)
class Signals:
    """What clustering knows of one report."""

    words: tuple[str, ...]
    names: tuple[str, ...] = ()  # normalized actor and place names, once per mention
    people: tuple[str, ...] = ()  # normalized person names, once per mention
    years: frozenset[int] = frozenset()  # years the report names or resolves


@dataclass(frozen=True)
class ClusterParams:
    """How the signals combine, and how the tree is built and cut (tuned on ECB+ train)."""

    names_share: float = 0.2  # similarity = (1 - share) * words + share * names
    year_conflict: float = 0.7  # factor when both reports name years and share none
    threshold: float = 0.825  # mean cosine distance at which merging stops
    # Average link: its cut is a mean pairwise distance, the same for 5 reports as for 500.
    # (Ward's merge cost grows with cluster size: a cut tuned on ECB+ merges a small window.)
    linkage: str = "average"  # scipy's method name
    # Blocking (speed only): candidate pairs share one of each report's `block_terms` most
    # weighted words or names used by at most `block_df` reports.
    block_terms: int = 24
    block_df: int = 200


# Chosen on eval/data/ecbplus-train by the worse of its two topic folds
# (python -m eval.tune_clusters); reported on ecbplus-dev, never tuned on.
DEFAULT_PARAMS = ClusterParams()
# The baseline: words alone, TF-IDF, average link, its threshold tuned on the same data.
BASELINE_PARAMS = ClusterParams(names_share=0.0, year_conflict=1.0, threshold=0.85)


@dataclass
class Clustering:
    labels: list[int] = field(default_factory=list)  # cluster index per report

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for i, label in enumerate(self.labels):
            out.setdefault(label, []).append(i)
        return sorted(out.values(), key=lambda g: g[0])


def _key(name: str) -> str:
    return re.sub(r"[^\w]+", "_", name.casefold()).strip("_")


def signals_of(text: str, analysis: Analysis | None = None) -> Signals:
    """The signals of a report: its words, and with the analysis pass, its names and years."""
    words = tuple(w for w in _WORD.findall(text.casefold()) if w not in STOP_WORDS)
    if analysis is None:
        return Signals(words=words)
    names: list[str] = []
    for actor in analysis.actors:
        forms = {actor.name, *actor.aliases}
        names += [_key(f) for f in forms for _ in actor.mentions]
    names += [_key(m.span.text) for m in analysis.locations]
    people = [_key(a.name) for a in analysis.actors if a.label == "PERSON" for _ in a.mentions]
    years = {d.value.year for d in analysis.dates if d.value is not None}
    return Signals(
        words=words,
        names=tuple(n for n in names if n),
        people=tuple(people),
        years=frozenset(years),
    )


def signals_of_files(
    paths: Sequence[Path], progress: Callable[[str], None] = lambda _m: None
) -> list[Signals]:
    """The signals of report files (text, Markdown, HTML), through the analysis pass."""
    from briefing.analysis import analyze
    from briefing.ingest import load_report

    out = []
    for i, path in enumerate(paths, 1):
        report = load_report(path.read_bytes(), filename=path.name)
        out.append(signals_of(report.text, analyze(report)))
        if i % 50 == 0 or i == len(paths):
            progress(f"analyzed {i}/{len(paths)} reports")
    return out


@dataclass
class _Vectors:
    """The reports' signals as L2-normalized TF-IDF rows (IDF over the whole window) and
    year marks: any subset's similarities come from rows of these, so a block of reports gets
    exactly the similarities it has in the whole window."""

    n: int  # reports
    words: Any  # csr matrix or None
    names: Any  # csr matrix or None
    years: Any  # csr matrix (reports x years) or None


def _tfidf(columns: list[tuple[str, ...]]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if not any(columns):
        return None
    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True)
    return normalize(vectorizer.fit_transform(columns)).tocsr()


def _vectors(signals: Sequence[Signals], params: ClusterParams) -> _Vectors:
    from scipy.sparse import csr_matrix

    years = None
    if params.year_conflict < 1:
        all_years = sorted({y for s in signals for y in s.years})
        if all_years:
            index = {y: i for i, y in enumerate(all_years)}
            rows = [r for r, s in enumerate(signals) for _ in s.years]
            cols = [index[y] for s in signals for y in s.years]
            years = csr_matrix(
                ([1.0] * len(rows), (rows, cols)), shape=(len(signals), len(all_years))
            )
    return _Vectors(
        n=len(signals),
        words=_tfidf([s.words for s in signals]),
        names=_tfidf([s.names for s in signals]) if params.names_share > 0 else None,
        years=years,
    )


def _dense(v: _Vectors, rows: Sequence[int] | None, params: ClusterParams) -> Any:
    """Similarities among ``rows`` (all reports when None), as a dense matrix."""
    import numpy as np

    def part(m: Any) -> Any:
        return m if rows is None else m[list(rows)]

    n = v.n if rows is None else len(rows)
    sim = np.zeros((n, n))
    if v.words is not None:
        w = part(v.words)
        sim = (w @ w.T).toarray()
    if v.names is not None:
        m = part(v.names)
        sim = (1 - params.names_share) * sim + params.names_share * (m @ m.T).toarray()
    if v.years is not None:
        y = part(v.years)
        has = np.asarray(y.sum(axis=1)).ravel() > 0
        conflict = np.outer(has, has) & ((y @ y.T).toarray() == 0)
        sim = np.where(conflict, sim * params.year_conflict, sim)
    return sim


def similarity(signals: Sequence[Signals], params: ClusterParams = DEFAULT_PARAMS) -> Any:
    """The reports' pairwise similarity (a dense matrix): words and names by TF-IDF cosine,
    lowered where both reports name years and share none (two earthquakes years apart)."""
    return _dense(_vectors(signals, params), None, params)


def _candidate_pairs(v: _Vectors, params: ClusterParams) -> Any:
    """Pairs of reports that share a word or a name among each report's most weighted ones
    and that no more than ``params.block_df`` reports use: a sparse upper-triangular matrix.
    Cost grows with the reports times the (capped) postings, not with their square."""
    import numpy as np
    from scipy.sparse import csr_matrix, vstack

    marks = []
    for m in (v.words, v.names):
        if m is None:
            continue
        df = np.bincount(m.indices, minlength=m.shape[1])
        keep_col = df <= params.block_df
        rows, cols, vals = [], [], []
        for r in range(m.shape[0]):
            lo, hi = m.indptr[r], m.indptr[r + 1]
            idx, w = m.indices[lo:hi], m.data[lo:hi]
            ok = keep_col[idx]
            idx, w = idx[ok], w[ok]
            if len(idx) > params.block_terms:
                idx = idx[np.argpartition(-w, params.block_terms)[: params.block_terms]]
            rows += [r] * len(idx)
            cols += idx.tolist()
            vals += [1.0] * len(idx)
        marks.append(csr_matrix((vals, (rows, cols)), shape=m.shape))
    if not marks:  # no words and no names at all
        return csr_matrix((v.n, v.n)).tocoo()
    from scipy.sparse import hstack

    b = hstack(marks).tocsr() if len(marks) > 1 else marks[0]
    chunks = []
    for start in range(0, v.n, 2000):
        part = b[start : start + 2000] @ b.T
        chunks.append(part)
    from scipy.sparse import triu

    return triu(vstack(chunks).tocsr(), k=1).tocoo()


def _pair_similarity(v: _Vectors, i: Any, j: Any, params: ClusterParams) -> Any:
    """Exact similarity of the pairs (i[k], j[k]), in chunks."""
    import numpy as np

    out = np.zeros(len(i))
    for start in range(0, len(i), 200_000):
        a, b = i[start : start + 200_000], j[start : start + 200_000]
        sim = np.zeros(len(a))
        if v.words is not None:
            sim = np.asarray(v.words[a].multiply(v.words[b]).sum(axis=1)).ravel()
        if v.names is not None:
            names = np.asarray(v.names[a].multiply(v.names[b]).sum(axis=1)).ravel()
            sim = (1 - params.names_share) * sim + params.names_share * names
        if v.years is not None:
            ya, yb = v.years[a], v.years[b]
            has = (np.asarray(ya.sum(axis=1)).ravel() > 0) & (
                np.asarray(yb.sum(axis=1)).ravel() > 0
            )
            shared = np.asarray(ya.multiply(yb).sum(axis=1)).ravel() > 0
            sim = np.where(has & ~shared, sim * params.year_conflict, sim)
        out[start : start + len(a)] = sim
    return out


def blocks(v: _Vectors, params: ClusterParams) -> list[list[int]]:
    """Groups of reports that no average-link cut at ``params.threshold`` can join: connected
    components of the pairs at least 1 - threshold similar. (Two clusters merge only when their
    mean similarity reaches 1 - threshold, so some pair between them reaches it too.)"""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = _candidate_pairs(v, params)
    sims = _pair_similarity(v, pairs.row, pairs.col, params)
    close = sims >= 1.0 - params.threshold
    graph = coo_matrix(
        ([1] * int(close.sum()), (pairs.row[close], pairs.col[close])), shape=(v.n, v.n)
    )
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def cluster(signals: Sequence[Signals], params: ClusterParams = DEFAULT_PARAMS) -> Clustering:
    """Average-link clustering of reports by their similarity, cut at ``params.threshold``.

    Reports are first split into blocks that the cut could never join (see :func:`blocks`);
    the tree is built inside each block, from exactly the similarities the whole window gives.
    A day's reports are a few blocks of tens; ten thousand reports are hundreds of blocks, and
    no step compares every report with every other."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(signals)
    if n < 2:
        return Clustering([0] * n)
    v = _vectors(signals, params)
    labels = [0] * n
    next_label = 0
    for block in blocks(v, params):
        if len(block) == 1:
            labels[block[0]] = next_label
            next_label += 1
            continue
        distance = np.clip(1.0 - _dense(v, block, params), 0.0, 2.0)
        tree = linkage(distance[np.triu_indices(len(block), k=1)], method=params.linkage)
        inner = fcluster(tree, t=params.threshold, criterion="distance")
        for row, label in zip(block, inner, strict=True):
            labels[row] = next_label + int(label) - 1
        next_label += int(inner.max())
    # Number clusters by their first report, as before blocking.
    first: dict[int, int] = {}
    for label in labels:
        first.setdefault(label, len(first))
    return Clustering([first[label] for label in labels])
