"""A scripted chat model: replies (or raises) from a list and records every call."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    """Each call pops the next script entry: a str reply or an exception to raise."""

    script: list[Any] = Field(default_factory=list)
    default: str | None = None  # the reply once the script has run out
    calls: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls.append({"messages": list(messages), "kwargs": kwargs})
        if not self.script and self.default is None:
            raise AssertionError("the scripted model ran out of replies")
        item = self.script.pop(0) if self.script else self.default
        if isinstance(item, BaseException):
            raise item
        message = AIMessage(
            content=item,
            usage_metadata={"input_tokens": 100, "output_tokens": 10, "total_tokens": 110},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
