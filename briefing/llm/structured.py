"""Structured output with a repair loop, by backend capability.

* ``json_schema``: ``response_format={"type": "json_schema", ...}`` (OpenAI, vLLM, Ollama).
* ``json_object_schema``: ``{"type": "json_object", "schema": ...}``, which llama-cpp-python's
  server turns into a grammar that constrains decoding.
* ``plain``: no response format; the reply's JSON is extracted and validated by us. A backend
  that rejects a response format (HTTP 400 about it) falls back to this mode.

Validation failures are fed back to the model up to ``repair_attempts`` times; then
:class:`ModelOutputError` carries the attempts and token usage. Transport failures (connection
errors, 429, 5xx) are retried with exponential backoff, separately. A timeout is different: the
same prompt would run as long again, and a server may still be generating for the abandoned
request, so ``on_timeout`` runs first (the embedded backend restarts its server there) and the
call is retried only ``timeout_retries`` times before :class:`ModelTimeoutError`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import openai
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from briefing.errors import (
    BackendUnavailableError,
    ModelOutputError,
    ModelTimeoutError,
    ReportTooLongError,
)
from briefing.llm.tokens import count_message_tokens
from briefing.schemas.brief import Usage
from briefing.settings import StructuredMode

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    openai.APIConnectionError,
    openai.RateLimitError,
    openai.InternalServerError,
)

MAX_RETRY_AFTER_S = 30.0  # a longer Retry-After fails the call: the job is retried later


def _retry_after_s(exc: BaseException) -> float:
    """The server's Retry-After (seconds), capped; 0 when it gave none."""
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S) if value else 0.0
    except ValueError:  # an HTTP date: wait the longest we wait
        return MAX_RETRY_AFTER_S


REPAIR_MESSAGE = (
    "Your answer was not valid: {error}\n"
    "Answer again with one JSON object that fits the schema. JSON only, no commentary."
)


@dataclass
class CallResult(Generic[T]):
    value: T
    usage: Usage
    attempts: int
    elapsed_s: float
    raw: str


@dataclass
class StructuredCaller:
    """Calls a chat model for one pydantic type, repairing and retrying as configured."""

    chat: BaseChatModel
    mode: StructuredMode
    context_tokens: int
    max_output_tokens: int
    repair_attempts: int = 2
    transport_retries: int = 3
    backoff_s: float = 0.5
    repair_template: str = REPAIR_MESSAGE
    limiter: threading.BoundedSemaphore | None = None  # bounds calls in flight
    on_timeout: Callable[[], None] | None = None  # runs holding the limiter, after a timeout
    timeout_retries: int = 0
    timeout_s: float = 0.0  # the client's per-request timeout, for messages
    _fallen_back: bool = field(default=False, repr=False)

    def check_budget(self, messages: Sequence[BaseMessage]) -> int:
        """Prompt tokens (cl100k); raise if prompt plus answer would overflow the context."""
        prompt_tokens = count_message_tokens([str(m.content) for m in messages])
        # cl100k is not every model's tokenizer: keep a 15% margin.
        budget = int((self.context_tokens - self.max_output_tokens) / 1.15)
        if prompt_tokens > budget:
            raise ReportTooLongError(
                f"the prompt needs about {prompt_tokens} tokens but the model's budget for "
                f"one call is {budget} (context {self.context_tokens}, answer "
                f"{self.max_output_tokens}); shorten the report",
                prompt_tokens=prompt_tokens,
                budget=budget,
            )
        return prompt_tokens

    def call(
        self,
        messages: Sequence[BaseMessage],
        output: type[T],
        *,
        json_schema: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> CallResult[T]:
        schema = json_schema or output.model_json_schema()
        history = list(messages)
        usage = Usage()
        started = time.perf_counter()
        last_error = ""
        for attempt in range(1, self.repair_attempts + 2):
            self.check_budget(history)
            reply = self._invoke(history, schema, output.__name__)
            usage = usage.add(_usage_of(reply))
            raw = str(reply.content)
            try:
                value = output.model_validate(parse_json(raw), context=context)
            except (ValueError, ValidationError) as exc:
                last_error = _short_error(exc)
                if reply.response_metadata.get("finish_reason") == "length":
                    last_error = (
                        f"the answer was cut off at the {self.max_output_tokens}-token limit "
                        f"({last_error}); give a shorter answer"
                    )
                log.warning("model output invalid (attempt %d): %s", attempt, last_error)
                history += [
                    AIMessage(content=raw),
                    HumanMessage(self.repair_template.format(error=last_error)),
                ]
                continue
            return CallResult(value, usage, attempt, time.perf_counter() - started, raw)
        raise ModelOutputError(
            f"the model's answer failed validation {self.repair_attempts + 1} times: {last_error}",
            attempts=self.repair_attempts + 1,
            usage=usage.model_dump(),
            last_error=last_error,
        )

    def _invoke(self, messages: list[BaseMessage], schema: dict[str, Any], name: str) -> AIMessage:
        mode = StructuredMode.PLAIN if self._fallen_back else self.mode
        kwargs = _response_format(mode, schema, name)
        failures = timeouts = 0
        while True:
            try:
                if self.limiter is None:
                    reply = self._invoke_once(messages, kwargs)
                else:
                    with self.limiter:
                        reply = self._invoke_once(messages, kwargs)
            except openai.LengthFinishReasonError as exc:
                # The reply ran into the cap: the SDK refuses to parse it, the repair loop
                # shows it to the model as cut off (so the cap is the bound, not a failure).
                return _cut_off_reply(exc.completion)
            except openai.APITimeoutError:
                timeouts += 1
                if timeouts > self.timeout_retries:
                    raise ModelTimeoutError(
                        f"the model did not answer within {self.timeout_s:g} s ({timeouts} tries)",
                        timeout_s=self.timeout_s,
                        tries=timeouts,
                    ) from None
                log.warning(
                    "model call timed out; trying again (%d/%d)", timeouts, self.timeout_retries
                )
                continue
            except openai.BadRequestError as exc:
                detail = str(exc).lower()
                if kwargs and ("response_format" in detail or "schema" in detail):
                    log.warning("backend rejected %s output; falling back to plain JSON", mode)
                    self._fallen_back = True
                    kwargs = {}
                    continue
                raise BackendUnavailableError(
                    f"the model backend refused the request: {exc}"
                ) from None
            except TRANSPORT_ERRORS as exc:
                failures += 1
                if failures > self.transport_retries:
                    raise BackendUnavailableError(
                        f"the model backend is unavailable after {failures} tries: "
                        f"{type(exc).__name__}: {exc}"
                    ) from None
                delay = max(self.backoff_s * (2 ** (failures - 1)), _retry_after_s(exc))
                log.warning("transport error (%s); retrying in %.1fs", type(exc).__name__, delay)
                time.sleep(delay)
                continue
            if not isinstance(reply, AIMessage):
                raise BackendUnavailableError(f"unexpected reply type {type(reply).__name__}")
            return reply

    def _invoke_once(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> BaseMessage:
        try:
            return self.chat.invoke(messages, **kwargs)
        except openai.APITimeoutError:
            if self.on_timeout is not None:
                self.on_timeout()
            raise


def _cut_off_reply(completion: Any) -> AIMessage:
    """The reply of a completion that stopped at the token cap, as the chat model would give
    it, marked ``finish_reason: length``."""
    content = (completion.choices[0].message.content or "") if completion.choices else ""
    usage = completion.usage
    inp = int(usage.prompt_tokens) if usage else 0
    out = int(usage.completion_tokens) if usage else 0
    return AIMessage(
        content=content,
        usage_metadata={"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out},
        response_metadata={"finish_reason": "length"},
    )


def _response_format(mode: StructuredMode, schema: dict[str, Any], name: str) -> dict[str, Any]:
    if mode is StructuredMode.JSON_SCHEMA:
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": False},
            }
        }
    if mode is StructuredMode.JSON_OBJECT_SCHEMA:
        return {"response_format": {"type": "json_object", "schema": schema}}
    return {}


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def parse_json(raw: str) -> Any:
    """The JSON object in a reply: bare, fenced, or the outermost {...}."""
    text = raw.strip()
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        return json.loads(text, strict=False)  # raw newlines inside strings are fine
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start != -1 and end > start:
            try:
                return json.loads(text[start : end + 1], strict=False)
            except json.JSONDecodeError as exc:
                raise ValueError(f"reply is not valid JSON: {exc.msg} at char {exc.pos}") from None
        raise ValueError("reply holds no JSON object") from None


def _usage_of(message: AIMessage) -> Usage:
    meta = message.usage_metadata
    inp = int(meta["input_tokens"]) if meta else 0
    out = int(meta["output_tokens"]) if meta else 0
    return Usage(llm_calls=1, input_tokens=inp, output_tokens=out, total_tokens=inp + out)


def _short_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
            for e in exc.errors()[:6]
        ]
        more = exc.error_count() - len(parts)
        return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
    return str(exc)
