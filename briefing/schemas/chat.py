"""OpenAI Chat Completions, as briefing serves them: request, answer, stream chunks, models.

Field names and shapes follow OpenAI's API so that the official SDKs and LangChain's
``ChatOpenAI`` work unchanged. briefing adds one request field, ``briefing`` (reachable from
the SDK's ``extra_body``), that narrows the stored reports a conversation covers; answers
carry ``message.annotations`` of type ``url_citation`` whose ``url`` points at the cited
span of a stored report (``/v1/reports/{id}#chars=START-END``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from briefing.schemas.scales import Reliability
from briefing.schemas.schedule import IsoDateTime

CHAT_MODELS = {
    "briefing": "Answers from the stored reports, every statement cited.",
}

# Accepted for compatibility and ignored: they change nothing a grounded answer depends on.
IGNORED_PARAMETERS = (
    "frequency_penalty",
    "presence_penalty",
    "top_p",
    "seed",
    "user",
    "metadata",
    "store",
    "service_tier",
    "stop",
    "parallel_tool_calls",
    "reasoning_effort",
)
# Refused with a 400 naming the parameter: an answer that quietly ignored them would mislead.
UNSUPPORTED_PARAMETERS = (
    "tools",
    "tool_choice",
    "functions",
    "function_call",
    "logprobs",
    "top_logprobs",
    "response_format",
    "audio",
    "modalities",
    "prediction",
    "logit_bias",
    "web_search_options",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContentPart(_Strict):
    type: Literal["text"]
    text: str = Field(max_length=100_000)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None
    name: str | None = Field(default=None, max_length=200)

    @property
    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part.text for part in self.content)

    @field_validator("content")
    @classmethod
    def _no_nul(cls, value: str | list[ContentPart] | None) -> str | list[ContentPart] | None:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class ChatScope(_Strict):
    """Which stored reports the conversation covers (all of them by default)."""

    report_ids: list[str] = Field(default_factory=list, max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=50)
    sources: list[str] = Field(default_factory=list, max_length=50)
    since: IsoDateTime | None = Field(
        default=None, description="Reports published (else received) on or after this day."
    )
    until: IsoDateTime | None = Field(
        default=None, description="Reports published (else received) before this day."
    )
    session_id: str | None = Field(
        default=None,
        max_length=32,
        description="A server-side session (POST /v1/chat/sessions): its earlier turns come "
        "before the request's messages, its scope applies unless this request sets one, and "
        "the question and answer are added to it.",
    )

    def narrows(self) -> bool:
        return bool(self.report_ids or self.tags or self.sources or self.since or self.until)

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class StreamOptions(_Strict):
    include_usage: bool = False


class ChatRequest(BaseModel):
    """``POST /v1/chat/completions``: OpenAI's request, plus ``briefing`` (the scope)."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(max_length=100, examples=["briefing"])
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=32_000)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=32_000)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(default=1, ge=1, le=1, description="One choice per request.")
    briefing: ChatScope = Field(default_factory=ChatScope)

    def unknown_parameters(self) -> list[str]:
        """Parameters briefing neither uses nor knows to be harmless."""
        extra = self.model_extra or {}
        return [k for k in extra if k not in IGNORED_PARAMETERS]


class UrlCitation(_Strict):
    start_index: int = Field(description="Start of the cited statement in the answer text.")
    end_index: int
    title: str
    url: str = Field(description="The cited span: /v1/reports/{id}#chars=START-END")


class Annotation(_Strict):
    type: Literal["url_citation"] = "url_citation"
    url_citation: UrlCitation


class AnswerMessage(_Strict):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: str | None = None
    annotations: list[Annotation] = Field(default_factory=list)


class Choice(_Strict):
    index: int = 0
    message: AnswerMessage
    finish_reason: Literal["stop", "length"] = "stop"
    logprobs: None = None


class ChatUsage(_Strict):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class Attribution(_Strict):
    """Who says what a cited span says, from the report's brief (the cached one, else the
    code-only brief): the attribution chain and its grades."""

    chain: str = Field(description="e.g. 'ISW, citing HUR'.")
    originator: str
    reporting_verb: str
    source_reliability: Reliability | None = Field(
        default=None, description="Admiralty reliability of the attributed source, A-F."
    )
    credibility: int = Field(ge=1, le=6, description="Information credibility, 1-6.")
    corroborated_by: list[str] = Field(default_factory=list)


class Citation(_Strict):
    """briefing's own record of a citation: the stored span behind an ``[n]`` marker."""

    marker: int
    report_id: str
    start: int
    end: int
    text: str
    title: str | None = None
    source: str | None = None
    published: dt.date | None = None
    attributions: list[Attribution] = Field(default_factory=list)


class AnswerProvenance(_Strict):
    model: str
    prompt_versions: dict[str, str]
    passages_retrieved: int
    retrieval_ms: float
    refused: bool = Field(description="The reports do not answer the question.")
    citations: list[Citation] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class ChatCompletion(_Strict):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: ChatUsage
    system_fingerprint: str | None = None
    briefing: AnswerProvenance


class Delta(_Strict):
    role: Literal["assistant"] | None = None
    content: str | None = None
    annotations: list[Annotation] | None = None


class ChunkChoice(_Strict):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop", "length"] | None = None
    logprobs: None = None


class ChatCompletionChunk(_Strict):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: ChatUsage | None = None
    system_fingerprint: str | None = None
    briefing: AnswerProvenance | None = None


class ModelCard(_Strict):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "briefing"
    description: str | None = None


class ModelList(_Strict):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class OpenAIErrorBody(_Strict):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(_Strict):
    """The error body of the OpenAI-compatible routes (what the SDKs read)."""

    error: OpenAIErrorBody


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=False)


class ChatSessionIn(_Strict):
    """``POST /v1/chat/sessions``: a conversation kept by the service."""

    title: str | None = Field(default=None, max_length=200)
    briefing: ChatScope = Field(
        default_factory=ChatScope, description="The reports the session covers by default."
    )


class SessionTurn(_Strict):
    role: Literal["user", "assistant"]
    content: str
    citations: list[Citation] = Field(default_factory=list)
    created_at: dt.datetime


class ChatSessionOut(_Strict):
    id: str
    title: str | None
    briefing: ChatScope
    created_at: dt.datetime
    updated_at: dt.datetime
    messages: list[SessionTurn] = Field(default_factory=list)


class ChatSessionList(_Strict):
    object: Literal["list"] = "list"
    data: list[ChatSessionOut]
