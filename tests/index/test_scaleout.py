"""Load and scale-out for real: 16 chat sessions with ingest going on, and two app processes
sharing one Chroma server."""

from __future__ import annotations

import os
import sys
import threading
import uuid
from pathlib import Path

import pytest
from helpers import free_port, running

from rag import Assistant, Settings

RAG = str(Path(sys.executable).with_name("rag"))


@pytest.mark.slow
def test_16_sessions_for_60_seconds_with_ingest(tmp_path: Path, monkeypatch) -> None:
    from eval.speed import load

    # History isolation is checked on follow-ups searched with their history ("searched as").
    # The heuristic always searches a follow-up with its history; the reader may prefer to
    # read it alone, which leaves nothing to check. So this server runs without the reader.
    monkeypatch.setenv("RAG_READER", "off")
    result = load.run(16, 60.0, ingest_every=5.0)
    print(load.table(result))
    loaded = result["load"]
    assert loaded["errors"] == 0, loaded["error_samples"]
    assert loaded["crossings"] == 0, loaded["crossing_samples"]
    assert loaded["followups"] >= 32 and loaded["answers"] >= 64  # every session got turns
    assert loaded["followups_joined"] > 0  # some follow-ups were searched with their history
    ingest = result["ingest"]
    assert ingest["errors"] == [] and ingest["uploaded"] >= 8
    assert ingest["found_by_ask"] == ingest["uploaded"]


@pytest.mark.slow
@pytest.mark.server
def test_two_app_processes_share_one_chroma_server(chroma_server, tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    host, port = chroma_server
    collection = f"shared{uuid.uuid4().hex[:6]}"
    apps = []
    for name in ("one", "two"):
        env = {
            **os.environ,
            "RAG_CHROMA_HOST": host,
            "RAG_CHROMA_PORT": str(port),
            "RAG_COLLECTION": collection,
            # what is shared is under test here, not reading: in this test the 2026-12-01
            # reader cited "The one-1 tram line opens on Monday 2 June" for the one-2 line
            # (not reproduced on one embedded store; noted on issue 17)
            "RAG_READER": "off",
        }
        apps.append((name, free_port(), env))
    with (
        running(
            [RAG, "--data-dir", str(tmp_path / "one"), "serve", "--port", str(apps[0][1])],
            f"http://127.0.0.1:{apps[0][1]}/",
            tmp_path / "one.log",
            env=apps[0][2],
        ),
        running(
            [RAG, "--data-dir", str(tmp_path / "two"), "serve", "--port", str(apps[1][1])],
            f"http://127.0.0.1:{apps[1][1]}/",
            tmp_path / "two.log",
            env=apps[1][2],
        ),
    ):
        clients = [Client(f"http://127.0.0.1:{p}/", verbose=False) for _, p, _ in apps]
        src = tmp_path / "src"
        src.mkdir()
        same = src / "both.md"
        same.write_text("# Harbour Notice\n\nThe Kestrel harbour crane was repaired in May.\n")
        errors: list[str] = []

        def upload(client: Client, who: str) -> None:
            for n in range(4):
                path = src / f"{who}-{n}.md"
                path.write_text(
                    f"# {who.title()} Bulletin {n}\n\nThe {who}-{n} tram line opens on Monday "
                    f"{n + 1} June at platform {n + 7}.\n"
                )
                files = [handle_file(str(path))] + ([handle_file(str(same))] if n == 0 else [])
                try:
                    status, *_ = client.predict(files, api_name="/add_documents")
                except Exception as exc:
                    errors.append(f"{who}: {exc}")
                    continue
                if "error" in status:
                    errors.append(f"{who}: {status}")

        threads = [
            threading.Thread(target=upload, args=(c, name))
            for c, (name, _, _) in zip(clients, apps, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert errors == []
        for client in clients:  # each sees both apps' documents, and the seed once
            answer = client.predict("When does the two-3 tram line open?", 4, api_name="/ask")
            assert "two-3 tram line opens" in answer["citations"][0]["quote"]
            answer = client.predict("When does the one-2 tram line open?", 4, api_name="/ask")
            assert "one-2 tram line opens" in answer["citations"][0]["quote"]
            answer = client.predict("What was repaired in May?", 4, api_name="/ask")
            assert "Kestrel harbour crane" in answer["citations"][0]["quote"]
    shared = Assistant(
        Settings(
            chroma_host=host,
            chroma_port=port,
            collection=collection,
            data_dir=tmp_path / "check",
            seed=False,
        ),
        embedder=None,
    )
    docs = shared.documents()
    titles = sorted(d.title for d in docs)
    assert titles.count("Harbour Notice") == 1  # both uploaded it at once: one document
    assert len([t for t in titles if "Bulletin" in t]) == 8
    assert shared.store.pending() == [] and shared.store.check() == []
    chunk_ids = [row[0] for row in shared.store.iter_chunks()]
    assert len(chunk_ids) == len(set(chunk_ids)) == sum(d.chunks for d in docs)
