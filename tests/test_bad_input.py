"""Bad input through the API, the CLI and the web chat: a clear message, nothing lost."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from helpers import STORY, FakeEmbedder, free_port
from helpers.cli import rag
from helpers.pdfs import text_pdf

from rag import Assistant, QuestionError, Settings

LONG = "Why?" + " Why?" * 19_999 + "!"  # 100,000 characters


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(text_pdf(["Secret plans."]))))
    writer.encrypt("pw")
    buf = BytesIO()
    writer.write(buf)
    return buf.getvalue()


def bad_folder(folder: Path) -> dict[str, str]:
    """A folder of bad files; returns name -> the reason it must be skipped with."""
    folder.mkdir()
    (folder / "good.txt").write_text(STORY)
    (folder / "western.txt").write_bytes(
        "Caf\xe9 Report\n\nThe caf\xe9 opens at nine.".encode("cp1252")
    )
    (folder / "zz-copy.txt").write_text(STORY)
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text(" \n\n\t \n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    (folder / "locked.pdf").write_bytes(encrypted_pdf())
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    (folder / "sub").mkdir()
    os.symlink(folder, folder / "sub" / "back")  # a loop
    os.symlink(folder / "missing.txt", folder / "dead.txt")
    return {
        "zz-copy.txt": "same text as",
        "binary.txt": "binary data, not text",
        "empty.txt": "no text in file",
        "blank.md": "no text in file",
        "broken.pdf": "unreadable PDF",
        "locked.pdf": "encrypted PDF",
        "notes.docx": "unsupported file type '.docx'",
        "back": "symlink loop",
        "dead.txt": "broken symlink",
    }


def test_the_api_skips_bad_files_with_reasons_and_keeps_the_good(
    tmp_path: Path, make_assistant
) -> None:
    expected = bad_folder(tmp_path / "in")
    assistant = make_assistant(min_score=0.2)
    report = assistant.ingest([tmp_path / "in"])
    assert sorted(Path(s).name for s in report.added) == ["good.txt", "western.txt"]
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == set(expected)
    for name, reason in expected.items():
        assert reason in reasons[name], (name, reasons[name])
    western = [d for d in assistant.documents() if d.source.endswith("western.txt")]
    assert "The café opens at nine." in assistant.document_text(western[0].id)
    before = [(d.id, d.chunks) for d in assistant.documents()]
    # a second run over the same bad folder changes nothing
    again = assistant.ingest([tmp_path / "in"])
    assert again.added == [] and [(d.id, d.chunks) for d in assistant.documents()] == before


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "the question is empty"),
        (" \t\n ", "the question is empty"),
        ("\x00\x01\x1b", "the question is empty"),
        (LONG, "the question is 100,000 characters; the limit is 2,000"),
        (b"bytes", "the question must be text"),
        (None, "the question must be text"),
    ],
)
def test_the_api_refuses_bad_questions(make_assistant, question: object, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        make_assistant().ask(question)  # type: ignore[arg-type]


def test_control_characters_are_removed_not_fatal(make_assistant, tmp_path: Path) -> None:
    (tmp_path / "h.txt").write_text(STORY)
    assistant = make_assistant(min_score=0.2)
    assistant.ingest([tmp_path / "h.txt"])
    answer = assistant.ask("How much will\x00 the repairs\x1b[31m cost?\x7f")
    assert "4.5 million euros" in answer.text


def test_the_cli_reports_each_bad_file_and_exits_0(tmp_path: Path) -> None:
    expected = bad_folder(tmp_path / "in")
    done = rag("--no-seed", "ingest", "--json", str(tmp_path / "in"), data=tmp_path / "d")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert all(reason in reasons[name] for name, reason in expected.items()), reasons
    assert len(report["added"]) == 2


@pytest.mark.parametrize(
    ("question", "message"),
    [(LONG, "the limit is 2,000"), ("\x00\x07", "the question is empty"), ("  ", "empty")],
)
def test_the_cli_refuses_bad_questions_in_one_line(
    tmp_path: Path, question: str, message: str
) -> None:
    done = rag("--no-seed", "ask", question.replace("\x00", ""), data=tmp_path)
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1


def test_the_cli_reads_non_utf8_stdin_without_a_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path)}
    done = subprocess.run(  # on the seed (an empty index is an error before any reading)
        [sys.executable, "-m", "rag.cli", "--seed", "chat"],
        input=b"\xff\xfe caf\xe9?\n\nAnd the \xff harbour?\n\n",
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, Assistant]]:
    from gradio_client import Client

    from ui.app import launch

    data = tmp_path_factory.mktemp("bad-web")
    settings = Settings(
        data_dir=data / "index", seed=False, min_score=0.2, upload_max_mb=0.05, upload_max_files=3
    )
    assistant = Assistant(settings, embedder=FakeEmbedder())
    (data / "h.txt").write_text(STORY)
    assistant.ingest([data / "h.txt"])
    port = free_port()
    app = launch(assistant, host="127.0.0.1", port=port, block=False)
    yield Client(f"http://127.0.0.1:{port}/", verbose=False), assistant
    app.close()


@pytest.mark.parametrize(
    ("question", "message"),
    [(LONG, "the limit is 2,000"), ("\x00\x01", "the question is empty"), ("   ", "empty")],
)
def test_the_web_api_refuses_bad_questions(web, question: str, message: str) -> None:
    client, _ = web
    with pytest.raises(Exception, match=message):
        client.predict(question, 4, api_name="/ask")  # type: ignore[attr-defined]


def test_the_web_chat_shows_bad_questions_as_errors(web) -> None:
    client, _ = web
    chat, _ = client.predict(LONG, [], 4, "extractive", api_name="/chat")  # type: ignore[attr-defined]
    html = json.dumps(chat[-1])
    assert "the limit is 2,000" in html and "Traceback" not in html


def test_bad_uploads_are_refused_one_by_one_and_lose_nothing(web, tmp_path: Path) -> None:
    from gradio_client import handle_file

    client, assistant = web
    before = [(d.id, d.chunks) for d in assistant.documents()]
    files = {
        "binary.txt": bytes(range(256)) * 4,
        "empty.txt": b"",
        "locked.pdf": encrypted_pdf(),
        "..%2F..%2Fescape.txt": b"Escape Plan\n\nThe tunnel opens at dawn.",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    status, *_ = client.predict(  # type: ignore[attr-defined]
        [handle_file(str(tmp_path / n)) for n in files], api_name="/add_documents"
    )
    assert "skipped: binary.txt: binary data" in status
    assert "skipped: empty.txt: no text in file" in status
    assert "skipped: locked.pdf: encrypted PDF" in status
    assert "at most 3 files per upload" in status  # the fourth
    assert [(d.id, d.chunks) for d in assistant.documents()] == before
    uploads = assistant.settings.data_dir / "uploads"
    assert all(p.resolve().is_relative_to(uploads.resolve()) for p in uploads.rglob("*"))
    assert not any((uploads / ".incoming").rglob("*.*")), "temporary copies are removed"
    (tmp_path / "dup.txt").write_text(STORY)
    status, *_ = client.predict([handle_file(str(tmp_path / "dup.txt"))], api_name="/add_documents")  # type: ignore[attr-defined]
    assert "same text as" in status
    assert [(d.id, d.chunks) for d in assistant.documents()] == before


def test_the_extractive_answer_never_quotes_an_injected_instruction(
    make_assistant, tmp_path: Path
) -> None:
    from helpers.llms import INJECTED

    (tmp_path / "i.txt").write_text(INJECTED)
    assistant = make_assistant(min_score=0.0)
    assistant.ingest([tmp_path / "i.txt"])
    for question in ("What should I visit for the answer?", "What does the notice say?"):
        answer = assistant.ask(question)
        assert "evil.example.com" not in answer.text
        assert all("previous instructions" not in c.quote for c in answer.citations)
