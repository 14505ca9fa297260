"""Gold datasets for ``briefing eval``: WikiEvents (named actors) and ECB+ (named participants
and locations). Each yields documents with their gold actors (a canonical name and every
surface form).

A dataset folder may hold ``split.json`` (``{"tune": [...], "report": [...]}``): the documents
rules may be tuned on, and the ones whose figures are reported and never looked at while
tuning. ECB+ annotates participants fully only in its coreference sentences, so an ECB+
document carries those sentences' character ranges and is scored inside them only."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from briefing.errors import InputError


@dataclass(frozen=True)
class GoldActor:
    name: str
    forms: frozenset[str]


@dataclass(frozen=True)
class GoldDoc:
    doc_id: str
    text: str
    actors: tuple[GoldActor, ...]
    part: str = "all"  # "tune" or "report" where the folder has split.json
    # Character ranges where the annotation is complete (None: the whole text).
    scored: tuple[tuple[int, int], ...] | None = None

    def in_scope(self, start: int, end: int) -> bool:
        """Whether a mention at [start, end) lies where the gold annotation is complete."""
        if self.scored is None:
            return True
        return any(lo <= start and end <= hi for lo, hi in self.scored)


def load_dataset(folder: Path) -> list[GoldDoc]:
    if (folder / "actors.jsonl").is_file():
        docs = _wikievents(folder)
    elif (folder / "entities.jsonl").is_file():
        docs = _ecbplus(folder)
    else:
        raise InputError(
            f"{folder} holds neither actors.jsonl (WikiEvents) nor entities.jsonl (ECB+)"
        )
    split = load_split(folder)
    if not split:
        return docs
    unknown = set(split) - {d.doc_id for d in docs}
    if unknown:
        raise InputError(f"{folder}/split.json names documents it lacks: {sorted(unknown)[:3]}")
    return [replace(d, part=split.get(d.doc_id, "all")) for d in docs]


def load_split(folder: Path) -> dict[str, str]:
    """doc_id -> "tune" or "report", from ``split.json``; empty when the folder has none."""
    path = folder / "split.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {doc: part for part in ("tune", "report") for doc in data.get(part, [])}


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _wikievents(folder: Path) -> list[GoldDoc]:
    docs = []
    for line in (folder / "actors.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        actors = tuple(
            GoldActor(a["name"], frozenset({a["name"], *(m["text"] for m in a["mentions"])}))
            for a in row["actors"]
        )
        docs.append(GoldDoc(row["doc_id"], _read(folder / f"{row['doc_id']}.txt"), actors))
    return docs


_ECB_TYPES = {
    "HUMAN_PART_PER",
    "HUMAN_PART_ORG",
    "HUMAN_PART_GPE",
    "LOC_GEO",
    "LOC_FAC",
    "LOC_OTHER",
}


def _ecbplus(folder: Path) -> list[GoldDoc]:
    """Named participant and location mentions of the coreference sentences (the only ones
    ECB+ annotates fully), grouped by coreference chain (else by text)."""
    docs = []
    for line in (folder / "entities.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = _read(folder / row["file"])
        # One sentence per line; ecbplus files lost their sentence 0 (the URL) to sources.json.
        shift = 1 if row["file"].endswith("ecbplus.txt") else 0
        lines = _line_ranges(text)
        scored = tuple(
            lines[n - shift] for n in row.get("coref_sentences", []) if 0 <= n - shift < len(lines)
        )
        groups: dict[str, set[str]] = {}
        for m in row["mentions"]:
            if m["type"] not in _ECB_TYPES or not m["named"] or not m.get("in_coref_sentence"):
                continue
            key = m["chain"] or f"text:{m['text'].casefold()}"
            groups.setdefault(key, set()).add(m["text"])
        actors = tuple(
            GoldActor(sorted(forms, key=len)[-1], frozenset(forms)) for forms in groups.values()
        )
        docs.append(GoldDoc(row["file"], text, actors, scored=scored))
    return docs


def _line_ranges(text: str) -> list[tuple[int, int]]:
    ranges, start = [], 0
    for line in text.split("\n"):
        ranges.append((start, start + len(line)))
        start += len(line) + 1
    return ranges
