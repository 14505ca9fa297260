"""Checks on what the model wrote: no names the report lacks, words tied to the evidence.

The embedded model is tiny; these guards keep its prose from inventing people or facts.
Text that fails is replaced by the code's own wording and the brief says so in ``quality``.
"""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)([A-Z][\w'’-]*)")


def content_words(text: str) -> set[str]:
    return {
        w.lower().rstrip("'’s").rstrip("'’")
        for w in _WORD.findall(text)
        if len(w) > 2 and w.lower() not in STOP_WORDS
    }


def unsupported_names(text: str, report_text: str) -> list[str]:
    """Capitalized words (not sentence-initial) and numbers of ``text`` the report never uses.

    Numbers count: a date or a figure the report does not give is as invented as a name.
    """
    starts = {m.start(1) for m in _SENTENCE_START.finditer(text)}
    report_lower = report_text.lower()
    missing = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if match.start() in starts or not word[0].isupper():
            continue
        stem = re.sub(r"['’]s?$", "", word).lower()
        if stem in STOP_WORDS or stem in report_lower:
            continue
        missing.append(word)
    missing += [n for n in _NUMBER.findall(text) if n not in report_text]
    return missing


def support(text: str, evidence: str) -> float:
    """Share of the content words of ``text`` found in ``evidence`` (1.0 for no words)."""
    words = content_words(text)
    if not words:
        return 0.0
    found = content_words(evidence)
    return len(words & found) / len(words)
