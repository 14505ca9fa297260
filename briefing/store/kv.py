"""Key-value entries with expiry (cache) and idempotency records, in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from briefing.store.db import Database
from briefing.store.models import CacheRow, IdempotencyRow, utcnow


def kv_get(db: Database, key: str) -> str | None:
    with db.session() as s:
        row = s.get(CacheRow, key)
        if row is None:
            return None
        if row.expires_at is not None and row.expires_at <= utcnow():
            s.delete(row)
            return None
        return row.value


def kv_set(db: Database, key: str, value: str, ttl_s: int | None) -> None:
    expires = utcnow() + dt.timedelta(seconds=ttl_s) if ttl_s else None
    with db.session() as s:
        row = s.get(CacheRow, key)
        if row is None:
            s.add(CacheRow(key=key, value=value, expires_at=expires))
        else:
            row.value, row.expires_at = value, expires


def kv_delete(db: Database, key: str) -> None:
    with db.session() as s:
        s.execute(delete(CacheRow).where(CacheRow.key == key))


def kv_clear_prefix(db: Database, prefix: str) -> None:
    with db.session() as s:
        s.execute(delete(CacheRow).where(CacheRow.key.startswith(prefix, autoescape=True)))


def idempotency_get(db: Database, api_key_id: str, key: str) -> IdempotencyRow | None:
    with db.session() as s:
        return s.get(IdempotencyRow, (api_key_id, key))


PENDING = 0  # status_code of a key whose first request is still being answered


def idempotency_claim(db: Database, api_key_id: str, key: str, request_hash: str) -> bool:
    """Claim a key for a first request (True), or find it claimed or answered already."""
    try:
        with db.session() as s:
            s.add(
                IdempotencyRow(
                    api_key_id=api_key_id,
                    key=key,
                    request_hash=request_hash,
                    status_code=PENDING,
                    body="",
                    headers={},
                )
            )
        return True
    except IntegrityError:
        return False


def idempotency_put(
    db: Database,
    api_key_id: str,
    key: str,
    request_hash: str,
    status_code: int,
    body: str,
    headers: dict[str, Any],
) -> None:
    """Store the answer of a claimed key."""
    with db.session() as s:
        row = s.get(IdempotencyRow, (api_key_id, key))
        if row is not None and row.request_hash == request_hash:
            row.status_code, row.body, row.headers = status_code, body, headers


def idempotency_release(db: Database, api_key_id: str, key: str) -> None:
    """Forget a claim whose request failed (5xx): a retry with the key may run."""
    with db.session() as s:
        row = s.get(IdempotencyRow, (api_key_id, key))
        if row is not None and row.status_code == PENDING:
            s.delete(row)
