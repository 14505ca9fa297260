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


def _cosine(columns: list[tuple[str, ...]]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if not any(columns):
        return None
    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True)
    matrix = normalize(vectorizer.fit_transform(columns))
    return (matrix @ matrix.T).toarray()


def similarity(signals: Sequence[Signals], params: ClusterParams = DEFAULT_PARAMS) -> Any:
    """The reports' pairwise similarity (a dense matrix): words and names by TF-IDF cosine,
    lowered where both reports name years and share none (two earthquakes years apart)."""
    import numpy as np

    words = _cosine([s.words for s in signals])
    names = _cosine([s.names for s in signals]) if params.names_share > 0 else None
    n = len(signals)
    sim = np.zeros((n, n)) if words is None else words
    if names is not None:
        sim = (1 - params.names_share) * sim + params.names_share * names
    if params.year_conflict < 1:
        all_years = sorted({y for s in signals for y in s.years})
        if all_years:
            index = {y: i for i, y in enumerate(all_years)}
            marks = np.zeros((n, len(all_years)))
            for row, s in enumerate(signals):
                for y in s.years:
                    marks[row, index[y]] = 1
            has = marks.sum(axis=1) > 0
            conflict = np.outer(has, has) & ((marks @ marks.T) == 0)
            sim = np.where(conflict, sim * params.year_conflict, sim)
    return sim


def cluster(signals: Sequence[Signals], params: ClusterParams = DEFAULT_PARAMS) -> Clustering:
    """Agglomerative clustering of reports by their similarity, cut at ``params.threshold``."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(signals)
    if n < 2:
        return Clustering([0] * n)
    distance = np.clip(1.0 - similarity(signals, params), 0.0, 2.0)
    tree = linkage(distance[np.triu_indices(n, k=1)], method=params.linkage)
    labels = fcluster(tree, t=params.threshold, criterion="distance")
    return Clustering([int(x) - 1 for x in labels])
