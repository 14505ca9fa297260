"""Idempotency-Key on POSTs: the same key and body replay the first answer."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool

from api.auth import Caller
from api.problems import ApiProblem
from briefing.store.kv import idempotency_get, idempotency_put

_KEPT_HEADERS = ("content-type", "location", "x-cache", "retry-after")


async def idempotent(
    request: Request, caller: Caller, handler: Callable[[], Awaitable[Response]]
) -> Response:
    key = request.headers.get("idempotency-key")
    if not key:
        return await handler()
    if len(key) > 200:
        raise ApiProblem(422, "Invalid request", "Idempotency-Key is longer than 200 characters")
    body = await request.body()
    # The same bytes as another media type are another request.
    content_type = request.headers.get("content-type", "").strip().lower().encode()
    digest = hashlib.sha256(
        b"\x00".join(
            [
                request.method.encode(),
                request.url.path.encode(),
                request.url.query.encode(),
                content_type,
                body,
            ]
        )
    ).hexdigest()
    db = request.app.state.service.db
    stored = await run_in_threadpool(idempotency_get, db, caller.key_id, key)
    if stored is not None:
        if stored.request_hash != digest:
            raise ApiProblem(
                422,
                "Idempotency-Key reused",
                "this Idempotency-Key was used with a different request",
            )
        headers = dict(stored.headers)
        headers["Idempotent-Replayed"] = "true"
        return Response(stored.body, status_code=stored.status_code, headers=headers)
    response = await handler()
    if response.status_code < 500 and not hasattr(response, "body_iterator"):
        headers = {k: v for k, v in response.headers.items() if k in _KEPT_HEADERS}
        await run_in_threadpool(
            idempotency_put,
            db,
            caller.key_id,
            key,
            digest,
            response.status_code,
            bytes(response.body).decode(),
            headers,
        )
    return response
