"""Feeds: the models of the API and the store."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from briefing.schemas.scales import Reliability

_URL = re.compile(r"^https?://[^\s/]+\S*$")


def _http_url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError("must be an http(s) URL")
    return value


class FeedIn(BaseModel):
    """A feed to subscribe to."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://www.example.org/world/rss.xml",
                    "name": "Example News",
                    "tags": ["world"],
                    "interval_s": 900,
                    "reliability": "B",
                }
            ]
        },
    )

    url: str = Field(max_length=2000, description="The RSS or Atom feed's http(s) URL.")
    name: str | None = Field(
        default=None,
        max_length=200,
        description="The source its reports carry; unset: the page's site name, else the "
        "feed's title.",
    )
    tags: list[str] = Field(default_factory=list, max_length=50, description="Given to its items.")
    interval_s: StrictInt = Field(
        default=900,
        ge=1,
        le=7 * 86400,
        description="Seconds between polls (at least BRIEFING_FEED_MIN_INTERVAL_S).",
    )
    reliability: Reliability | None = Field(
        default=None, description="The publisher's default Admiralty source reliability (A-F)."
    )
    enabled: StrictBool = True

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)


class FeedUpdate(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    name: str | None = Field(default=None, max_length=200)
    tags: list[str] | None = Field(default=None, max_length=50)
    interval_s: StrictInt | None = Field(default=None, ge=1, le=7 * 86400)
    reliability: Reliability | None = None
    enabled: StrictBool | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)


class FeedOut(FeedIn):
    model_config = ConfigDict(extra="forbid")

    id: str
    last_polled_at: dt.datetime | None
    next_poll_at: dt.datetime
    failures: int = Field(description="Failed polls in a row (polls back off: interval x 2^n).")
    created_at: dt.datetime
    items_url: str
    errors_url: str


class FeedItemOut(BaseModel):
    guid: str
    url: str | None
    canonical_url: str | None
    status: str = Field(
        description="stored, near-duplicate (stored; the same story as `duplicate_of`), "
        "duplicate (the same text or URL as `duplicate_of`), summary (the page failed; "
        "the feed's summary was stored), failed (see the feed's errors)."
    )
    report_id: str | None
    duplicate_of: str | None
    created_at: dt.datetime


class FeedErrorOut(BaseModel):
    at: dt.datetime
    stage: str = Field(description="feed (fetching or parsing the feed), page, or store.")
    url: str | None
    message: str


class PollResult(BaseModel):
    feed_id: str
    not_modified: bool = Field(
        default=False, description="The feed answered 304 to the conditional GET."
    )
    entries: int = Field(default=0, description="Entries in the feed.")
    new: int = Field(default=0, description="Entries not seen before.")
    stored: int = Field(
        default=0, description="New reports stored (near-duplicates and summaries too)."
    )
    duplicates: int = 0
    failed: int = 0
    error: str | None = Field(default=None, description="Why the poll failed, if it did.")
