"""ASGI middleware: request body size limit, NUL characters refused, Prometheus metrics."""

from __future__ import annotations

import json
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from briefing_api.problems import OPENAI_ROUTES, PROBLEM_JSON, openai_error_body

REQUESTS = Counter("briefing_http_requests_total", "HTTP requests.", ["method", "route", "status"])
LATENCY = Histogram(
    "briefing_http_request_seconds",
    "HTTP request latency.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 problem+json for a body over ``max_bytes``, by header or as it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send, scope)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send, scope)

    async def _reject(self, send: Send, scope: Scope) -> None:
        await _problem(
            send, scope, 413, "Request too large", f"the body is over {self.max_bytes} bytes"
        )


_NUL_JSON = b"\\u0000"  # how JSON writes a NUL character


class NoNul:
    """422 problem+json for a NUL character anywhere in the path, the query or the body (raw,
    or as JSON's escape): no store keeps it (PostgreSQL text cannot hold one) and no report
    needs it. The body is read before the route sees it (BodyLimit, outside, caps its size)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope.get("path", "").encode()
        query = scope.get("query_string", b"")
        if any(b"%00" in part or b"\x00" in part for part in (raw_path, query)):
            await _problem(send, scope, 422, "Invalid input", "the URL holds a NUL character (%00)")
            return
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        if b"\x00" in body or _NUL_JSON in body:
            await _problem(send, scope, 422, "Invalid input", "the body holds a NUL character")
            return

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)


async def _problem(send: Send, scope: Scope, status: int, title: str, detail: str) -> None:
    """A problem+json answer; OpenAI's error body on the OpenAI-compatible routes."""
    media = PROBLEM_JSON
    payload: dict[str, object] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if str(scope.get("path", "")).startswith(OPENAI_ROUTES):
        media = "application/json"
        code = "request_too_large" if status == 413 else "invalid_value"
        status, payload = openai_error_body(status, detail, code=code)
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HeadAsGet:
    """HEAD on any GET route: the GET's status and headers, no body (RFC 9110)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class Metrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            # Bounded labels: a route template (never the raw path) and a fixed set of methods,
            # so junk requests cannot grow the series without end.
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"] if scope["method"] in _METHODS else "other"
            REQUESTS.labels(method, route, str(status["code"])).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)
            key_id = (scope.get("state") or {}).get("key_id")
            service = getattr(scope["app"].state, "service", None) if "app" in scope else None
            if key_id and service is not None:  # who used which route, with what outcome
                service.audit.record(key_id, method, route, int(status["code"]))
