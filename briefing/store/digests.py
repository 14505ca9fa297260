"""Digests in the database: jobs first, then bodies; reports of a window, streamed in pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from briefing.schemas.digest import Filters
from briefing.store import queue
from briefing.store.db import Database
from briefing.store.models import DigestRow, ReportRow
from briefing.store.queue import FAILED as FAILED
from briefing.store.queue import QUEUED as QUEUED
from briefing.store.queue import RUNNING as RUNNING
from briefing.store.queue import SUCCEEDED as SUCCEEDED
from briefing.store.reports import mentions, tagged

PAGE = 500


def create_digest(
    db: Database,
    *,
    since: dt.datetime,
    until: dt.datetime,
    filters: Filters,
    schedule_id: str | None = None,
    period: dt.datetime | None = None,
    use_model: bool = True,
    deliver: bool = True,
    api_key_id: str | None = None,
) -> DigestRow:
    with db.session() as s:
        row = DigestRow(
            schedule_id=schedule_id,
            period=period,
            since=since,
            until=until,
            filters=filters.model_dump(mode="json"),
            status=QUEUED,
            use_model=use_model,
            deliver=deliver,
            api_key_id=api_key_id,
        )
        s.add(row)
    return row


def get_digest(db: Database, digest_id: str) -> DigestRow | None:
    with db.session() as s:
        return s.get(DigestRow, digest_id)


def count_queued_digests(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).where(DigestRow.status == QUEUED)) or 0)


def claim_next_digest(db: Database, owner: str = "", lease_s: float = 60.0) -> DigestRow | None:
    """Move the oldest queued digest to running, leased to ``owner`` (compare-and-set)."""
    return queue.claim_next(db, DigestRow, owner, lease_s)


def claim_digest(db: Database, digest_id: str, owner: str, lease_s: float) -> DigestRow | None:
    """Take the digest ``digest_id`` if it is queued (compare-and-set); None otherwise."""
    return queue.claim(db, DigestRow, digest_id, owner, lease_s)


def finish_digest(
    db: Database,
    digest_id: str,
    *,
    body: str | None = None,
    empty: bool | None = None,
    events: int | None = None,
    error: dict[str, Any] | None = None,
    owner: str | None = None,
) -> bool:
    return queue.finish(
        db,
        DigestRow,
        digest_id,
        owner,
        status=FAILED if error else SUCCEEDED,
        body=body,
        empty=empty,
        events=events,
        error=error,
    )


def set_progress(db: Database, digest_id: str, message: str) -> None:
    with db.session() as s:
        s.execute(update(DigestRow).where(DigestRow.id == digest_id).values(progress=message[:200]))


def requeue_abandoned_digests(db: Database, max_attempts: int) -> tuple[int, int]:
    return queue.requeue_abandoned(db, DigestRow, max_attempts)


def previous_digest(db: Database, schedule_id: str, before: DigestRow) -> DigestRow | None:
    """The schedule's last succeeded digest before this one (for 'what changed')."""
    with db.session() as s:
        return s.scalar(
            select(DigestRow)
            .where(
                DigestRow.schedule_id == schedule_id,
                DigestRow.status == SUCCEEDED,
                DigestRow.until <= before.until,
                DigestRow.id != before.id,
            )
            .order_by(DigestRow.until.desc(), DigestRow.created_at.desc())
            .limit(1)
        )


def list_digests(
    db: Database,
    *,
    schedule_id: str | None = None,
    on: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[DigestRow]:
    """Newest first; ``on``: digests whose window ends on that (UTC) day."""
    query = select(DigestRow).order_by(DigestRow.until.desc(), DigestRow.created_at.desc())
    if schedule_id:
        query = query.where(DigestRow.schedule_id == schedule_id)
    if on:
        start = dt.datetime.combine(on, dt.time(), tzinfo=dt.UTC)
        query = query.where(
            DigestRow.until >= start, DigestRow.until < start + dt.timedelta(days=1)
        )
    with db.session() as s:
        return list(s.scalars(query.offset(offset).limit(limit)))


def reports_in_window(
    db: Database, since: dt.datetime, until: dt.datetime, filters: Filters
) -> Iterator[ReportRow]:
    """Reports published in [since, until] (by day), or unpublished and received in
    [since, until), matching the filters; read in pages so a large window never sits in one
    result set."""
    in_window = or_(
        and_(ReportRow.published >= since.date(), ReportRow.published <= until.date()),
        and_(
            ReportRow.published.is_(None),
            ReportRow.created_at >= since,
            ReportRow.created_at < until,
        ),
    )
    query = select(ReportRow).where(in_window).order_by(ReportRow.created_at, ReportRow.id)
    if filters.sources:
        query = query.where(ReportRow.source.in_(filters.sources))
    if filters.query:
        query = query.where(mentions(filters.query))
    if filters.tags:
        query = query.where(ReportRow.id.in_(tagged(filters.tags)))
    after: tuple[dt.datetime, str] | None = None
    while True:
        page_query = query
        if after is not None:
            page_query = page_query.where(
                or_(
                    ReportRow.created_at > after[0],
                    and_(ReportRow.created_at == after[0], ReportRow.id > after[1]),
                )
            )
        with db.session() as s:
            rows = list(s.scalars(page_query.limit(PAGE)))
        yield from rows
        if len(rows) < PAGE:
            return
        after = (rows[-1].created_at, rows[-1].id)
