"""Which code made an artefact: the package version and a digest of the brief-making sources.

The package version alone does not move when a rule of the analysis changes between releases
(or in a checkout), so a cached brief made by older rules would be served as if current. The
digest covers the modules whose code decides a brief's content; any edit there gives a new
``code_version``, a new cache key, and a brief made again.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata, resources
from importlib.resources.abc import Traversable

# The packages and modules of `briefing` whose code decides what a brief says.
_BRIEF_CODE = ("analysis", "chains", "grounding.py", "ingest", "schemas")


def package_version() -> str:
    try:
        return metadata.version("briefing")
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        return "0+unknown"


@lru_cache(maxsize=1)
def code_version() -> str:
    """``<package version>+<12 hex digits of the sha256 of the brief-making sources>``."""
    return f"{package_version()}+{source_digest(resources.files('briefing'), _BRIEF_CODE)[:12]}"


def source_digest(root: Traversable, names: tuple[str, ...]) -> str:
    """sha256 over the Python files under ``root``'s ``names`` (files or folders), each with
    its path, in path order."""
    digest = hashlib.sha256()
    for name in names:
        for relative, f in sorted(_python_files(root.joinpath(name), name)):
            digest.update(relative.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()


def _python_files(entry: Traversable, relative: str) -> list[tuple[str, Traversable]]:
    if entry.is_file():
        return [(relative, entry)] if relative.endswith(".py") else []
    out = []
    for child in entry.iterdir():
        out.extend(_python_files(child, f"{relative}/{child.name}"))
    return out
