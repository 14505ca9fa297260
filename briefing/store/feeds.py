"""Feeds, their items and their error log.

A poll is claimed like a schedule's period: the process whose compare-and-set moves the
feed's ``next_poll_at`` from the value it read wins, so each feed is polled once per interval
however many processes run a scheduler.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from briefing.schemas.feed import FeedIn, FeedUpdate
from briefing.store.db import Database
from briefing.store.models import FeedErrorRow, FeedItemRow, FeedRow, utcnow

MAX_BACKOFF = dt.timedelta(hours=24)
ERRORS_KEPT = 100


def create_feed(db: Database, spec: FeedIn, api_key_id: str | None) -> FeedRow:
    with db.session() as s:
        row = FeedRow(
            url=spec.url,
            name=spec.name,
            tags=list(dict.fromkeys(spec.tags)),
            interval_s=spec.interval_s,
            reliability=spec.reliability.value if spec.reliability else None,
            enabled=spec.enabled,
            api_key_id=api_key_id,
        )
        s.add(row)
    return row


def get_feed(db: Database, feed_id: str) -> FeedRow | None:
    with db.session() as s:
        return s.get(FeedRow, feed_id)


def list_feeds(db: Database) -> list[FeedRow]:
    with db.session() as s:
        return list(s.scalars(select(FeedRow).order_by(FeedRow.created_at, FeedRow.id)))


def update_feed(db: Database, feed_id: str, change: FeedUpdate) -> FeedRow | None:
    with db.session() as s:
        row = s.get(FeedRow, feed_id)
        if row is None:
            return None
        for name, value in change.model_dump(exclude_unset=True).items():
            if value is None and name not in ("name", "reliability"):
                continue  # null leaves a required field as it is; it clears name and grade
            if name == "reliability":
                value = value.value if value is not None else None
            if name == "url" and value != row.url:
                row.etag = row.last_modified = None  # a new feed: no conditional GET
            setattr(row, name, value)
        row.updated_at = utcnow()
    return row


def delete_feed(db: Database, feed_id: str) -> bool:
    with db.session() as s:
        s.execute(delete(FeedErrorRow).where(FeedErrorRow.feed_id == feed_id))
        s.execute(delete(FeedItemRow).where(FeedItemRow.feed_id == feed_id))
        return bool(s.execute(delete(FeedRow).where(FeedRow.id == feed_id)).rowcount > 0)  # type: ignore[attr-defined]


def due_feeds(db: Database, now: dt.datetime) -> list[FeedRow]:
    with db.session() as s:
        query = select(FeedRow).where(FeedRow.enabled.is_(True), FeedRow.next_poll_at <= now)
        return list(s.scalars(query.order_by(FeedRow.next_poll_at)))


def claim_poll(db: Database, row: FeedRow, now: dt.datetime) -> bool:
    """Move the feed's next poll one interval on, if no other process did since ``row`` was
    read; True when this process won the poll."""
    with db.session() as s:
        result = s.execute(
            update(FeedRow)
            .where(FeedRow.id == row.id, FeedRow.next_poll_at == row.next_poll_at)
            .values(next_poll_at=now + dt.timedelta(seconds=row.interval_s))
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def finish_poll(
    db: Database,
    feed_id: str,
    now: dt.datetime,
    *,
    ok: bool,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """Record a poll: validators for the next conditional GET; after a failure the next poll
    backs off (interval x 2^failures, at most a day)."""
    with db.session() as s:
        row = s.get(FeedRow, feed_id)
        if row is None:
            return
        row.last_polled_at = now
        if ok:
            row.failures = 0
            row.etag = etag or row.etag
            row.last_modified = last_modified or row.last_modified
            row.next_poll_at = now + dt.timedelta(seconds=row.interval_s)
        else:
            row.failures += 1
            delay = dt.timedelta(seconds=row.interval_s * 2 ** min(row.failures, 16))
            row.next_poll_at = now + min(delay, MAX_BACKOFF)


def seen_guids(db: Database, feed_id: str, guids: list[str]) -> set[str]:
    if not guids:
        return set()
    with db.session() as s:
        query = select(FeedItemRow.guid).where(
            FeedItemRow.feed_id == feed_id, FeedItemRow.guid.in_(guids)
        )
        return set(s.scalars(query))


def report_at(db: Database, canonical_url: str) -> str | None:
    """The report already stored from this (canonical) URL, by any feed."""
    with db.session() as s:
        query = (
            select(FeedItemRow.report_id)
            .where(FeedItemRow.canonical_url == canonical_url, FeedItemRow.report_id.is_not(None))
            .limit(1)
        )
        return s.scalar(query)


def add_item(db: Database, feed_id: str, **fields: object) -> FeedItemRow | None:
    """Record an entry of a feed; None when another poll of the same feed (a manual one
    beside the scheduler's) recorded it first."""
    try:
        with db.session() as s:
            row = FeedItemRow(feed_id=feed_id, **fields)
            s.add(row)
        return row
    except IntegrityError:
        return None


def items(db: Database, feed_id: str, limit: int = 100, offset: int = 0) -> list[FeedItemRow]:
    with db.session() as s:
        query = (
            select(FeedItemRow)
            .where(FeedItemRow.feed_id == feed_id)
            .order_by(FeedItemRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(s.scalars(query))


def recent_report_ids(db: Database, since: dt.datetime, limit: int = 2000) -> list[str]:
    """Reports stored from feeds since ``since`` (near-duplicate candidates), newest first."""
    with db.session() as s:
        query = (
            select(FeedItemRow.report_id)
            .where(FeedItemRow.report_id.is_not(None), FeedItemRow.created_at >= since)
            .order_by(FeedItemRow.id.desc())
            .limit(limit)
        )
        return list(dict.fromkeys(r for r in s.scalars(query) if r))


def log_error(db: Database, feed_id: str, stage: str, message: str, url: str | None) -> None:
    with db.session() as s:
        s.add(FeedErrorRow(feed_id=feed_id, stage=stage, message=message[:2000], url=url))
        s.flush()
        old = select(FeedErrorRow.id).where(FeedErrorRow.feed_id == feed_id)
        keep = old.order_by(FeedErrorRow.id.desc()).limit(ERRORS_KEPT)
        s.execute(
            delete(FeedErrorRow).where(
                FeedErrorRow.feed_id == feed_id, FeedErrorRow.id.not_in(keep.scalar_subquery())
            )
        )


def errors(db: Database, feed_id: str, limit: int = 50) -> list[FeedErrorRow]:
    with db.session() as s:
        query = (
            select(FeedErrorRow)
            .where(FeedErrorRow.feed_id == feed_id)
            .order_by(FeedErrorRow.id.desc())
            .limit(limit)
        )
        return list(s.scalars(query))
