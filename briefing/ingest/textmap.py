"""Normalized text for the analysis pass, with a map back to the report's own offsets.

The analysis pass sees a cleaned copy of the report (straight quotes, single spaces, a space
before a glued parenthesis, Markdown markup blanked). Every offset it finds is mapped back to
the report text through :class:`TextMap`, so evidence always points at the report's words.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass

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

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of ``norm`` to a half-open span of ``original``."""
        if end <= start:
            pos = self.offsets[start]
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


def build_text_map(text: str, *, markdown: bool = False) -> TextMap:
    """Normalize ``text`` for analysis and record where each character came from."""
    source = _blank_markdown(text) if markdown else text
    out: list[str] = []
    offsets = array("l")
    prev = "\n"
    n = len(source)
    for i, ch in enumerate(source):
        if ch in _DROP:
            continue
        ch = _CHAR_MAP.get(ch, ch)
        if ch == " " and prev in " \n":
            continue  # collapse runs of spaces and leading spaces
        if ch in "([" and prev.isalnum():
            out.append(" ")  # "Intelligence(HUR)" -> "Intelligence (HUR)"
            offsets.append(i)
        elif ch.isupper() and prev.islower() and _glued(out):
            out.append(" ")  # "in SyriaThe desert" (sentences joined without a space)
            offsets.append(i)
        if ch == "\n" and prev == " " and out:
            out.pop()
            offsets.pop()
        out.append(ch)
        offsets.append(i)
        prev = ch
    offsets.append(n)
    return TextMap(original=text, norm="".join(out), offsets=offsets)


def _glued(out: list[str]) -> bool:
    """Four or more lowercase letters right before a capital: two words run together
    ("SyriaThe"), not a name like "McBride" or "MacDonald"."""
    tail = out[-4:]
    return len(tail) == 4 and all(c.islower() for c in tail)


def _blank_markdown(text: str) -> str:
    return _MD_MARKUP.sub(lambda m: _keep_link_text(m.group(0)), text)


def _keep_link_text(markup: str) -> str:
    return " " * len(markup)
