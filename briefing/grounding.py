"""Grounding: every evidence span is checked against the report text.

A span whose offsets hold its text is kept as ``exact``. Otherwise its text is searched for:
an exact occurrence elsewhere (nearest to the claimed offset) corrects the offsets; failing
that, a fuzzy alignment (rapidfuzz) above a threshold is kept as ``fuzzy`` with the report's own
words and offsets. A span that aligns nowhere is dropped, and so is an item left without
evidence; both are counted in the brief's ``quality``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, Self, TypeVar

from rapidfuzz import fuzz

from briefing.schemas.brief import DroppedItem
from briefing.schemas.span import Alignment, Span

FUZZY_THRESHOLD = 85.0
_WINDOW = 2000  # characters searched on each side of a claimed offset before the whole text
_MIN_FUZZY_CHARS = 4


class Evidenced(Protocol):
    """A brief item: a pydantic model with an ``evidence`` list of spans."""

    @property
    def evidence(self) -> list[Span]: ...

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self: ...


E = TypeVar("E", bound=Evidenced)


def ground_span(text: str, span: Span) -> Span | None:
    """The span, corrected against ``text``, or None if its words are not in the report."""
    if not span.text.strip():
        return None
    if 0 <= span.start <= span.end <= len(text) and text[span.start : span.end] == span.text:
        return Span(start=span.start, end=span.end, text=span.text, alignment=Alignment.EXACT)
    return ground_quote(text, span.text, near=span.start)


def ground_quote(text: str, quote: str, *, near: int | None = None) -> Span | None:
    """Find ``quote`` in ``text``: exactly (nearest to ``near``) or fuzzily."""
    quote = quote.strip()
    if not quote:
        return None
    exact = _nearest_occurrence(text, quote, near)
    if exact is not None:
        return Span(start=exact, end=exact + len(quote), text=quote, alignment=Alignment.EXACT)
    if len(quote) < _MIN_FUZZY_CHARS:
        return None
    windows = []
    if near is not None and len(text) > 2 * _WINDOW:
        lo = max(0, near - _WINDOW)
        windows.append((lo, text[lo : near + _WINDOW + len(quote)]))
    windows.append((0, text))
    for offset, haystack in windows:
        found = fuzz.partial_ratio_alignment(
            quote, haystack, processor=str.lower, score_cutoff=FUZZY_THRESHOLD
        )
        if found is not None:
            start, end = offset + found.dest_start, offset + found.dest_end
            start, end = _snap_to_words(text, start, end)
            if end > start:
                return Span(start=start, end=end, text=text[start:end], alignment=Alignment.FUZZY)
    return None


def _nearest_occurrence(text: str, quote: str, near: int | None) -> int | None:
    first = text.find(quote)
    if first == -1 or near is None:
        return None if first == -1 else first
    best, pos = first, first
    while pos != -1:
        if abs(pos - near) < abs(best - near):
            best = pos
        pos = text.find(quote, pos + 1)
    return best


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a fuzzy match to whole words, then drop edge whitespace."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class GroundingReport:
    """What grounding kept and dropped, for the brief's ``quality`` section."""

    dropped: list[DroppedItem] = field(default_factory=list)
    spans_checked: int = 0
    spans_exact: int = 0
    spans_fuzzy: int = 0
    spans_dropped: int = 0

    def ground_all(self, text: str, spans: Sequence[Span]) -> list[Span]:
        kept: list[Span] = []
        for span in spans:
            self.spans_checked += 1
            grounded = ground_span(text, span)
            if grounded is None:
                self.spans_dropped += 1
                continue
            if grounded.alignment is Alignment.FUZZY:
                self.spans_fuzzy += 1
            else:
                self.spans_exact += 1
            if grounded not in kept:
                kept.append(grounded)
        return kept

    def filter_items(
        self, section: str, items: Sequence[E], text: str, summary_of: Callable[[E], str]
    ) -> list[E]:
        """Keep each item with its grounded evidence; drop and record items left with none."""
        kept: list[E] = []
        for item in items:
            spans = self.ground_all(text, item.evidence)
            if spans:
                kept.append(item.model_copy(update={"evidence": spans}))
            else:
                self.drop(section, "no evidence span matches the report text", summary_of(item))
        return kept

    def drop(self, section: str, reason: str, summary: str) -> None:
        self.dropped.append(DroppedItem(section=section, reason=reason, summary=summary[:200]))
