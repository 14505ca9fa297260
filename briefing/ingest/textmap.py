"""Normalized text for the analysis pass, with a map back to the report's own offsets.

The analysis pass sees a cleaned copy of the report (straight quotes, single spaces, a space
before a glued parenthesis, Markdown markup blanked, text run together cut by a line break, and
page furniture blanked). Every offset it finds is mapped back to the report text through
:class:`TextMap`, so evidence always points at the report's words.

Page furniture is found by its shape, not by its words: a video player or a file list is a
cluster of media marks (durations, resolutions, file sizes, player symbols: "0:00:30 ▶ 270p |
1.5MB"). Labels glued to the next word ("Theresa MayVideo") are cut from it by the line break.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass

from briefing.data import word_list

_CHAR_MAP = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2032": "'",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\t": " ",
    "\u2013": "-",
    "\u2014": "-",
}
_DROP = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"}
# Markdown markup that is blanked (same length) so offsets need no shifting.
_MD_MARKUP = re.compile(
    r"^[ ]{0,3}#{1,6}[ ]|^[ ]{0,3}>[ ]?|^[ ]{0,3}[-*+][ ]"  # headings, quotes, bullets
    r"|\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)"  # emphasis
    r"|!?\[|\]\([^)]*\)|`+",  # links, images, code
    re.MULTILINE,
)


@dataclass(frozen=True)
class TextMap:
    """``norm`` is the normalized text; ``offsets[i]`` is where norm[i] came from."""

    original: str
    norm: str
    offsets: array  # type: ignore[type-arg]  # array('l'), len(norm) + 1
    # Where ``norm`` has a line break that the report lacks (text run together was cut there).
    joins: frozenset[int] = frozenset()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of ``norm`` to a half-open span of ``original``."""
        if end <= start:
            pos = self.offsets[start]
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


def build_text_map(text: str, *, markdown: bool = False) -> TextMap:
    """Normalize ``text`` for analysis and record where each character came from."""
    source = _blank_markdown(text) if markdown else text
    breaks = _glue_points(source)
    source = _blank_furniture(source)
    out: list[str] = []
    joins: set[int] = set()
    offsets = array("l")
    prev = "\n"
    n = len(source)
    for i, ch in enumerate(source):
        if ch in _DROP:
            continue
        ch = _CHAR_MAP.get(ch, ch)
        if ch == "=" and "==" in source[max(0, i - 1) : i + 2]:
            ch = " "  # wiki headings: "killed.== References ==" -> "killed. References"
        if ch == " " and prev in " \n":
            continue  # collapse runs of spaces and leading spaces
        if ch in "([" and prev.isalnum():
            out.append(" ")  # "Intelligence(HUR)" -> "Intelligence (HUR)"
            offsets.append(i)
        elif i in breaks and prev not in " \n":
            # "in SyriaThe desert", "anarchy.\"Somalia", "Theresa MayVideo": text run together
            # is cut by a line break, so no name runs across the join.
            joins.add(len(out))
            out.append("\n")
            offsets.append(i)
        if ch == "\n" and prev == " " and out:
            out.pop()
            offsets.pop()
        out.append(ch)
        offsets.append(i)
        prev = ch
    offsets.append(n)
    return TextMap(original=text, norm="".join(out), offsets=offsets, joins=frozenset(joins))


# Words that open a sentence: "SyriaThe", "attackAfter" (briefing/data/lexicon.yaml).
_OPENERS = frozenset(word_list("lexicon", "sentence_openers"))
# Name prefixes that take a capital inside one word: McBride, MacDonald, DeSantis, LeBron.
_NAME_PREFIXES = frozenset(word_list("lexicon", "name_prefixes"))
_CAMEL = re.compile(r"(?<![\w'])([A-Za-z]*[a-z]{2})([A-Z][a-z]+|[A-Z]{3,}(?![\w])|[AI](?= ))")
_RUN_ON = re.compile(r"(?<=[a-z]{2}[.?!])(?=[\"'\u201c\u201d]?[A-Z])")
_WORD = re.compile(r"(?<![\w'])[A-Z][a-z]+(?![\w'])")
_LOWER_WORD = re.compile(r"(?<![A-Za-z])[a-z]{3,}(?![a-z])")


def _glue_points(text: str) -> set[int]:
    """Where two words or sentences run together without a space, as when a page's sentences
    were joined with no separator: "in SyriaThe desert", "BombZabiullah", "anarchy.\"Somalia".

    A capital inside a word is a join when what follows is a sentence opener, a word the text
    also has on its own ("Zabiullah") or, after a lowercase word, a word it also writes in
    lowercase ("streetPolice" beside "police"), and what precedes is not a name prefix
    (McBride). After
    ".", "?" or "!" that ends a lowercase word, a capital or a quote is a join (not "U.S.A").
    """
    points = {m.start() for m in _RUN_ON.finditer(text)}
    words: set[str] | None = None
    lowers: set[str] | None = None
    for match in _CAMEL.finditer(text):
        left, right = match.group(1), match.group(2)
        if left.casefold() in _NAME_PREFIXES:
            continue
        if right not in _OPENERS and not right.isupper():
            words = words if words is not None else set(_WORD.findall(text))
            lower = lowers if lowers is not None else set(_LOWER_WORD.findall(text))
            lowers = lower
            # A word the text also has on its own ("BombZabiullah"), or, after a lowercase
            # word, a common word it also writes in lowercase ("streetPolice" beside "police";
            # not "SkyWall" or "SportsCenter", which are names).
            common = left.islower() and right.lower() in lower
            if right not in words and not common:
                continue
        points.add(match.start(2))
    return points


# Media player and file-list marks: durations, resolutions, file sizes, player symbols.
_MEDIA_MARK = re.compile(
    r"\d+:\d\d(?::\d\d)?|\d{3,4}p\b|\d+(?:\.\d+)?[KMG]B|\d+x\d+|[\u25b6\u25ba|\u2022]"
)
_MEDIA_GAP = 14  # characters between two marks of one player or file list


def _blank_furniture(text: str) -> str:
    """``text`` with media players and file lists replaced by spaces (same length: offsets do
    not move): three or more media marks close together ("0:00:30 ▶ 270p | 1.5MB"). A date, a
    time or a figure in a sentence is one mark, far from the next."""
    runs: list[list[re.Match[str]]] = []
    for mark in _MEDIA_MARK.finditer(text):
        if runs and mark.start() - runs[-1][-1].end() <= _MEDIA_GAP:
            runs[-1].append(mark)
        else:
            runs.append([mark])
    chars: list[str] | None = None
    for run in runs:
        if len(run) < 3:
            continue
        chars = chars if chars is not None else list(text)
        for i in range(run[0].start(), run[-1].end()):
            if not chars[i].isspace():
                chars[i] = " "
    return "".join(chars) if chars is not None else text


def _blank_markdown(text: str) -> str:
    return _MD_MARKUP.sub(lambda m: _keep_link_text(m.group(0)), text)


def _keep_link_text(markup: str) -> str:
    return " " * len(markup)
