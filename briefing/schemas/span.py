"""Evidence spans: character offsets into the report text, checked by code."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Alignment(StrEnum):
    """How a span was matched against the report text."""

    EXACT = "exact"  # text[start:end] == text
    FUZZY = "fuzzy"  # aligned by similarity; offsets corrected to the report's own words


class Span(BaseModel):
    """A piece of the report: ``report.text[start:end] == text``."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0, description="Start offset (Unicode code points, inclusive).")
    end: int = Field(ge=0, description="End offset (exclusive).")
    text: str = Field(description="The report's words at these offsets.")
    alignment: Alignment = Field(
        default=Alignment.EXACT, description="Whether the span matched exactly or fuzzily."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self

    def overlaps(self, other: Span) -> bool:
        """Whether the two share a character of the report."""
        return self.start < other.end and other.start < self.end
