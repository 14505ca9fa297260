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
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from briefing.chat.answer import Answer
from briefing.errors import InputError
from briefing.schemas.chat import (
    CHAT_MODELS,
    UNSUPPORTED_PARAMETERS,
    AnswerMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatMessage,
    ChatRequest,
    ChatScope,
    ChatSessionIn,
    ChatSessionList,
    ChatSessionOut,
    Choice,
    ChunkChoice,
    Citation,
    Delta,
    ModelCard,
    ModelList,
    OpenAIError,
    SessionTurn,
)
from briefing.service import Service
from briefing.store.models import ChatSessionRow
from briefing_api.deps import CallerDep, ServiceDep

router = APIRouter(tags=["chat"])
STARTED = int(time.time())
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": OpenAIError, "description": text}
    for code, text in {
        400: "Invalid or unsupported request (OpenAI's error body names the parameter).",
        401: "Missing or invalid API key.",
        403: "The API key lacks the read scope.",
        413: "Request body over BRIEFING_MAX_BODY_BYTES.",
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
    request: ChatRequest, service: ServiceDep, caller: CallerDep
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
    messages, scope = list(request.messages), request.briefing
    session_id = request.briefing.session_id
    if session_id:
        session = await run_in_threadpool(service.chat_session, session_id, caller.key_id)
        stored = await run_in_threadpool(service.chat_turns, session_id)
        messages = [ChatMessage(role=t.role, content=t.content) for t in stored] + messages
        if not scope.narrows():
            scope = ChatScope.model_validate(session.scope)
    question = [m.text for m in request.messages if m.role == "user"][-1]
    events = _recorded(
        service.answer(messages, scope, max_tokens=max_tokens, temperature=request.temperature),
        service,
        session_id,
        question,
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


def _recorded(
    events: Iterator[str | Answer], service: Service, session_id: str | None, question: str
) -> Iterator[str | Answer]:
    """The answer's events; once finished, the question and answer join the session."""
    for event in events:
        if isinstance(event, Answer) and session_id:
            service.record_chat(session_id, question, event)
        yield event


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


# -- server-side sessions -------------------------------------------------------------


def _session_out(service: Service, row: ChatSessionRow, *, turns: bool) -> ChatSessionOut:
    return ChatSessionOut(
        id=row.id,
        title=row.title,
        briefing=ChatScope.model_validate(row.scope),
        created_at=row.created_at,
        updated_at=row.updated_at,
        messages=[
            SessionTurn(
                role=t.role,
                content=t.content,
                citations=[Citation.model_validate(c) for c in t.citations],
                created_at=t.created_at,
            )
            for t in (service.chat_turns(row.id) if turns else [])
        ],
    )


@router.post("/v1/chat/sessions", status_code=201, response_model=ChatSessionOut, responses=_ERRORS)
async def create_session(
    spec: ChatSessionIn, service: ServiceDep, caller: CallerDep
) -> ChatSessionOut:
    """Start a conversation the service keeps: pass its id as ``briefing.session_id`` to
    ``/v1/chat/completions`` and send only the new message each time."""
    row = await run_in_threadpool(service.create_chat_session, spec, caller.key_id)
    return _session_out(service, row, turns=False)


@router.get("/v1/chat/sessions", response_model=ChatSessionList, responses=_ERRORS)
async def list_sessions(
    service: ServiceDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ChatSessionList:
    """This key's sessions, most recently used first (without their messages)."""
    rows = await run_in_threadpool(service.chat_sessions, caller.key_id, limit=limit, offset=offset)
    return ChatSessionList(data=[_session_out(service, r, turns=False) for r in rows])


@router.get(
    "/v1/chat/sessions/{session_id}",
    response_model=ChatSessionOut,
    responses=_ERRORS | {404: {"model": OpenAIError, "description": "No such session."}},
)
async def get_session(session_id: str, service: ServiceDep, caller: CallerDep) -> ChatSessionOut:
    """A session with its messages and their citations."""
    row = await run_in_threadpool(service.chat_session, session_id, caller.key_id)
    return await run_in_threadpool(_session_out, service, row, turns=True)


@router.delete(
    "/v1/chat/sessions/{session_id}",
    status_code=204,
    responses=_ERRORS | {404: {"model": OpenAIError, "description": "No such session."}},
)
async def delete_session(session_id: str, service: ServiceDep, caller: CallerDep) -> Response:
    await run_in_threadpool(service.delete_chat_session, session_id, caller.key_id)
    return Response(status_code=204)
