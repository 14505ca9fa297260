"""The HTTP service for internal tools (minimal: health, schema, synchronous briefs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api import problems
from briefing import Brief, BriefChain, brief_json_schema, get_settings, load_report


class ReportIn(BaseModel):
    """A report sent inline."""

    text: str = Field(min_length=1, description="The report text (plain text or Markdown).")
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: dt.date | None = Field(default=None, description="The report's date (ISO).")
    tags: list[str] = Field(default_factory=list)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "text": "HUR says Russia has dismissed General Sergey Kisel from command.",
                    "title": "Russian command changes in Syria",
                    "published_at": "2024-12-02",
                }
            ]
        }
    }


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.chain = None
    yield


def get_chain(request: Request) -> BriefChain:
    if request.app.state.chain is None:
        request.app.state.chain = BriefChain(get_settings())
    chain: BriefChain = request.app.state.chain
    return chain


ChainDep = Annotated[BriefChain, Depends(get_chain)]


def create_app() -> FastAPI:
    app = FastAPI(
        title="briefing",
        version="0.1.0",
        summary="Grounded, structured briefs from reports.",
        lifespan=lifespan,
        responses={422: {"model": problems.Problem}, 500: {"model": problems.Problem}},
    )
    problems.install(app)

    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers.")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/schemas/brief", tags=["schemas"], summary="The JSON Schema of a brief.")
    async def brief_schema() -> dict[str, Any]:
        return brief_json_schema()

    @app.post(
        "/v1/briefs",
        response_model=Brief,
        tags=["briefs"],
        summary="Brief an inline report, synchronously.",
        responses={413: {"model": problems.Problem}, 503: {"model": problems.Problem}},
    )
    async def create_brief(report_in: ReportIn, chain: ChainDep) -> Brief:
        report = load_report(
            report_in.text,
            max_bytes=chain.settings.max_input_bytes,
            title=report_in.title,
            source=report_in.source,
            url=report_in.url,
            published=report_in.published_at,
            tags=report_in.tags,
        )
        return await run_in_threadpool(chain.run, report)

    return app


app = create_app()
