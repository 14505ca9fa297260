"""Gold datasets for ``briefing eval``: WikiEvents dev (named actors) and ECB+ dev (named
participants and locations). Each yields documents with their gold actors (a canonical name
and every surface form)."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


def load_dataset(folder: Path) -> list[GoldDoc]:
    if (folder / "actors.jsonl").is_file():
        return _wikievents(folder)
    if (folder / "entities.jsonl").is_file():
        return _ecbplus(folder)
    raise InputError(f"{folder} holds neither actors.jsonl (WikiEvents) nor entities.jsonl (ECB+)")


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
    """Named participant and location mentions, grouped by coreference chain (else by text)."""
    docs = []
    for line in (folder / "entities.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        groups: dict[str, set[str]] = {}
        for m in row["mentions"]:
            if m["type"] not in _ECB_TYPES or not m["named"]:
                continue
            key = m["chain"] or f"text:{m['text'].casefold()}"
            groups.setdefault(key, set()).add(m["text"])
        actors = tuple(
            GoldActor(sorted(forms, key=len)[-1], frozenset(forms)) for forms in groups.values()
        )
        docs.append(GoldDoc(row["file"], _read(folder / row["file"]), actors))
    return docs
