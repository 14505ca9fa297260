"""Digest schedules, digest requests and delivery targets: the models of the API and the store."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from briefing.schemas.digest import Filters

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FOLDER = re.compile(r"^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetKind(StrEnum):
    WEBHOOK = "webhook"  # JSON POST signed per Standard Webhooks
    SLACK = "slack"  # Slack-compatible incoming-webhook payload
    EMAIL = "email"  # SMTP (BRIEFING_SMTP_*)
    FOLDER = "folder"  # JSON, Markdown and HTML files under BRIEFING_DIGEST_DIR


class Target(_Model):
    kind: TargetKind
    url: str | None = Field(
        default=None, max_length=2000, description="webhook and slack: the http(s) URL to POST to."
    )
    to: list[str] = Field(default_factory=list, max_length=20, description="email: recipients.")
    folder: str | None = Field(
        default=None,
        max_length=200,
        description="folder: a relative path under BRIEFING_DIGEST_DIR (no '..').",
    )

    @model_validator(mode="after")
    def _complete(self) -> Target:
        web = self.kind in (TargetKind.WEBHOOK, TargetKind.SLACK)
        if web and not (self.url and re.match(r"^https?://[^\s/]+", self.url)):
            raise ValueError(f"a {self.kind.value} target needs an http(s) url")
        email = self.kind is TargetKind.EMAIL
        if email and not (self.to and all(_EMAIL.match(a) for a in self.to)):
            raise ValueError("an email target needs 'to': a list of e-mail addresses")
        folder = self.folder or ""
        if self.kind is TargetKind.FOLDER and (
            not _FOLDER.match(folder) or ".." in folder.split("/")
        ):
            raise ValueError("a folder target needs 'folder': a relative path without '..'")
        return self

    def describe(self) -> str:
        """Where it goes, without secrets (URLs lose their path: incoming-webhook URLs carry
        tokens)."""
        if self.kind is TargetKind.EMAIL:
            return "email to " + ", ".join(self.to)
        if self.kind is TargetKind.FOLDER:
            return f"folder {self.folder}"
        host = re.sub(r"^(https?://[^/]+).*$", r"\1", self.url or "")
        return f"{self.kind.value} {host}/…"


def _check_cron(value: str) -> str:
    from croniter import croniter

    if not croniter.is_valid(value) or len(value.split()) != 5:
        raise ValueError("must be a 5-field cron expression, e.g. '0 7 * * *' (07:00 daily)")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA timezone, e.g. 'Europe/Berlin' or 'UTC'") from None
    return value


class ScheduleIn(_Model):
    """A digest schedule."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Morning digest",
                    "cron": "0 7 * * *",
                    "timezone": "Europe/Berlin",
                    "window_hours": 24,
                    "filters": {"tags": ["syria"]},
                    "targets": [{"kind": "webhook", "url": "https://tools.example/hooks/digest"}],
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    cron: str = Field(max_length=200, description="5-field cron expression, in `timezone`.")
    timezone: str = Field(default="UTC", max_length=64, description="IANA timezone name.")
    window_hours: StrictInt = Field(
        default=24, ge=1, le=24 * 31, description="Each digest covers the hours before its run."
    )
    filters: Filters = Field(default_factory=Filters)
    targets: list[Target] = Field(default_factory=list, max_length=10)
    deliver_empty: StrictBool = Field(
        default=False, description="Deliver a digest even when its window holds no reports."
    )
    enabled: StrictBool = True

    @field_validator("cron")
    @classmethod
    def _cron_ok(cls, v: str) -> str:
        return _check_cron(v)

    @field_validator("timezone")
    @classmethod
    def _tz_ok(cls, v: str) -> str:
        return _check_timezone(v)


class ScheduleUpdate(_Model):
    """Fields to change; the others stay."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    cron: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    window_hours: StrictInt | None = Field(default=None, ge=1, le=24 * 31)
    filters: Filters | None = None
    targets: list[Target] | None = Field(default=None, max_length=10)
    deliver_empty: StrictBool | None = None
    enabled: StrictBool | None = None

    @field_validator("cron")
    @classmethod
    def _cron_ok(cls, v: str | None) -> str | None:
        return None if v is None else _check_cron(v)

    @field_validator("timezone")
    @classmethod
    def _tz_ok(cls, v: str | None) -> str | None:
        return None if v is None else _check_timezone(v)


class ScheduleOut(ScheduleIn):
    id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    next_run_at: dt.datetime | None = Field(description="The next period, in UTC.")
    last_period: dt.datetime | None = Field(default=None, description="The last period claimed.")
    feed_url: str
    webhook_secret: str | None = Field(
        default=None,
        description="Signing secret of webhook deliveries (Standard Webhooks, whsec_...). "
        "Returned once, when the schedule is created; never again.",
    )


def _iso_datetime(value: object) -> object:
    """Times come as ISO 8601 text with a timezone (pydantic would also take a Unix time)."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or "T" not in value:
        raise ValueError("must be an ISO date-time with a timezone, e.g. 2026-11-29T07:00:00Z")
    return value


IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]


class DigestRequest(_Model):
    """Run one digest now, as a job."""

    since: IsoDateTime | None = Field(
        default=None, description="Window start (default: `until` minus 24 hours)."
    )
    until: IsoDateTime | None = Field(default=None, description="Window end (default: now).")
    filters: Filters = Field(default_factory=Filters)
    schedule_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Run a schedule now: its filters, window length and targets, and its "
        "previous digest for 'what changed'.",
    )
    use_model: StrictBool = Field(
        default=True, description="False: code-only wording (no model call at all)."
    )

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, v: dt.datetime | None) -> dt.datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("must carry a timezone, e.g. 2026-11-29T07:00:00Z")
        return v
