"""Where cached values live: the database by default, Redis when BRIEFING_REDIS_URL is set."""

from __future__ import annotations

import logging
from typing import Protocol

from briefing.store.db import Database
from briefing.store.kv import kv_clear_prefix, kv_delete, kv_get, kv_set

log = logging.getLogger(__name__)


class KeyValue(Protocol):
    name: str

    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl_s: int | None) -> None: ...
    def delete(self, key: str) -> None: ...
    def clear(self) -> None: ...
    def ping(self) -> None: ...


class DatabaseKV:
    name = "database"

    def __init__(self, db: Database, namespace: str) -> None:
        self.db, self.ns = db, namespace

    def get(self, key: str) -> str | None:
        return kv_get(self.db, f"{self.ns}:{key}")

    def set(self, key: str, value: str, ttl_s: int | None) -> None:
        kv_set(self.db, f"{self.ns}:{key}", value, ttl_s)

    def delete(self, key: str) -> None:
        kv_delete(self.db, f"{self.ns}:{key}")

    def clear(self) -> None:
        kv_clear_prefix(self.db, f"{self.ns}:")

    def ping(self) -> None:
        self.db.ping()


class RedisKV:
    name = "redis"

    def __init__(self, url: str, namespace: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.ns = f"briefing:{namespace}"
        self._errors = (redis.ConnectionError, redis.TimeoutError)

    # A cache that is down is a cache miss, not a failed brief: reads miss and writes are
    # dropped (logged) until Redis is back; /readyz reports it (``ping`` raises).

    def get(self, key: str) -> str | None:
        try:
            value = self.client.get(f"{self.ns}:{key}")
        except self._errors as exc:
            log.warning("redis cache unavailable on read (%s): a miss", type(exc).__name__)
            return None
        return value.decode() if isinstance(value, bytes) else None if value is None else str(value)

    def set(self, key: str, value: str, ttl_s: int | None) -> None:
        try:
            self.client.set(f"{self.ns}:{key}", value, ex=ttl_s)
        except self._errors as exc:
            log.warning("redis cache unavailable on write (%s): not cached", type(exc).__name__)

    def delete(self, key: str) -> None:
        self.client.delete(f"{self.ns}:{key}")

    def clear(self) -> None:
        for key in self.client.scan_iter(match=f"{self.ns}:*", count=500):
            self.client.delete(key)

    def ping(self) -> None:
        self.client.ping()


def make_kv(db: Database, redis_url: str | None, namespace: str) -> KeyValue:
    return RedisKV(redis_url, namespace) if redis_url else DatabaseKV(db, namespace)
