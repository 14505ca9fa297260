"""Brief jobs: written before any work starts, claimed atomically, resumed after a crash."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from briefing.store import queue
from briefing.store.db import Database
from briefing.store.models import JobRow
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


def claim_next(db: Database, owner: str = "", lease_s: float = 60.0) -> JobRow | None:
    """Move the oldest queued job to running, leased to ``owner`` (compare-and-set)."""
    return queue.claim_next(db, JobRow, owner, lease_s)


def claim(db: Database, job_id: str, owner: str, lease_s: float) -> JobRow | None:
    """Take the job ``job_id`` if it is queued (compare-and-set); None otherwise."""
    return queue.claim(db, JobRow, job_id, owner, lease_s)


def finish(
    db: Database,
    job_id: str,
    *,
    brief_id: str | None = None,
    error: dict[str, Any] | None = None,
    owner: str | None = None,
) -> bool:
    return queue.finish(
        db,
        JobRow,
        job_id,
        owner,
        status=FAILED if error else SUCCEEDED,
        brief_id=brief_id,
        error=error,
    )


def requeue_abandoned(db: Database, max_attempts: int) -> tuple[int, int]:
    """Jobs whose owner died or hung go back to the queue (or fail after max_attempts)."""
    return queue.requeue_abandoned(db, JobRow, max_attempts)
