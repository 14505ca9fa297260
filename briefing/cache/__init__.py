"""Caches: whole briefs by key, and LLM generations through LangChain's cache interface."""

from briefing.cache.keys import brief_cache_key
from briefing.cache.llm import KVLLMCache
from briefing.cache.store import DatabaseKV, KeyValue, RedisKV, make_kv

__all__ = ["DatabaseKV", "KVLLMCache", "KeyValue", "RedisKV", "brief_cache_key", "make_kv"]
