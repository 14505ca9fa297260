"""Reports: hand in (deduplicated by content hash), read, list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from briefing.errors import InputError, NotFoundError
from briefing.ingest import load_report
from briefing.schemas.report import Report
from briefing.store.models import ReportRow
from briefing.store.reports import ReportFilter, get_report, list_reports
from briefing_api.deps import CallerDep, ServiceDep
from briefing_api.idempotency import idempotent
from briefing_api.problems import PROBLEM_RESPONSES, ApiProblem
from briefing_api.schemas import (
    IsoDate,
    ReportCreated,
    ReportIn,
    ReportOut,
    ReportPage,
    ReportSummary,
)

router = APIRouter(prefix="/v1/reports", tags=["reports"])

_TEXT_TYPES = {
    "text/plain": "text/plain",
    "text/markdown": "text/markdown",
    "text/html": "text/html",
}
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The report: JSON, a text/plain, text/markdown or text/html body (metadata "
        "in the query), or a multipart upload with a `file` part.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReportIn"}},
            "text/plain": {"schema": {"type": "string"}},
            "text/markdown": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


def summary_of(row: ReportRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "sha256": row.sha256,
        "title": row.title,
        "source": row.source,
        "source_reliability": row.source_reliability,
        "url": row.url,
        "published_at": row.published,
        "tags": list(row.tags or []),
        "format": row.format,
        "chars": len(row.text),
        "created_at": row.created_at,
    }


def report_from_json(data: ReportIn, max_bytes: int) -> Report:
    """A Report from the JSON form of a report (``POST /v1/reports`` and inline briefs)."""
    if data.text is None:
        raise InputError("a report needs `text` (or, to POST /v1/reports, a `url`)", field="text")
    report = load_report(
        data.text,
        content_type=f"text/{'plain' if data.format == 'text' else data.format}",
        max_bytes=max_bytes,
        title=data.title,
        source=data.source,
        url=data.url,
        published=data.published_at,
        tags=data.tags,
    )
    return report.model_copy(update={"source_reliability": data.source_reliability})


async def parse_report(
    request: Request,
    meta: dict[str, Any],
    max_bytes: int,
    fetch_page: Callable[..., Report] | None = None,
) -> Report:
    """A Report from any of the accepted request bodies; JSON with a `url` and no `text` is
    fetched with ``fetch_page`` when given."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        try:
            data = ReportIn.model_validate_json(await request.body())
        except ValidationError as exc:
            raise InputError(_validation_detail(exc), field=_first_field(exc)) from None
        if data.text is None and data.url and fetch_page is not None:
            page = await run_in_threadpool(
                lambda: fetch_page(
                    data.url,
                    title=data.title,
                    source=data.source,
                    published=data.published_at,
                    tags=data.tags,
                )
            )
            return page.model_copy(update={"source_reliability": data.source_reliability})
        return report_from_json(data, max_bytes)
    if ctype in _TEXT_TYPES:
        return load_report(await request.body(), content_type=ctype, max_bytes=max_bytes, **meta)
    if ctype == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InputError("multipart body needs a `file` part", field="file")
        raw = await upload.read()
        return load_report(
            raw,
            filename=upload.filename,
            content_type=upload.content_type,
            max_bytes=max_bytes,
            **meta,
        )
    raise ApiProblem(
        415,
        "Unsupported media type",
        "send application/json, text/plain, text/markdown, text/html or multipart/form-data",
    )


def _first_field(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return ".".join(str(p) for p in err["loc"]) or "body"


def _validation_detail(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )


@router.post(
    "",
    summary="Hand in a report",
    description="Stores the report before anything else happens. Reports are deduplicated by "
    "the sha256 of their text: a new one answers 201, one already stored 200, both with its id. "
    'JSON `{"url": ...}` without `text` fetches the page and stores its main text (title, site '
    "name and date from the page unless given); loopback, private and link-local addresses "
    "are refused unless BRIEFING_FETCH_ALLOW names them.",
    status_code=201,
    response_model=ReportCreated,
    responses={
        200: {"model": ReportCreated, "description": "Already stored."},
        415: PROBLEM_RESPONSES[422] | {"description": "Unsupported media type."},
        **PROBLEM_RESPONSES,
    },
    openapi_extra=_BODY_DOC,
)
async def create_report(
    request: Request,
    service: ServiceDep,
    caller: CallerDep,
    title: Annotated[str | None, Query(max_length=1000, description="For text bodies.")] = None,
    source: Annotated[str | None, Query(max_length=200, description="For text bodies.")] = None,
    url: Annotated[str | None, Query(max_length=2000, description="For text bodies.")] = None,
    published_at: Annotated[IsoDate | None, Query(description="For text bodies.")] = None,
    tags: Annotated[list[str] | None, Query(description="For text bodies.")] = None,
) -> Response:
    async def handle() -> Response:
        meta = {
            "title": title,
            "source": source,
            "url": url,
            "published": published_at,
            "tags": tags,
        }
        report = await parse_report(
            request, meta, service.settings.max_input_bytes, service.report_from_url
        )
        report_id, created = await run_in_threadpool(service.add_report, report)
        body = ReportCreated(id=report_id, sha256=report.sha256, created=created)
        return Response(
            body.model_dump_json(),
            status_code=201 if created else 200,
            media_type="application/json",
            headers={"Location": f"/v1/reports/{report_id}"},
        )

    return await idempotent(request, caller, handle)


@router.get(
    "/{report_id}",
    summary="Read a report",
    response_model=ReportOut,
    responses={
        404: PROBLEM_RESPONSES[422] | {"description": "No such report."},
        **PROBLEM_RESPONSES,
    },
)
async def read_report(report_id: str, service: ServiceDep, caller: CallerDep) -> ReportOut:
    row = await run_in_threadpool(get_report, service.db, report_id)
    if row is None:
        raise NotFoundError(f"no report with id {report_id}")
    return ReportOut(**summary_of(row), text=row.text)


@router.get(
    "", summary="List reports, newest first", response_model=ReportPage, responses=PROBLEM_RESPONSES
)
async def list_all(
    service: ServiceDep,
    caller: CallerDep,
    published_from: Annotated[IsoDate | None, Query(description="Published on or after.")] = None,
    published_to: Annotated[IsoDate | None, Query(description="Published on or before.")] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words in the title or text (case-insensitive)."),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=500, description="From `next_cursor`.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReportPage:
    flt = ReportFilter(published_from, published_to, source, tag, q or None)
    rows, next_cursor = await run_in_threadpool(
        lambda: list_reports(service.db, flt, limit=limit, cursor=cursor)
    )
    return ReportPage(items=[ReportSummary(**summary_of(r)) for r in rows], next_cursor=next_cursor)
