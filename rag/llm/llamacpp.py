"""A LangChain chat model that runs a local GGUF file in this process (xllamacpp).

xllamacpp embeds llama.cpp's own server: requests are passed to it as Python dicts in the
OpenAI chat format, no HTTP involved (it does also listen on a random 127.0.0.1 port).
Install with ``pip install 'rag-cite[llamacpp]'``.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from ..errors import BackendError

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


class ChatLlamaCpp(BaseChatModel):
    """``ChatLlamaCpp(model_path="model.gguf")``: loads the model on first use."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 0  # 0: all cores
    max_tokens: int = 400
    temperature: float = 0.0

    _server: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx}

    def server(self) -> Any:
        """The embedded llama.cpp server, started (and the model loaded) on first call."""
        with self._lock:
            if self._server is None:
                self._server = _start(self)
            return self._server

    def _request(
        self, messages: list[BaseMessage], stop: list[str] | None, stream: bool
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": stream,
        }
        if stop:
            request["stop"] = stop
        return request

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result = self.server().handle_chat_completions(self._request(messages, stop, False))
        _raise_for_error(result)
        content = result["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        server = self.server()
        request = self._request(messages, stop, True)
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        cancel = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            if isinstance(chunk, dict) and "error" in chunk:
                pieces.put(("error", chunk["error"]))
                return True
            for choice in chunk.get("choices", []) if isinstance(chunk, dict) else []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    pieces.put(("text", text))
            return cancel.is_set()  # True stops generation

        def work() -> None:
            try:
                server.handle_chat_completions(request, on_chunk)
                pieces.put(("done", None))
            except Exception as exc:  # handed to the consumer
                pieces.put(("error", exc))

        threading.Thread(target=work, name="llamacpp-stream", daemon=True).start()
        try:
            while True:
                kind, value = pieces.get()
                if kind == "done":
                    return
                if kind == "error":
                    _raise_for_error({"error": value})
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=value))
                if run_manager is not None:
                    run_manager.on_llm_new_token(value, chunk=chunk)
                yield chunk
        finally:
            cancel.set()


def _start(model: ChatLlamaCpp) -> Any:
    path = Path(model.model_path).expanduser()
    if not path.is_file():
        raise BackendError(
            f"no GGUF model file at {str(path)!r}: set RAG_LLM_MODEL to the path of a .gguf file"
        )
    try:
        import xllamacpp as xlc
    except ImportError:
        raise BackendError(
            "the llamacpp backend needs xllamacpp: pip install 'rag-cite[llamacpp]'"
        ) from None
    params = xlc.CommonParams()
    params.model.path = str(path)
    params.n_ctx = model.n_ctx
    params.n_predict = model.max_tokens
    params.cpuparams.n_threads = model.n_threads or os.cpu_count() or 1
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.verbosity = -1
    try:
        return xlc.Server(params)
    except Exception as exc:
        raise BackendError(f"llama.cpp could not load {str(path)!r}: {exc}") from None


def _raise_for_error(result: Any) -> None:
    if isinstance(result, dict) and result.get("error"):
        error = result["error"]
        if isinstance(error, Exception):
            raise error
        message = error.get("message", error) if isinstance(error, dict) else error
        raise RuntimeError(f"llama.cpp: {message}")
