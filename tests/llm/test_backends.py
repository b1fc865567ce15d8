"""LLM backends chosen by settings: how each is built, its set-up errors, and Ollama's own
streaming protocol against a stand-in server."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import free_port
from helpers.llms import check_invariants

from rag import BackendError, Settings
from rag.llm.backends import make_chat_model


def test_openai_backend_is_built_from_settings(tmp_path: Path) -> None:
    llm = make_chat_model(
        Settings(
            data_dir=tmp_path,
            backend="openai",
            llm_model="qwen",
            llm_base_url="http://127.0.0.1:9/v1",
        )
    )
    assert type(llm).__name__ == "ChatOpenAI"
    assert llm.model_name == "qwen"
    assert str(llm.openai_api_base) == "http://127.0.0.1:9/v1"


def test_openai_backend_without_key_or_url_says_what_to_set(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(BackendError, match="RAG_LLM_API_KEY"):
        make_chat_model(Settings(data_dir=tmp_path, backend="openai"))


def test_a_missing_extra_names_the_install_command(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_openai", None)
    with pytest.raises(BackendError, match=r"pip install 'rag-cite\[openai\]'"):
        make_chat_model(Settings(data_dir=tmp_path, backend="openai", llm_api_key="k"))


def test_ollama_backend_needs_a_model(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="RAG_LLM_MODEL"):
        make_chat_model(Settings(data_dir=tmp_path, backend="ollama"))
    llm = make_chat_model(Settings(data_dir=tmp_path, backend="ollama", llm_model="llama3.2"))
    assert type(llm).__name__ == "ChatOllama"


def test_llamacpp_backend_with_a_missing_file_is_a_clear_error(make_assistant, docs: Path) -> None:
    assistant = make_assistant(min_score=0.2, backend="llamacpp", llm_model="/nope/model.gguf")
    assistant.ingest([docs])
    with pytest.raises(BackendError, match="no GGUF model file"):
        assistant.ask("How much will the repairs cost?")


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_an_unreachable_server_is_a_clear_error(make_assistant, docs: Path, backend: str) -> None:
    url = f"http://127.0.0.1:{free_port()}" + ("/v1" if backend == "openai" else "")
    assistant = make_assistant(
        min_score=0.2, backend=backend, llm_model="m", llm_base_url=url, llm_timeout=20
    )
    assistant.ingest([docs])
    with pytest.raises(BackendError, match=f"cannot reach the language model server at {url}"):
        assistant.ask("How much will the repairs cost?")


@pytest.fixture
def ollama_stub() -> Iterator[tuple[str, list[dict]]]:
    """A stand-in that speaks Ollama's /api/chat streaming protocol (no Ollama binary can be
    installed here): it answers every request with a fixed cited sentence."""
    requests: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append({"path": self.path, **body})
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.end_headers()
            words = ["Mayor Lena Ortiz said repairs ", "would cost 4.5 million euros [1]."]
            for i, word in enumerate([*words, ""]):
                line = {
                    "model": body["model"],
                    "created_at": "2026-11-24T00:00:00Z",
                    "message": {"role": "assistant", "content": word},
                    "done": i == len(words),
                }
                self.wfile.write((json.dumps(line) + "\n").encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()


def test_ollama_backend_streams_over_the_ollama_protocol(
    make_assistant, docs: Path, ollama_stub
) -> None:
    url, requests = ollama_stub
    assistant = make_assistant(
        min_score=0.2, backend="ollama", llm_model="llama3.2", llm_base_url=url, llm_max_tokens=77
    )
    assistant.ingest([docs])
    answer = assistant.ask("How much will the repairs cost?")
    assert answer.backend == "ollama:llama3.2" and not answer.fallback
    assert answer.text == "Mayor Lena Ortiz said repairs would cost 4.5 million euros. [1]"
    (request,) = requests
    assert request["path"] == "/api/chat" and request["stream"] is True
    assert request["options"]["num_predict"] == 77
    assert "<source id=" in request["messages"][-1]["content"]
    check_invariants(assistant, answer)
