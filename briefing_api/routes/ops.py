"""Operations: liveness, readiness (database and model backend), Prometheus metrics."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from briefing.service import Service
from briefing_api.auth import require_scope
from briefing_api.deps import CallerDep, ServiceDep
from briefing_api.problems import PROBLEM_RESPONSES, Problem, problem
from briefing_api.schemas import Health

router = APIRouter(tags=["ops"])


@router.get("/healthz", summary="Liveness: the process answers", response_model=Health)
async def healthz() -> Health:
    return Health(status="ok")


def _readiness(service: Service) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    try:
        service.db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    try:
        service.brief_cache.ping()
        checks["cache"] = f"ok ({service.brief_cache.name})"
    except Exception as exc:
        checks["cache"] = f"unavailable: {type(exc).__name__}"
    if service.on_celery:
        from briefing.tasks import ping_broker

        try:
            ping_broker(service.settings)
            checks["broker"] = "ok (celery)"
        except Exception as exc:
            checks["broker"] = f"unavailable: {type(exc).__name__}"
    checks["model"] = _model_check(service)
    return checks


def _model_check(service: Service) -> str:
    if not service.chain.backend_started and service.settings.uses_embedded:
        # An unauthenticated probe never starts the embedded server (hundreds of MB).
        return "ok (embedded, starts with the first brief)"
    try:
        backend = service.chain.backend
    except Exception as exc:
        return f"unavailable: {exc}"
    base_url = getattr(backend.chat, "openai_api_base", None)
    if not base_url:
        return f"ok ({backend.label})"
    try:
        response = httpx.get(f"{str(base_url).rstrip('/')}/models", timeout=3.0)
    except httpx.HTTPError as exc:
        return f"unavailable: {type(exc).__name__}"
    return (
        f"ok ({backend.label})"
        if response.status_code < 500
        else f"unavailable: {response.status_code}"
    )


@router.get(
    "/readyz",
    summary="Readiness: database, cache and model backend answer",
    response_model=Health,
    responses={
        503: {"model": Problem, "description": "A dependency is unavailable (`checks` says which)."}
    },
)
async def readyz(service: ServiceDep) -> Response:
    checks = await run_in_threadpool(_readiness, service)
    if all(str(v).startswith("ok") for v in checks.values()):
        return Response(
            Health(status="ok", checks=checks).model_dump_json(), media_type="application/json"
        )
    down = ", ".join(k for k, v in checks.items() if not str(v).startswith("ok"))
    return problem(503, "Not ready", f"unavailable: {down}", checks=checks)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    description="Needs an API key with the admin scope.",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, **PROBLEM_RESPONSES},
)
async def metrics(caller: CallerDep) -> Response:
    require_scope(caller, "admin")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
