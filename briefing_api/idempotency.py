"""Idempotency-Key on POSTs: the same key and body replay the first answer."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool

from briefing.store.kv import (
    PENDING,
    idempotency_claim,
    idempotency_get,
    idempotency_put,
    idempotency_release,
)
from briefing_api.auth import Caller
from briefing_api.problems import ApiProblem

_KEPT_HEADERS = ("content-type", "location", "x-cache", "retry-after")


async def idempotent(
    request: Request,
    caller: Caller,
    handler: Callable[[], Awaitable[Response]],
    current: Callable[[str], Awaitable[Response | None]] | None = None,
) -> Response:
    """Run ``handler`` once per Idempotency-Key: the first request claims the key (concurrent
    ones get 409 until it is answered), later ones replay its answer; a 202 for a job replays
    as the job is now (``current`` reads it from the answer's Location)."""
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
    claimed = await run_in_threadpool(idempotency_claim, db, caller.key_id, key, digest)
    if not claimed:
        stored = await run_in_threadpool(idempotency_get, db, caller.key_id, key)
        if stored is None:  # released between the two reads: the first request failed
            raise ApiProblem(
                409,
                "Conflict",
                "a request with this Idempotency-Key just failed; send it again",
                headers={"Retry-After": "1"},
            )
        if stored.request_hash != digest:
            raise ApiProblem(
                422,
                "Idempotency-Key reused",
                "this Idempotency-Key was used with a different request",
            )
        if stored.status_code == PENDING:
            raise ApiProblem(
                409,
                "Conflict",
                "a request with this Idempotency-Key is still being answered; retry shortly",
                headers={"Retry-After": "1"},
            )
        location = stored.headers.get("location", "")
        if stored.status_code == 202 and current is not None and location:
            # A job's answer replays as the job is now, as its Location would.
            now = await current(location)
            if now is not None:
                now.headers["Idempotent-Replayed"] = "true"
                return now
        headers = dict(stored.headers)
        headers["Idempotent-Replayed"] = "true"
        return Response(stored.body, status_code=stored.status_code, headers=headers)
    try:
        response = await handler()
    except BaseException:
        await run_in_threadpool(idempotency_release, db, caller.key_id, key)
        raise
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
    else:
        await run_in_threadpool(idempotency_release, db, caller.key_id, key)
    return response
