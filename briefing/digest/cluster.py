"""Reports clustered into events: the clustering the digest uses, measurable on its own.

Each report is described by its words (content words, case-folded: what happened), its named
actors and places (from the analysis pass, aliases merged: who and where) and the years it
writes out in its dates (when). Words and names are compared by TF-IDF cosine and mixed; two
reports that both name years and share none are set further apart (two earthquakes years
apart).

Similar words are not enough to tell two events of one kind apart (two earthquakes on one
island, two running backs of one team put on injured reserve): their reports can be as close as
the reports of one event. What does tell them apart is whom each report is closest to: on ECB+
train a report's most similar report is of its own event 98% of the time. So the merge
similarity of two reports is their similarity times how far their nearest neighbours overlap
(shared nearest neighbours, Jarvis and Patrick 1973; each neighbourhood weighted by similarity
and compared by cosine, so that one neighbour more or less does not split an event), and
average-link agglomerative clustering cuts the tree at a mean of it. Where a window holds only
two or three reports of an event, neighbourhoods say less (see the README for the figures).

The settings are tuned on ECB+ train (other topics) and reported on ECB+ dev
(``python -m eval.tune_clusters``). No step compares every report with every other: see
:func:`blocks`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from briefing.analysis.dates import resolve_range
from briefing.analysis.result import Analysis

_WORD = re.compile(r"[a-z][a-z'-]{2,}")
# A figure: a number of two or more digits (a toll, a magnitude, an amount, an age, a year),
# thousands separators dropped; "6.1" is one figure.
_FIGURE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?!\w)")
# A news report says who did what, where and when in its headline and first sentence: its
# lead. With ClusterParams(lead=True) its words count again as words of their own
# ("lead:quake"), so two reports whose leads share words are closer than two that share them
# further down. Off by default: it helped out of fold on ECB+ train, not on ECB+ dev.
LEAD_CHARS = 400


@dataclass(frozen=True)
class Signals:
    """What clustering knows of one report."""

    words: tuple[str, ...]
    names: tuple[str, ...] = ()  # normalized actor and place names, once per mention
    years: frozenset[int] = frozenset()  # years the report writes out (see written_year)
    figures: tuple[str, ...] = ()  # numbers of two or more digits, once per mention
    lead: tuple[str, ...] = ()  # the words of the first LEAD_CHARS characters, as "lead:word"
    lead_years: frozenset[int] = frozenset()  # the years of its first LEAD_CHARS characters
    months: frozenset[int] = frozenset()  # months (1-12) its dates name (see named_months)


@dataclass(frozen=True)
class ClusterParams:
    """How the signals combine, and how the tree is built and cut (tuned on ECB+ train)."""

    names_share: float = 0.3  # similarity = (1 - share) * words + share * names
    year_conflict: float = 0.7  # factor when both reports name years and share none
    threshold: float = 0.95  # mean distance (1 - merge similarity) at which merging stops
    # Average link: its cut is a mean pairwise distance, the same for 5 reports as for 500.
    # (Ward's merge cost grows with cluster size: a cut tuned on ECB+ merges a small window.)
    linkage: str = "average"  # scipy's method name
    # Shared nearest neighbours: a report's neighbours are its `neighbours` most similar
    # reports that are at least `neighbour_floor` similar and at least `neighbour_ratio` times
    # as similar as its closest report; the merge similarity of two reports is their
    # similarity times their neighbourhoods' overlap ** `shared_power`, each report counting in
    # its own neighbourhood. 0 neighbours: the similarity alone.
    neighbours: int = 5
    neighbour_floor: float = 0.175
    neighbour_ratio: float = 0.0
    shared_power: float = 0.5
    # The overlap. Graded: each neighbourhood weighted by the report's similarity to each
    # neighbour (itself 1), two neighbourhoods compared by cosine, so one neighbour more or
    # less moves the merge similarity a little. Not graded: the share of neighbourhood two
    # reports have in common (shared / (neighbours + 1)), where one neighbour swapped moves it
    # by a sixth and can split a large event in two (see the README).
    graded: bool = True
    figures: bool = False  # figures (numbers of two or more digits) count as words
    lead: bool = False  # the lead's words count again, as words of their own
    # A report's years are those of its dateline and lead where it names any there (a news
    # report dates its event up front; years further down are mostly background). Off by
    # default: it helped out of fold on ECB+ train, not on ECB+ dev (see the README).
    lead_years: bool = False
    month_conflict: float = 1.0  # factor when both reports' dates name months and share none
    # Blocking (speed only): candidate pairs share one of each report's `block_terms` most
    # weighted words or names used by at most `block_df` reports.
    block_terms: int = 24
    block_df: int = 200


# Chosen on eval/data/ecbplus-train by the worse of its two topic folds
# (python -m eval.tune_clusters); reported on ecbplus-dev, never tuned on.
DEFAULT_PARAMS = ClusterParams()
# The baseline: words alone, TF-IDF, average link, its threshold tuned on the same data.
BASELINE_PARAMS = ClusterParams(names_share=0.0, year_conflict=1.0, threshold=0.85, neighbours=0)


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
    figures = tuple(_figures(text))
    lead = tuple(
        "lead:" + w for w in _WORD.findall(text[:LEAD_CHARS].casefold()) if w not in STOP_WORDS
    )
    if analysis is None:
        return Signals(words=words, figures=figures, lead=lead)
    names: list[str] = []
    for actor in analysis.actors:
        forms = {actor.name, *actor.aliases}
        names += [_key(f) for f in forms for _ in actor.mentions]
    names += [_key(m.span.text) for m in analysis.locations]
    written = [(d.span.start, y) for d in analysis.dates if (y := written_year(d.span.text))]
    return Signals(
        words=words,
        names=tuple(n for n in names if n),
        years=frozenset(y for _, y in written),
        figures=figures,
        lead=lead,
        lead_years=frozenset(y for start, y in written if start < LEAD_CHARS),
        months=frozenset(m for d in analysis.dates for m in named_months(d.span.text)),
    )


_PART_OF_YEAR = re.compile(r"\b(early|mid|late|end|start|beginning)\b", re.I)


def written_year(expression: str) -> int | None:
    """The year of a date written out in full or of a year alone ("28 November 2005", "in
    2005"), read without the report's own date. Left out: relative dates the analysis resolves
    against the report's date or dateline ("last year", "on Friday"), a month of a year
    ("December 2003", mostly the background of an event) and a part of a year ("early 2010",
    mostly a plan or a forecast): a report that names only another event's year is set apart
    from its own event's reports. The settings were tuned on ECB+ train with years read so
    (``python -m eval.tune_clusters``); see the README for what reading dates better did to
    the settings of before."""
    if _PART_OF_YEAR.search(expression):
        return None
    resolved = resolve_range(expression, None)
    if resolved is None:
        return None
    first, last = resolved
    whole_years = (first.month, first.day, last.month, last.day) == (1, 1, 12, 31)
    return first.year if first == last or whole_years else None


# A month by its name or its abbreviation ("Dec.", "Sept."), case-folded; the first three
# letters say which month.
_MONTH_KEYS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
)


def named_months(expression: str) -> set[int]:
    """The months a date expression names ("Dec. 17", "November 2005", "late March"): the
    time of year an event happened, which two events of one kind rarely share. "May" counts
    only beside a number (the verb is not a date)."""
    text = expression.casefold()
    keys = {match.group(0)[:3] for match in _MONTH.finditer(text)}
    if not re.search(r"\d", text):
        keys.discard("may")
    return {_MONTH_KEYS.index(k) + 1 for k in keys}


def _figures(text: str) -> list[str]:
    found = (m.group(0).replace(",", "") for m in _FIGURE.finditer(text))
    return ["#" + f for f in found if sum(c.isdigit() for c in f) >= 2]


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
    time marks: any subset's similarities come from rows of these, so a block of reports gets
    exactly the similarities it has in the whole window."""

    n: int  # reports
    words: Any  # csr matrix or None
    names: Any  # csr matrix or None
    # (marks, factor): a 0/1 csr matrix (reports x years, or x months) and the factor two
    # reports' similarity takes when both have marks and share none
    conflicts: list[tuple[Any, float]] = field(default_factory=list)


def _tfidf(columns: list[tuple[str, ...]]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if not any(columns):
        return None
    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True)
    return normalize(vectorizer.fit_transform(columns)).tocsr()


def _marks(named: list[frozenset[int]]) -> Any:
    """0/1 rows: which of the values any report names each report names (None: none named)."""
    from scipy.sparse import csr_matrix

    values = sorted({v for vs in named for v in vs})
    if not values:
        return None
    index = {v: i for i, v in enumerate(values)}
    rows = [r for r, vs in enumerate(named) for _ in vs]
    cols = [index[v] for vs in named for v in vs]
    return csr_matrix(([1.0] * len(rows), (rows, cols)), shape=(len(named), len(values)))


def _vectors(signals: Sequence[Signals], params: ClusterParams) -> _Vectors:
    conflicts = []
    if params.year_conflict < 1:
        years = [(s.lead_years or s.years) if params.lead_years else s.years for s in signals]
        conflicts.append((_marks(years), params.year_conflict))
    if params.month_conflict < 1:
        conflicts.append((_marks([s.months for s in signals]), params.month_conflict))
    return _Vectors(
        n=len(signals),
        words=_tfidf([_words(s, params) for s in signals]),
        names=_tfidf([s.names for s in signals]) if params.names_share > 0 else None,
        conflicts=[(m, f) for m, f in conflicts if m is not None],
    )


def _words(s: Signals, params: ClusterParams) -> tuple[str, ...]:
    return s.words + (s.figures if params.figures else ()) + (s.lead if params.lead else ())


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
    for marks, factor in v.conflicts:
        y = part(marks)
        has = np.asarray(y.sum(axis=1)).ravel() > 0
        conflict = np.outer(has, has) & ((y @ y.T).toarray() == 0)
        sim = np.where(conflict, sim * factor, sim)
    return sim


def _least(closest: Any, params: ClusterParams) -> Any:
    """The least similarity of a neighbour of a report whose closest report is ``closest``
    (a number, or an array of them)."""
    import numpy as np

    return np.maximum(params.neighbour_floor, params.neighbour_ratio * closest)


def _neighbourhoods(sim: Any, params: ClusterParams) -> Any:
    """Each report's neighbourhood as a 0/1 row: itself and its ``params.neighbours`` most
    similar reports above :func:`_least` (ties: the earlier report)."""
    import numpy as np

    n = len(sim)
    member = np.eye(n)
    for i in range(n):
        row = sim[i].copy()
        row[i] = -np.inf
        others = np.flatnonzero(row >= _least(row.max(), params))
        others = others[np.lexsort((others, -row[others]))]
        member[i, others[: params.neighbours]] = 1.0
    return member


def _merge_similarity(sim: Any, member: Any, params: ClusterParams) -> Any:
    """Similarity times the overlap of two reports' neighbourhoods (``params.graded``: the
    cosine of the similarity-weighted neighbourhoods; else the share they have in common), so
    two reports of one kind of event whose closest reports differ (two earthquakes, two heists)
    drift apart even when their words are as close as those of one event's reports."""
    import numpy as np

    if params.neighbours <= 0:
        return sim
    if not params.graded:
        shared = (member @ member.T) / (params.neighbours + 1)
        return sim * shared**params.shared_power
    weights = member * np.maximum(sim, 0.0)
    np.fill_diagonal(weights, 1.0)
    weights /= np.linalg.norm(weights, axis=1, keepdims=True)
    return sim * np.clip(weights @ weights.T, 0.0, 1.0) ** params.shared_power


def similarity(signals: Sequence[Signals], params: ClusterParams = DEFAULT_PARAMS) -> Any:
    """The reports' pairwise merge similarity over the whole window (a dense matrix): words and
    names by TF-IDF cosine, lowered where both reports name years and share none, times the
    shared nearest neighbours. The reference :func:`cluster` reproduces block by block."""
    sim = _dense(_vectors(signals, params), None, params)
    if params.neighbours <= 0:
        return sim
    return _merge_similarity(sim, _neighbourhoods(sim, params), params)


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
        for marks, factor in v.conflicts:
            ya, yb = marks[a], marks[b]
            has = (np.asarray(ya.sum(axis=1)).ravel() > 0) & (
                np.asarray(yb.sum(axis=1)).ravel() > 0
            )
            shared = np.asarray(ya.multiply(yb).sum(axis=1)).ravel() > 0
            sim = np.where(has & ~shared, sim * factor, sim)
        out[start : start + len(a)] = sim
    return out


def _neighbour_lists(v: _Vectors, params: ClusterParams) -> list[list[int]]:
    """Each report's neighbours (as :func:`_neighbourhoods` picks them) among its candidate
    pairs: the pairs at least ``params.neighbour_floor`` similar are all candidates."""
    import numpy as np

    pairs = _candidate_pairs(v, params)
    sims = _pair_similarity(v, pairs.row, pairs.col, params)
    close = sims >= params.neighbour_floor
    rows = np.concatenate([pairs.row[close], pairs.col[close]])
    cols = np.concatenate([pairs.col[close], pairs.row[close]])
    vals = np.concatenate([sims[close], sims[close]])
    order = np.lexsort((cols, -vals, rows))  # by report, most similar first, then index
    rows, cols, vals = rows[order], cols[order], vals[order]
    out: list[list[int]] = [[] for _ in range(v.n)]
    if not len(rows):
        return out
    position = np.arange(len(rows))
    first = np.maximum.accumulate(np.where(np.r_[True, rows[1:] != rows[:-1]], position, 0))
    # Each report's list is most similar first, so the ones above its least similarity
    # (from its closest report, the first) are a prefix of it.
    keep = (position - first < params.neighbours) & (vals >= _least(vals[first], params))
    for report, near in zip(rows[keep].tolist(), cols[keep].tolist(), strict=True):
        out[report].append(near)
    return out


def _components(n: int, row: Any, col: Any) -> list[list[int]]:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix(([1] * len(row), (row, col)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def blocks(
    v: _Vectors, params: ClusterParams, near: list[list[int]] | None = None
) -> list[list[int]]:
    """Groups of reports that no average-link cut at ``params.threshold`` can join.

    With shared neighbours: connected components of the neighbour links (two reports share
    some neighbourhood only if a path of at most two links joins them; without it their merge
    similarity is 0). Without: components of the pairs at least 1 - threshold similar (two
    clusters merge only when their mean similarity reaches that, so some pair between them
    reaches it too)."""
    import numpy as np

    if params.neighbours > 0:
        near = _neighbour_lists(v, params) if near is None else near
        row = [i for i, js in enumerate(near) for _ in js]
        col = [j for js in near for j in js]
        return _components(v.n, row, col)
    pairs = _candidate_pairs(v, params)
    sims = _pair_similarity(v, pairs.row, pairs.col, params)
    close = np.asarray(sims >= 1.0 - params.threshold)
    return _components(v.n, pairs.row[close], pairs.col[close])


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
    near = _neighbour_lists(v, params) if params.neighbours > 0 else []
    labels = [0] * n
    next_label = 0
    for block in blocks(v, params, near):
        if len(block) == 1:
            labels[block[0]] = next_label
            next_label += 1
            continue
        sim = _dense(v, block, params)
        if params.neighbours > 0:
            at = {report: k for k, report in enumerate(block)}
            member = np.eye(len(block))
            for k, report in enumerate(block):
                member[k, [at[j] for j in near[report]]] = 1.0
            sim = _merge_similarity(sim, member, params)
        distance = np.clip(1.0 - sim, 0.0, 2.0)
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
