"""RFC 9457 problem details: every 4xx and 5xx leaves through these handlers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from briefing.errors import BriefingError, ServiceBusyError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
MAX_ERRORS_LISTED = 20


class Problem(BaseModel):
    """An RFC 9457 problem detail (extension members, such as a readiness check's `checks`,
    may follow)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="A URI naming the problem type.")
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Validation errors, each naming its field."
    )


class ApiProblem(Exception):
    """An HTTP-only problem (auth, rate limit, negotiation), raised inside the api package."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = Problem(status=status, title=title, detail=detail, **extra)
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def job_failed(error: dict[str, Any], default_title: str) -> JSONResponse:
    """The problem a failed job (brief or digest) recorded, answered as its own."""
    return problem(
        int(error.get("status", 500)),
        str(error.get("title", default_title)),
        str(error.get("detail", "")),
        type="/problems/job-failed",
    )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        400: "Malformed request (for example, a body that is not valid JSON).",
        401: "Missing or invalid API key.",
        403: "The API key lacks the scope this route needs (read, write or admin).",
        413: "Request body or report too large.",
        422: "Invalid request; `errors` names each field.",
        429: "Rate limit exceeded; see Retry-After.",
        500: "Internal error.",
    }.items()
}


def _allowed_methods(request: Request) -> set[str]:
    """Every method the OpenAPI document lists for this path (Starlette names only the first
    matching route's methods, and routes of one path are split by method)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        regex, _, _ = compile_path(template)
        if regex.match(request.url.path):
            methods |= {m.upper() for m in operations}
    return methods


OPENAI_ROUTES = ("/v1/chat/", "/v1/models")


def is_openai_route(request: Request) -> bool:
    """The OpenAI-compatible routes answer errors in OpenAI's body, which the SDKs read."""
    return request.url.path.startswith(OPENAI_ROUTES)


_OPENAI_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", "insufficient_scope"),
    404: ("invalid_request_error", "not_found"),
    413: ("invalid_request_error", "request_too_large"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    503: ("server_error", "service_unavailable"),
}


def openai_error(
    status: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """``{"error": {"message", "type", "param", "code"}}``; validation errors are 400s there."""
    status, body = openai_error_body(status, message, param=param, code=code)
    return JSONResponse(body, status_code=status, headers=headers)


def openai_error_body(
    status: int, message: str, *, param: str | None = None, code: str | None = None
) -> tuple[int, dict[str, Any]]:
    """The status and body of an OpenAI-style error (also for the ASGI middleware)."""
    status = 400 if status == 422 else status
    kind, default_code = _OPENAI_TYPES.get(status, ("server_error", None))
    body = {"message": message, "type": kind, "param": param, "code": code or default_code}
    return status, {"error": body}


def install(app: FastAPI) -> None:
    @app.exception_handler(BriefingError)
    async def _briefing(request: Request, exc: BriefingError) -> JSONResponse:
        slug = type(exc).__name__.removesuffix("Error").lower()
        headers = None
        if isinstance(exc, ServiceBusyError):
            headers = {"Retry-After": str(exc.retry_after_s)}
        field = exc.details.get("field")
        if is_openai_route(request):
            return openai_error(exc.http_status, exc.message, param=field, headers=headers)
        errors = [{"field": field, "message": exc.message}] if field else None
        return problem(
            exc.http_status,
            exc.title,
            exc.message,
            type=f"/problems/{slug}",
            headers=headers,
            errors=errors,
        )

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem) -> JSONResponse:
        if is_openai_route(request):
            return openai_error(exc.status, exc.detail or exc.title, headers=exc.headers)
        return problem(exc.status, exc.title, exc.detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = exc.errors()
        # A small answer to any request: the first errors, each field name cut short.
        errors = [
            {
                "field": (".".join(str(p) for p in e["loc"] if p != "body") or "body")[:100],
                "message": str(e["msg"])[:200],
            }
            for e in found[:MAX_ERRORS_LISTED]
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if len(found) > MAX_ERRORS_LISTED:
            detail += f"; and {len(found) - MAX_ERRORS_LISTED} more error(s)"
        if is_openai_route(request):
            param = errors[0]["field"] if errors else None
            return openai_error(422, detail, param=param, code="invalid_value")
        return problem(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(sorted(_allowed_methods(request)))
        if is_openai_route(request):
            return openai_error(exc.status_code, str(exc.detail), headers=headers or None)
        return problem(exc.status_code, str(exc.detail), None, headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        message = "An unexpected error occurred; see the server log."
        if is_openai_route(request):
            return openai_error(500, message)
        return problem(500, "Internal error", message)
