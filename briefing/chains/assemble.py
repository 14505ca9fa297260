"""Assembly: candidates (code) + draft (model) -> a grounded Brief.

Kinds, grades and wording come from the model where they pass validation and guards; every
offset comes from the analysis pass and is grounded against the report text once more.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from briefing.analysis.actors import (
    normalize_name,
    place_key,
    strip_direction,
    strip_place_kind,
)
from briefing.analysis.injection import injected_only_words, overlaps
from briefing.analysis.lexicon import TITLE_HEADS, public_office, source_kind
from briefing.analysis.result import ActorCandidate, Attribution, Sentence
from briefing.chains.candidates import Candidates, SourceCandidate
from briefing.chains.grading import (
    SourceGrade,
    claim_credibility,
    grade_source,
    stake_statement,
)
from briefing.chains.guards import checked_prose, support, unsupported_names
from briefing.grounding import GroundingReport
from briefing.schemas.brief import (
    Actor,
    ActorKind,
    Claim,
    Development,
    Place,
    Quality,
    ReportingVerb,
    SideBasis,
    Source,
    SourceKind,
    Uncertainty,
)
from briefing.schemas.draft import BriefDraft
from briefing.schemas.report import Report
from briefing.schemas.scales import Confidence, Likelihood, Reliability
from briefing.schemas.span import Span

MIN_SUPPORT = 0.5  # share of a written sentence's content words found in its evidence
_FALLBACK_WHY = {
    "reportedly": "It is reported second-hand ('reportedly') and not confirmed in the report.",
    "allegedly": "It is an allegation ('allegedly'), not an established fact.",
    "speculated": "It is attributed speculation, not a statement of fact.",
    "remains uncertain whether": "The source itself says the outcome remains uncertain.",
}
# Which model kinds an NER label allows: spaCy's label is trusted for people and countries.
_ALLOWED_KINDS: dict[str, set[ActorKind]] = {
    "PERSON": {ActorKind.PERSON},
    "GPE": {ActorKind.STATE},
    "ORG": {ActorKind.ORGANIZATION, ActorKind.MILITARY, ActorKind.ARMED_GROUP, ActorKind.OTHER},
}


class _Telling(NamedTuple):
    """One attribution as a claim is made from it: who originated it, who told it, and the
    source a speaker no actor stands for is."""

    att: Attribution
    origin_id: str | None
    originator: str
    speaker: str
    relays: list[str]
    told: Source | None
    identified: bool


@dataclass
class Assembly:
    report: Report
    candidates: Candidates
    draft: BriefDraft
    grounding: GroundingReport = field(default_factory=GroundingReport)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.source_of, self.side_rationale = self._resolve_sides()
        self.speaker_sources = self._speaker_sources()
        injections = self.candidates.analysis.injections
        self.injected_words = injected_only_words(self.report.text, injections)
        if injections:
            kinds = sorted({k for i in injections for k in i.kind.split(", ")})
            self.warnings.append(
                f"suspected prompt injection: {len(injections)} passage(s) withheld from the "
                f"model and from the brief ({', '.join(kinds)})"
            )

    def _resolve_sides(self) -> tuple[dict[str, SourceCandidate], dict[str, str]]:
        """The sources with the sides the model proposed for those the data does not place,
        where the report names the side and the adversaries; the stake follows from the
        source's own statements, as for sides from the data."""
        sources = {c.id: c for c in self.candidates.sources}
        rationale: dict[str, str] = {}
        analysis = self.candidates.analysis
        lowered = self.report.text.lower()
        for judged in self.draft.sides:
            cand = sources.get(judged.id)
            side = " ".join(judged.side.split())
            opposes = [" ".join(o.split()) for o in judged.opposes if o.strip()]
            if cand is None or cand.side is not None or not side:
                continue
            named = [n for n in [side, *opposes] if n.lower() in lowered]
            why = " ".join(judged.rationale.split())
            if len(named) < 1 + len(opposes) or unsupported_names(why, self.report.text):
                self.warnings.append(
                    f"source {cand.actor.name}: the side the model proposed names parties or "
                    "facts the report lacks; not used"
                )
                continue
            statements = [
                a.content.text.lower()
                for a in analysis.attributions
                if cand.id in (a.actor_id, a.origin_actor_id)
            ]
            hit = [o for o in opposes if any(o.lower() in st for st in statements)]
            stake = stake_statement(side, hit, " (side proposed by the model)")
            sources[cand.id] = replace(cand, side=side, stake=stake)
            rationale[cand.id] = why
        return sources, rationale

    @property
    def text(self) -> str:
        return self.report.text

    def checked_prose(self, section: str, written: str, evidence: str, fallback: str) -> str:
        """The model's sentence if it names no stranger, echoes no suspected injection and
        sticks to its evidence."""
        return checked_prose(
            section,
            written,
            source_text=self.text,
            evidence=evidence,
            fallback=fallback,
            injected_words=self.injected_words,
            warnings=self.warnings,
            min_support=MIN_SUPPORT,
        )

    def actors(self) -> list[Actor]:
        judged: dict[str, ActorKind] = {}
        for j in self.draft.actors:
            judged.setdefault(j.id, j.kind)
        analysis = self.candidates.analysis
        items = []
        for cand in analysis.actors:
            if all(overlaps(m.span, analysis.injections) for m in cand.mentions):
                self.grounding.drop("actors", "named only in a suspected prompt injection", cand.id)
                continue
            items.append(self._actor(cand, judged.get(cand.id)))
        return self.grounding.filter_items("actors", items, self.text, summary_of=lambda a: a.name)

    def _actor(self, cand: ActorCandidate, judged: ActorKind | None) -> Actor:
        kind = cand.kind
        if judged is not None and judged in _ALLOWED_KINDS.get(cand.label, set()):
            kind = judged
        return Actor(
            id=cand.id,
            name=cand.name,
            aliases=list(cand.aliases),
            kind=kind,
            role=cand.role,
            affiliation=cand.affiliation,
            evidence=[m.span for m in cand.mentions],
        )

    def places(self) -> list[Place]:
        """Place mentions grouped by name, a kind word and a direction set aside ("Kandahar
        province" and "Kandahar", "east London" and "London" are one place)."""
        analysis = self.candidates.analysis
        actor_names = {normalize_name(n) for a in analysis.actors for n in (a.name, *a.aliases)}
        grouped: dict[str, list[Span]] = {}
        forms: dict[str, Counter[str]] = {}
        for mention in analysis.locations:
            key = place_key(mention.span.text)
            if not key or key in actor_names or overlaps(mention.span, analysis.injections):
                continue
            forms.setdefault(key, Counter())[mention.span.text] += 1
            grouped.setdefault(key, []).append(mention.span)
        items = []
        for key, spans in grouped.items():
            ranked = sorted(forms[key], key=lambda f: (-forms[key][f], -len(f)))
            # The name without its kind or direction: "Kandahar" for "Kandahar province",
            # "Vancouver" for "east Vancouver".
            bare = [b for f in ranked if (b := strip_place_kind(strip_direction(f))) not in ranked]
            aliases = list(dict.fromkeys([*ranked[1:], *bare]))
            items.append(Place(name=ranked[0], aliases=aliases, evidence=spans))
        return self.grounding.filter_items("places", items, self.text, summary_of=lambda p: p.name)

    def developments(self) -> list[Development]:
        # Reversed, so that the first answer for an id is the one kept.
        written = {j.id: j.what for j in reversed(self.draft.developments)}
        names = {a.id: a.name for a in self.candidates.analysis.actors}
        items = []
        for cand in self.candidates.developments:
            fallback = _clause(cand.evidence.text)
            what = self.checked_prose(
                f"development {cand.id}", written.get(cand.id, ""), cand.evidence.text, fallback
            )
            items.append(
                Development(
                    what=what,
                    when=cand.when,
                    when_end=cand.when_end,
                    when_text=cand.when_text,
                    where=cand.where,
                    actors=[names[i] for i in cand.actor_ids],
                    evidence=[cand.evidence],
                )
            )
        return self.grounding.filter_items(
            "developments", items, self.text, summary_of=lambda d: d.what
        )

    def claims(self) -> list[Claim]:
        analysis = self.candidates.analysis
        sources = self.source_of
        names = {a.id: a.name for a in analysis.actors}
        # Claims that carry no date of their own take the date of their originator's report.
        dated: dict[str, tuple[dt.date, str]] = {}
        for att in analysis.attributions:
            origin = att.origin_actor_id or att.actor_id
            if origin and att.said_on and origin not in dated:
                dated[origin] = (att.said_on, att.said_on_text or "")
        rows: list[_Telling] = []
        for att in analysis.attributions:
            if overlaps(att.content, analysis.injections):
                who = names.get(att.actor_id or "", "a speaker")
                where = f"{who}, characters {att.content.start}-{att.content.end}"
                self.grounding.drop("claims", "suspected prompt injection", where)
                continue
            origin_id = att.origin_actor_id or att.actor_id
            originator = names.get(origin_id or "", att.speaker)
            speaker = names.get(att.actor_id or "", att.speaker)
            relays = [speaker] if att.origin_actor_id and speaker != originator else []
            told = None
            if origin_id is None:  # a speaker no actor stands for
                told = self.speaker_sources.get(" ".join(att.speaker.split()).casefold())
            identified = origin_id is not None or (told is not None and told.identified)
            rows.append(_Telling(att, origin_id, originator, speaker, relays, told, identified))
        items = []
        for i, (att, origin_id, originator, speaker, relays, told, _) in enumerate(rows):
            source = sources.get(origin_id or "")
            grade = self._grade(source) if source else None
            # One not identified stays "not identified" (6), as before it was listed.
            if source is None and told is not None and told.identified:
                grade = SourceGrade(told.reliability, told.rationale)
            # Who can corroborate it: an identified originator whose words are not these (a
            # claim quoted inside another's is the same telling, not a second one).
            others = [
                (other.originator, other.att.content.text)
                for j, other in enumerate(rows)
                if j != i and other.identified and not other.att.content.overlaps(att.content)
            ]
            cred = claim_credibility(
                statement=att.content.text,
                originator=originator,
                reliability=grade.reliability if grade else None,
                stake=source.stake if source else None,
                verb_class=att.verb_class,
                others=others,
            )
            said_on, said_on_text = att.said_on, att.said_on_text
            if said_on is None and origin_id in dated:
                said_on, said_on_text = dated[origin_id]
            items.append(
                Claim(
                    statement=_clause(att.content.text),
                    source=speaker,
                    originator=originator,
                    relays=relays,
                    chain=", citing ".join([*reversed(relays), originator]),
                    reporting_verb=att.verb.text,
                    verb_class=att.verb_class,
                    said_on=said_on,
                    said_on_text=said_on_text,
                    credibility=cred.value,
                    credibility_rationale=cred.rationale,
                    corroborated_by=list(cred.corroborated_by),
                    stake=source.stake if source else None,
                    evidence=[att.content, att.verb],
                )
            )
        return self.grounding.filter_items(
            "claims", items, self.text, summary_of=lambda c: c.statement
        )

    def uncertainties(self, claims: list[Claim]) -> list[Uncertainty]:
        written = {j.id: j.why for j in reversed(self.draft.uncertainties)}
        analysis = self.candidates.analysis
        items = []
        for cand in self.candidates.uncertainties:
            hedge = ", ".join(cand.hedges)
            fallback = _FALLBACK_WHY.get(
                cand.hedges[0],
                f"The report hedges this ('{cand.hedges[0]}'): possible, not established.",
            )
            sentence = analysis.sentences[cand.sentence].span
            why = self.checked_prose(
                f"uncertainty {cand.id}", written.get(cand.id, ""), sentence.text, fallback
            )
            backing = _claims_behind(claims, sentence, analysis.sentences, cand.sentence)
            likelihood = cand.likelihood or _implied_likelihood(backing)
            confidence, basis = _confidence(backing)
            items.append(
                Uncertainty(
                    what=_clause(cand.evidence.text),
                    why=why,
                    hedge=hedge,
                    likelihood=likelihood,
                    likelihood_band=(
                        f"{likelihood.band[0]}-{likelihood.band[1]}%" if likelihood else None
                    ),
                    confidence=confidence,
                    confidence_basis=basis,
                    evidence=[cand.evidence],
                )
            )
        return self.grounding.filter_items(
            "uncertainties", items, self.text, summary_of=lambda u: u.what
        )

    def _grade(self, cand: SourceCandidate) -> SourceGrade:
        """The source's grade by its kind; the publisher's own grade (its feed's, or given
        with the report) where the source is the report's publisher."""
        by_kind = grade_source(cand.kind, cand.side, cand.stake)
        given = self.report.source_reliability and Reliability(self.report.source_reliability)
        publisher = normalize_name(self.report.source or "")
        names = {normalize_name(n) for n in (cand.actor.name, *cand.actor.aliases)}
        if given is None or not publisher or publisher not in names:
            return by_kind
        rationale = (
            f"{given.value} ({given.label.lower()}): the grade given to {self.report.source}, "
            "the report's publisher, with the report (its feed's default)."
        )
        if cand.stake:
            rationale += f" Stake: {cand.stake}."
        return SourceGrade(given, rationale)

    def sources(self) -> list[Source]:
        items = []
        for cand in self.source_of.values():
            grade = self._grade(cand)
            proposed = cand.id in self.side_rationale
            basis = SideBasis.MODEL if proposed else SideBasis.DATA if cand.side else None
            items.append(
                Source(
                    name=cand.actor.name,
                    kind=cand.kind,
                    side=cand.side,
                    side_basis=basis,
                    side_rationale=self.side_rationale.get(cand.id),
                    reliability=grade.reliability,
                    rationale=grade.rationale,
                    stake=cand.stake,
                    evidence=list(cand.evidence),
                )
            )
        items += self.speaker_sources.values()
        return self.grounding.filter_items("sources", items, self.text, summary_of=lambda s: s.name)

    def _speaker_sources(self) -> dict[str, Source]:
        """Sources for the speakers no actor stands for, one per wording (case-folded): those
        whose words name no one ("police said", "according to officials", "a source close to
        the talks") are not identified and graded F, as their claims are graded 6; those whose
        words name someone ("Lyons said": spaCy found a proper noun but no entity) are graded
        by their kind, an official where a title of public office is among their words. A lone
        pronoun left unresolved ("he") or words that are neither are no source."""
        analysis = self.candidates.analysis
        told: dict[str, list[tuple[Attribution, Span]]] = {}
        for att in analysis.attributions:
            if (
                att.actor_id is not None
                or att.origin_actor_id is not None
                or not (att.anonymous or att.speaker_named)
                or att.speaker_span is None
                or any(overlaps(s, analysis.injections) for s in (att.verb, att.content))
            ):
                continue
            key = " ".join(att.speaker.split()).casefold()
            told.setdefault(key, []).extend([(att, att.speaker_span), (att, att.verb)])
        out = {}
        for key, tellings in told.items():
            first = tellings[0][0]
            name = " ".join(first.speaker.split())
            words = [w.casefold() for w in name.split()]
            office = next(
                (h for w in words for h in (w, w.removesuffix("s")) if h in TITLE_HEADS), None
            )
            kind = (
                SourceKind.OFFICIAL
                if office and public_office(office)
                else source_kind(name, ActorKind.OTHER, None)
            )
            if first.anonymous:
                reliability = Reliability.F
                rationale = (
                    f"F (reliability cannot be judged): '{name}' names no one, and the brief "
                    "ties it to no named source, so who it is and its record cannot be checked."
                )
            else:
                grade = grade_source(kind, None, None)
                reliability, rationale = grade.reliability, grade.rationale
            out[key] = Source(
                name=name,
                kind=kind,
                reliability=reliability,
                rationale=rationale,
                identified=not first.anonymous,
                evidence=sorted({s for _, s in tellings}, key=lambda s: s.start),
            )
        return out

    def bluf(self) -> tuple[str, list[Span]]:
        analysis = self.candidates.analysis
        sentences = [s for s in analysis.sentences if not overlaps(s.span, analysis.injections)]
        lead = _clause(sentences[0].span.text) if sentences else "The report gives no usable text."
        bluf = self.checked_prose("bluf", self.draft.bluf, self.text, lead)
        # Evidence: the two sentences that share most words with the BLUF.
        ranked = sorted(sentences, key=lambda s: -support(bluf, s.span.text))[:2]
        spans = [s.span for s in sorted(ranked, key=lambda s: s.index)]
        return bluf, self.grounding.ground_all(self.text, spans)

    def quality(self) -> Quality:
        if self.grounding.spans_fuzzy:
            self.warnings.append(f"{self.grounding.spans_fuzzy} evidence span(s) matched fuzzily")
        return Quality(
            dropped=self.grounding.dropped,
            dropped_count=len(self.grounding.dropped),
            warnings=self.warnings,
        )


def _clause(text: str, limit: int = 300) -> str:
    text = " ".join(text.split()).strip(" ,;:")
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    if text and text[-1] not in '.!?…"”':
        text += "."
    return text[:1].upper() + text[1:]


def _claims_behind(
    claims: list[Claim], sentence: Span, sentences: tuple[Sentence, ...], index: int
) -> list[Claim]:
    """The claims an uncertain sentence rests on: made in it, else in the two before it."""

    def within(span: Span) -> list[Claim]:
        return [c for c in claims if any(span.start <= e.start < span.end for e in c.evidence)]

    for back in range(0, 3):
        if index - back < 0:
            break
        found = within(sentences[index - back].span) if back else within(sentence)
        if found:
            return found
    return []


_IMPLIED = {
    2: Likelihood.LIKELY,
    3: Likelihood.ROUGHLY_EVEN_CHANCE,
    4: Likelihood.UNLIKELY,
    5: Likelihood.VERY_UNLIKELY,
}


def _implied_likelihood(backing: list[Claim]) -> Likelihood | None:
    """ "Reportedly X" implies a likelihood from how credible the reporting is."""
    best = min((c.credibility for c in backing), default=6)
    if best == 1:
        return Likelihood.VERY_LIKELY
    return _IMPLIED.get(best)


def _confidence(backing: list[Claim]) -> tuple[Confidence, str]:
    if not backing:
        return Confidence.LOW, "No attributed source in the report; the hedge stands alone."
    originators = sorted(
        {c.originator for c in backing} | {o for c in backing for o in c.corroborated_by}
    )
    chains = "; ".join(sorted({c.chain for c in backing}))
    if len(originators) >= 2:
        return Confidence.HIGH, f"Independent sources agree ({', '.join(originators)})."
    stake = any(c.stake is not None for c in backing)
    speculative = any(c.verb_class is ReportingVerb.SPECULATED for c in backing)
    if stake or speculative:
        why = "a party with a stake" if stake else "speculation"
        return Confidence.LOW, f"Single source ({chains}), {why}; not independently corroborated."
    return Confidence.MODERATE, f"Single source ({chains}); not independently corroborated."
