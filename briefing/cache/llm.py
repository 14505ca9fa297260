"""LLM generations cached through LangChain's cache interface, so an unchanged prompt costs
nothing. Entries live in the database or Redis (see :mod:`briefing.cache.store`)."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from typing import Any

from langchain_core._api.beta_decorator import LangChainBetaWarning
from langchain_core.caches import RETURN_VAL_TYPE, BaseCache
from langchain_core.load import dumps, loads
from langchain_core.load.serializable import Serializable
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, Generation

from briefing.cache.store import KeyValue
from briefing.metrics import CACHE_LOOKUPS

_ALLOWED: list[type[Serializable]] = [
    Generation,
    ChatGeneration,
    ChatGenerationChunk,
    AIMessage,
    AIMessageChunk,
]


class KVLLMCache(BaseCache):
    """A LangChain cache over a :class:`KeyValue` store."""

    def __init__(self, kv: KeyValue, ttl_s: int | None = None) -> None:
        self.kv, self.ttl_s = kv, ttl_s
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _key(prompt: str, llm_string: str) -> str:
        return hashlib.sha256(f"{llm_string}\x00{prompt}".encode()).hexdigest()

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        raw = self.kv.get(self._key(prompt, llm_string))
        if raw is None:
            self.misses += 1
            CACHE_LOOKUPS.labels("llm", "miss").inc()
            return None
        self.hits += 1
        CACHE_LOOKUPS.labels("llm", "hit").inc()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LangChainBetaWarning)
            # The store may be shared (Redis): revive only generations and AI messages.
            generations: Sequence[Any] = loads(raw, allowed_objects=_ALLOWED)
        return list(generations)

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        self.kv.set(self._key(prompt, llm_string), dumps(list(return_val)), self.ttl_s)

    def clear(self, **kwargs: Any) -> None:
        self.kv.clear()
