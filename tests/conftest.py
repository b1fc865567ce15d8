"""Shared fixtures: a deterministic fake embedder, assistants on fresh stores, a Chroma server."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from eval.servers import chroma_command, free_port, heartbeat_url, running
from rag import Assistant, Settings

# Property tests: CI runs a fixed, reproducible set of examples ("ci"); a wider random search
# is one variable away (HYPOTHESIS_PROFILE=explore scripts/test tests/answer/test_properties.py).
_QUIET = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("ci", max_examples=150, derandomize=True, **_QUIET)
hypothesis_settings.register_profile("explore", max_examples=5000, **_QUIET)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
_TOKEN = re.compile(r"\S+")

#: A short news story the fast tests ingest (one title, two paragraphs).
STORY = (
    "Harbour Reopens After Storm\n\n"
    "The city harbour reopened on Monday after the storm damaged three piers. "
    "Mayor Lena Ortiz said repairs would cost 4.5 million euros. "
    "She also announced that ferries to the islands resume on Friday.\n\n"
    "Fishermen welcomed the decision but asked for compensation. "
    "The port authority promised an answer by the end of May."
)


class FakeEmbedder:
    """Words hashed into 64 buckets: texts sharing words are close. A token is a word."""

    name = "fake-hash-64"
    dim = 64

    def __init__(self, max_tokens: int = 254) -> None:
        self.max_tokens = max_tokens
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[row, 0] += 0.01  # never a zero vector
            out[row] /= np.linalg.norm(out[row])
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_TOKEN.findall(t)) for t in texts]

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _TOKEN.finditer(text)]


class FakeReader:
    """A deterministic reader: a sentence answers as far as it holds the question's words;
    the short answer is its first capitalised word (or number) the question lacks."""

    name = "fake-reader"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.calls: list[tuple[str, int]] = []

    def read(self, question: str, passages: Sequence[object]) -> list:
        from rag.reader import Reading

        self.calls.append((question, len(passages)))
        asked = {w for w in re.findall(r"\w+", question.lower()) if len(w) > 3}
        out = []
        for p in passages:
            text = p.text  # type: ignore[attr-defined]
            words = {w for w in re.findall(r"\w+", text.lower())}
            score = len(asked & words) / len(asked) if asked else 0.0
            span = None
            for m in re.finditer(r"\b(?:[A-Z][a-z]+|\d[\d.,]*)\b", text):
                if m.start() > 0 and m.group().lower() not in asked:
                    span = m.span()
                    break
            out.append(Reading(score, span))
        return out


def clear_chroma() -> None:
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def make_assistant(tmp_path: Path) -> Iterator:
    """Build assistants with the fake embedder on a fresh embedded store."""
    made: list[Assistant] = []

    def make(
        embedder: object | None = None, reader: object | None = None, **settings: object
    ) -> Assistant:
        """The fake embedder; no reader (the heuristic ranks) unless one is given."""
        settings.setdefault("data_dir", tmp_path / "data")
        settings.setdefault("seed", False)
        if reader is None:
            settings.setdefault("reader", "off")
        assistant = Assistant(
            Settings(**settings),
            embedder=embedder or FakeEmbedder(),
            reader=reader,  # type: ignore[arg-type]
        )
        made.append(assistant)
        return assistant

    yield make
    clear_chroma()


@pytest.fixture(scope="session")
def real_embedder():
    from rag.index.embed import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Assistant:
    """The real model on an embedded store holding the seed documents."""
    data = tmp_path_factory.mktemp("seeded")
    return Assistant(Settings(data_dir=data, seed=True), embedder=real_embedder)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real `chroma run` on 127.0.0.1 for the session."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    with running(
        chroma_command(path / "db", port), heartbeat_url(port), path / "server.log", timeout=60
    ):
        yield "127.0.0.1", port
