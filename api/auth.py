"""API keys (Bearer) and per-key rate limits."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from api.problems import ApiProblem
from briefing.store import keys as key_store

_VERIFIED_TTL_S = 10.0  # a revoked key stops working within this many seconds


@dataclass(frozen=True)
class Caller:
    key_id: str
    name: str
    rate_limit_per_minute: int


ANONYMOUS = Caller(key_id="anonymous", name="anonymous", rate_limit_per_minute=0)


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
            Caller(row.id, row.name, row.rate_limit_per_minute or self.default_rate)
            if row
            else None
        )
        with self._lock:
            self._seen[digest] = (now, caller)
        return caller


class RateLimiter:
    """A token bucket per key: ``limit`` requests a minute, bursts up to ``limit``."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str, limit: int) -> None:
        rate = limit / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(limit), now))
            tokens = min(float(limit), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                retry = max(1, int((1.0 - tokens) / rate) + 1)
                raise ApiProblem(
                    429,
                    "Too many requests",
                    f"rate limit is {limit} requests a minute for this key",
                    headers={"Retry-After": str(retry)},
                )
            self._buckets[key] = (tokens - 1.0, now)


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
    if not token:
        raise ApiProblem(
            401,
            "Unauthorized",
            "send Authorization: Bearer <API key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    caller: Caller | None = await state.verifier.verify(request, token)
    if caller is None:
        raise ApiProblem(
            401,
            "Unauthorized",
            "the API key is unknown or revoked",
            headers={"WWW-Authenticate": "Bearer"},
        )
    state.limiter.check(caller.key_id, caller.rate_limit_per_minute)
    return caller
