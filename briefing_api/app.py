"""The HTTP service for internal tools. ``briefing serve`` runs it with uvicorn."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from briefing.service import Service
from briefing.settings import Settings, get_settings
from briefing_api import problems
from briefing_api.auth import KeyVerifier, RateLimiter
from briefing_api.middleware import BodyLimit, HeadAsGet, Metrics, NoNul
from briefing_api.routes import briefs, chat, digests, feeds, ops, reports

log = logging.getLogger(__name__)

DESCRIPTION = """
Hand in reports, get grounded briefs back. Every item of a brief points at the words of its
report by character offsets checked against the text. Digests fold the reports of a window
into ranked events (independent sources counted by publisher family, contradictions shown side
by side, what changed since the previous digest), on demand or on a schedule, delivered by
signed webhooks, Slack, e-mail, folders or an Atom feed.

Authentication: `Authorization: Bearer <API key>` on every endpoint except `/healthz`,
`/readyz` and the docs; create keys with `briefing keys create --name NAME`. Errors are
RFC 9457 `application/problem+json`. POSTs accept an `Idempotency-Key` header.
"""


def create_app(settings: Settings | None = None, service: Service | None = None) -> FastAPI:
    """The app; pass ``service`` to inject one (tests), else it is built from settings."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = service or Service(settings)
        app.state.service = svc
        svc.start()
        log.info("briefing API ready (database %s)", svc.db.engine.url.render_as_string())
        try:
            yield
        finally:
            svc.stop()

    # FastAPIOffline: FastAPI with Swagger UI and ReDoc served from the package, not a CDN.
    app = FastAPIOffline(
        title="briefing",
        version="0.1.0",
        summary="Grounded, structured briefs from reports.",
        description=DESCRIPTION,
        lifespan=lifespan,
        # "/v1/reports/" is no report: a 404, not a redirect to the list (an empty id
        # must never answer with another resource).
        redirect_slashes=False,
    )
    app.state.settings = settings
    if service is not None:
        app.state.service = service
    app.state.verifier = KeyVerifier(settings.rate_limit_per_minute)
    app.state.limiter = RateLimiter(settings.rate_limit_storage or settings.redis_url)
    problems.install(app)
    app.include_router(ops.router)
    app.include_router(reports.router)
    app.include_router(briefs.router)
    app.include_router(digests.router)
    app.include_router(digests.schedules)
    app.include_router(feeds.router)
    app.include_router(chat.router)
    install_page(app)
    if settings.cors_origins:  # off by default: an allow-list, never "*" with credentials
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Accept"],
            max_age=600,
        )
    app.add_middleware(HeadAsGet)
    app.add_middleware(NoNul)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Metrics)
    return app


STATIC = Path(__file__).resolve().parent / "static"
# The page loads nothing from elsewhere and runs no inline script.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def install_page(app: FastAPI) -> None:
    """The analyst's page at ``/`` (files inside the package: no build step, no CDN)."""
    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=_PAGE_HEADERS)


def __getattr__(name: str) -> FastAPI:
    """``briefing_api.app:app`` for uvicorn, built on first access (never at import time)."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
