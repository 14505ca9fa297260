"""Checks on what the model wrote: no names the report lacks, words tied to the evidence.

The embedded model is tiny; these guards keep its prose from inventing people or facts.
Text that fails is replaced by the code's own wording and the brief says so in ``quality``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS
from text_to_num import alpha2digit

from briefing.analysis.injection import instruction_like
from briefing.analysis.lexicon import FIGURE_SCALES

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)([A-Z][\w'’-]*)")
_POSSESSIVE = re.compile(r"['’]s?$")


def _bare(word: str) -> str:
    """A word lower-cased without its possessive ("Iran's" and "States'" lose it)."""
    return _POSSESSIVE.sub("", word.lower())


def content_words(text: str) -> set[str]:
    """The words of ``text`` that say something, lower-cased, without possessives, and a
    plural's "s" dropped ("reports" is "report"; "glass" and "gas" stay whole)."""
    found = (_bare(w) for w in _WORD.findall(text) if len(w) > 2 and w.lower() not in STOP_WORDS)
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in found}


_FIGURE = re.compile(r"(\d[\d,.]*\d|\d)(st|nd|rd|th)?", re.IGNORECASE)
_SCALED = re.compile(r"(\d+(?:\.\d+)?)\s*(" + "|".join(FIGURE_SCALES) + r")\b", re.IGNORECASE)
_JOINED = re.compile(r"(?<=\w)-(?=\w)")


def _scaled(m: re.Match[str]) -> str:
    return f"{float(m.group(1)) * FIGURE_SCALES[m.group(2).lower()]:.0f}"


@lru_cache(maxsize=4096)
def figures(text: str) -> frozenset[str]:
    """The figures a statement gives, in digits or words ("three", "twenty-five", "third",
    "2 million", "two-million-euro" -> "3", "25", "3rd", "2000000"), without thousands
    separators."""
    plain = _SCALED.sub(_scaled, _JOINED.sub(" ", text).replace(",", ""))
    plain = _SCALED.sub(_scaled, alpha2digit(plain, "en", threshold=0))
    return frozenset(m.group(1) + (m.group(2) or "").lower() for m in _FIGURE.finditer(plain))


def jaccard(a: str, b: str) -> float:
    """The share of content words two statements have in common (1.0 for two statements
    without content words that are the same words)."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 1.0 if a.strip().casefold() == b.strip().casefold() else 0.0
    return len(wa & wb) / len(wa | wb)


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
        stem = _bare(word)
        if stem in STOP_WORDS or stem in report_lower:
            continue
        missing.append(word)
    missing += [n for n in _NUMBER.findall(text) if n not in report_text]
    return missing


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1)
def _neutral_reporting_stems() -> frozenset[str]:
    from briefing.analysis.lexicon import REPORTING_VERBS
    from briefing.schemas.brief import ReportingVerb

    stem = _stemmer().stemWord
    return frozenset(
        stem(v) for v, kind in REPORTING_VERBS.items() if kind is ReportingVerb.REPORTED
    )


def unknown_words(text: str, source_text: str) -> list[str]:
    """Content words of ``text`` whose stem no word of ``source_text`` has ("escapes" is known
    where a report says "escaped"; "pornography" is not where no report says it). Neutral
    reporting verbs ("says" for "reported") are known: they attribute, they add no fact;
    "denies" or "confirms" would change what was said, so they must be the reports' own."""
    stem = _stemmer().stemWord
    known = _known_stems(source_text)
    return sorted(w for w in _stemmable_words(text) if stem(w) not in known)


def _stemmable_words(text: str) -> set[str]:
    found = (_bare(w) for w in _WORD.findall(text))
    return {w for w in found if len(w) > 2 and w not in STOP_WORDS}


@lru_cache(maxsize=16)
def _known_stems(source_text: str) -> frozenset[str]:
    """The stems a text uses, and the neutral reporting verbs': once per source text (a
    digest event checks each of its model's sentences against the same reports)."""
    stem = _stemmer().stemWord
    return frozenset(stem(w) for w in _stemmable_words(source_text)) | _neutral_reporting_stems()


def support(text: str, evidence: str) -> float:
    """Share of the content words of ``text`` found in ``evidence`` (1.0 for no words)."""
    words = content_words(text)
    if not words:
        return 0.0
    found = content_words(evidence)
    return len(words & found) / len(words)


def checked_prose(
    section: str,
    written: str,
    *,
    source_text: str,
    evidence: str,
    fallback: str,
    injected_words: set[str] | frozenset[str],
    warnings: list[str],
    min_support: float = 0.5,
    known_words_only: bool = False,
) -> str:
    """The model's text if it reads as a statement (no order, markup or payload link), names
    no stranger to ``source_text``, echoes no word found only in a suspected prompt injection
    and sticks to ``evidence``; else ``fallback``, with a
    warning that says why. Briefs and digests use the same check. ``known_words_only``: also
    no content word that ``source_text`` lacks (a digest's bottom line is in the reports'
    words; a brief's prose may paraphrase its one report)."""
    written = " ".join(written.split())
    if not written:
        return fallback
    echoed = sorted(
        w
        for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9-]{3,}", written.lower())
        if w in injected_words
    )
    if echoed:
        warnings.append(
            f"{section}: model text echoed {len(set(echoed))} word(s) found only in a "
            "suspected prompt injection; replaced by the report's words"
        )
        return fallback
    kinds = instruction_like(written)
    if kinds:
        warnings.append(
            f"{section}: model text read as an instruction or payload ({', '.join(kinds)}), "
            "not a statement; replaced by the report's words"
        )
        return fallback
    strangers = unsupported_names(written, source_text)
    if strangers:
        warnings.append(
            f"{section}: model text used {', '.join(sorted(set(strangers)))}, "
            "not in the report; replaced by the report's words"
        )
        return fallback
    novel = unknown_words(written, source_text) if known_words_only else []
    if novel:
        warnings.append(
            f"{section}: model text used {', '.join(novel)}, in none of the reports; "
            "replaced by the reports' words"
        )
        return fallback
    if support(written, evidence) < min_support:
        warnings.append(
            f"{section}: model text strayed from its evidence; replaced by the report's words"
        )
        return fallback
    return written
