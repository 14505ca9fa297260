"""Brief jobs: written before any work starts, claimed atomically, resumed after a crash."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from briefing.store.db import Database
from briefing.store.models import JobRow, utcnow

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"


def create_job(
    db: Database, report_id: str, cache_key: str, api_key_id: str | None, *, use_cache: bool = True
) -> JobRow:
    with db.session() as s:
        row = JobRow(
            report_id=report_id,
            cache_key=cache_key,
            api_key_id=api_key_id,
            status=QUEUED,
            use_cache=use_cache,
        )
        s.add(row)
    return row


def get_job(db: Database, job_id: str) -> JobRow | None:
    with db.session() as s:
        return s.get(JobRow, job_id)


def count_queued(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).where(JobRow.status == QUEUED)) or 0)


def claim_next(db: Database) -> JobRow | None:
    """Move the oldest queued job to running; compare-and-set, so two workers never share one."""
    while True:
        with db.session() as s:
            job_id = s.scalar(
                select(JobRow.id)
                .where(JobRow.status == QUEUED)
                .order_by(JobRow.created_at, JobRow.id)
                .limit(1)
            )
            if job_id is None:
                return None
            claimed = s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == QUEUED)
                .values(status=RUNNING, started_at=utcnow(), attempts=JobRow.attempts + 1)
            ).rowcount  # type: ignore[attr-defined]
        if claimed == 1:
            return get_job(db, job_id)


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
    with db.session() as s:
        result = s.execute(
            update(JobRow).where(JobRow.status == RUNNING).values(status=QUEUED, started_at=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
