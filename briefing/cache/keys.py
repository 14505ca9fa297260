"""Cache keys: a brief is reused only when everything that made it is the same."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def normalized_text(text: str) -> str:
    return " ".join(text.split())


def brief_cache_key(
    text: str,
    *,
    prompt_versions: dict[str, str],
    schema_version: str,
    model: str,
    options: dict[str, Any],
) -> str:
    """sha256 of the normalized text, prompt versions, schema version, model and options."""
    material = json.dumps(
        {
            "text": hashlib.sha256(normalized_text(text).encode()).hexdigest(),
            "prompts": dict(sorted(prompt_versions.items())),
            "schema": schema_version,
            "model": model,
            "options": options,
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()
