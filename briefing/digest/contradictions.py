"""Contradictions inside one event: sources that assert incompatible things.

Three kinds, found by code in the reports' own words (the evidence sentences, not the model's
paraphrase): different figures for the same quantity (a number and the noun it counts, with
the verb that governs it, in sentences about the same thing), a denial against another
source's claim, and different dates for the same development. Each side keeps its report,
source, grade and evidence. Only sides from different publisher families (or originators)
count: a source disagreeing with itself across reprints is not a dispute.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from text_to_num import text2num

from briefing.analysis import get_nlp
from briefing.analysis.actors import normalize_name
from briefing.analysis.lexicon import FIGURE_SCALES, words
from briefing.chains.guards import jaccard
from briefing.digest.inputs import DigestItem, EvidenceChecker
from briefing.digest.merge import MergedDevelopment, is_named
from briefing.schemas.brief import Claim, Development, ReportingVerb
from briefing.schemas.digest import Contradiction, ContradictionKind, ContradictionSide
from briefing.schemas.scales import Reliability
from briefing.settings import get_settings

SAME_CONTEXT = 0.25  # content-word Jaccard of two sentences before their figures are compared
DENIAL_MATCH = 0.4  # content-word Jaccard of a denial and the claim it denies
_SCALES = FIGURE_SCALES
_LOWER_BOUNDS = set(words("figure_bound_words"))
_LABEL_NOUNS = set(words("figure_label_nouns"))


@dataclass(frozen=True)
class Quantity:
    key: str  # counted noun | governing verb
    value: float | None
    shown: str  # the report's words for the figure
    approximate: bool


def _number(words: list[str]) -> float | None:
    """A figure's value, in digits ("3.5 million") or words ("three", "twenty-five")."""
    total: float | None = None
    for word in words:
        w = word.replace(",", "").lower()
        if w in _SCALES and total is not None:
            total *= _SCALES[w]
            continue
        try:
            total = float(w)
        except ValueError:
            return _spelled(words)
    return total


def _spelled(words: list[str]) -> float | None:
    try:
        return float(text2num(" ".join(words).lower().replace("-", " "), "en"))
    except ValueError:
        return None


def quantities(text: str) -> list[Quantity]:
    """Figures in a sentence: '12 people were killed' -> key 'people|kill', value 12."""
    doc = get_nlp(get_settings().spacy_model, rulers=False)(text)
    out = []
    for tok in doc:
        if tok.dep_ != "nummod" or not tok.like_num or tok.ent_type_ in ("DATE", "TIME", "ORDINAL"):
            continue
        noun = tok.head
        if (
            noun.lemma_.lower() in _LABEL_NOUNS
            or noun.is_digit
            or noun.pos_ not in ("NOUN", "PROPN")
        ):
            continue
        if noun.head.pos_ != "VERB":  # a count is of something done: killed, arrested, fired
            continue
        parts = sorted([t for t in tok.subtree if t.like_num], key=lambda t: t.i)
        mods = {t.lower_ for t in tok.subtree if not t.like_num}
        verb = noun.head.lemma_.lower()
        out.append(
            Quantity(
                key=f"{noun.lemma_.lower()}|{verb}",
                value=_number([t.text for t in parts]),
                shown=doc[tok.left_edge.i : tok.right_edge.i + 1].text + " " + noun.text,
                approximate=bool(mods & _LOWER_BOUNDS),
            )
        )
    return out


@dataclass(frozen=True)
class Telling:
    """One report's sentence about something, with who stands behind it."""

    item: DigestItem
    statement: str
    source: str
    originator: str
    credibility: int | None
    text: str  # the evidence sentence(s), the report's own words
    span_owner: Claim | Development


def _grade(item: DigestItem, *names: str) -> Reliability | None:
    wanted = {normalize_name(n) for n in names if n}
    for source in item.brief.sources:
        if normalize_name(source.name) in wanted:
            return source.reliability
    return None


def _side(
    t: Telling, checker: EvidenceChecker, family_of: Callable[[DigestItem], str], value: str | None
) -> ContradictionSide | None:
    refs = checker.refs(t.item.id, t.span_owner.evidence[:2])
    if not refs:
        return None
    return ContradictionSide(
        statement=t.statement,
        source=t.source,
        originator=t.originator,
        family=family_of(t.item),
        reliability=_grade(t.item, t.originator, t.source, t.item.report.source or ""),
        credibility=t.credibility,
        value=value,
        report_id=t.item.id,
        evidence=refs,
    )


def tellings_of(
    claims: Sequence[tuple[DigestItem, Claim]],
    developments: Sequence[tuple[DigestItem, Development]],
) -> list[Telling]:
    out = [
        Telling(
            item,
            c.statement,
            c.source,
            c.originator,
            c.credibility,
            " ".join(s.text for s in c.evidence),
            c,
        )
        for item, c in claims
    ]
    for item, d in developments:
        publisher = item.report.source or item.id
        out.append(
            Telling(
                item, d.what, publisher, publisher, None, " ".join(s.text for s in d.evidence), d
            )
        )
    return out


def _independent(a: Telling, b: Telling, family_of: Callable[[DigestItem], str]) -> bool:
    """Two publisher families: a reprint never disputes its original. (Two outlets quoting the
    same police at different times may well disagree: that is shown.)"""
    return family_of(a.item) != family_of(b.item)


def figure_contradictions(
    tellings: Sequence[Telling], checker: EvidenceChecker, family_of: Callable[[DigestItem], str]
) -> list[Contradiction]:
    figures = [(t, q) for t in tellings for q in quantities(t.text) if q.value is not None]
    out: list[Contradiction] = []
    seen: set[tuple[str, float, float]] = set()
    for i, (ta, qa) in enumerate(figures):
        for tb, qb in figures[i + 1 :]:
            if qa.key != qb.key or qa.value == qb.value or not _independent(ta, tb, family_of):
                continue
            assert qa.value is not None and qb.value is not None
            low, _ = (qa, qb) if qa.value < qb.value else (qb, qa)
            if low.approximate:  # "at least 12" does not dispute "15"
                continue
            if jaccard(_no_numbers(ta.text), _no_numbers(tb.text)) < SAME_CONTEXT:
                continue
            mark = (qa.key, min(qa.value, qb.value), max(qa.value, qb.value))
            if mark in seen:
                continue
            a, b = _side(ta, checker, family_of, qa.shown), _side(tb, checker, family_of, qb.shown)
            if a and b:
                seen.add(mark)
                noun, verb = qa.key.split("|")
                about = f"number of {noun}" + (f" ({verb})" if verb else "")
                out.append(Contradiction(kind=ContradictionKind.FIGURE, about=about, sides=[a, b]))
    return out


def denial_contradictions(
    tellings: Sequence[Telling], checker: EvidenceChecker, family_of: Callable[[DigestItem], str]
) -> list[Contradiction]:
    out = []
    denials = [
        t
        for t in tellings
        if isinstance(t.span_owner, Claim)
        and t.span_owner.verb_class is ReportingVerb.DENIED
        and is_named(t.item, t.originator)  # a named denier, not "he" or "a man"
    ]
    for denial in denials:
        for other in tellings:
            if other is denial or (
                isinstance(other.span_owner, Claim)
                and other.span_owner.verb_class is ReportingVerb.DENIED
            ):
                continue
            if other.item.id == denial.item.id or not _independent(other, denial, family_of):
                continue
            if normalize_name(other.originator) == normalize_name(denial.originator):
                continue
            if jaccard(denial.statement, other.statement) < DENIAL_MATCH:
                continue
            a, b = _side(other, checker, family_of, None), _side(denial, checker, family_of, None)
            if a and b:
                out.append(
                    Contradiction(
                        kind=ContradictionKind.DENIAL, about=other.statement, sides=[a, b]
                    )
                )
                break
    return out


def date_contradictions(
    merged: Sequence[MergedDevelopment],
    checker: EvidenceChecker,
    family_of: Callable[[DigestItem], str],
) -> list[Contradiction]:
    out = []
    for m in merged:
        dated = [(item, d) for item, d in m.tellings if d.when is not None]
        for i, (ia, da) in enumerate(dated):
            pair = next(
                (
                    (ib, db)
                    for ib, db in dated[i + 1 :]
                    if db.when != da.when
                    and family_of(ib) != family_of(ia)
                    and not _tells_date(da, db)
                    and not _tells_date(db, da)
                ),
                None,
            )
            if pair is None:
                continue
            ib, db = pair
            ta = tellings_of([], [(ia, da)])[0]
            tb = tellings_of([], [(ib, db)])[0]
            a = _side(ta, checker, family_of, da.when_text or str(da.when))
            b = _side(tb, checker, family_of, db.when_text or str(db.when))
            if a and b:
                out.append(
                    Contradiction(kind=ContradictionKind.DATE, about=m.item.what, sides=[a, b])
                )
                break
    return out


def _tells_date(d: Development, other: Development) -> bool:
    """Whether a development's words give the date another one is dated by ("Before 1997, he
    had served only a five-year heroin rap in 1959", dated 1997 in one report and 1959 in
    another: both give both years, and disagree on nothing)."""
    wording = other.when_text or (str(other.when.year) if other.when else "")
    texts = [d.what, *(e.text for e in d.evidence)]
    return bool(wording) and any(wording.casefold() in t.casefold() for t in texts)


def _no_numbers(text: str) -> str:
    return re.sub(r"\d[\d,.]*", " ", text)
