"""The `rag` command as a user runs it: a real process, the real model."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import free_port

pytestmark = pytest.mark.slow


def rag(*args: str, data: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_DATA_DIR": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        input=stdin,
    )


def test_ask_prints_the_answer_and_its_sources(tmp_path: Path) -> None:
    done = rag("ask", "How many bodies will Russia return?", data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Answer: 6,000\n")  # the short answer first
    assert "[1]" in done.stdout and "Sources:" in done.stdout
    assert "6,000 Ukrainian soldiers" in done.stdout


def test_ask_json_and_docs(tmp_path: Path) -> None:
    answer = json.loads(
        rag("ask", "Who is the head of the Russian delegation?", "--json", data=tmp_path).stdout
    )
    assert not answer["abstained"] and "Medinsky" in answer["citations"][0]["quote"]
    assert "short_answer" in answer and 0 < answer["confidence"] <= 1
    docs = json.loads(rag("docs", "--json", data=tmp_path).stdout)
    assert len(docs) == 1 and docs[0]["chunks"] > 0


def test_ingest_then_delete(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_text("# Note\n\nThe bridge closes in April for repairs.")
    (tmp_path / "x.exe").write_bytes(b"MZ")
    done = rag(
        "--no-seed", "ingest", str(tmp_path / "n.md"), str(tmp_path / "x.exe"), data=tmp_path / "d"
    )
    assert done.returncode == 0, done.stderr
    assert "added" in done.stdout and "unsupported file type '.exe'" in done.stdout
    [doc] = json.loads(rag("docs", "--json", data=tmp_path / "d").stdout)
    assert rag("docs", "delete", doc["id"], data=tmp_path / "d").returncode == 0
    assert "no documents" in rag("docs", data=tmp_path / "d").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "the question is empty"),
        (["docs", "delete", "nope"], "no document with id 'nope'"),
        (["docs", "delete"], "give the id"),
        (["--no-seed", "ingest", "/no/such/path"], "no such file or folder"),
        (
            [
                "--backend",
                "openai",
                "--base-url",
                f"http://127.0.0.1:{free_port()}/v1",
                "ask",
                "How many bodies will Russia return?",
            ],
            "cannot reach the language model server at http://127.0.0.1:",
        ),
        (["--backend", "llamacpp", "ask", "What did Russia offer?"], "RAG_LLM_MODEL"),
        (["--backend", "gpt", "ask", "x"], "invalid choice"),
        (["load", "--sessions", "0"], "--sessions must be 1-256"),
        (["ask", "--since", "May", "x"], "'May' is not a date like 2024-01-31"),
        (["ask", "--since", "2024-06-01", "--until", "2024-01-01", "x"], "is after until"),
    ],
)
def test_user_mistakes_give_one_clear_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = rag(*args, data=tmp_path)
    assert done.returncode == 2
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path), "RAG_CHUNK_TOKENS": "9999"}
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "docs"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 2 and "chunk_tokens" in done.stderr and "Traceback" not in done.stderr


def test_chat_keeps_the_conversation(tmp_path: Path) -> None:
    done = rag(
        "chat",
        stdin="Who announced the exchange of prisoners?\n\nHow many bodies will they return?\n",
        data=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    blocks = [b.strip() for b in done.stdout.split("\n\n") if b.strip()]
    first, second = [b for b in blocks if not b.startswith(("Sources:", "Answer:"))]
    assert done.stdout.count("Sources:") == 2
    assert "Medinsky" in first
    assert "6,000" in second


def test_ask_stream_prints_the_answer_once_for_the_extractive_backend(tmp_path: Path) -> None:
    done = rag("ask", "--stream", "How many bodies will Russia return?", data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("6,000 Ukrainian soldiers to Kyiv next week. [1]") == 1
    assert "--- verified ---" not in done.stdout


def test_serve_on_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = rag("--no-seed", "serve", "--port", str(port), data=tmp_path)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_news_dump_ingest_and_a_dated_question(tmp_path: Path) -> None:
    dump = tmp_path / "bridge.jsonl"
    rows = [
        {
            "title": "Vote delayed",
            "text": "The council delayed the bridge vote until spring.",
            "published": "2024-01-10",
            "site": "Early Post",
            "url": "https://early.example/b",
        },
        {
            "title": "Vote held",
            "text": "The council approved the bridge by nine votes to two.",
            "published": "2024-06-20",
            "site": "Late Times",
            "url": "https://late.example/b",
        },
    ]
    dump.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    done = rag("--no-seed", "ingest", str(dump), data=tmp_path / "d")
    assert done.returncode == 0, done.stderr
    assert "added     https://late.example/b" in done.stdout
    assert f"skipped   {dump}:3: line 3: not JSON" in done.stdout
    done = rag(
        "--no-seed",
        "ask",
        "--since",
        "2024-03-01",
        "How many votes approved the bridge?",
        data=tmp_path / "d",
    )
    assert done.returncode == 0, done.stderr
    assert "[1] Vote held — Late Times · 2024-06-20" in done.stdout
    assert "https://late.example/b, chars" in done.stdout
    listed = rag("--no-seed", "docs", data=tmp_path / "d").stdout
    assert "Early Post · 2024-01-10" in listed and "(https://early.example/b)" in listed
