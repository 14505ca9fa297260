"""Versioned data files the rules read (YAML): conflicts, countries, the analysis word lists.

Each file documents itself and carries a ``version`` that briefs record in
``provenance.data_versions``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, but a key written twice in one mapping is an error: PyYAML keeps the
    last silently, so a second list under a used name would replace the first unnoticed."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is written twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` that refuses a key written twice in one mapping."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass


@lru_cache(maxsize=8)
def load(name: str) -> Any:
    """The parsed ``briefing/data/<name>.yaml`` shipped in the package."""
    return safe_load(
        resources.files("briefing.data").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    )


def word_list(name: str, key: str) -> list[str]:
    """One word list of a data file, as written there."""
    return [str(w) for w in load(name)[key]]
