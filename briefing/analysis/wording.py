"""How a span is worded: in whose words (the reporter's, or a speaker's quoted or cut out of
a sentence), and whether it hedges.

A development tells what happened in the reporter's words. A quotation ('"I'm in the middle of
the riot action"'), words in the first person ("We talked about her faith", a colleague's) are
what someone said (a claim, with its speaker), and a span that opens with a word no sentence
opens with in lower case is the tail of one ("of killing two co-workers"). A hedged sentence
("Ortiz probably died instantly") says what someone thinks likely, not what happened. The word
lists are data (lexicon ``fragment_openers`` and the hedges).
"""

from __future__ import annotations

import re

from briefing.analysis.lexicon import HEDGE_PATTERN, words

_FRAGMENT_OPENERS = frozenset(words("fragment_openers"))
# Pronouns that name no one read alone ("He was wearing crampons", a speaker "he"), any case.
PRONOUN_OPENERS = frozenset(words("pronoun_openers"))
LINKING_OPENERS = frozenset(words("linking_openers"))
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|we|We|me|us|my|My|our|Our)\b")
QUOTE_MARKS = ('"', "“", "‘", "'")


def in_reporters_words(text: str) -> bool:
    """Whether a span is told in the reporter's words: no quotation, no first person, not
    the tail of a sentence."""
    opener = next(iter(text.split()), "")
    return (
        not text.lstrip().startswith(QUOTE_MARKS)
        and not _FIRST_PERSON.search(text)
        and opener not in _FRAGMENT_OPENERS
    )


def after_quotation_mark(text: str, start: int) -> bool:
    """Whether the words at ``start`` of ``text`` open just after a quotation mark: what was
    said was a quotation, kept without its marks ('“Kind, gentle, loved the Lord,” said Lois
    Scholz')."""
    return text[max(start - 8, 0) : start].rstrip().endswith(QUOTE_MARKS)


def hedged(text: str) -> bool:
    """Whether a sentence hedges ("probably", "could", "allegedly"; "May" the month is none)."""
    return any(m.group(1) != "May" for m in HEDGE_PATTERN.finditer(text))
