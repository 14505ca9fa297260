"""Versioned data files the rules read (YAML): conflicts, countries, the analysis word lists.

Each file documents itself and carries a ``version`` that briefs record in
``provenance.data_versions``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=8)
def load(name: str) -> Any:
    """The parsed ``briefing/data/<name>.yaml`` shipped in the package."""
    return yaml.safe_load(
        resources.files("briefing.data").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    )


def word_list(name: str, key: str) -> list[str]:
    """One word list of a data file, as written there."""
    return [str(w) for w in load(name)[key]]
