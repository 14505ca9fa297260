"""Request and response models of the HTTP API (the brief itself is briefing's Brief)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from briefing.schemas.scales import Reliability
from briefing_api.problems import Problem


def _iso_only(value: Any) -> Any:
    """Dates come as YYYY-MM-DD only (pydantic would also take a Unix time)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise ValueError("must be an ISO date, YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_only)]

_REPORT_EXAMPLE: dict[str, Any] = {
    "text": "HUR says Russia has dismissed General Sergey Kisel from command of its Syrian "
    "military contingent following operational failures.",
    "title": "Russian command changes in Syria",
    "source": "HUR",
    "published_at": "2024-12-02",
    "tags": ["syria", "russia"],
}


class ReportIn(BaseModel):
    """A report sent as JSON."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_REPORT_EXAMPLE]})

    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=10_000_000,
        description="The report text. Absent: `url` is fetched and its main text stored "
        "(`POST /v1/reports` only; the feeds' safety limits apply).",
    )
    title: str | None = Field(default=None, max_length=1000)
    source: str | None = Field(default=None, max_length=200, description="Publisher or feed.")
    url: str | None = Field(
        default=None,
        max_length=2000,
        description="Where the report comes from; alone, the page to fetch.",
    )
    published_at: IsoDate | None = Field(default=None, description="The report's date (ISO).")
    tags: list[str] = Field(default_factory=list, max_length=50)
    source_reliability: Reliability | None = Field(
        default=None,
        description="The publisher's Admiralty reliability (A-F), if you grade it: the brief "
        "gives it to the source named like `source`.",
    )
    format: Literal["text", "markdown", "html"] = Field(
        default="text", description="How to read `text`."
    )


class ReportCreated(BaseModel):
    id: str = Field(description="Report id.")
    sha256: str = Field(description="sha256 of the stored report text (deduplication key).")
    created: bool = Field(description="False when the same text was already stored.")


class ReportSummary(BaseModel):
    id: str
    sha256: str
    title: str | None
    source: str | None
    source_reliability: Reliability | None = Field(
        default=None, description="The publisher's grade (its feed's, or given with it)."
    )
    url: str | None
    published_at: dt.date | None
    tags: list[str]
    format: str
    chars: int
    created_at: dt.datetime


class ReportOut(ReportSummary):
    text: str


class ReportPage(BaseModel):
    items: list[ReportSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class BriefById(BaseModel):
    """Brief a stored report."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"report_id": "3f2c9a..."}]}
    )

    report_id: str = Field(min_length=1, max_length=64)


class BriefInline(BaseModel):
    """Brief an inline report (it is stored first, deduplicated by its text)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"report": _REPORT_EXAMPLE}]}
    )

    report: ReportIn


BriefRequest = BriefById | BriefInline


class JobOut(BaseModel):
    id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    report_id: str
    brief_id: str | None = None
    brief_url: str | None = Field(default=None, description="Where the brief is, once succeeded.")
    error: Problem | None = Field(default=None, description="Why it failed, once failed.")
    attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, Any] = Field(default_factory=dict)
