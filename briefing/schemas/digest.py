"""Digest schema: many reports of a window, clustered into events, each item with evidence.

The single source of truth for the digest JSON, its published JSON Schema and the API models.
Every piece of evidence names the stored report it comes from and character offsets into that
report's text (checked by code, as a brief's are).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from briefing.schemas.brief import ReportingVerb, SourceKind, Usage
from briefing.schemas.scales import Confidence, Likelihood, Reliability

DIGEST_SCHEMA_VERSION = "1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceRef(_Model):
    """Words of one stored report: ``report.text[start:end] == text``."""

    report_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Phase(StrEnum):
    """Where an event stands across the digests of one schedule."""

    NEW = "new"  # not in the previous digest
    DEVELOPING = "developing"  # in the previous digest, with new reports or developments
    CONTINUING = "continuing"  # in the previous digest, nothing new: not repeated as news


class Window(_Model):
    since: dt.datetime
    until: dt.datetime
    basis: str = Field(
        default="published, else received",
        description="Reports are in the window by their published date, else their received time.",
    )


Short = Annotated[str, Field(min_length=1, max_length=200)]


class Filters(_Model):
    tags: list[Short] = Field(
        default_factory=list, max_length=50, description="Reports with any of these tags."
    )
    sources: list[Short] = Field(
        default_factory=list, max_length=50, description="Reports from these sources."
    )
    query: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Case-insensitive text the title or report must contain.",
    )


class DigestReport(_Model):
    """One report of the window."""

    id: str = Field(description="Stored report id (or file name for a CLI digest).")
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    family: str | None = Field(
        default=None, description="Publisher family that independence is counted by."
    )
    brief_id: str | None = None
    carrier_of: str | None = Field(
        default=None,
        description="Set on a republished copy (near-duplicate): the report it carries. A "
        "carrier never adds an independent source.",
    )
    event_id: str | None = None


class DigestActor(_Model):
    name: str = Field(description="The most complete name the reports use.")
    aliases: list[str] = Field(default_factory=list, description="Other names in the reports.")
    kind: str
    role: str | None = None
    reports: list[str] = Field(description="Ids of the reports that name the actor.")
    evidence: list[EvidenceRef] = Field(min_length=1)


class DigestDevelopment(_Model):
    what: str
    when: dt.date | None = Field(
        default=None, description="Absolute date, where any report has one."
    )
    when_end: dt.date | None = None
    when_text: str | None = Field(default=None, description="A report's own words for the date.")
    where: str | None = None
    actors: list[str] = Field(default_factory=list)
    reports: list[str] = Field(description="Reports telling this development (merged).")
    families: list[str] = Field(
        default_factory=list, description="Independent publisher families telling it."
    )
    new: bool = Field(default=True, description="Not in the previous digest of the schedule.")
    evidence: list[EvidenceRef] = Field(min_length=1)


class Attribution(_Model):
    """One report's telling of a claim."""

    report_id: str
    source: str = Field(description="Who said it in this report.")
    chain: str = Field(description="The attribution chain, e.g. 'ISW, citing HUR'.")
    reporting_verb: str
    verb_class: ReportingVerb
    credibility: int = Field(ge=1, le=6)
    evidence: list[EvidenceRef] = Field(min_length=1)


class DigestClaim(_Model):
    statement: str
    originator: str = Field(description="Who first said it (as the earliest telling names).")
    attributions: list[Attribution] = Field(min_length=1)
    independent_originators: list[str] = Field(
        description="Distinct originators, each by its publisher family: a relay ('ISW, citing "
        "HUR') and a republished wire story count as their originator once."
    )
    corroboration: int = Field(ge=1, description="len(independent_originators).")
    credibility: int = Field(ge=1, le=6, description="Best credibility among the tellings.")
    stake: str | None = None


class ContradictionKind(StrEnum):
    FIGURE = "figure"  # different numbers for the same quantity
    DENIAL = "denial"  # a denial against a claim
    DATE = "date"  # different dates for the same development


class ContradictionSide(_Model):
    statement: str
    source: str
    originator: str
    family: str | None = None
    reliability: Reliability | None = None
    credibility: int | None = Field(default=None, ge=1, le=6)
    value: str | None = Field(default=None, description="The figure or date this side gives.")
    report_id: str
    evidence: list[EvidenceRef] = Field(min_length=1)


class Contradiction(_Model):
    kind: ContradictionKind
    about: str = Field(description="The quantity, development or claim in dispute.")
    sides: list[ContradictionSide] = Field(min_length=2, max_length=2)


class DigestUncertainty(_Model):
    what: str
    why: str
    likelihood: Likelihood | None = None
    confidence: Confidence
    report_id: str
    evidence: list[EvidenceRef] = Field(min_length=1)


class SourceRollup(_Model):
    name: str
    kind: SourceKind
    family: str | None = None
    reliability: Reliability = Field(
        description="The grade most tellings gave; F (cannot be judged) only if none judged it."
    )
    grades: list[Reliability] = Field(description="Every grade it got, one per report.")
    reports: int = Field(ge=1)
    side: str | None = None
    rationale: str


class Event(_Model):
    id: str = Field(description="Stable across the digests of a schedule.")
    headline: str
    bluf: str
    bluf_evidence: list[EvidenceRef] = Field(default_factory=list)
    phase: Phase = Phase.NEW
    first_seen: dt.datetime
    last_seen: dt.datetime
    rank: int = Field(ge=1)
    score: float = Field(description="Ranking score (higher first); corroborated events first.")
    reports: list[str] = Field(description="Report ids, originators and carriers alike.")
    originators: int = Field(ge=1, description="Reports after near-duplicates are folded.")
    families: list[str] = Field(description="Independent publisher families in the event.")
    actors: list[DigestActor] = Field(default_factory=list)
    places: list[str] = Field(
        default_factory=list,
        description="Places its reports name, those named by most reports first; the names "
        "of its actors are not repeated here.",
    )
    timeline: list[DigestDevelopment] = Field(default_factory=list)
    claims: list[DigestClaim] = Field(default_factory=list)
    contradictions: list[Contradiction] = Field(default_factory=list)
    uncertainties: list[DigestUncertainty] = Field(default_factory=list)
    sources: list[SourceRollup] = Field(default_factory=list)
    new_developments: int = Field(default=0, ge=0)


class ChangeKind(StrEnum):
    NEW_EVENT = "new_event"
    NEW_DEVELOPMENTS = "new_developments"
    CREDIBILITY_MOVED = "credibility_moved"
    LIKELIHOOD_MOVED = "likelihood_moved"
    UNCERTAINTY_RESOLVED = "uncertainty_resolved"
    FADED = "faded"


class Change(_Model):
    kind: ChangeKind
    event_id: str
    headline: str
    detail: str


class DigestQuality(_Model):
    warnings: list[str] = Field(default_factory=list)
    degraded_briefs: int = Field(default=0, ge=0)
    dropped_evidence: int = Field(
        default=0, ge=0, description="Evidence that no longer matched its report's text."
    )
    degraded: bool = Field(
        default=False, description="Some wording is the code's because the model failed."
    )


class DigestProvenance(_Model):
    model: str
    backend: str
    prompt_versions: dict[str, str]
    data_versions: dict[str, str] = Field(default_factory=dict)
    clustering: dict[str, float | str] = Field(default_factory=dict)
    code_version: str = Field(default="", description="As in a brief's provenance.")
    schema_version: str = DIGEST_SCHEMA_VERSION
    usage: Usage = Field(default_factory=Usage)
    briefs_reused: int = Field(default=0, ge=0, description="Cached briefs used as they were.")
    briefs_made: int = Field(default=0, ge=0)
    elapsed_ms: float = 0.0
    created_at: dt.datetime


class Digest(_Model):
    """Reports of a window, folded into ranked events with corroboration and contradictions."""

    schema_version: str = DIGEST_SCHEMA_VERSION
    id: str | None = None
    schedule_id: str | None = None
    previous_digest_id: str | None = None
    window: Window
    filters: Filters = Field(default_factory=Filters)
    empty: bool = Field(default=False, description="No reports in this window.")
    bluf: str = Field(description="The day's bottom line: the ranked events.")
    events: list[Event] = Field(default_factory=list)
    continuing: list[str] = Field(
        default_factory=list, description="Ids of events with nothing new (not repeated)."
    )
    changes: list[Change] = Field(default_factory=list)
    reports: list[DigestReport] = Field(default_factory=list)
    sources: list[SourceRollup] = Field(default_factory=list)
    quality: DigestQuality = Field(default_factory=DigestQuality)
    provenance: DigestProvenance


def digest_json_schema() -> dict[str, Any]:
    """The published JSON Schema of a digest."""
    schema = Digest.model_json_schema()
    schema["$id"] = f"https://briefing.local/schemas/digest/v{DIGEST_SCHEMA_VERSION}.json"
    return schema
