"""Faults for real: SIGKILL during an ingest, a Chroma server that dies or hangs, bad data dirs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import STORY, FakeEmbedder, clear_chroma

from eval.speed.servers import chroma_command, free_port, heartbeat_url, running
from rag import Assistant, ConfigError, Settings, StoreError
from rag.index.chroma import make_client
from rag.index.store import Store

ROOT = Path(__file__).resolve().parents[2]
SQUAD = ROOT.parent / "shared" / "data" / "squad2-dev-a.json"
RAG = str(Path(sys.executable).with_name("rag"))


def squad_corpus(folder: Path) -> list[Path]:
    """51 news-length documents of real text (six SQuAD paragraphs each), and two long ones
    (every article, in two orders) whose writes take long enough to be caught by a kill."""
    if not SQUAD.is_file():
        pytest.skip(f"needs {SQUAD}")
    folder.mkdir(parents=True, exist_ok=True)
    articles = json.loads(SQUAD.read_text("utf-8"))["data"]
    everything = []
    for article in articles:
        paragraphs = [p["context"] for p in article["paragraphs"]]
        everything += paragraphs
        for i in range(0, len(paragraphs), 6):
            text = article["title"] + "\n\n" + "\n\n".join(paragraphs[i : i + 6])
            (folder / f"{article['title']}-{i:03d}.txt").write_text(text, "utf-8")
    long = []
    for name, order in (("long-a.txt", everything), ("long-b.txt", everything[::-1])):
        (folder / name).write_text("Collected Articles\n\n" + "\n\n".join(order), "utf-8")
        long.append(folder / name)
    return long


def _chunks_written(db: Path, doc_id: str) -> bool:
    """Whether chunks of ``doc_id`` are in Chroma's SQLite file (read only)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            row = conn.execute(
                "SELECT count(*) FROM embedding_metadata a JOIN embedding_metadata b "
                "ON a.id = b.id WHERE a.key = 'doc_id' AND a.string_value = ? "
                "AND b.key = 'source'",  # chunks carry their source; units and text do not
                (doc_id,),
            ).fetchone()
    except sqlite3.Error:
        return False
    return bool(row and row[0])


@pytest.mark.slow
def test_sigkill_in_the_middle_of_an_ingest(tmp_path: Path, real_embedder) -> None:
    from rag.documents.loaders import load

    docs = tmp_path / "docs"
    long = [load(path).id for path in squad_corpus(docs)]
    data = tmp_path / "data"
    command = [RAG, "--data-dir", str(data), "--no-seed", "ingest", str(docs), "--no-progress"]
    caught_mid_write = 0
    for target in long:  # kill while each long document is being written
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        db = data / "chroma" / "chroma.sqlite3"
        while proc.poll() is None:
            if _chunks_written(db, target):
                proc.send_signal(signal.SIGKILL)
                caught_mid_write += 1
                break
            time.sleep(0.002)
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]  # type: ignore[union-attr]

        # Before any repair: a half-written document is invisible to retrieval.
        settings = Settings(data_dir=data, seed=False)
        store = Store(make_client(settings), settings, _lc(real_embedder))
        assert store.pending(), "the kill should have caught a write in progress"
        complete_ids = {d.id for d in store.documents()}
        assert target in {doc_id for doc_id, _, _ in store.pending()}
        assert target not in complete_ids, "killed before its record was written"
        assert any(row[2]["doc_id"] == target for row in store.iter_chunks()), "it had chunks"
        from rag.index.retrieve import HybridRetriever, Query

        retriever = HybridRetriever(store, real_embedder)
        for question in ("Who won Super Bowl 50?", "What is the Amazon rainforest?", "Normans"):
            for hit in retriever.run(Query(question, 30)).hits:
                assert hit.chunk.doc_id in complete_ids
        # Opening the assistant repairs: consistent, nothing half-indexed marked done.
        clear_chroma()
        assistant = Assistant(settings, embedder=real_embedder)
        assert assistant.store.pending() == []
        assert assistant.store.check() == []
        assert target not in {d.id for d in assistant.documents()}
        clear_chroma()
    assert caught_mid_write == 2

    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "unchanged" in done.stdout
    resumed = Assistant(Settings(data_dir=data, seed=False), embedder=real_embedder)
    clean = Assistant(Settings(data_dir=tmp_path / "clean", seed=False), embedder=real_embedder)
    clean.ingest([docs])
    assert resumed.store.check() == []
    got = {(d.id, d.chunks, d.chars) for d in resumed.documents()}
    assert got == {(d.id, d.chunks, d.chars) for d in clean.documents()}
    assert len(got) == 53
    chunk_ids = [row[0] for row in resumed.store.iter_chunks()]
    assert len(chunk_ids) == len(set(chunk_ids)) == sum(d.chunks for d in clean.documents())
    clear_chroma()


def _lc(embedder: object) -> object:
    from rag.index.embed import as_langchain

    return as_langchain(embedder)  # type: ignore[arg-type]


def test_an_interrupted_write_is_repaired(make_assistant, tmp_path: Path) -> None:
    """The same, in process: a write that stopped after its chunks is removed on repair."""
    (tmp_path / "a.txt").write_text(STORY)
    assistant = make_assistant()
    from rag.documents.chunking import split_document
    from rag.documents.loaders import load

    doc = load(tmp_path / "a.txt")
    split = split_document(doc, assistant.embedder, chunk_tokens=160, overlap_tokens=40)
    store = assistant.store
    store.begin_document(doc.id)
    store._chunks.upsert(  # what a killed writer leaves: chunks, no record
        ids=[c.id for c in split.chunks],
        embeddings=assistant.embedder.embed([c.text for c in split.chunks]),
        documents=[c.text for c in split.chunks],
        metadatas=[
            {
                "doc_id": doc.id,
                "index": c.index,
                "start": c.start,
                "end": c.end,
                "first": 0,
                "last": 0,
                "tokens": 1,
                "source": doc.source,
                "title": doc.title,
            }
            for c in split.chunks
        ],
    )
    store.bump_revision()
    assert assistant.retrieve("harbour storm piers") == []  # never cited while half written
    assert store.repair(stale_after=0) == []  # our own process's write: left alone
    from rag.index import recovery as store_module

    store_module._WRITER, mine = "another-process", store_module._WRITER
    try:
        assert store.repair(stale_after=60) == []  # a live writer elsewhere: left alone
        assert store.repair(stale_after=0) == [doc.id]
    finally:
        store_module._WRITER = mine
    assert store.check() == [] and list(store.iter_chunks()) == []
    assert assistant.ingest([tmp_path / "a.txt"]).added
    assert assistant.ask("How much will the repairs cost?").citations


@pytest.mark.slow
@pytest.mark.server
def test_chroma_server_dies_hangs_and_comes_back(tmp_path: Path) -> None:
    port = free_port()
    url = heartbeat_url(port)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "harbour.txt").write_text(STORY)
    (tmp_path / "docs" / "later.txt").write_text(
        "Rail News\n\nThe night train to Split resumes in June."
    )
    settings = Settings(
        chroma_host="127.0.0.1",
        chroma_port=port,
        chroma_timeout=3,
        seed=False,
        data_dir=tmp_path / "app",
        min_score=0.2,
    )
    question = "How much will the repairs cost?"
    with running(chroma_command(tmp_path / "db", port), url, tmp_path / "chroma1.log", timeout=60):
        assistant = Assistant(settings, embedder=FakeEmbedder())
        assistant.ingest([tmp_path / "docs" / "harbour.txt"])
        before = assistant.ask(question)
        assert "4.5 million euros" in before.text
        server = _server_pid(port)
        os.kill(server, signal.SIGSTOP)  # hung, not dead: requests must not wait forever
        try:
            started = time.monotonic()
            with pytest.raises(StoreError, match="lost the Chroma server"):
                assistant.ask(question)
            assert time.monotonic() - started < 10
        finally:
            os.kill(server, signal.SIGCONT)
        assert assistant.ask(question).text == before.text
    # stopped
    started = time.monotonic()
    with pytest.raises(StoreError, match=f"lost the Chroma server at 127.0.0.1:{port}"):
        assistant.ask(question)
    with pytest.raises(StoreError):
        assistant.ingest([tmp_path / "docs" / "later.txt"])
    assert time.monotonic() - started < 10
    # back, on the same data: the same assistant object recovers, nothing lost
    with running(chroma_command(tmp_path / "db", port), url, tmp_path / "chroma2.log", timeout=60):
        assert assistant.ask(question).text == before.text
        assert [d.title for d in assistant.documents()] == ["Harbour Reopens After Storm"]
        assert assistant.ingest([tmp_path / "docs" / "later.txt"]).added
        assert "June" in assistant.ask("When does the night train to Split resume?").text
        assert assistant.store.check() == []


def _server_pid(port: int) -> int:
    """The pid listening on ``port`` (the chroma binary may fork from its launcher)."""
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True)
    import re

    found = re.search(r"pid=(\d+)", out.stdout)
    assert found, out.stdout + out.stderr
    return int(found.group(1))


def test_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        Assistant(
            Settings(data_dir=tmp_path / "f", seed=False), embedder=FakeEmbedder()
        ).documents()


def test_a_foreign_data_dir_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "thesis.docx").write_text("my work")
    (tmp_path / "photos").mkdir()
    with pytest.raises(ConfigError, match=r"not rag-cite's \(photos, thesis.docx\).*RAG_DATA_DIR"):
        Assistant(Settings(data_dir=tmp_path, seed=False), embedder=FakeEmbedder()).documents()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos", "thesis.docx"]


def test_a_damaged_index_says_how_to_rebuild(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Assistant(Settings(data_dir=data, seed=False), embedder=FakeEmbedder())
    (tmp_path / "a.txt").write_text(STORY)
    first.ingest([tmp_path / "a.txt"])
    clear_chroma()
    db = data / "chroma" / "chroma.sqlite3"
    db.write_bytes(b"this is not a database" * 1000)
    with pytest.raises(StoreError, match=r"cannot be read.*move it aside.*rag ingest"):
        Assistant(Settings(data_dir=data, seed=False), embedder=FakeEmbedder()).documents()
    clear_chroma()


def test_the_cli_names_the_problem_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    done = subprocess.run(
        [RAG, "--data-dir", str(tmp_path), "docs"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "error:" in done.stderr and "RAG_DATA_DIR" in done.stderr
