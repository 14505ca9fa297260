"""Feeds: subscribe to RSS and Atom feeds whose items become reports; their items and error
log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from briefing.schemas.feed import (
    FeedErrorOut,
    FeedIn,
    FeedItemOut,
    FeedOut,
    FeedUpdate,
    PollResult,
)
from briefing.schemas.scales import Reliability
from briefing.store.models import FeedRow
from briefing_api.deps import CallerDep, ServiceDep
from briefing_api.idempotency import idempotent
from briefing_api.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/feeds", tags=["feeds"])
_NOT_FOUND = PROBLEM_RESPONSES[422] | {"description": "No such id."}


def feed_out(row: FeedRow) -> FeedOut:
    return FeedOut(
        id=row.id,
        url=row.url,
        name=row.name,
        tags=list(row.tags or []),
        interval_s=row.interval_s,
        reliability=Reliability(row.reliability) if row.reliability else None,
        enabled=row.enabled,
        last_polled_at=row.last_polled_at,
        next_poll_at=row.next_poll_at,
        failures=row.failures,
        created_at=row.created_at,
        items_url=f"/v1/feeds/{row.id}/items",
        errors_url=f"/v1/feeds/{row.id}/errors",
    )


@router.post(
    "",
    summary="Subscribe to a feed",
    description="An RSS or Atom URL polled every `interval_s` seconds by the scheduler of "
    "`briefing serve` (one poll per interval across processes). Each new item's page is "
    "fetched and its main text stored as a report (source, URL, date, the feed's tags); the "
    "item's summary when the page fails. Loopback, private and link-local addresses are "
    "refused unless BRIEFING_FETCH_ALLOW names them.",
    status_code=201,
    response_model=FeedOut,
    responses=PROBLEM_RESPONSES,
)
async def create_feed(
    request: Request, body: FeedIn, service: ServiceDep, caller: CallerDep
) -> Response:
    async def handle() -> Response:
        row = await run_in_threadpool(service.create_feed, body, caller.key_id)
        return Response(
            feed_out(row).model_dump_json(),
            status_code=201,
            media_type="application/json",
            headers={"Location": f"/v1/feeds/{row.id}"},
        )

    return await idempotent(request, caller, handle)


@router.get("", summary="List feeds", response_model=list[FeedOut], responses=PROBLEM_RESPONSES)
async def list_feeds(service: ServiceDep, caller: CallerDep) -> list[FeedOut]:
    return [feed_out(r) for r in await run_in_threadpool(service.feeds)]


@router.get(
    "/{feed_id}",
    summary="Read a feed",
    response_model=FeedOut,
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def read_feed(feed_id: str, service: ServiceDep, caller: CallerDep) -> FeedOut:
    return feed_out(await run_in_threadpool(service.feed, feed_id))


@router.patch(
    "/{feed_id}",
    summary="Change a feed",
    response_model=FeedOut,
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def update_feed(
    feed_id: str, body: FeedUpdate, service: ServiceDep, caller: CallerDep
) -> FeedOut:
    return feed_out(await run_in_threadpool(service.update_feed, feed_id, body))


@router.delete(
    "/{feed_id}",
    summary="Unsubscribe from a feed",
    description="Its reports stay.",
    status_code=204,
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def delete_feed(feed_id: str, service: ServiceDep, caller: CallerDep) -> Response:
    await run_in_threadpool(service.delete_feed, feed_id)
    return Response(status_code=204)


@router.post(
    "/{feed_id}/poll",
    summary="Poll a feed now",
    description="Fetches the feed (a conditional GET when it sent `ETag` or `Last-Modified`) "
    "and stores its new items; says what it did. A failed fetch is reported in `error` and "
    "the feed's error log, not as an HTTP error.",
    response_model=PollResult,
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def poll_feed(feed_id: str, service: ServiceDep, caller: CallerDep) -> PollResult:
    return await run_in_threadpool(service.poll_feed, feed_id)


@router.get(
    "/{feed_id}/items",
    summary="A feed's items",
    description="Newest first: each item's URL, canonical URL, status and report.",
    response_model=list[FeedItemOut],
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def feed_items(
    feed_id: str,
    service: ServiceDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[FeedItemOut]:
    rows = await run_in_threadpool(service.feed_items, feed_id, limit, offset)
    return [
        FeedItemOut(
            guid=r.guid,
            url=r.url,
            canonical_url=r.canonical_url,
            status=r.status,
            report_id=r.report_id,
            duplicate_of=r.duplicate_of,
            created_at=r.created_at,
        )
        for r in rows
    ]


@router.get(
    "/{feed_id}/errors",
    summary="A feed's error log",
    description="Its latest failures (fetching or parsing the feed, fetching a page, storing "
    "an item), newest first; the last 100 are kept.",
    response_model=list[FeedErrorOut],
    responses={404: _NOT_FOUND, **PROBLEM_RESPONSES},
)
async def feed_errors(
    feed_id: str,
    service: ServiceDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[FeedErrorOut]:
    rows = await run_in_threadpool(service.feed_errors, feed_id, limit)
    return [FeedErrorOut(at=r.at, stage=r.stage, url=r.url, message=r.message) for r in rows]
