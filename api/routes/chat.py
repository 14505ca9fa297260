"""OpenAI-compatible chat: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Point the official ``openai`` SDK or LangChain's ``ChatOpenAI`` at the service (``base_url``
= the service's ``/v1``, ``api_key`` = a briefing API key). Answers come from the stored
reports only, every sentence cited. Errors on these routes use OpenAI's error body.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from api.deps import CallerDep, ServiceDep
from briefing.chat.answer import Answer
from briefing.errors import InputError
from briefing.schemas.chat import (
    CHAT_MODELS,
    UNSUPPORTED_PARAMETERS,
    AnswerMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    Choice,
    ChunkChoice,
    Delta,
    ModelCard,
    ModelList,
    OpenAIError,
)

router = APIRouter(tags=["chat"])
STARTED = int(time.time())
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": OpenAIError, "description": text}
    for code, text in {
        400: "Invalid or unsupported request (OpenAI's error body names the parameter).",
        401: "Missing or invalid API key.",
        403: "The API key lacks the read scope.",
        429: "Rate limit exceeded; see Retry-After.",
        500: "Internal error.",
        503: "The model backend is unavailable.",
    }.items()
}


@router.get("/v1/models", response_model=ModelList, responses=_ERRORS)
async def list_models(_caller: CallerDep) -> ModelList:
    """The chat models: ``briefing`` answers from the stored reports."""
    return ModelList(
        data=[ModelCard(id=name, created=STARTED, description=d) for name, d in CHAT_MODELS.items()]
    )


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    responses=_ERRORS
    | {200: {"content": {"text/event-stream": {}}, "description": "The answer, or its stream."}},
)
async def chat_completions(
    request: ChatRequest, service: ServiceDep, _caller: CallerDep
) -> JSONResponse | StreamingResponse:
    """Answer the conversation's last user message from the stored reports.

    Every sentence of the answer cites ``[n]``; ``message.annotations`` map each to a report
    span (``/v1/reports/{id}#chars=START-END``) and footnotes repeat them in the text. When
    the reports do not answer, the answer says so. ``briefing`` (the SDK's ``extra_body``)
    narrows the reports: ``report_ids``, ``tags``, ``sources``, ``since``, ``until``. With
    ``stream``, server-sent events in OpenAI's chunk format end with ``data: [DONE]``; the
    annotations come in a final annotation-only chunk.
    """
    _check(request)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    max_tokens = request.max_completion_tokens or request.max_tokens
    events = service.answer(
        request.messages,
        request.briefing,
        max_tokens=max_tokens,
        temperature=request.temperature,
    )
    if request.stream:
        include_usage = bool(request.stream_options and request.stream_options.include_usage)
        first = await run_in_threadpool(_next, events)  # errors before the stream: a status
        return StreamingResponse(
            _sse(first, events, completion_id, created, request.model, include_usage),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer = await run_in_threadpool(_collect, events)
    body = ChatCompletion(
        id=completion_id,
        created=created,
        model=request.model,
        choices=[
            Choice(message=AnswerMessage(content=answer.content, annotations=answer.annotations))
        ],
        usage=answer.usage,
        briefing=answer.provenance,
    )
    return JSONResponse(body.model_dump(mode="json"))


def _check(request: ChatRequest) -> None:
    if request.model not in CHAT_MODELS:
        raise InputError(
            f"unknown model {request.model!r}; GET /v1/models lists {', '.join(CHAT_MODELS)}",
            field="model",
        )
    for name in request.unknown_parameters():
        why = "is not supported" if name in UNSUPPORTED_PARAMETERS else "is not a known parameter"
        raise InputError(f"{name} {why} by briefing's chat endpoint", field=name)
    if not any(m.role == "user" and m.text.strip() for m in request.messages):
        raise InputError("messages: the conversation needs a user message", field="messages")


def _next(events: Iterator[str | Answer]) -> str | Answer | None:
    return next(events, None)


def _collect(events: Iterator[str | Answer]) -> Answer:
    for event in events:
        if isinstance(event, Answer):
            return event
    raise InputError("the answer ended without a result")


def _sse(
    first: str | Answer | None,
    events: Iterator[str | Answer],
    completion_id: str,
    created: int,
    model: str,
    include_usage: bool,
) -> Iterator[str]:
    """OpenAI's chunks: the role, the sentences, the footnotes, the annotations, the stop,
    the usage (when asked), ``[DONE]``. A sync generator: Starlette runs it in a thread."""

    def chunk(delta: Delta, finish: str | None = None, **extra: Any) -> str:
        body = ChatCompletionChunk(
            id=completion_id,
            created=created,
            model=model,
            choices=[ChunkChoice(delta=delta, finish_reason=finish)],
            **extra,
        )
        return _event(body)

    yield chunk(Delta(role="assistant", content=""))
    sent = ""
    answer: Answer | None = None
    pending = [first] if first is not None else []
    for event in _chain(pending, events):
        if isinstance(event, Answer):
            answer = event
            break
        sent += event
        yield chunk(Delta(content=event))
    if answer is None:
        return
    if answer.content.startswith(sent) and len(answer.content) > len(sent):
        yield chunk(Delta(content=answer.content[len(sent) :]))  # the footnotes
    if answer.annotations:
        yield chunk(Delta(annotations=answer.annotations))
    yield chunk(Delta(), "stop", briefing=answer.provenance)
    if include_usage:
        body = ChatCompletionChunk(
            id=completion_id, created=created, model=model, choices=[], usage=answer.usage
        )
        yield _event(body)
    yield "data: [DONE]\n\n"


def _event(chunk: ChatCompletionChunk) -> str:
    data = chunk.model_dump(mode="json")
    if data.get("briefing") is None:
        data.pop("briefing", None)
    for choice in data["choices"]:
        delta = choice["delta"]
        for key in ("role", "content", "annotations"):
            if delta.get(key) is None:
                delta.pop(key, None)
    return f"data: {json.dumps(data)}\n\n"


def _chain(first: list[str | Answer], rest: Iterator[str | Answer]) -> Iterator[str | Answer]:
    yield from first
    yield from rest
