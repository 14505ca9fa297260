"""Rows that are jobs (brief jobs, digests): claimed atomically under a lease, resumed after a
crash, given up after too many attempts.

A claim records its owner (host, process, runner) and a lease; the owner's heartbeat renews
the lease while the work runs. A row whose lease expired (its owner died or hung), or whose
owner is a dead process on this host, goes back to the queue; a live process's work is never
taken from it. A row interrupted ``max_attempts`` times fails for good, with a problem that
says so (a job that crashes its worker cannot loop for ever).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any, TypeVar

from sqlalchemy import or_, select, update

from briefing.store.db import Database
from briefing.store.models import utcnow

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"

Row = TypeVar("Row")


def owner_name(runner: object) -> str:
    """This process's name for a runner: host, pid and the runner's identity."""
    return f"{socket.gethostname()}:{os.getpid()}:{id(runner):x}"


def claim_next(
    db: Database, model: type[Row], owner: str = "", lease_s: float = 60.0
) -> Row | None:
    """Move the oldest queued row of ``model`` to running, leased to ``owner``:
    compare-and-set, so two workers (threads or processes) never share one."""
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
        claimed = claim(db, model, row_id, owner, lease_s)
        if claimed is not None:
            return claimed


def claim(db: Database, model: type[Row], row_id: str, owner: str, lease_s: float) -> Row | None:
    """Move one given queued row to running, leased to ``owner`` (compare-and-set): how a
    task of a distributed queue takes the row it names. None when the row is not queued
    (done, failed, or running under another owner): the task has nothing to do."""
    table: Any = model
    now = utcnow()
    with db.session() as s:
        claimed = s.execute(
            update(table)
            .where(table.id == row_id, table.status == QUEUED)
            .values(
                status=RUNNING,
                started_at=now,
                attempts=table.attempts + 1,
                lease_owner=owner,
                lease_expires_at=now + dt.timedelta(seconds=lease_s),
            )
        ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        return None
    with db.session() as s:
        return s.get(model, row_id)


def queued_since(db: Database, model: type[Any], before: dt.datetime, limit: int) -> list[str]:
    """Ids of rows queued before ``before`` (oldest first): work whose task may be lost."""
    with db.session() as s:
        return list(
            s.scalars(
                select(model.id)
                .where(model.status == QUEUED, model.created_at < before)
                .order_by(model.created_at, model.id)
                .limit(limit)
            )
        )


def renew(db: Database, model: type[Any], owner: str, ids: list[str], lease_s: float) -> int:
    """The heartbeat: extend the leases of the rows ``owner`` is working on right now (a row
    whose worker died inside the process is not renewed, so it expires and is requeued)."""
    if not ids:
        return 0
    with db.session() as s:
        result = s.execute(
            update(model)
            .where(model.id.in_(ids), model.status == RUNNING, model.lease_owner == owner)
            .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease_s))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def bump(db: Database, model: type[Any], row_id: str, owner: str, lease_s: float) -> bool:
    """One more attempt at a row its owner keeps running (a retry in place after a
    retryable failure); False when the lease was lost meanwhile."""
    with db.session() as s:
        result = s.execute(
            update(model)
            .where(model.id == row_id, model.status == RUNNING, model.lease_owner == owner)
            .values(
                attempts=model.attempts + 1,
                lease_expires_at=utcnow() + dt.timedelta(seconds=lease_s),
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _dead_here(owner: str | None) -> bool:
    """Whether ``owner`` names a process on this host that no longer runs."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def requeue_abandoned(db: Database, model: type[Any], max_attempts: int) -> tuple[int, int]:
    """Running rows whose lease expired or whose owner died go back to the queue, or fail
    once they have been tried ``max_attempts`` times. Returns (requeued, given up)."""
    now = utcnow()
    with db.session() as s:
        running = s.execute(
            select(model.id, model.lease_owner, model.lease_expires_at, model.attempts).where(
                model.status == RUNNING
            )
        ).all()
    abandoned = [
        (row_id, owner, expires, attempts)
        for row_id, owner, expires, attempts in running
        if expires is None or _aware(expires) < now or _dead_here(owner)
    ]
    requeued = failed = 0
    for row_id, owner, expires, attempts in abandoned:
        if attempts >= max_attempts:
            values: dict[str, Any] = {
                "status": FAILED,
                "finished_at": now,
                "lease_owner": None,
                "error": {
                    "status": 500,
                    "title": "Gave up",
                    "detail": f"the work was interrupted {attempts} times (a crash or a hang "
                    "each time); it is not tried again",
                },
            }
        else:
            values = {"status": QUEUED, "started_at": None, "lease_owner": None}
        # Compare-and-set on what was read: a lease renewed meanwhile is left alone.
        same_owner = model.lease_owner.is_(None) if owner is None else model.lease_owner == owner
        same_lease = (
            model.lease_expires_at.is_(None)
            if expires is None
            else model.lease_expires_at == expires
        )
        with db.session() as s:
            changed = s.execute(
                update(model)
                .where(model.id == row_id, model.status == RUNNING, same_owner, same_lease)
                .values(**values)
            ).rowcount  # type: ignore[attr-defined]
        if changed and values["status"] == FAILED:
            failed += 1
        elif changed:
            requeued += 1
    return requeued, failed


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def finish(db: Database, model: type[Any], row_id: str, owner: str | None, **values: Any) -> bool:
    """Record the outcome, unless the lease was lost to another owner meanwhile (then the
    other owner's result stands). Returns whether it was recorded."""
    with db.session() as s:
        query = update(model).where(model.id == row_id, model.status == RUNNING)
        if owner is not None:
            query = query.where(or_(model.lease_owner == owner, model.lease_owner.is_(None)))
        result = s.execute(query.values(finished_at=utcnow(), lease_owner=None, **values))
        return bool(result.rowcount)  # type: ignore[attr-defined]
