"""The door a running `rag serve` keeps for `rag ask` (rag/door.py): its file, who may use
it, and the answer that crosses it (Answer.to_dict / from_dict)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from rag import Answer, Citation, Revision, Settings, ShortAnswer
from rag.door import DOOR_FILE, Door, answering, close_door, find_door, open_door, token_matches


def test_the_door_file_is_the_owners_and_names_a_live_server(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert find_door(settings) == (None, "no `rag serve` is running on this index")
    path, token = open_door(settings, "http://127.0.0.1:7860/")
    assert path == tmp_path / DOOR_FILE and stat.S_IMODE(path.stat().st_mode) == 0o600
    door, why = find_door(settings)
    assert door == Door("http://127.0.0.1:7860", os.getpid(), token)
    assert "pid" in why and token not in why
    assert token_matches(token, token) and not token_matches("x" + token, token)
    assert not token_matches(None, token)


def test_a_server_with_other_answering_settings_or_gone_is_not_used(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    path, _ = open_door(settings, "http://127.0.0.1:7860")
    door, why = find_door(settings.with_(top_k=3, reader="off"))
    assert door is None and "other settings (top_k, reader)" in why
    # what does not decide answers (the port, logins, uploads) does not matter
    assert find_door(settings.with_(port=9000, upload_max_mb=1.0))[0] is not None
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], text=True, capture_output=True
    ).stdout.strip()
    record = json.loads(path.read_text())
    path.write_text(json.dumps(record | {"pid": int(gone)}))
    door, why = find_door(settings)
    assert door is None and f"(pid {gone}) has stopped" in why
    path.write_text("{not json")
    assert find_door(settings)[0] is None


def test_only_its_own_server_removes_the_door_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    path, _ = open_door(settings, "http://127.0.0.1:7860")
    record = json.loads(path.read_text())
    path.write_text(json.dumps(record | {"pid": os.getpid() + 1}))  # a newer server's
    close_door(path)
    assert path.exists()
    path.write_text(json.dumps(record))
    close_door(path)
    assert not path.exists()
    close_door(path)  # already gone: nothing to do


def test_an_answer_crosses_the_door_unchanged() -> None:
    cite = Citation(
        1,
        "d1",
        "/a.txt",
        "Talks",
        "Russia offered X.",
        10,
        27,
        0.8123456,
        site="Reuters",
        published="2024-05-01",
        url="https://r.example/a",
        page=2,
    )
    other = Citation(2, "d2", "/b.txt", "More", "Ukraine wants Y.", 0, 16, 0.4)
    answer = Answer(
        "What did Russia offer?",
        "Russia offered X. [1]",
        [cite],
        False,
        backend="openai:m",
        reason="r",
        fallback=True,
        query="q",
        draft="d",
        revisions=[Revision("s", "removed", "no source")],
        short_answer=ShortAnswer("X", "d1", 25, 26),
        confidence=0.61234,
        sure=False,
        alternatives=[other],
        kind="disagreement",
    )
    again = Answer.from_dict(json.loads(json.dumps(answer.to_dict())))
    assert again.to_dict() == answer.to_dict()
    assert again.citations[0].origin() == "Reuters · 2024-05-01 · p. 2"
    assert again.short_answer == answer.short_answer and again.alternatives[0].quote == other.quote
    assert set(answering(Settings())) >= {"reader", "backend", "top_k", "collection"}
