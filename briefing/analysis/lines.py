"""Where a report's lines end its sentences: what the parser, which reads across line breaks,
does not know.

News copy is written one paragraph a line: a line that ends without sentence punctuation is a
headline, a sub-head or a dateline, and the parser runs it into the next sentence ("Hawaiian
Gardens Gang Member / Charged with Murdering Sheriff's Deputy / July 26, 2005 / District
Attorney Steve Cooley announced ..." became one sentence whose subject was "Hawaiian Gardens
Gang Member"). In such text the line after one of those starts a sentence, and a claim's
speaker and what was said stay between those breaks. Hard-wrapped text (an e-mail, a
plain-text bulletin), whose lines mostly end mid-sentence, has no such breaks.

The breaks are used by the claims, not given to the parser: sentence starts set before the
parser also move spaCy's entities, and so the actors and the clustering's names and years.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# What a line of prose ends with: sentence punctuation, closing quotes and brackets.
_ENDS = frozenset(".!?:;…\"'”’)]")
# Lines of LONG_LINE characters or more are prose, not a headline, a sub-head or a dateline;
# when fewer than PARAGRAPH_SHARE of them end a sentence, the text is hard-wrapped (such text
# ends a line with a sentence about once in four or five lines).
LONG_LINE = 60
# Line ends after which the parser may still run on into the next line: a full stop (it reads
# "Capt." or "U.S." as no end) and a closing bracket ('... the offices were closed." (USA
# Today article)' ran into the next line's "Local evening news ... reported", whose speaker
# became "USA Today article").
_CLOSED = frozenset(".)]")
PARAGRAPH_SHARE = 0.5


def _lines(doc: Doc) -> list[tuple[list[Token], int]]:
    """Each line's tokens and the index of the line break after it (len(doc) for the last)."""
    lines: list[tuple[list[Token], int]] = []
    current: list[Token] = []
    for tok in doc:
        if "\n" in tok.text:
            if current:
                lines.append((current, tok.i))
            current = []
        elif not tok.is_space:
            current.append(tok)
    if current:
        lines.append((current, len(doc)))
    return lines


def _long(line: list[Token]) -> bool:
    return line[-1].idx + len(line[-1]) - line[0].idx >= LONG_LINE


def _ended(line: list[Token]) -> bool:
    return line[-1].text[-1] in _ENDS


def sentence_breaks(doc: Doc) -> list[int]:
    """Indexes of the line-break tokens that end a sentence the parser may run on: after a
    line without sentence punctuation whose next line does not go on in lowercase, in text
    written one paragraph a line (most long lines end a sentence)."""
    lines = _lines(doc)
    long = [line for line, _ in lines if _long(line)]
    if not long or sum(map(_ended, long)) < PARAGRAPH_SHARE * len(long):
        return []
    return [
        brk
        for (line, brk), (after, _) in pairwise(lines)
        if (not _ended(line) or line[-1].text[-1] in _CLOSED) and not after[0].text[0].islower()
    ]


def line_region(doc: Doc) -> Callable[[int], tuple[int, int]]:
    """For a token index, the tokens [lo, hi) between the sentence breaks around it."""
    breaks = sentence_breaks(doc)

    def region(i: int) -> tuple[int, int]:
        k = bisect_left(breaks, i)
        lo = breaks[k - 1] + 1 if k > 0 else 0
        hi = breaks[k] if k < len(breaks) else len(doc)
        return lo, hi

    return region


def heading_line(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a line of its own that ends without sentence
    punctuation: a headline, a sub-head or a dateline, not a sentence of the body."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end].strip()
    covered = text[start:end].strip()
    return bool(line) and len(covered) >= len(line) - 1 and line[-1] not in _ENDS
