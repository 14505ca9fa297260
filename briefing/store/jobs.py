"""Brief jobs: written before any work starts, claimed atomically, resumed after a crash."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from briefing.store import queue
from briefing.store.db import Database
from briefing.store.models import JobRow, utcnow
from briefing.store.queue import FAILED as FAILED
from briefing.store.queue import QUEUED as QUEUED
from briefing.store.queue import RUNNING as RUNNING
from briefing.store.queue import SUCCEEDED as SUCCEEDED

ACTIVE = (QUEUED, RUNNING)


def create_job(
    db: Database, report_id: str, cache_key: str, api_key_id: str | None, *, use_cache: bool = True
) -> tuple[JobRow, bool]:
    """A new queued job, or the job already queued or running for the same work (same cache
    key): identical work in flight is joined, never done twice. Returns (job, created)."""
    active = find_active(db, cache_key)
    if active is not None:
        return active, False
    try:
        with db.session() as s:
            row = JobRow(
                report_id=report_id,
                cache_key=cache_key,
                api_key_id=api_key_id,
                status=QUEUED,
                use_cache=use_cache,
            )
            s.add(row)
        return row, True
    except IntegrityError:  # a concurrent request queued the same work first
        active = find_active(db, cache_key)
        if active is None:
            raise
        return active, False


def find_active(db: Database, cache_key: str) -> JobRow | None:
    with db.session() as s:
        return s.scalar(
            select(JobRow).where(JobRow.cache_key == cache_key, JobRow.status.in_(ACTIVE))
        )


def count_queued_for(db: Database, api_key_id: str | None) -> int:
    with db.session() as s:
        return int(
            s.scalar(
                select(func.count()).where(JobRow.status == QUEUED, JobRow.api_key_id == api_key_id)
            )
            or 0
        )


def get_job(db: Database, job_id: str) -> JobRow | None:
    with db.session() as s:
        return s.get(JobRow, job_id)


def count_queued(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).where(JobRow.status == QUEUED)) or 0)


def claim_next(db: Database) -> JobRow | None:
    """Move the oldest queued job to running; compare-and-set, so two workers never share one."""
    return queue.claim_next(db, JobRow)


def finish(
    db: Database, job_id: str, *, brief_id: str | None = None, error: dict[str, Any] | None = None
) -> None:
    with db.session() as s:
        s.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(
                status=FAILED if error else SUCCEEDED,
                brief_id=brief_id,
                error=error,
                finished_at=utcnow(),
            )
        )


def requeue_running(db: Database) -> int:
    """At start-up: jobs left running by a process that died go back to the queue."""
    return queue.requeue_running(db, JobRow)
