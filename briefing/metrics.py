"""Prometheus metrics of the pipeline (the HTTP layer adds its own in ``api``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LLM_CALLS = Counter("briefing_llm_calls_total", "LLM calls made.")
LLM_TOKENS = Counter("briefing_llm_tokens_total", "LLM tokens used.", ["direction"])
BRIEF_SECONDS = Histogram(
    "briefing_brief_seconds", "Time to compute one brief.", buckets=(1, 2, 5, 10, 20, 40, 80, 160)
)
CACHE_LOOKUPS = Counter(
    "briefing_cache_lookups_total", "Cache lookups.", ["layer", "result"]
)  # layer: brief | llm; result: hit | miss
JOBS = Counter("briefing_jobs_total", "Brief jobs finished.", ["status"])
