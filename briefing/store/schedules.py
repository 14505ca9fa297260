"""Digest schedules and their claimed periods.

A period runs once: the scheduler of every process tries to insert the (schedule, period) row,
and only the insert that wins runs the digest (the primary key is the compare-and-set).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from briefing.schemas.schedule import ScheduleIn, ScheduleUpdate
from briefing.store.db import Database
from briefing.store.models import ScheduleRow, ScheduleRunRow, utcnow


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def create_schedule(db: Database, spec: ScheduleIn, api_key_id: str | None) -> ScheduleRow:
    with db.session() as s:
        row = ScheduleRow(
            name=spec.name,
            cron=spec.cron,
            timezone=spec.timezone,
            window_hours=spec.window_hours,
            filters=spec.filters.model_dump(mode="json"),
            targets=[t.model_dump(mode="json", exclude_none=True) for t in spec.targets],
            deliver_empty=spec.deliver_empty,
            enabled=spec.enabled,
            secret=new_secret(),
            api_key_id=api_key_id,
        )
        s.add(row)
    return row


def get_schedule(db: Database, schedule_id: str) -> ScheduleRow | None:
    with db.session() as s:
        return s.get(ScheduleRow, schedule_id)


def list_schedules(db: Database, *, enabled_only: bool = False) -> list[ScheduleRow]:
    query = select(ScheduleRow).order_by(ScheduleRow.created_at, ScheduleRow.id)
    if enabled_only:
        query = query.where(ScheduleRow.enabled.is_(True))
    with db.session() as s:
        return list(s.scalars(query))


def update_schedule(db: Database, schedule_id: str, change: ScheduleUpdate) -> ScheduleRow | None:
    # null leaves a field as it is (every field here is required on the row)
    values = change.model_dump(exclude_unset=True, exclude_none=True, mode="json")
    if "targets" in values:
        values["targets"] = [
            t.model_dump(mode="json", exclude_none=True) for t in change.targets or []
        ]
    with db.session() as s:
        row = s.get(ScheduleRow, schedule_id)
        if row is None:
            return None
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
    return row


def delete_schedule(db: Database, schedule_id: str) -> bool:
    with db.session() as s:
        s.execute(delete(ScheduleRunRow).where(ScheduleRunRow.schedule_id == schedule_id))
        return bool(
            s.execute(delete(ScheduleRow).where(ScheduleRow.id == schedule_id)).rowcount  # type: ignore[attr-defined]
        )


def claim_period(db: Database, schedule_id: str, period: dt.datetime, claimed_by: str) -> bool:
    """True for the one caller, across processes, that gets to run this period."""
    try:
        with db.session() as s:
            s.add(ScheduleRunRow(schedule_id=schedule_id, period=period, claimed_by=claimed_by))
        return True
    except IntegrityError:
        return False


def link_period(db: Database, schedule_id: str, period: dt.datetime, digest_id: str) -> None:
    with db.session() as s:
        s.execute(
            update(ScheduleRunRow)
            .where(ScheduleRunRow.schedule_id == schedule_id, ScheduleRunRow.period == period)
            .values(digest_id=digest_id)
        )


def last_period(db: Database, schedule_id: str) -> dt.datetime | None:
    with db.session() as s:
        found = s.scalar(
            select(func.max(ScheduleRunRow.period)).where(ScheduleRunRow.schedule_id == schedule_id)
        )
    if found is not None and found.tzinfo is None:  # SQLite's max() skips the column type
        found = found.replace(tzinfo=dt.UTC)
    return found
