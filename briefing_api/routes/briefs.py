"""Briefs and jobs: cached briefs come back at once; new ones are jobs to wait or poll for."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from briefing.errors import NotFoundError
from briefing.render import render_html, render_markdown
from briefing.schemas.brief import Brief, brief_json_schema
from briefing.service import CachedBrief
from briefing.store import jobs as job_store
from briefing.store.models import JobRow
from briefing.store.reports import get_brief
from briefing_api.deps import CallerDep, ServiceDep
from briefing_api.idempotency import idempotent
from briefing_api.negotiate import negotiate
from briefing_api.problems import PROBLEM_RESPONSES, job_failed
from briefing_api.routes.reports import report_from_json
from briefing_api.schemas import BriefInline, BriefRequest, JobOut
from briefing_api.waiting import wait_for_job

router = APIRouter(tags=["briefs"])
MAX_WAIT_S = 60.0
_NOT_FOUND = PROBLEM_RESPONSES[422] | {"description": "No such id."}


def job_out(job: JobRow) -> JobOut:
    return JobOut(
        id=job.id,
        status=job.status,
        report_id=job.report_id,
        brief_id=job.brief_id,
        brief_url=f"/v1/briefs/{job.brief_id}" if job.brief_id else None,
        error=job.error,
        attempts=job.attempts,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _brief_response(brief_id: str, body: str, cache: str, status: int = 200) -> Response:
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={"X-Cache": cache, "Location": f"/v1/briefs/{brief_id}"},
    )


@router.post(
    "/v1/briefs",
    summary="Request a brief",
    description=(
        "Brief a stored report (`report_id`) or an inline one (`report`, stored first). A brief "
        "already made from the same text, prompts, schema, model and options comes back at once "
        "with `X-Cache: hit` (send `Cache-Control: no-cache` to recompute). Otherwise a job is "
        "queued and the answer is 202 with its `Location`; with `?wait=SECONDS` the brief itself "
        "comes back if it is ready in time. A full queue answers 503 with `Retry-After`."
    ),
    response_model=Brief,
    responses={
        202: {"model": JobOut, "description": "Queued; poll the job at Location."},
        404: _NOT_FOUND,
        503: PROBLEM_RESPONSES[422] | {"description": "Queue full or model unavailable."},
        **PROBLEM_RESPONSES,
    },
)
async def create_brief(
    request: Request,
    body: BriefRequest,
    service: ServiceDep,
    caller: CallerDep,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="Seconds to wait.")] = 0,
    cache_control: Annotated[str | None, Header()] = None,
) -> Response:
    async def handle() -> Response:
        use_cache = "no-cache" not in (cache_control or "").lower()
        if isinstance(body, BriefInline):
            report = report_from_json(body.report, service.settings.max_input_bytes)
            report_id, _ = await run_in_threadpool(service.add_report, report)
        else:
            report_id = body.report_id
            if use_cache and (hot := service.cached_for_report(report_id)) is not None:
                return _brief_response(hot.brief_id, hot.body, "hit")
        outcome = await run_in_threadpool(
            lambda: service.request_brief(report_id, use_cache=use_cache, api_key_id=caller.key_id)
        )
        if isinstance(outcome, CachedBrief):
            return _brief_response(outcome.brief_id, outcome.body, "hit")
        job = outcome
        if wait > 0:
            job = await wait_for_job(lambda: service.job(job.id), wait)
        return await _job_answer(service, job)

    async def current(location: str) -> Response | None:
        if not location.startswith("/v1/jobs/"):
            return None
        job = await run_in_threadpool(service.job, location.removeprefix("/v1/jobs/"))
        return await _job_answer(service, job)

    return await idempotent(request, caller, handle, current)


async def _job_answer(service: Any, job: JobRow) -> Response:
    if job.status == job_store.SUCCEEDED and job.brief_id:
        row = await run_in_threadpool(get_brief, service.db, job.brief_id)
        if row is not None:
            return _brief_response(row.id, row.body, "miss")
    if job.status == job_store.FAILED and job.error:
        return job_failed(job.error, "Job failed")
    return Response(
        job_out(job).model_dump_json(),
        status_code=202,
        media_type="application/json",
        headers={"Location": f"/v1/jobs/{job.id}"},
    )


@router.get(
    "/v1/jobs/{job_id}",
    summary="A brief job's state",
    response_model=JobOut,
    tags=["jobs"],
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def read_job(job_id: str, service: ServiceDep, caller: CallerDep) -> JobOut:
    job = await run_in_threadpool(job_store.get_job, service.db, job_id)
    if job is None:
        raise NotFoundError(f"no job with id {job_id}")
    return job_out(job)


@router.get(
    "/v1/briefs/{brief_id}",
    summary="Read a brief",
    description="JSON by default; `Accept: text/markdown` or `text/html` renders it.",
    response_model=Brief,
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            }
        },
        404: _NOT_FOUND,
        406: PROBLEM_RESPONSES[422] | {"description": "Not acceptable."},
        **PROBLEM_RESPONSES,
    },
)
async def read_brief(
    brief_id: str, request: Request, service: ServiceDep, caller: CallerDep
) -> Response:
    kind = negotiate(request.headers.get("accept", "*/*"))
    body = await run_in_threadpool(service.brief_body, brief_id)
    if body is None:
        raise NotFoundError(f"no brief with id {brief_id}")
    if kind == "application/json":
        return Response(body, media_type="application/json")
    brief = Brief.model_validate_json(body)
    if kind == "text/markdown":
        return Response(render_markdown(brief), media_type="text/markdown; charset=utf-8")
    return Response(render_html(brief), media_type="text/html; charset=utf-8")


@router.get("/v1/schemas/brief", summary="The JSON Schema of a brief", tags=["schemas"])
async def brief_schema() -> dict[str, Any]:
    return brief_json_schema()
