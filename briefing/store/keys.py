"""API keys: shown once at creation, stored as sha256 hashes, revocable."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update

from briefing.store.db import Database
from briefing.store.models import ApiKeyRow, utcnow

PREFIX = "brf_"


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_key(
    db: Database, name: str, rate_limit_per_minute: int | None = None
) -> tuple[ApiKeyRow, str]:
    plaintext = PREFIX + secrets.token_urlsafe(32)
    with db.session() as s:
        row = ApiKeyRow(
            name=name,
            prefix=plaintext[: len(PREFIX) + 6],
            hash=hash_key(plaintext),
            rate_limit_per_minute=rate_limit_per_minute,
        )
        s.add(row)
    return row, plaintext


def verify_key(db: Database, plaintext: str) -> ApiKeyRow | None:
    with db.session() as s:
        row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.hash == hash_key(plaintext)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def list_keys(db: Database) -> list[ApiKeyRow]:
    with db.session() as s:
        return list(s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)))


def revoke_key(db: Database, key_id_or_prefix: str) -> bool:
    with db.session() as s:
        result = s.execute(
            update(ApiKeyRow)
            .where(
                (ApiKeyRow.id == key_id_or_prefix) | (ApiKeyRow.prefix == key_id_or_prefix),
                ApiKeyRow.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
