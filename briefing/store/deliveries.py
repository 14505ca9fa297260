"""Deliveries of digests to their targets, and every attempt made."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import or_, select, update

from briefing.store.db import Database
from briefing.store.models import DeliveryAttemptRow, DeliveryRow, utcnow

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"


def create_deliveries(
    db: Database, digest_id: str, schedule_id: str | None, targets: list[dict[str, Any]]
) -> list[DeliveryRow]:
    rows = [
        DeliveryRow(
            digest_id=digest_id,
            schedule_id=schedule_id,
            target=target,
            message_id=f"msg_{uuid.uuid4().hex}",
            status=PENDING,
        )
        for target in targets
    ]
    with db.session() as s:
        s.add_all(rows)
    return rows


def claim_due(db: Database, now: dt.datetime) -> DeliveryRow | None:
    """Take the oldest delivery that is due (compare-and-set, so one sender per attempt)."""
    while True:
        with db.session() as s:
            delivery_id = s.scalar(
                select(DeliveryRow.id)
                .where(DeliveryRow.status == PENDING, DeliveryRow.next_attempt_at <= now)
                .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
                .limit(1)
            )
            if delivery_id is None:
                return None
            claimed = s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id, DeliveryRow.status == PENDING)
                .values(status=SENDING, attempts=DeliveryRow.attempts + 1, sending_since=now)
            ).rowcount  # type: ignore[attr-defined]
            if claimed == 1:
                return s.get(DeliveryRow, delivery_id)


def record_attempt(
    db: Database,
    delivery: DeliveryRow,
    *,
    ok: bool,
    status_code: int | None,
    error: str | None,
    duration_ms: float,
    retry_at: dt.datetime | None,
) -> None:
    """Log the attempt; the delivery is delivered, pending again (``retry_at``) or failed."""
    with db.session() as s:
        s.add(
            DeliveryAttemptRow(
                delivery_id=delivery.id,
                number=delivery.attempts,
                ok=ok,
                status_code=status_code,
                error=error,
                duration_ms=round(duration_ms, 1),
            )
        )
        if ok:
            values: dict[str, Any] = {"status": DELIVERED, "delivered_at": utcnow()}
        elif retry_at is not None:
            values = {"status": PENDING, "next_attempt_at": retry_at}
        else:
            values = {"status": FAILED}
        s.execute(update(DeliveryRow).where(DeliveryRow.id == delivery.id).values(**values))


def any_due(db: Database, now: dt.datetime) -> bool:
    """Whether some delivery waits to be sent."""
    with db.session() as s:
        return (
            s.scalar(
                select(DeliveryRow.id)
                .where(DeliveryRow.status == PENDING, DeliveryRow.next_attempt_at <= now)
                .limit(1)
            )
            is not None
        )


def stalled_before(now: dt.datetime, timeout_s: float) -> dt.datetime:
    """Sends taken before this have a dead sender: a send is bounded by its timeout, and the
    margin (five timeouts, at least a minute) covers a slow but live one."""
    return now - dt.timedelta(seconds=max(60.0, 5 * timeout_s))


def requeue_stalled(db: Database, before: dt.datetime) -> int:
    """Deliveries taken by a sender before ``before`` and still `sending` (their sender
    died: a send is bounded by its timeout) go back to pending. A retried webhook keeps its
    ``webhook-id``, so a receiver that got the first one can tell. Another process's send in
    flight is left alone, so any number of processes may run this."""
    with db.session() as s:
        result = s.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.status == SENDING,
                or_(DeliveryRow.sending_since.is_(None), DeliveryRow.sending_since < before),
            )
            .values(status=PENDING)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def deliveries_of(
    db: Database, digest_id: str
) -> list[tuple[DeliveryRow, list[DeliveryAttemptRow]]]:
    with db.session() as s:
        rows = list(
            s.scalars(
                select(DeliveryRow)
                .where(DeliveryRow.digest_id == digest_id)
                .order_by(DeliveryRow.created_at, DeliveryRow.id)
            )
        )
        out = []
        for row in rows:
            attempts = list(
                s.scalars(
                    select(DeliveryAttemptRow)
                    .where(DeliveryAttemptRow.delivery_id == row.id)
                    .order_by(DeliveryAttemptRow.number)
                )
            )
            out.append((row, attempts))
        return out
