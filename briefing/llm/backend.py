"""One way to call a model: LangChain ``ChatOpenAI`` on any OpenAI-compatible endpoint."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from langchain_core.caches import BaseCache
from langchain_core.language_models.chat_models import BaseChatModel

from briefing.settings import Settings, StructuredMode


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


def make_backend(settings: Settings, *, cache: BaseCache | None = None) -> Backend:
    """Build the chat model for the configured endpoint, starting the embedded one if unset.

    ``cache``: a LangChain cache for generations (an unchanged prompt then costs nothing).
    """
    from langchain_openai import ChatOpenAI

    if settings.uses_embedded:
        from briefing.llm.embedded import get_server

        base_url, label = get_server(settings).base_url, "embedded"
    else:
        base_url = label = str(settings.llm_base_url)
    chat = ChatOpenAI(
        model=settings.llm_model,
        base_url=base_url,
        api_key=settings.llm_api_key,
        temperature=settings.llm_temperature,
        max_completion_tokens=settings.llm_max_output_tokens,
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
    )
