"""The brief schema: the single source of truth for structured output, API and JSON Schema."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from briefing.schemas.scales import Confidence, Likelihood, Reliability
from briefing.schemas.span import Span

SCHEMA_VERSION = "5"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActorKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    STATE = "state"
    MILITARY = "military"
    ARMED_GROUP = "armed_group"
    OTHER = "other"


class SourceKind(StrEnum):
    INTELLIGENCE_SERVICE = "intelligence_service"
    THINK_TANK = "think_tank"
    GOVERNMENT = "government"
    OFFICIAL = "official"
    MEDIA = "media"
    OTHER = "other"


class SideBasis(StrEnum):
    DATA = "data"  # briefing/data/conflicts.yaml (or BRIEFING_CONFLICTS_FILE)
    MODEL = "model"  # proposed by the model for a source the data does not place


class ReportingVerb(StrEnum):
    """The class of a reporting verb: reported speech keeps its verb."""

    REPORTED = "reported"
    ASSESSED = "assessed"
    CLAIMED = "claimed"
    SPECULATED = "speculated"
    DENIED = "denied"
    CONFIRMED = "confirmed"


Evidence = list[Span]


class ReportMeta(_Model):
    title: str | None = Field(default=None, description="Headline or front-matter title.")
    source: str | None = Field(default=None, description="Publisher or feed, if given.")
    url: str | None = None
    published: dt.date | None = Field(default=None, description="The report's own date.")
    dated: dt.date | None = Field(
        default=None,
        description="The day the report's relative dates ('on Sunday', 'last week') were "
        "resolved against: its published date, else the full date on its dateline (one of its "
        "first lines that is not prose); null when it has neither.",
    )
    format: str = Field(description="Input format: text, markdown or html.")
    chars: int = Field(ge=0, description="Length of the report text the spans index into.")
    sha256: str = Field(description="sha256 of the report text the spans index into.")


class Actor(_Model):
    id: str = Field(description="Stable id within this brief, e.g. A3.")
    name: str = Field(description="Canonical name, as the report writes it.")
    aliases: list[str] = Field(default_factory=list, description="Other names in the report.")
    kind: ActorKind
    role: str | None = Field(
        default=None, description="Title or function, e.g. 'Foreign Minister'."
    )
    affiliation: str | None = Field(default=None, description="Country, side or parent body.")
    evidence: Evidence = Field(min_length=1, description="Mentions of the actor in the report.")


class Place(_Model):
    name: str = Field(description="A place the report names (not acting as an actor).")
    aliases: list[str] = Field(
        default_factory=list,
        description="Other forms of the name in the report, e.g. 'Kandahar' for "
        "'Kandahar province' or 'east London' for 'London'.",
    )
    evidence: Evidence = Field(min_length=1)


class Development(_Model):
    what: str = Field(description="What happened, in one sentence.")
    when: dt.date | None = Field(
        default=None, description="ISO date (or the start of a range) where the report gives one."
    )
    when_end: dt.date | None = Field(default=None, description="End of a date range.")
    when_text: str | None = Field(default=None, description="The report's own date wording.")
    where: str | None = None
    actors: list[str] = Field(default_factory=list, description="Names of the actors involved.")
    evidence: Evidence = Field(min_length=1)


class Claim(_Model):
    statement: str = Field(description="What was said, in the report's words.")
    source: str = Field(description="Who said it in this report (the attributed speaker).")
    originator: str = Field(description="Who first said it.")
    relays: list[str] = Field(
        default_factory=list, description="Who passed it on, nearest the originator first."
    )
    chain: str = Field(description="The attribution chain in words, e.g. 'ISW, citing HUR'.")
    reporting_verb: str = Field(description="The verb the report uses: says, notes, speculated...")
    verb_class: ReportingVerb
    said_on: dt.date | None = Field(default=None, description="When it was said, if known.")
    said_on_text: str | None = Field(default=None, description="The report's wording of that date.")
    credibility: int = Field(ge=1, le=6, description="Information credibility, 1-6.")
    credibility_rationale: str
    corroborated_by: list[str] = Field(
        default_factory=list, description="Independent originators saying the same (not relays)."
    )
    stake: str | None = Field(
        default=None,
        description="Set when the originator is a party to a conflict reporting on its adversary.",
    )
    evidence: Evidence = Field(min_length=1)


class Uncertainty(_Model):
    what: str = Field(description="What is uncertain.")
    why: str = Field(description="Why it is uncertain.")
    hedge: str | None = Field(default=None, description="The hedging words of the report.")
    likelihood: Likelihood | None = Field(
        default=None, description="ICD 203 term where a likelihood is expressed or implied."
    )
    likelihood_band: str | None = Field(
        default=None, description="Its probability range, e.g. 45-55%."
    )
    confidence: Confidence = Field(
        description="Confidence in the evidence base, separate from likelihood."
    )
    confidence_basis: str = Field(description="Why that confidence: sources, independence, stake.")
    evidence: Evidence = Field(min_length=1)


class Source(_Model):
    name: str
    kind: SourceKind
    side: str | None = Field(default=None, description="The party to a conflict it speaks for.")
    side_basis: SideBasis | None = Field(
        default=None,
        description="Where the side comes from: the conflicts data, or the model's proposal "
        "for a source the data lacks (then side_rationale says why).",
    )
    side_rationale: str | None = Field(
        default=None, description="The model's reason for a side it proposed."
    )
    reliability: Reliability = Field(description="Admiralty source reliability, A-F.")
    rationale: str
    stake: str | None = Field(
        default=None, description="Set when the source is a party reporting on its adversary."
    )
    identified: bool = Field(
        default=True,
        description="False for a speaker whose words name no one ('police', 'officials', "
        "'a source close to the talks') and that the brief ties to no named source: graded F, "
        "and its claims' truth cannot be judged.",
    )
    evidence: Evidence = Field(min_length=1)


class DroppedItem(_Model):
    section: str
    reason: str
    summary: str


class Quality(_Model):
    dropped: list[DroppedItem] = Field(
        default_factory=list, description="Items removed because their evidence did not ground."
    )
    dropped_count: int = Field(default=0, ge=0)
    warnings: list[str] = Field(default_factory=list)
    degraded: bool = Field(
        default=False,
        description="The model's answer could not be used (it timed out or stayed invalid): "
        "wording and judgments are the analysis pass's defaults. Not cached.",
    )


class Usage(_Model):
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def add(self, other: Usage) -> Usage:
        return Usage(
            llm_calls=self.llm_calls + other.llm_calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class Timings(_Model):
    ingest_ms: float = 0.0
    analysis_ms: float = 0.0
    llm_ms: float = 0.0
    grounding_ms: float = 0.0
    total_ms: float = 0.0


class Provenance(_Model):
    model: str
    backend: str = Field(description="Endpoint base URL, or 'embedded'.")
    structured_mode: str
    prompt_versions: dict[str, str]
    data_versions: dict[str, str] = Field(
        default_factory=dict,
        description="Versions of the data files the rules used (conflicts, countries).",
    )
    code_version: str = Field(
        default="",
        description="The package version and a digest of the code that made the brief "
        "(analysis, chains, grounding, ingest, schemas): briefs made by other code differ here.",
    )
    schema_version: str = SCHEMA_VERSION
    usage: Usage
    timings: Timings
    created_at: dt.datetime


class Brief(_Model):
    """A structured, grounded brief of one report."""

    schema_version: str = SCHEMA_VERSION
    report: ReportMeta
    bluf: str = Field(description="Bottom line up front: one to three sentences.")
    bluf_evidence: Evidence = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    developments: list[Development] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    uncertainties: list[Uncertainty] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    quality: Quality = Field(default_factory=Quality)
    provenance: Provenance


def brief_json_schema() -> dict[str, Any]:
    """The published JSON Schema of a brief."""
    schema = Brief.model_json_schema()
    schema["$id"] = f"https://briefing.local/schemas/brief/v{SCHEMA_VERSION}.json"
    return schema
