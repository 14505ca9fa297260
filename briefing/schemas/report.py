"""A report after ingest: the text every evidence span indexes into, and its metadata."""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from briefing.schemas.scales import Reliability


class ReportFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        description="The report body (metadata line and front matter removed, HTML turned to "
        "text, line ends normalized). Evidence offsets index into this string."
    )
    format: ReportFormat = ReportFormat.TEXT
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    tags: list[str] = Field(default_factory=list)
    source_reliability: Reliability | None = Field(
        default=None,
        description="The publisher's default Admiralty reliability (from its feed, or given "
        "with the report): the grade of the source named like `source` in the brief.",
    )

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()
