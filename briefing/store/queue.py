"""Rows that are jobs (brief jobs, digests): claimed atomically, resumed after a crash."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select, update

from briefing.store.db import Database
from briefing.store.models import utcnow

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"

Row = TypeVar("Row")


def claim_next(db: Database, model: type[Row]) -> Row | None:
    """Move the oldest queued row of ``model`` to running: compare-and-set, so two workers
    (threads or processes) never share one."""
    table: Any = model
    while True:
        with db.session() as s:
            row_id = s.scalar(
                select(table.id)
                .where(table.status == QUEUED)
                .order_by(table.created_at, table.id)
                .limit(1)
            )
            if row_id is None:
                return None
            claimed = s.execute(
                update(table)
                .where(table.id == row_id, table.status == QUEUED)
                .values(status=RUNNING, started_at=utcnow(), attempts=table.attempts + 1)
            ).rowcount  # type: ignore[attr-defined]
        if claimed == 1:
            with db.session() as s:
                return s.get(model, row_id)


def requeue_running(db: Database, model: type[Any]) -> int:
    """At start-up: rows left running by a process that died go back to the queue."""
    with db.session() as s:
        result = s.execute(
            update(model).where(model.status == RUNNING).values(status=QUEUED, started_at=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
