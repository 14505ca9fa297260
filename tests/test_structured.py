"""Chain mechanics on a scripted chat model: repair loop, transport retries, fallbacks."""

from __future__ import annotations

import httpx
import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel
from scripted import ScriptedChatModel

from briefing.errors import (
    BackendUnavailableError,
    ModelOutputError,
    ModelTimeoutError,
    ReportTooLongError,
)
from briefing.llm.structured import StructuredCaller, parse_json
from briefing.settings import StructuredMode


class Answer(BaseModel):
    verdict: str
    score: int


MESSAGES = [SystemMessage("Answer in JSON."), HumanMessage("Judge this.")]
_REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def caller(script: list[object], **kwargs: object) -> tuple[StructuredCaller, ScriptedChatModel]:
    model = ScriptedChatModel(script=script)
    options: dict[str, object] = {
        "mode": StructuredMode.JSON_OBJECT_SCHEMA,
        "context_tokens": 4096,
        "max_output_tokens": 256,
        "repair_attempts": 2,
        "transport_retries": 2,
        "backoff_s": 0.0,
    }
    options.update(kwargs)
    return StructuredCaller(chat=model, **options), model  # type: ignore[arg-type]


def test_invalid_json_is_fed_back_and_repaired() -> None:
    sc, model = caller(['{"verdict": "ok", "score": ', '{"verdict": "ok", "score": 3}'])
    result = sc.call(MESSAGES, Answer)
    assert result.value == Answer(verdict="ok", score=3)
    assert result.attempts == 2
    assert result.usage.llm_calls == 2 and result.usage.total_tokens == 220
    second = model.calls[1]["messages"]
    assert second[-2].content == '{"verdict": "ok", "score": '  # the bad answer, shown back
    assert "not valid" in second[-1].content and "JSON" in second[-1].content


def test_schema_violation_names_the_field_in_the_repair_message() -> None:
    sc, model = caller(['{"verdict": "ok", "score": "high"}', '{"verdict": "ok", "score": 2}'])
    assert sc.call(MESSAGES, Answer).value.score == 2
    assert "score" in model.calls[1]["messages"][-1].content


def test_repair_attempts_are_bounded_and_the_error_carries_usage() -> None:
    sc, model = caller(["nope", "still nope", "{}"], repair_attempts=2)
    with pytest.raises(ModelOutputError) as info:
        sc.call(MESSAGES, Answer)
    assert info.value.attempts == 3
    assert info.value.usage["llm_calls"] == 3 and info.value.usage["total_tokens"] == 330
    assert len(model.calls) == 3


def test_response_format_follows_the_mode() -> None:
    schema = Answer.model_json_schema()
    sc, model = caller(['{"verdict": "a", "score": 1}'], mode=StructuredMode.JSON_OBJECT_SCHEMA)
    sc.call(MESSAGES, Answer)
    assert model.calls[0]["kwargs"]["response_format"] == {"type": "json_object", "schema": schema}

    sc, model = caller(['{"verdict": "a", "score": 1}'], mode=StructuredMode.JSON_SCHEMA)
    sc.call(MESSAGES, Answer)
    fmt = model.calls[0]["kwargs"]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == schema

    sc, model = caller(['```json\n{"verdict": "a", "score": 1}\n```'], mode=StructuredMode.PLAIN)
    assert sc.call(MESSAGES, Answer).value.verdict == "a"
    assert "response_format" not in model.calls[0]["kwargs"]


def test_transport_errors_are_retried_separately_from_repairs() -> None:
    down = openai.APIConnectionError(request=_REQUEST)
    busy = openai.RateLimitError(
        "slow down", response=httpx.Response(429, request=_REQUEST), body=None
    )
    sc, model = caller([down, busy, '{"verdict": "ok", "score": 1}'], transport_retries=2)
    result = sc.call(MESSAGES, Answer)
    assert result.attempts == 1  # no repair was needed
    assert len(model.calls) == 3


def test_a_429_waits_as_long_as_its_retry_after_says(monkeypatch: pytest.MonkeyPatch) -> None:
    import briefing.llm.structured as structured

    waits: list[float] = []
    monkeypatch.setattr(structured.time, "sleep", waits.append)

    def busy(after: str) -> openai.RateLimitError:
        response = httpx.Response(429, headers={"Retry-After": after}, request=_REQUEST)
        return openai.RateLimitError("slow down", response=response, body=None)

    sc, _ = caller([busy("2"), busy("3600"), '{"verdict": "ok", "score": 1}'], backoff_s=0.5)
    assert sc.call(MESSAGES, Answer).value.score == 1
    assert waits == [2.0, structured.MAX_RETRY_AFTER_S]  # the server's word, capped


def test_a_timeout_runs_the_hook_and_is_not_retried_by_default() -> None:
    """The same prompt would run as long again, and the server may still be generating."""
    hooks: list[str] = []
    timeout = openai.APITimeoutError(request=_REQUEST)
    sc, model = caller(
        [timeout, '{"verdict": "ok", "score": 1}'], on_timeout=lambda: hooks.append("restart")
    )
    with pytest.raises(ModelTimeoutError) as info:
        sc.call(MESSAGES, Answer)
    assert info.value.tries == 1 and hooks == ["restart"] and len(model.calls) == 1
    assert isinstance(info.value, BackendUnavailableError)  # 503 / exit 3 where not degraded


def test_a_remote_backend_may_retry_a_timeout() -> None:
    hooks: list[str] = []
    timeout = openai.APITimeoutError(request=_REQUEST)
    sc, model = caller(
        [timeout, '{"verdict": "ok", "score": 1}'],
        on_timeout=lambda: hooks.append("x"),
        timeout_retries=1,
    )
    assert sc.call(MESSAGES, Answer).value.score == 1
    assert hooks == ["x"] and len(model.calls) == 2


def test_the_hook_runs_while_holding_the_limiter() -> None:
    """No other call may reach the server between the timeout and the restart."""
    import threading

    limiter = threading.BoundedSemaphore(1)
    held: list[bool] = []

    def hook() -> None:
        held.append(not limiter.acquire(blocking=False))

    sc, _ = caller([openai.APITimeoutError(request=_REQUEST)], on_timeout=hook, limiter=limiter)
    with pytest.raises(ModelTimeoutError):
        sc.call(MESSAGES, Answer)
    assert held == [True]
    assert limiter.acquire(blocking=False)  # released afterwards


def test_the_cap_goes_out_in_the_field_the_backend_honours() -> None:
    from langchain_core.messages import HumanMessage as H

    from briefing.llm.backend import CappedChatOpenAI
    from briefing.settings import OutputCapField, Settings

    def payload(field: OutputCapField) -> dict[str, object]:
        chat = CappedChatOpenAI(
            model="m",
            base_url="http://127.0.0.1:9/v1",
            api_key="k",
            max_completion_tokens=42,
            cap_field=field,
        )
        return chat._get_request_payload([H("hi")])

    llama = payload(OutputCapField.MAX_TOKENS)
    assert llama["max_tokens"] == 42 and "max_completion_tokens" not in llama
    openai_payload = payload(OutputCapField.MAX_COMPLETION_TOKENS)
    assert openai_payload["max_completion_tokens"] == 42 and "max_tokens" not in openai_payload
    assert Settings().effective_cap_field() is OutputCapField.MAX_TOKENS  # embedded
    remote = Settings(llm_base_url="https://api.openai.com/v1")
    assert remote.effective_cap_field() is OutputCapField.MAX_COMPLETION_TOKENS
    vllm = Settings(llm_base_url="http://gpu-box:8000/v1")
    assert vllm.effective_cap_field() is OutputCapField.MAX_TOKENS


def test_the_embedded_servers_answers_are_cached_across_its_ports() -> None:
    from briefing.llm.backend import CappedChatOpenAI

    def key(port: int, identity: str | None, temperature: float = 0.0) -> str:
        chat = CappedChatOpenAI(
            model="m",
            base_url=f"http://127.0.0.1:{port}/v1",
            api_key="k",
            temperature=temperature,
            cache_identity=identity,
        )
        return chat._get_llm_string(stop=None)

    embedded = "embedded smollm2.gguf"
    assert key(4001, embedded) == key(4002, embedded)  # a new process, a new port: a hit
    assert embedded in key(4001, embedded) and "4001" not in key(4001, embedded)
    assert key(4001, embedded) != key(4001, "embedded other.gguf")  # another model: a miss
    assert key(4001, embedded) != key(4001, embedded, temperature=0.7)
    assert key(4001, None) != key(4002, None)  # a remote endpoint's address stays in the key


def test_transport_retries_exhausted_means_backend_unavailable() -> None:
    errors = [openai.APIConnectionError(request=_REQUEST) for _ in range(3)]
    sc, model = caller(errors, transport_retries=2)
    with pytest.raises(BackendUnavailableError, match="after 3 tries"):
        sc.call(MESSAGES, Answer)
    assert len(model.calls) == 3


def test_a_backend_that_rejects_response_format_falls_back_to_plain_json() -> None:
    rejected = openai.BadRequestError(
        "response_format json_schema is not supported",
        response=httpx.Response(400, request=_REQUEST),
        body=None,
    )
    sc, model = caller([rejected, '{"verdict": "ok", "score": 5}', '{"verdict": "b", "score": 1}'])
    assert sc.call(MESSAGES, Answer).value.score == 5
    assert "response_format" in model.calls[0]["kwargs"]
    assert "response_format" not in model.calls[1]["kwargs"]
    sc.call(MESSAGES, Answer)  # the fallback sticks for later calls
    assert "response_format" not in model.calls[2]["kwargs"]


def test_prompt_budget_is_checked_before_the_call() -> None:
    sc, model = caller(['{"verdict": "ok", "score": 1}'], context_tokens=600, max_output_tokens=256)
    long = [HumanMessage("word " * 2000)]
    with pytest.raises(ReportTooLongError, match="tokens"):
        sc.call(long, Answer)
    assert model.calls == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Here you go: {"a": 1} done', {"a": 1}),
        ('```json\n{"a": [1, 2]}\n```', {"a": [1, 2]}),
    ],
)
def test_parse_json_finds_the_object(raw: str, expected: object) -> None:
    assert parse_json(raw) == expected


def test_parse_json_rejects_non_json() -> None:
    with pytest.raises(ValueError, match="no JSON"):
        parse_json("I cannot do that.")


def test_concurrency_limiter_bounds_calls_in_flight() -> None:
    import threading
    import time as _time

    in_flight, peak = 0, 0
    lock = threading.Lock()

    class Slow(ScriptedChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal in_flight, peak
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            _time.sleep(0.05)
            with lock:
                in_flight -= 1
            return super()._generate(messages, stop, run_manager, **kwargs)

    model = Slow(script=['{"verdict": "ok", "score": 1}'] * 6)
    limiter = threading.BoundedSemaphore(2)
    sc = StructuredCaller(
        chat=model,
        mode=StructuredMode.PLAIN,
        context_tokens=4096,
        max_output_tokens=64,
        limiter=limiter,
    )
    threads = [threading.Thread(target=sc.call, args=(MESSAGES, Answer)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(model.calls) == 6
    assert peak == 2


def test_a_reply_cut_off_at_the_cap_is_repaired_not_a_crash() -> None:
    """With the cap honoured, a reply can stop at it; the SDK then refuses to parse it
    (LengthFinishReasonError). The repair loop must see it as a cut-off answer."""
    from openai.types.chat import ChatCompletion

    completion = ChatCompletion.model_validate(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "length",
                    "message": {"role": "assistant", "content": '{"verdict": "lo'},
                }
            ],
            "usage": {"prompt_tokens": 50, "completion_tokens": 256, "total_tokens": 306},
        }
    )
    cut = openai.LengthFinishReasonError(completion=completion)
    sc, model = caller([cut, '{"verdict": "ok", "score": 1}'])
    result = sc.call(MESSAGES, Answer)
    assert result.value.score == 1 and result.attempts == 2
    assert result.usage.llm_calls == 2 and result.usage.output_tokens == 256 + 10
    repair = str(model.calls[1]["messages"][-1].content)
    assert "cut off at the 256-token limit" in repair
