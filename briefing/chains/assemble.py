"""Assembly: candidates (code) + draft (model) -> a grounded Brief.

Kinds, grades and wording come from the model where they pass validation and guards; every
offset comes from the analysis pass and is grounded against the report text once more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from briefing.analysis.result import ActorCandidate
from briefing.chains.candidates import Candidates
from briefing.chains.guards import support, unsupported_names
from briefing.grounding import GroundingReport
from briefing.schemas.brief import (
    Actor,
    ActorKind,
    Claim,
    Development,
    Quality,
    Source,
    Uncertainty,
)
from briefing.schemas.draft import BriefDraft, SourceJudgment
from briefing.schemas.report import Report
from briefing.schemas.scales import Reliability
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


@dataclass
class Assembly:
    report: Report
    candidates: Candidates
    draft: BriefDraft
    grounding: GroundingReport = field(default_factory=GroundingReport)
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.report.text

    def checked_prose(self, section: str, written: str, evidence: str, fallback: str) -> str:
        """The model's sentence if it names no stranger and sticks to its evidence."""
        written = " ".join(written.split())
        if not written:
            return fallback
        strangers = unsupported_names(written, self.text)
        if strangers:
            self.warnings.append(
                f"{section}: model text used {', '.join(sorted(set(strangers)))}, "
                "not in the report; replaced by the report's words"
            )
            return fallback
        if support(written, evidence) < MIN_SUPPORT:
            self.warnings.append(
                f"{section}: model text strayed from its evidence; replaced by the report's words"
            )
            return fallback
        return written

    def actors(self) -> list[Actor]:
        judged: dict[str, ActorKind] = {}
        for j in self.draft.actors:
            judged.setdefault(j.id, j.kind)
        items = [self._actor(c, judged.get(c.id)) for c in self.candidates.analysis.actors]
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
        items = []
        for attribution in analysis.attributions:
            actor = analysis.actor(attribution.actor_id) if attribution.actor_id else None
            items.append(
                Claim(
                    statement=_clause(attribution.content.text),
                    source=actor.name if actor else attribution.speaker,
                    reporting_verb=attribution.verb.text,
                    verb_class=attribution.verb_class,
                    evidence=[attribution.content, attribution.verb],
                )
            )
        return self.grounding.filter_items(
            "claims", items, self.text, summary_of=lambda c: c.statement
        )

    def uncertainties(self) -> list[Uncertainty]:
        written = {j.id: j.why for j in reversed(self.draft.uncertainties)}
        items = []
        for cand in self.candidates.uncertainties:
            hedge = ", ".join(cand.hedges)
            fallback = _FALLBACK_WHY.get(
                cand.hedges[0],
                f"The report hedges this ('{cand.hedges[0]}'): possible, not established.",
            )
            sentence = self.candidates.analysis.sentences[cand.sentence].span.text
            why = self.checked_prose(
                f"uncertainty {cand.id}", written.get(cand.id, ""), sentence, fallback
            )
            items.append(
                Uncertainty(
                    what=_clause(cand.evidence.text),
                    why=why,
                    hedge=hedge,
                    likelihood=cand.likelihood,
                    evidence=[cand.evidence],
                )
            )
        return self.grounding.filter_items(
            "uncertainties", items, self.text, summary_of=lambda u: u.what
        )

    def sources(self) -> list[Source]:
        judged: dict[str, SourceJudgment] = {}
        for judgment in self.draft.sources:
            judged.setdefault(judgment.id, judgment)  # the first judgment of an id counts
        items = []
        for cand in self.candidates.sources:
            j = judged.get(cand.id)
            if j is None:
                reliability, credibility = Reliability.F, 6
                rationale = "Reliability cannot be judged from this report alone."
            else:
                reliability, credibility = j.reliability, j.credibility
                rationale = self.checked_prose(
                    f"source {cand.id}",
                    j.rationale,
                    self.text,
                    f"Graded by the model; its rationale was not usable ({cand.kind.value}).",
                )
            items.append(
                Source(
                    name=cand.actor.name,
                    kind=cand.kind,
                    reliability=reliability,
                    credibility=credibility,
                    rationale=rationale,
                    evidence=list(cand.evidence),
                )
            )
        return self.grounding.filter_items("sources", items, self.text, summary_of=lambda s: s.name)

    def bluf(self) -> tuple[str, list[Span]]:
        sentences = self.candidates.analysis.sentences
        lead = _clause(sentences[0].span.text) if sentences else self.text[:300]
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
