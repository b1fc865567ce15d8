"""Language model backends chosen by settings, and what their failures mean for the user.

Each integration is an optional extra imported only here (or in ``llamacpp.py``):
``rag-cite[openai]`` (any OpenAI-compatible server), ``rag-cite[ollama]``,
``rag-cite[llamacpp]`` (a GGUF file run in process).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import BackendError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

OLLAMA_URL = "http://127.0.0.1:11434"
OPENAI_MODEL = "gpt-4o-mini"


class LLMTimeout(Exception):
    """The model did not finish within ``llm_timeout`` seconds."""


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model ``settings.backend`` names; ``None`` for the extractive backend."""
    if settings.backend == "extractive":
        return None
    if settings.backend == "openai":
        return _openai(settings)
    if settings.backend == "ollama":
        return _ollama(settings)
    return _llamacpp(settings)


def _openai(settings: Settings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise BackendError(
            "the openai backend needs langchain-openai: pip install 'rag-cite[openai]'"
        ) from None
    api_key = settings.llm_api_key or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if settings.llm_base_url is None:
            raise BackendError(
                "the openai backend needs an API key: set RAG_LLM_API_KEY (or OPENAI_API_KEY), "
                "or RAG_LLM_BASE_URL to a local OpenAI-compatible server"
            )
        api_key = "not-needed"  # local servers (llama.cpp, vLLM) accept any key
    model = settings.llm_model
    if not model:
        model = _served_model(settings.llm_base_url, api_key) if settings.llm_base_url else ""
    kwargs: dict[str, Any] = {
        "model": model or OPENAI_MODEL,
        "api_key": api_key,
        "timeout": settings.llm_timeout,
        "max_retries": 1,
        "temperature": settings.llm_temperature,
        "max_tokens": settings.llm_max_tokens,
    }
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    return ChatOpenAI(**kwargs)


def _served_model(base_url: str, api_key: str) -> str:
    """The model a local OpenAI-compatible server serves, when it serves exactly one."""
    import json
    import urllib.request

    request = urllib.request.Request(
        base_url.rstrip("/") + "/models", headers={"Authorization": f"Bearer {api_key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            models = [m["id"] for m in json.load(response).get("data", [])]
    except Exception:  # unreachable or not listing: the first request will say so
        return ""
    return models[0] if len(models) == 1 else ""


def _ollama(settings: Settings) -> BaseChatModel:
    if not settings.llm_model:
        raise BackendError("the ollama backend needs a model: set RAG_LLM_MODEL (e.g. llama3.2)")
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise BackendError(
            "the ollama backend needs langchain-ollama: pip install 'rag-cite[ollama]'"
        ) from None
    return ChatOllama(
        model=settings.llm_model,
        base_url=settings.llm_base_url or OLLAMA_URL,
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        num_ctx=settings.llm_context,
        client_kwargs={"timeout": settings.llm_timeout},
    )


def _llamacpp(settings: Settings) -> BaseChatModel:
    if not settings.llm_model:
        raise BackendError("the llamacpp backend needs RAG_LLM_MODEL: the path of a .gguf file")
    from .llamacpp import ChatLlamaCpp

    return ChatLlamaCpp(
        model_path=settings.llm_model,
        n_ctx=settings.llm_context,
        n_threads=settings.llm_threads,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )


def backend_name(llm: Any, settings: Settings) -> str:
    """How answers name the model: "openai:gpt-4o-mini", "llamacpp:qwen.gguf", ..."""
    kind = settings.backend if settings.backend != "extractive" else _type(llm)
    model = (
        getattr(llm, "model_name", None)
        or getattr(llm, "model", None)
        or getattr(llm, "model_path", None)
    )
    if isinstance(model, str) and model:
        return f"{kind}:{os.path.basename(model) if kind == 'llamacpp' else model}"
    return kind


def _type(llm: Any) -> str:
    try:
        return str(llm._llm_type)
    except Exception:
        return type(llm).__name__


def describe_failure(exc: BaseException, settings: Settings) -> tuple[bool, str]:
    """(fatal, message). Fatal failures are set-up mistakes the user must fix; the rest
    (timeouts, server errors, nonsense) make the answer fall back to the extractive one."""
    chain = list(_causes(exc))
    names = {type(e).__name__ for e in chain}
    codes = [getattr(e, "status_code", None) for e in chain]
    status = next((c for c in codes if c is not None), None)
    where = _where(settings)
    if isinstance(exc, LLMTimeout) or any("Timeout" in n for n in names):
        return False, f"the model did not answer within {settings.llm_timeout:g}s"
    if names & {"AuthenticationError", "PermissionDeniedError"} or status in (401, 403):
        return True, (
            f"the language model server{where} refused the API key: "
            "set RAG_LLM_API_KEY (or OPENAI_API_KEY)"
        )
    if "NotFoundError" in names or status == 404:
        model = settings.llm_model or "the model"
        hint = f" (for ollama: `ollama pull {model}`)" if settings.backend == "ollama" else ""
        return True, (
            f"{model!r} was not found on the language model server{where}: "
            f"check RAG_LLM_MODEL{hint} and RAG_LLM_BASE_URL"
        )
    if names & {"APIConnectionError", "ConnectError", "ConnectionRefusedError"} or any(
        isinstance(e, ConnectionError) for e in chain
    ):
        return True, (
            f"cannot reach the language model server{where}: start it, or set "
            "RAG_LLM_BASE_URL to where it runs, or use RAG_BACKEND=extractive"
        )
    if isinstance(exc, BackendError):
        return True, str(exc)
    text = " ".join(str(exc).split())[:200]
    return False, f"the model failed ({type(exc).__name__}: {text})"


def _causes(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out and len(out) < 10:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _where(settings: Settings) -> str:
    if settings.backend == "openai":
        return f" at {settings.llm_base_url or 'api.openai.com'}"
    if settings.backend == "ollama":
        return f" at {settings.llm_base_url or OLLAMA_URL}"
    return ""
