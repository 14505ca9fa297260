"""One way to call a model: LangChain ``ChatOpenAI`` on any OpenAI-compatible endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_openai import ChatOpenAI

from briefing.settings import OutputCapField, Settings, StructuredMode


class CappedChatOpenAI(ChatOpenAI):
    """``ChatOpenAI`` that sends the reply cap in the field the backend honours.

    LangChain always sends ``max_completion_tokens`` (OpenAI's current name), which the
    llama.cpp server ignores: a reply capped at 8 tokens ran to 922. With ``cap_field =
    "max_tokens"`` the cap goes out as ``max_tokens``, which llama.cpp, Ollama and vLLM honour.
    """

    cap_field: OutputCapField = OutputCapField.MAX_TOKENS
    # Stands for the base URL in LLM-cache keys: the embedded server listens on a new port in
    # each process, and its answers should outlive the process that asked.
    cache_identity: str | None = None

    def _get_llm_string(self, stop: list[str] | None = None, **kwargs: Any) -> str:
        llm_string: str = super()._get_llm_string(stop=stop, **kwargs)
        if self.cache_identity is None or self.openai_api_base is None:
            return llm_string
        return llm_string.replace(
            json.dumps(self.openai_api_base), json.dumps(self.cache_identity), 1
        )

    def _get_request_payload(
        self, input_: Any, *, stop: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        cap = payload.pop("max_completion_tokens", None)
        cap = payload.pop("max_tokens", cap)
        if cap is not None:
            payload[self.cap_field.value] = cap
        return payload


@dataclass(frozen=True)
class Backend:
    """A chat model plus what the brief records about it."""

    chat: BaseChatModel
    model: str
    label: str  # base URL, or "embedded"
    mode: StructuredMode
    # Bounds the LLM calls in flight through this backend (BRIEFING_LLM_CONCURRENCY).
    limiter: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(2), compare=False
    )
    # Called (holding the limiter) when a call timed out, before anything else is sent: the
    # embedded backend restarts its server so that no abandoned generation runs on.
    on_timeout: Callable[[], None] | None = field(default=None, compare=False)
    timeout_retries: int = 0  # a timed-out call is tried again this many times


def make_backend(settings: Settings, *, cache: BaseCache | None = None) -> Backend:
    """Build the chat model for the configured endpoint, starting the embedded one if unset.

    ``cache``: a LangChain cache for generations (an unchanged prompt then costs nothing).
    """
    on_timeout: Callable[[], None] | None = None
    if settings.uses_embedded:
        from briefing.llm.embedded import get_server, restart_server

        server = get_server(settings)
        base_url, label = server.base_url, "embedded"
        identity: str | None = f"embedded {server.model_path.name}"

        def on_timeout() -> None:
            restart_server(settings)

    else:
        base_url = label = str(settings.llm_base_url)
        identity = None
    chat = CappedChatOpenAI(
        model=settings.llm_model,
        base_url=base_url,
        api_key=settings.llm_api_key,
        temperature=settings.llm_temperature,
        max_completion_tokens=settings.llm_max_output_tokens,
        cap_field=settings.effective_cap_field(),
        cache_identity=identity,
        timeout=settings.llm_timeout_s,
        max_retries=0,  # transport retries are ours: see briefing.llm.structured
        stream_usage=True,
        cache=cache,
    )
    return Backend(
        chat=chat,
        model=settings.llm_model,
        label=label,
        mode=settings.effective_structured_mode(),
        # llama.cpp's server answers one request at a time: more in flight would only wait
        # there, spending their timeout.
        limiter=threading.BoundedSemaphore(
            1 if settings.uses_embedded else settings.llm_concurrency
        ),
        on_timeout=on_timeout,
        timeout_retries=0 if settings.uses_embedded else settings.llm_timeout_retries,
    )
