"""Long reports: token-budgeted chunks on sentence boundaries (tiktoken), one model call per
chunk with bounded concurrency, and a reduce step that merges the judgments."""

from __future__ import annotations

from briefing.analysis.result import Analysis
from briefing.llm.tokens import count_tokens


def plan_chunks(analysis: Analysis, max_tokens: int) -> list[list[int]]:
    """Consecutive sentence indexes, each group within ``max_tokens`` (a longer sentence is a
    chunk of its own)."""
    chunks: list[list[int]] = []
    current: list[int] = []
    used = 0
    for sentence in analysis.sentences:
        tokens = count_tokens(sentence.span.text) + 4  # the "[S12] " label
        if current and used + tokens > max_tokens:
            chunks.append(current)
            current, used = [], 0
        current.append(sentence.index)
        used += tokens
    if current:
        chunks.append(current)
    return chunks
