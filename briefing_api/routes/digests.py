"""Digests and digest schedules: run one now, read past ones by date, schedule them, deliver
them (signed webhooks, Slack, e-mail, folders) and follow them as an Atom feed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from briefing.render import render_digest_html, render_digest_markdown
from briefing.schemas.digest import Digest, Filters, digest_json_schema
from briefing.schemas.schedule import DigestRequest, ScheduleIn, ScheduleOut, ScheduleUpdate
from briefing.service import Service
from briefing.store.models import DigestRow, ScheduleRow
from briefing_api.auth import Caller, authenticate_feed
from briefing_api.deps import CallerDep, ServiceDep
from briefing_api.idempotency import idempotent
from briefing_api.negotiate import negotiate
from briefing_api.problems import PROBLEM_RESPONSES, Problem, job_failed
from briefing_api.schemas import IsoDate
from briefing_api.waiting import wait_for_job

router = APIRouter(tags=["digests"])
MAX_WAIT_S = 120.0
_NOT_FOUND = PROBLEM_RESPONSES[422] | {"description": "No such id."}


class DigestStatus(BaseModel):
    id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    schedule_id: str | None
    period: dt.datetime | None = Field(description="The schedule period it ran for, if any.")
    since: dt.datetime
    until: dt.datetime
    filters: Filters
    empty: bool | None = None
    events: int | None = None
    progress: str | None = Field(default=None, description="The step a running digest is at.")
    url: str
    error: Problem | None = None
    attempts: int
    created_at: dt.datetime
    finished_at: dt.datetime | None = None


class DigestPage(BaseModel):
    items: list[DigestStatus]
    next_offset: int | None


class AttemptOut(BaseModel):
    number: int
    at: dt.datetime
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float


class DeliveryOut(BaseModel):
    id: str
    target: str = Field(description="Where it goes (addresses shortened, no tokens).")
    kind: str
    message_id: str = Field(description="webhook-id: the same on every retry.")
    status: Literal["pending", "sending", "delivered", "failed"]
    attempts: list[AttemptOut]
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None


def status_of(row: DigestRow) -> DigestStatus:
    return DigestStatus(
        id=row.id,
        status=row.status,
        schedule_id=row.schedule_id,
        period=row.period,
        since=row.since,
        until=row.until,
        filters=Filters.model_validate(row.filters or {}),
        empty=row.empty,
        events=row.events,
        progress=row.progress if row.status == "running" else None,
        url=f"/v1/digests/{row.id}",
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def _digest_answer(row: DigestRow, kind: str = "application/json") -> Response:
    if row.status == "succeeded" and row.body is not None:
        if kind == "application/json":
            return Response(
                row.body,
                media_type="application/json",
                headers={"Location": f"/v1/digests/{row.id}"},
            )
        digest = Digest.model_validate_json(row.body)
        if kind == "text/markdown":
            return Response(
                render_digest_markdown(digest), media_type="text/markdown; charset=utf-8"
            )
        return Response(render_digest_html(digest), media_type="text/html; charset=utf-8")
    if row.status == "failed" and row.error:
        return job_failed(row.error, "Digest failed")
    return Response(
        status_of(row).model_dump_json(),
        status_code=202,
        media_type="application/json",
        headers={"Location": f"/v1/digests/{row.id}"},
    )


@router.post(
    "/v1/digests",
    summary="Run a digest now",
    description=(
        "Queues a digest of the stored reports of a window (`since`/`until` on the published "
        "date, else the received time; default: the last 24 hours) with optional filters, or of "
        "a schedule (`schedule_id`: its filters, window and previous digest; its targets are "
        "delivered to). Answers 202 with the job's state and `Location`; with `?wait=SECONDS` "
        "the digest itself if it is ready in time."
    ),
    status_code=202,
    response_model=DigestStatus,
    responses={
        200: {"model": Digest, "description": "Ready within `wait`."},
        404: _NOT_FOUND,
        **PROBLEM_RESPONSES,
    },
)
async def create_digest(
    request: Request,
    body: DigestRequest,
    service: ServiceDep,
    caller: CallerDep,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="Seconds to wait.")] = 0,
) -> Response:
    async def handle() -> Response:
        row = await run_in_threadpool(service.request_digest, body, caller.key_id)
        if wait > 0:
            row = await wait_for_job(lambda: service.digest_row(row.id), wait)
        return _digest_answer(row)

    async def current(location: str) -> Response | None:
        if not location.startswith("/v1/digests/"):
            return None
        row = await run_in_threadpool(service.digest_row, location.removeprefix("/v1/digests/"))
        return _digest_answer(row)

    return await idempotent(request, caller, handle, current)


@router.get(
    "/v1/digests",
    summary="List digests, newest first",
    description="Past digests stay browsable: filter by schedule and by the (UTC) day their "
    "window ends.",
    response_model=DigestPage,
    responses=PROBLEM_RESPONSES,
)
async def list_digests(
    service: ServiceDep,
    caller: CallerDep,
    schedule_id: Annotated[str | None, Query(max_length=64)] = None,
    date: Annotated[IsoDate | None, Query(description="Window ends on this day (UTC).")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> DigestPage:
    rows = await run_in_threadpool(
        lambda: service.digests(schedule_id=schedule_id, on=date, limit=limit + 1, offset=offset)
    )
    more = len(rows) > limit
    return DigestPage(
        items=[status_of(r) for r in rows[:limit]], next_offset=offset + limit if more else None
    )


@router.get(
    "/v1/digests/{digest_id}",
    summary="Read a digest",
    description="JSON by default; Markdown or standalone HTML by `Accept` (`text/markdown`, "
    "`text/html`) or `?format=md|html`. A digest still running answers 202 with its state.",
    response_model=Digest,
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            }
        },
        202: {"model": DigestStatus, "description": "Not ready yet."},
        404: _NOT_FOUND,
        406: PROBLEM_RESPONSES[422] | {"description": "Not acceptable."},
        **PROBLEM_RESPONSES,
    },
)
async def read_digest(
    digest_id: str,
    request: Request,
    service: ServiceDep,
    caller: CallerDep,
    format: Annotated[Literal["json", "md", "html"] | None, Query()] = None,
) -> Response:
    kind = negotiate(request.headers.get("accept", "*/*"), format)
    row = await run_in_threadpool(service.digest_row, digest_id)
    return _digest_answer(row, kind)


@router.get(
    "/v1/digests/{digest_id}/deliveries",
    summary="Deliveries of a digest, with every attempt",
    response_model=list[DeliveryOut],
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def read_deliveries(
    digest_id: str, service: ServiceDep, caller: CallerDep
) -> list[DeliveryOut]:
    from briefing.schemas.schedule import Target

    found = await run_in_threadpool(service.deliveries, digest_id)
    out = []
    for row, attempts in found:
        target = Target.model_validate(row.target)
        out.append(
            DeliveryOut(
                id=row.id,
                target=target.describe(),
                kind=target.kind.value,
                message_id=row.message_id,
                status=row.status,
                attempts=[
                    AttemptOut(
                        number=a.number,
                        at=a.at,
                        ok=a.ok,
                        status_code=a.status_code,
                        error=a.error,
                        duration_ms=a.duration_ms,
                    )
                    for a in attempts
                ],
                next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
                delivered_at=row.delivered_at,
            )
        )
    return out


@router.get("/v1/schemas/digest", summary="The JSON Schema of a digest", tags=["schemas"])
async def digest_schema() -> dict[str, Any]:
    return digest_json_schema()


# -- schedules -------------------------------------------------------------------------------

schedules = APIRouter(prefix="/v1/digest-schedules", tags=["digest schedules"])


def schedule_out(service: Service, row: ScheduleRow, *, with_secret: bool = False) -> ScheduleOut:
    return ScheduleOut(
        id=row.id,
        name=row.name,
        cron=row.cron,
        timezone=row.timezone,
        window_hours=row.window_hours,
        filters=Filters.model_validate(row.filters or {}),
        targets=row.targets,
        deliver_empty=row.deliver_empty,
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
        next_run_at=service.next_run(row),
        last_period=service.last_period(row),
        feed_url=f"/v1/digest-schedules/{row.id}/feed.atom",
        webhook_secret=row.secret if with_secret else None,
    )


@schedules.post(
    "",
    summary="Create a digest schedule",
    description="A cron expression in an IANA timezone, the window each digest covers, filters "
    "and delivery targets. The answer carries `webhook_secret` (Standard Webhooks signing "
    "secret) once; it is never returned again.",
    status_code=201,
    response_model=ScheduleOut,
    responses=PROBLEM_RESPONSES,
)
async def create_schedule(
    request: Request, body: ScheduleIn, service: ServiceDep, caller: CallerDep
) -> Response:
    async def handle() -> Response:
        row = await run_in_threadpool(service.create_schedule, body, caller.key_id)
        out = await run_in_threadpool(lambda: schedule_out(service, row, with_secret=True))
        return Response(
            out.model_dump_json(),
            status_code=201,
            media_type="application/json",
            headers={"Location": f"/v1/digest-schedules/{row.id}"},
        )

    return await idempotent(request, caller, handle)


@schedules.get(
    "",
    summary="List digest schedules",
    response_model=list[ScheduleOut],
    responses=PROBLEM_RESPONSES,
)
async def list_schedules(service: ServiceDep, caller: CallerDep) -> list[ScheduleOut]:
    return await run_in_threadpool(lambda: [schedule_out(service, r) for r in service.schedules()])


@schedules.get(
    "/{schedule_id}",
    summary="Read a digest schedule",
    response_model=ScheduleOut,
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def read_schedule(schedule_id: str, service: ServiceDep, caller: CallerDep) -> ScheduleOut:
    return await run_in_threadpool(lambda: schedule_out(service, service.schedule(schedule_id)))


@schedules.patch(
    "/{schedule_id}",
    summary="Change a digest schedule",
    response_model=ScheduleOut,
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def update_schedule(
    schedule_id: str, body: ScheduleUpdate, service: ServiceDep, caller: CallerDep
) -> ScheduleOut:
    return await run_in_threadpool(
        lambda: schedule_out(service, service.update_schedule(schedule_id, body))
    )


@schedules.delete(
    "/{schedule_id}",
    summary="Delete a digest schedule",
    description="Its past digests stay (without a schedule).",
    status_code=204,
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def delete_schedule(schedule_id: str, service: ServiceDep, caller: CallerDep) -> Response:
    await run_in_threadpool(service.delete_schedule, schedule_id)
    return Response(status_code=204)


@schedules.get(
    "/{schedule_id}/feed.atom",
    summary="Atom feed of a schedule's digests",
    description="For feed readers: the API key as a bearer token, or as `?key=` for readers "
    "that cannot send headers. The newest 20 digests, each with its HTML rendering.",
    response_class=Response,
    responses={
        200: {"content": {"application/atom+xml": {}}},
        404: _NOT_FOUND,
        **PROBLEM_RESPONSES,
    },
)
async def schedule_feed(
    schedule_id: str,
    service: ServiceDep,
    caller: Annotated[Caller, Depends(authenticate_feed)],
) -> Response:
    body = await run_in_threadpool(service.schedule_feed, schedule_id)
    return Response(body, media_type="application/atom+xml; charset=utf-8")
