"""API keys: shown once at creation, stored as sha256 hashes, scoped, expiring, rotatable,
revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update

from briefing.errors import InputError
from briefing.store.db import Database
from briefing.store.models import ApiKeyRow, utcnow

PREFIX = "brf_"


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


SCOPES = ("read", "write", "admin")
DEFAULT_SCOPES = ("read", "write")


def create_key(
    db: Database,
    name: str,
    rate_limit_per_minute: int | None = None,
    *,
    scopes: tuple[str, ...] | list[str] = DEFAULT_SCOPES,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiKeyRow, str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InputError(f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(unknown)}")
    plaintext = PREFIX + secrets.token_urlsafe(32)
    with db.session() as s:
        row = ApiKeyRow(
            name=name,
            prefix=plaintext[: len(PREFIX) + 6],
            hash=hash_key(plaintext),
            rate_limit_per_minute=rate_limit_per_minute,
            scopes=" ".join(s for s in SCOPES if s in scopes),
            expires_at=expires_at,
        )
        s.add(row)
    return row, plaintext


def verify_key(db: Database, plaintext: str) -> ApiKeyRow | None:
    """The key's row when it is known, not revoked and not expired."""
    with db.session() as s:
        row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.hash == hash_key(plaintext)))
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    return row


def rotate_key(
    db: Database, key_id_or_prefix: str, grace: dt.timedelta
) -> tuple[ApiKeyRow, str] | None:
    """A new key with the old one's name, scopes and rate limit; the old one keeps working for
    ``grace`` (so its users can switch), then expires."""
    with db.session() as s:
        old = s.scalar(
            select(ApiKeyRow).where(
                (ApiKeyRow.id == key_id_or_prefix) | (ApiKeyRow.prefix == key_id_or_prefix),
                ApiKeyRow.revoked_at.is_(None),
            )
        )
    if old is None:
        return None
    new = create_key(
        db,
        old.name,
        old.rate_limit_per_minute,
        scopes=old.scopes.split(),
        expires_at=old.expires_at,
    )
    ends = utcnow() + grace
    with db.session() as s:
        s.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == old.id)
            .values(expires_at=min(ends, old.expires_at) if old.expires_at else ends)
        )
    return new


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
