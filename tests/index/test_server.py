"""Against a real `chroma run` server on 127.0.0.1: the same engine, shared between processes."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from helpers import FakeEmbedder

from rag import Assistant, Settings, StoreError

pytestmark = pytest.mark.server


def server_assistant(server: tuple[str, int], collection: str, tmp_path: Path) -> Assistant:
    host, port = server
    settings = Settings(
        chroma_host=host,
        chroma_port=port,
        collection=collection,
        seed=False,
        data_dir=tmp_path,
        min_score=0.2,
    )
    return Assistant(settings, embedder=FakeEmbedder())


def test_ingest_ask_delete_over_http(chroma_server, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "Harbour News\n\nThe harbour reopened on Monday after the storm."
    )
    assistant = server_assistant(chroma_server, f"t{uuid.uuid4().hex[:8]}", tmp_path)
    assert assistant.ingest([tmp_path / "a.txt"]).added
    answer = assistant.ask("When did the harbour reopen after the storm?")
    assert "reopened on Monday" in answer.text
    c = answer.citations[0]
    assert assistant.document_text(c.doc_id)[c.start : c.end] == c.quote
    assistant.delete(c.doc_id)
    assert assistant.documents() == []


def test_two_processes_share_one_server(chroma_server, tmp_path: Path) -> None:
    """A second process ingests; this one sees the document and finds it by keyword too."""
    collection = f"t{uuid.uuid4().hex[:8]}"
    reader = server_assistant(chroma_server, collection, tmp_path)
    assert reader.retrieve("volcano crater", k=3) == []  # builds the keyword index, empty
    (tmp_path / "v.txt").write_text("Volcano Report\n\nThe volcano crater glowed all night.")
    host, port = chroma_server
    code = (
        "import sys; sys.path.insert(0, 'tests');"
        "from helpers import FakeEmbedder; from rag import Assistant, Settings;"
        f"a = Assistant(Settings(chroma_host='{host}', chroma_port={port}, collection='{collection}',"
        f" seed=False, data_dir=r'{tmp_path}'), embedder=FakeEmbedder());"
        f"print(a.ingest([r'{tmp_path / 'v.txt'}']).summary())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [d.title for d in reader.documents()] == ["Volcano Report"]
    hits = reader.retrieve("crater", k=3)
    assert hits and hits[0].keyword_rank == 1  # the keyword index followed the other writer


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    from helpers import free_port

    assistant = server_assistant(("127.0.0.1", free_port()), "nothing", tmp_path)
    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        assistant.documents()


def test_marker_ages_use_the_servers_clock(
    chroma_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live write in another process is left alone even when this machine's clock is an
    hour ahead; a marker untouched for 11 minutes by the server's clock is repaired."""
    from rag.index import recovery as store_module

    (tmp_path / "a.txt").write_text("Harbour News\n\nThe harbour reopened on Monday.")
    assistant = server_assistant(chroma_server, f"t{uuid.uuid4().hex[:8]}", tmp_path)
    store = assistant.store
    store.begin_document("live")
    store.begin_document("dead")
    since = store.now() - 11 * 60
    store._docs.upsert(
        ids=[store_module.pending_id("dead")],
        embeddings=[[1.0]],
        metadatas=[{"type": "pending", "of": "dead", "since": since, "by": "gone:1"}],
    )
    server_now = store.now()
    assert abs(server_now - time.time()) < 60  # the server gives epoch seconds
    ahead = server_now + 3600
    monkeypatch.setattr(store_module.time, "time", lambda: ahead)  # this machine is an hour fast
    monkeypatch.setattr(store_module, "_WRITER", "another-process")
    assert store.repair() == ["dead"]  # STALE_PENDING (10 minutes) by the server's clock
    assert [doc for doc, _, _ in store.pending()] == ["live"]
    assert assistant.ingest([tmp_path / "a.txt"]).added  # the ingest's own repair agrees
    assert [doc for doc, _, _ in store.pending()] == ["live"]
