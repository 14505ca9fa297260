"""Pydantic schemas: the single source of truth for every artefact."""

from briefing.schemas.brief import (
    SCHEMA_VERSION,
    Actor,
    ActorKind,
    Brief,
    Claim,
    Development,
    DroppedItem,
    Provenance,
    Quality,
    ReportingVerb,
    ReportMeta,
    Source,
    SourceKind,
    Timings,
    Uncertainty,
    Usage,
    brief_json_schema,
)
from briefing.schemas.report import Report, ReportFormat
from briefing.schemas.scales import Confidence, Likelihood, Reliability
from briefing.schemas.span import Alignment, Span

__all__ = [
    "SCHEMA_VERSION",
    "Actor",
    "ActorKind",
    "Alignment",
    "Brief",
    "Claim",
    "Confidence",
    "Development",
    "DroppedItem",
    "Likelihood",
    "Provenance",
    "Quality",
    "Reliability",
    "Report",
    "ReportFormat",
    "ReportMeta",
    "ReportingVerb",
    "Source",
    "SourceKind",
    "Span",
    "Timings",
    "Uncertainty",
    "Usage",
    "brief_json_schema",
]
