"""Parties to conflicts: which side an actor speaks for, and who its adversaries are.

A small, editable table. A source on one side reporting about an adversary has a stake
(ANALYTIC-STANDARDS.md): its uncorroborated claims are graded no better than 3.
"""

from __future__ import annotations

import re

# side -> words that mark an actor or a sentence as belonging to / about that side
SIDES: dict[str, list[str]] = {
    "Ukraine": [
        "ukraine",
        "ukrainian",
        "ukrainians",
        "kyiv",
        "kiev",
        "hur",
        "gur",
        "sbu",
        "zelensky",
        "zelenskyy",
        "zsu",
    ],
    "Russia": [
        "russia",
        "russian",
        "russians",
        "kremlin",
        "moscow",
        "putin",
        "peskov",
        "lavrov",
        "fsb",
        "gru",
        "svr",
        "wagner",
    ],
    "Syrian government": [
        "assad",
        "damascus",
        "syrian army",
        "syrian government",
        "syrian regime",
        "saa",
    ],
    "Syrian opposition": [
        "syrian opposition",
        "opposition",
        "rebels",
        "hts",
        "hayat tahrir",
        "pro-turkish forces",
        "syrian national army",
    ],
    "Israel": ["israel", "israeli", "idf", "netanyahu", "mossad"],
    "Hamas": ["hamas", "qassam"],
    "Hezbollah": ["hezbollah", "hizballah"],
    "Iran": ["iran", "iranian", "irgc", "tehran", "araghchi"],
    "United States": ["united states", "u.s.", "pentagon", "white house", "washington"],
}

ADVERSARIES: set[frozenset[str]] = {
    frozenset(pair)
    for pair in [
        ("Ukraine", "Russia"),
        ("Russia", "Syrian opposition"),
        ("Syrian government", "Syrian opposition"),
        ("Israel", "Hamas"),
        ("Israel", "Hezbollah"),
        ("Israel", "Iran"),
        ("United States", "Iran"),
    ]
}

_PATTERNS = {
    side: re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.I)
    for side, words in SIDES.items()
}


def sides_in(text: str) -> set[str]:
    """The sides a piece of text names."""
    return {side for side, pattern in _PATTERNS.items() if pattern.search(text)}


def side_of(*descriptions: str | None) -> str | None:
    """The side an actor belongs to, from its name, aliases, role and affiliation (first hit)."""
    for text in descriptions:
        if text:
            found = sides_in(text)
            if len(found) == 1:
                return found.pop()
    return None


def adversaries_of(side: str) -> set[str]:
    return {other for pair in ADVERSARIES if side in pair for other in pair if other != side}
