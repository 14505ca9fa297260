"""Near-duplicate reports: the same wire story republished by several outlets.

MinHash over word shingles with locality-sensitive hashing (``datasketch``): each report is
hashed once and looked up in buckets, so the cost grows with the number of reports, not with
its square. Reports whose estimated Jaccard similarity reaches the threshold form one group
(transitively: a reprint of a reprint is the same story). A digest keeps one originator per
group and lists the others as its carriers, so a republished story is never counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class DedupeParams:
    threshold: float = 0.7  # estimated Jaccard similarity of 5-word shingles
    shingle: int = 5
    num_perm: int = 128


def shingles(text: str, size: int) -> set[bytes]:
    words = _WORD.findall(text.casefold())
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def near_duplicates(texts: Sequence[str], params: DedupeParams | None = None) -> list[list[int]]:
    """Groups of indices of ``texts`` that are the same story (singletons included), each
    group in input order, groups ordered by their first report."""
    from datasketch import MinHash, MinHashLSH

    params = params or DedupeParams()
    lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, text in enumerate(texts):
        grams = shingles(text, params.shingle)
        if not grams:
            continue
        sketch = MinHash(num_perm=params.num_perm)
        sketch.update_batch(list(grams))
        for other in lsh.query(sketch):
            parent[root(int(other))] = root(i)
        lsh.insert(str(i), sketch)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])
