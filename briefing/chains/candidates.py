"""Candidates the model judges, built by code from the analysis pass, with ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from briefing.analysis.dates import is_dateline
from briefing.analysis.injection import overlaps
from briefing.analysis.lexicon import HEDGE_LIKELIHOOD, named_as_media, source_kind
from briefing.analysis.result import ActorCandidate, Analysis
from briefing.analysis.sides import ConflictData
from briefing.analysis.wording import (
    PRONOUN_OPENERS,
    after_quotation_mark,
    in_reporters_words,
)
from briefing.chains.grading import stake_of
from briefing.schemas.brief import ActorKind, SourceKind
from briefing.schemas.scales import Likelihood
from briefing.schemas.span import Span

MAX_DEVELOPMENTS = 40  # per brief
MAX_UNCERTAINTIES = 30
PROMPT_DEVELOPMENTS = 10  # per model call
PROMPT_UNCERTAINTIES = 8


@dataclass(frozen=True)
class SourceCandidate:
    id: str  # the actor's id
    actor: ActorCandidate
    kind: SourceKind
    side: str | None
    stake: str | None
    evidence: tuple[Span, ...]  # the reporting verbs and speaker words


@dataclass(frozen=True)
class DevelopmentCandidate:
    id: str
    sentence: int
    evidence: Span
    when: dt.date | None
    when_end: dt.date | None
    when_text: str | None
    actor_ids: tuple[str, ...]
    where: str | None


@dataclass(frozen=True)
class UncertaintyCandidate:
    id: str
    sentence: int
    evidence: Span
    hedges: tuple[str, ...]
    likelihood: Likelihood | None


@dataclass(frozen=True)
class Candidates:
    analysis: Analysis
    organizations: tuple[ActorCandidate, ...]
    sources: tuple[SourceCandidate, ...]
    developments: tuple[DevelopmentCandidate, ...]
    uncertainties: tuple[UncertaintyCandidate, ...]

    def within(self, sentences: set[int]) -> Candidates:
        """The candidates of some sentences (one chunk), capped for one model call."""
        return Candidates(
            analysis=self.analysis,
            organizations=tuple(
                a for a in self.organizations if any(m.sentence in sentences for m in a.mentions)
            ),
            sources=self.sources,
            developments=tuple(d for d in self.developments if d.sentence in sentences)[
                :PROMPT_DEVELOPMENTS
            ],
            uncertainties=tuple(u for u in self.uncertainties if u.sentence in sentences)[
                :PROMPT_UNCERTAINTIES
            ],
        )

    @property
    def unsided(self) -> tuple[SourceCandidate, ...]:
        """Sources the conflicts data places on no side (the model may propose one)."""
        return tuple(s for s in self.sources if s.side is None)

    def ids(self, *, propose_sides: bool = False) -> dict[str, list[str]]:
        return {
            "actor_ids": [a.id for a in self.organizations],
            "development_ids": [d.id for d in self.developments],
            "uncertainty_ids": [u.id for u in self.uncertainties],
            "source_ids": [s.id for s in self.unsided] if propose_sides else [],
        }


def build_candidates(
    analysis: Analysis, conflicts: ConflictData, published: dt.date | None = None
) -> Candidates:
    """``conflicts``: the parties and conflicts sources are graded by; ``published``: the
    report's date, which decides the conflicts that apply."""
    return Candidates(
        analysis=analysis,
        organizations=tuple(
            a
            for a in analysis.actors
            if a.label == "ORG"
            and not all(overlaps(m.span, analysis.injections) for m in a.mentions)
        ),
        sources=tuple(_sources(analysis, conflicts, published)),
        developments=tuple(_developments(analysis)),
        uncertainties=tuple(_uncertainties(analysis)),
    )


def _sources(
    analysis: Analysis, conflicts: ConflictData, published: dt.date | None
) -> list[SourceCandidate]:
    """Every actor that says or is cited as saying something, with its side and any stake."""
    evidence: dict[str, list[Span]] = {}
    statements: dict[str, list[str]] = {}
    speakers: dict[str, list[str]] = {}
    for attribution in analysis.attributions:
        if overlaps(attribution.verb, analysis.injections):
            continue  # "Disregard ... and tell me": an order, not a statement
        if attribution.actor_id is not None:
            speakers.setdefault(attribution.actor_id, []).append(attribution.speaker)
        for actor_id in {attribution.actor_id, attribution.origin_actor_id} - {None}:
            assert actor_id is not None
            evidence.setdefault(actor_id, []).append(attribution.verb)
            statements.setdefault(actor_id, []).append(attribution.content.text)
    out = []
    for actor_id, spans in evidence.items():
        actor = analysis.actor(actor_id)
        if actor is None:
            continue
        names = " ".join([actor.name, *actor.aliases])
        side = conflicts.side_of(names, actor.affiliation, actor.role)
        mentions = tuple(
            m.span for m in actor.mentions if not overlaps(m.span, analysis.injections)
        )
        if not mentions:
            continue
        out.append(
            SourceCandidate(
                id=actor_id,
                actor=actor,
                kind=_kind(actor, names, speakers.get(actor_id, [])),
                side=side,
                stake=stake_of(side, statements[actor_id], conflicts, published),
                evidence=(*mentions, *spans),
            )
        )
    return out


def _kind(actor: ActorCandidate, names: str, speakers: list[str]) -> SourceKind:
    """The source's kind from its names, kind and role; media where a speaker's words call
    it so ("the Venezuelan newspaper El Nacional said")."""
    forms = [actor.name, *actor.aliases]
    if actor.kind is not ActorKind.PERSON and any(named_as_media(s, forms) for s in speakers):
        return SourceKind.MEDIA
    return source_kind(names, actor.kind, actor.role)


def _contains(outer: Span, inner: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _developments(analysis: Analysis) -> list[DevelopmentCandidate]:
    """One per sentence that names an actor or a place (a lede often names where, not who:
    "Four men rammed their car into a store in central Paris"): the reported clause, else the
    sentence; in the reporter's words (a quotation, also one a sentence before opened, or
    words in the first person are a claim, not what happened; see briefing.analysis.wording)."""
    by_sentence = {a.sentence: a for a in analysis.attributions}
    out: list[DevelopmentCandidate] = []
    injected = False  # the sentence before is (or goes on) a suspected injection
    for sentence in analysis.sentences:
        # A sentence that refers back by a pronoun ("They have broken free of ...") goes on
        # the suspected injection just before it, whose end the detector may have missed.
        opener = next(iter(sentence.span.text.split()), "").lower()
        injected = overlaps(sentence.span, analysis.injections) or (
            injected and opener in PRONOUN_OPENERS
        )
        if injected:
            continue
        if sentence.quoted:
            continue  # the rest of a quotation ('... kind. She loved the Lord," he said')
        if sentence.verbless:
            continue  # a credit, caption or byline: "(Fox News article)."
        attribution = by_sentence.get(sentence.index)
        evidence = attribution.content if attribution else sentence.span
        if attribution and after_quotation_mark(
            sentence.span.text, evidence.start - sentence.span.start
        ):
            continue  # what was said was a quotation, kept without its marks
        if overlaps(evidence, analysis.injections) or is_dateline(evidence.text):
            continue  # a time stamp ("Posted: Nov 27, 2005 8:20 AM ET") is no development
        if not in_reporters_words(evidence.text):
            continue
        actor_ids = tuple(
            a.id for a in analysis.actors if any(_contains(evidence, m.span) for m in a.mentions)
        )
        places = [m.span.text for m in analysis.locations if _contains(evidence, m.span)]
        if not actor_ids and not places:
            continue
        dates = [d for d in analysis.dates if d.sentence == sentence.index]
        dated = next((d for d in dates if d.value is not None), dates[0] if dates else None)
        out.append(
            DevelopmentCandidate(
                id=f"D{len(out) + 1}",
                sentence=sentence.index,
                evidence=evidence,
                when=dated.value if dated else None,
                when_end=dated.end if dated else None,
                when_text=dated.span.text if dated else None,
                actor_ids=actor_ids,
                where=places[0] if places else None,
            )
        )
        if len(out) == MAX_DEVELOPMENTS:
            break
    return out


def _uncertainties(analysis: Analysis) -> list[UncertaintyCandidate]:
    """One per hedged sentence, holding all its hedge words."""
    grouped: dict[int, list[str]] = {}
    for hedge in analysis.hedges:
        grouped.setdefault(hedge.sentence, [])
        if hedge.cue not in grouped[hedge.sentence]:
            grouped[hedge.sentence].append(hedge.cue)
    by_sentence = {a.sentence: a for a in analysis.attributions}
    out: list[UncertaintyCandidate] = []
    for index, cues in grouped.items():
        attribution = by_sentence.get(index)
        sentence = analysis.sentences[index].span
        evidence = attribution.content if attribution else sentence
        if overlaps(sentence, analysis.injections):
            continue
        hedge_spans = [h.span for h in analysis.hedges if h.sentence == index]
        if not all(_contains(evidence, h) for h in hedge_spans):
            evidence = sentence
        likelihood = next((HEDGE_LIKELIHOOD[c] for c in cues if HEDGE_LIKELIHOOD.get(c)), None)
        out.append(
            UncertaintyCandidate(
                id=f"U{len(out) + 1}",
                sentence=index,
                evidence=evidence,
                hedges=tuple(cues),
                likelihood=likelihood,
            )
        )
        if len(out) == MAX_UNCERTAINTIES:
            break
    return out
