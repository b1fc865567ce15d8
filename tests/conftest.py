"""Shared fixtures: a deterministic fake embedder, assistants on fresh stores, a Chroma server."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from helpers import STORY, VOLCANO, FakeEmbedder, clear_chroma
from helpers.web import Pages, Quiet
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from eval.speed.servers import chroma_command, free_port, heartbeat_url, running
from rag import Assistant, Settings

# Property tests: CI runs a fixed, reproducible set of examples ("ci"); a wider random search
# is one variable away (HYPOTHESIS_PROFILE=explore scripts/test tests/answer/test_properties.py).
_QUIET = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("ci", max_examples=150, derandomize=True, **_QUIET)
hypothesis_settings.register_profile("explore", max_examples=5000, **_QUIET)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """A local web site (``helpers.web.Pages``): its address."""
    server = Quiet(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A folder with the harbour story and the volcano note."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "harbour.txt").write_text(STORY)
    (folder / "volcano.md").write_text(VOLCANO)
    return folder
