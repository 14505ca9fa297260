"""Secrets the service makes for itself, kept in the database so every process (and every
replica on the same database) uses the same one."""

from __future__ import annotations

import secrets
from functools import lru_cache

from sqlalchemy.exc import IntegrityError

from briefing.store.db import Database
from briefing.store.models import SecretRow


def service_secret(db: Database, name: str) -> str:
    """The secret called ``name``, made on first use (the first process to store one wins)."""
    return _cached(db, name)


@lru_cache(maxsize=64)
def _cached(db: Database, name: str) -> str:
    with db.session() as s:
        row = s.get(SecretRow, name)
        if row is not None:
            return row.value
    try:
        with db.session() as s:
            s.add(SecretRow(name=name, value=secrets.token_urlsafe(32)))
    except IntegrityError:  # another process made it first
        pass
    with db.session() as s:
        found = s.get(SecretRow, name)
        assert found is not None
        return found.value
