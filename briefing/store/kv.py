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


def idempotency_put(
    db: Database,
    api_key_id: str,
    key: str,
    request_hash: str,
    status_code: int,
    body: str,
    headers: dict[str, Any],
) -> None:
    try:
        with db.session() as s:
            s.add(
                IdempotencyRow(
                    api_key_id=api_key_id,
                    key=key,
                    request_hash=request_hash,
                    status_code=status_code,
                    body=body,
                    headers=headers,
                )
            )
    except IntegrityError:
        pass  # a concurrent request with the same key stored first; its answer stands
