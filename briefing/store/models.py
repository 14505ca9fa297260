"""Database tables (SQLAlchemy 2). Migrations live in ``briefing/store/migrations``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use timezone-aware UTC")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class ReportRow(Base):
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date, index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The publisher's default Admiralty grade (its feed's, or given with the report).
    source_reliability: Mapped[str | None] = mapped_column(String(1), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ReportTagRow(Base):
    """A report's tags, one row each, so that tag filters run in the database (on every store)."""

    __tablename__ = "report_tags"

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class PassageRow(Base):
    """What chat retrieves and cites: a sentence of a stored report (``kind`` "sentence"), or
    an item of the report's brief (a claim, development or uncertainty) whose ``text`` is its
    evidence span. Both carry offsets into the report. Full-text indexes over ``text`` and
    ``extra`` (SQLite FTS5 table ``passages_fts``, PostgreSQL GIN on ``to_tsvector``) are made
    by the migrations. ``suspect`` is null until the report has been checked for prompt
    injection (done when it is stored); suspect passages are never retrieved."""

    __tablename__ = "passages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    suspect: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="sentence", server_default="sentence")
    # Searchable words beyond the span: a claim's statement and attribution chain, a
    # development's date. Null for sentences.
    extra: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Named entities in the span, [[label, text], ...] (spaCy); null: not yet computed.
    entities: Mapped[list[list[str]] | None] = mapped_column(JSON, nullable=True)
    # A brief item's attribution and grades (claims), date (developments), likelihood
    # (uncertainties), and the brief it came from.
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class BriefRow(Base):
    __tablename__ = "briefs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text)  # the Brief as JSON
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_created", "status", "created_at"),
        # One queued or running job per piece of work: identical requests join it.
        Index(
            "ux_jobs_active_cache_key",
            "cache_key",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    cache_key: Mapped[str] = mapped_column(String(64))
    use_cache: Mapped[bool] = mapped_column(default=True)
    brief_id: Mapped[str | None] = mapped_column(ForeignKey("briefs.id"))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Who runs it, until when: renewed by the owner's heartbeat; an expired lease is requeued.
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    # Space-separated: read (GET), write (POST, PATCH, DELETE), admin (/metrics).
    scopes: Mapped[str] = mapped_column(String(100), default="read write")
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class KeyAuditRow(Base):
    """One use of an API key: which key, which route (its template), the status. Never the key
    itself, the body or the report text."""

    __tablename__ = "key_audit"
    __table_args__ = (Index("ix_key_audit_key_at", "key_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(200))
    status: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SecretRow(Base):
    """Secrets the service makes for itself (the key that signs cursors), shared by every
    process on the database."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"

    api_key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CacheRow(Base):
    """Key-value cache in the database: cached briefs and cached LLM generations."""

    __tablename__ = "cache_entries"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ScheduleRow(Base):
    """A digest schedule: cron expression in a timezone, window, filters, delivery targets."""

    __tablename__ = "digest_schedules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    window_hours: Mapped[int] = mapped_column(Integer)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    deliver_empty: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Signs webhook deliveries (Standard Webhooks); shown once, at creation.
    secret: Mapped[str] = mapped_column(String(100))
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DigestRow(Base):
    """A digest: a job first (queued, running), then its body (the Digest as JSON)."""

    __tablename__ = "digests"
    __table_args__ = (
        Index("ix_digests_status_created", "status", "created_at"),
        Index("ix_digests_schedule_created", "schedule_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    schedule_id: Mapped[str | None] = mapped_column(
        ForeignKey("digest_schedules.id", ondelete="SET NULL")
    )
    period: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    use_model: Mapped[bool] = mapped_column(default=True)
    deliver: Mapped[bool] = mapped_column(default=True)
    empty: Mapped[bool | None] = mapped_column()
    events: Mapped[int | None] = mapped_column(Integer)
    progress: Mapped[str | None] = mapped_column(String(200))  # the step it is at, while running
    body: Mapped[str | None] = mapped_column(Text)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ScheduleRunRow(Base):
    """One period of one schedule, claimed once: the primary key is the compare-and-set that
    makes a period run exactly once across processes."""

    __tablename__ = "schedule_runs"

    schedule_id: Mapped[str] = mapped_column(
        ForeignKey("digest_schedules.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    digest_id: Mapped[str | None] = mapped_column(String(32))
    claimed_by: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeliveryRow(Base):
    """One digest to one target; retried with backoff until delivered or out of attempts."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    digest_id: Mapped[str] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"), index=True)
    schedule_id: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    message_id: Mapped[str] = mapped_column(String(64))  # webhook-id: the same on every retry
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When a sender claimed it: a delivery still `sending` long after is its dead sender's.
    sending_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class DeliveryAttemptRow(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ok: Mapped[bool] = mapped_column()
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(default=0.0)


class ChatSessionRow(Base):
    """A server-side chat conversation, owned by the API key that made it."""

    __tablename__ = "chat_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    title: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    api_key_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChatTurnRow(Base):
    """One message of a session: the user's question or the answer with its citations."""

    __tablename__ = "chat_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedRow(Base):
    """An RSS or Atom feed polled on an interval; its items become reports."""

    __tablename__ = "feeds"
    __table_args__ = (Index("ix_feeds_enabled_next", "enabled", "next_poll_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(200))  # the source of its reports
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    interval_s: Mapped[int] = mapped_column(Integer)
    reliability: Mapped[str | None] = mapped_column(String(1))  # default Admiralty grade
    enabled: Mapped[bool] = mapped_column(default=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    next_poll_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row; backs off
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedItemRow(Base):
    """One entry of a feed, once: the report it became, or the report it duplicates."""

    __tablename__ = "feed_items"
    __table_args__ = (Index("ux_feed_items_feed_guid", "feed_id", "guid", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[str] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(String(2000), index=True)
    # stored: a new report; duplicate: the same text or URL as a stored one; near-duplicate:
    # stored, but the same story as `duplicate_of`; summary: the page failed, the feed's
    # summary was stored; failed: nothing could be stored (see the feed's errors).
    status: Mapped[str] = mapped_column(String(16))
    report_id: Mapped[str | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    duplicate_of: Mapped[str | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedErrorRow(Base):
    """A feed's failure, kept for its error log (the latest are shown)."""

    __tablename__ = "feed_errors"
    __table_args__ = (Index("ix_feed_errors_feed_at", "feed_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[str] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    stage: Mapped[str] = mapped_column(String(16))  # feed, page, store
    url: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
