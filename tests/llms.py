"""Scripted chat models for the verification tests (LangChain's fakes, plus recording)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field


class Scripted(BaseChatModel):
    """Answers with ``responses`` in turn, word by word; records every prompt.

    A response may be a function of the prompt's user message (to cite a chosen source).

    ``error`` is raised after ``error_after`` words; ``sleep`` is slept before each word.
    """

    responses: list[Any]
    sleep: float = 0.0
    error: Any = None
    error_after: int = 0
    prompts: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _next(self, messages: list[BaseMessage]) -> str:
        self.prompts.append(list(messages))
        response = self.responses[min(len(self.prompts), len(self.responses)) - 1]
        return str(response(messages[-1].text) if callable(response) else response)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(c.message.text for c in self._stream(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self._next(messages)
        for i, word in enumerate(re.findall(r"\S+\s*", text)):
            if self.error is not None and i >= self.error_after:
                raise self.error
            if self.sleep:
                time.sleep(self.sleep)
            yield ChatGenerationChunk(message=AIMessageChunk(content=word))
        if self.error is not None:
            raise self.error
