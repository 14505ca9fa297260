"""API keys (Bearer) and per-key rate limits."""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from briefing.store import keys as key_store
from briefing_api.problems import ApiProblem

log = logging.getLogger(__name__)

_VERIFIED_TTL_S = 10.0  # a revoked key stops working within this many seconds


@dataclass(frozen=True)
class Caller:
    key_id: str
    name: str
    rate_limit_per_minute: int
    scopes: frozenset[str] = frozenset({"read", "write", "admin"})


ANONYMOUS = Caller(key_id="anonymous", name="anonymous", rate_limit_per_minute=0)
_READ_METHODS = ("GET", "HEAD", "OPTIONS")


class KeyVerifier:
    """Verifies Bearer keys against the database, remembering answers for a few seconds."""

    def __init__(self, default_rate: int, ttl_s: float = _VERIFIED_TTL_S) -> None:
        self.default_rate = default_rate
        self.ttl_s = ttl_s
        self._seen: dict[str, tuple[float, Caller | None]] = {}
        self._lock = threading.Lock()

    async def verify(self, request: Request, plaintext: str) -> Caller | None:
        digest = key_store.hash_key(plaintext)
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(digest)
        if seen and now - seen[0] < self.ttl_s:
            return seen[1]
        db = request.app.state.service.db
        row = await run_in_threadpool(key_store.verify_key, db, plaintext)
        caller = (
            Caller(
                row.id,
                row.name,
                row.rate_limit_per_minute or self.default_rate,
                frozenset(row.scopes.split()),
            )
            if row
            else None
        )
        with self._lock:
            self._seen[digest] = (now, caller)
        return caller


class RateLimiter:
    """Requests a minute per key over a moving window (the ``limits`` library). In memory by
    default; with a shared storage (``BRIEFING_RATE_LIMIT_STORAGE``, or BRIEFING_REDIS_URL
    when set) every API process counts against the same limit, so a client cannot multiply
    its rate by landing on several replicas."""

    def __init__(self, storage_uri: str | None = None) -> None:
        from limits import storage, strategies

        self.storage_uri = storage_uri or "memory://"
        self._limiter = strategies.MovingWindowRateLimiter(
            storage.storage_from_string(self.storage_uri)
        )

    def _retry(self, item: Any, scope: str, key: str) -> int:
        stats = self._limiter.get_window_stats(item, scope, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def blocked(self, key: str, limit: int) -> int | None:
        """Seconds until ``key`` may again, or None when it may now (spends nothing)."""
        from limits import RateLimitItemPerMinute

        item = RateLimitItemPerMinute(limit)
        try:
            if self._limiter.test(item, "blocked", key):
                return None
            return self._retry(item, "blocked", key)
        except Exception as exc:  # storage down: see ``check``
            log.warning("rate-limit storage unavailable (%s): not checked", type(exc).__name__)
            return None

    def spend(self, key: str, limit: int) -> None:
        """Count one against ``key`` (what ``blocked`` looks at), without raising."""
        from limits import RateLimitItemPerMinute

        try:
            self._limiter.hit(RateLimitItemPerMinute(limit), "blocked", key)
        except Exception as exc:  # storage down: see ``check``
            log.warning("rate-limit storage unavailable (%s): not counted", type(exc).__name__)

    def check(self, key: str, limit: int) -> None:
        """Count one request of ``key``; a 429 with Retry-After when over its limit. A shared
        storage that is down lets requests through (logged): limits protect the service, an
        outage of their counter must not take it down."""
        from limits import RateLimitItemPerMinute

        item = RateLimitItemPerMinute(limit)
        try:
            allowed = self._limiter.hit(item, "requests", key)
        except Exception as exc:  # the storage's client errors (redis, memcached...)
            log.warning("rate-limit storage unavailable (%s): not counted", type(exc).__name__)
            return
        if not allowed:
            raise ApiProblem(
                429,
                "Too many requests",
                f"rate limit is {limit} requests a minute for this key",
                headers={"Retry-After": str(self._retry(item, "requests", key))},
            )


READ_POSTS = frozenset({"/v1/chat/completions"})


async def authenticate(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = ""
    return await _caller(request, token.strip())


async def authenticate_feed(request: Request) -> Caller:
    """Feed readers often cannot send headers: a bearer token, else the ``key`` query value."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return await _caller(request, token.strip())
    return await _caller(request, request.query_params.get("key", "").strip())


async def _caller(request: Request, token: str) -> Caller:
    state = request.app.state
    if not state.settings.require_auth:
        return ANONYMOUS
    # Failed authentication is throttled per client address: guessing keys gets 429s.
    failures = f"auth-failures:{request.client.host if request.client else 'unknown'}"
    allowed = state.settings.auth_failures_per_minute
    retry = state.limiter.blocked(failures, allowed)
    if retry is not None:
        raise ApiProblem(
            429,
            "Too many requests",
            f"more than {allowed} failed authentications a minute from this address",
            headers={"Retry-After": str(retry)},
        )
    if not token:
        raise ApiProblem(
            401,
            "Unauthorized",
            "send Authorization: Bearer <API key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    caller: Caller | None = await state.verifier.verify(request, token)
    if caller is None:
        state.limiter.spend(failures, allowed)
        raise ApiProblem(
            401,
            "Unauthorized",
            "the API key is unknown or revoked",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.key_id = caller.key_id  # for the audit log of key use
    state.limiter.check(caller.key_id, caller.rate_limit_per_minute)
    # Asking a question reads the store: a read key may chat.
    reading = request.method in _READ_METHODS or request.url.path in READ_POSTS
    needed = "read" if reading else "write"
    require_scope(caller, needed)
    return caller


def require_scope(caller: Caller, scope: str) -> None:
    """403 problem unless the key carries ``scope`` (read: GET; write: POST, PATCH, DELETE;
    admin: operations such as /metrics)."""
    if scope not in caller.scopes:
        raise ApiProblem(
            403,
            "Forbidden",
            f"this API key lacks the {scope!r} scope (it has: {', '.join(sorted(caller.scopes))})",
        )
