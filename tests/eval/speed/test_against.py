"""`rag bench --against DIR`: two codes timed alternately, each in its own process and index
(fake `rag` packages here: the protocol, not the models)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from eval.speed import against

#: a stand-in `rag` package: answers after ``DELAY`` seconds, logs each process's work
FAKE_RAG = """
import json, os, time
from pathlib import Path
DELAY = {delay}
LOG = Path({log!r})

class Settings:
    def __init__(self, data_dir, seed):
        self.data_dir = Path(data_dir)

class Report:
    def __init__(self, chunks, seconds):
        self.chunks, self.seconds = chunks, seconds

class Assistant:
    def __init__(self, settings):
        self.settings = settings
        self.asked = 0
        with LOG.open("a") as log:
            log.write(json.dumps(["start", str(settings.data_dir)]) + "\\n")
    def ingest(self, paths):
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        files = [f for p in paths for f in Path(p).iterdir()]
        with LOG.open("a") as log:
            log.write(json.dumps(["ingest", str(self.settings.data_dir)]) + "\\n")
        return Report(len(files) * 10, 1.5)
    def ask(self, question):
        if DELAY < 0:
            raise RuntimeError("this revision cannot answer")
        time.sleep(DELAY)
        self.asked += 1
        return question
"""


def fake_checkout(root: Path, delay: float, log: Path) -> Path:
    package = root / "rag"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(FAKE_RAG.format(delay=delay, log=str(log)))
    return root


def test_each_code_is_timed_in_its_own_process_and_index(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("A document.")
    codes = {
        "other": fake_checkout(tmp_path / "slow", 0.02, log),
        "this": fake_checkout(tmp_path / "fast", 0.005, log),
    }
    figures = against.compare(codes, docs, ["q1?", "q2?", "q3?"], rounds=2, runs=2, tmp=tmp_path)
    # each code built its own index once, and its later run reused it
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    ingests = [Path(i[1]).name for i in logged if i[0] == "ingest"]
    assert sorted(ingests) == ["index-other", "index-this"]
    # the order turns around each run: a drift in the machine's speed falls on both
    starts = [Path(i[1]).name.removeprefix("index-") for i in logged if i[0] == "start"]
    assert starts == ["other", "this", "this", "other"]
    assert [len(figures[name]["runs"]) for name in ("other", "this")] == [2, 2]
    assert figures["this"]["chunks"] == figures["other"]["chunks"] == 10
    assert figures["this"]["ingest_s"] == 1.5
    # the slower code (20 ms an answer) measures slower than the faster one (5 ms)
    assert figures["other"]["p50_ms"] >= 20 > figures["this"]["p50_ms"] >= 5
    assert figures["other"]["p95_ms"] >= figures["other"]["p50_ms"]
    assert [len(figures[name]["runs"]) for name in ("other", "this")] == [2, 2]
    assert "times_ms" not in figures["this"]["runs"][0]


def test_a_code_that_fails_is_a_clear_error(tmp_path: Path) -> None:
    import pytest

    from rag.errors import RagError

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("A document.")
    broken = fake_checkout(tmp_path / "broken", -1, tmp_path / "log.jsonl")
    with pytest.raises(RagError, match=r"timing the code in .*broken failed") as failed:
        against.compare({"other": broken}, docs, ["q?"], rounds=1, runs=1, tmp=tmp_path)
    assert "this revision cannot answer" in str(failed.value)


def test_the_revision_names_a_checkout_or_else_its_folder(tmp_path: Path) -> None:
    assert against.revision(tmp_path) == str(tmp_path)  # not a git checkout
    root = Path(__file__).resolve().parents[3]
    assert against.revision(root) != str(root)  # this checkout: its commit
    assert against.revision(root / "eval") == str(root / "eval")  # inside it, not its top


def test_table_gives_this_code_against_the_other() -> None:
    def side(p50: float) -> dict:
        return {"p50_ms": p50, "p95_ms": p50 * 1.3, "ingest_s": 20.0, "chunks": 9994}

    result = {
        "machine": {"cpus": 2, "memory_gb": 24, "python": "3.11.7"},
        "questions": 100,
        "rounds": 3,
        "runs": 2,
        "this": side(97.0) | {"revision": "abc1234"},
        "other": side(154.0) | {"revision": "3cc653c", "ingest_s": 75.0},
    }
    text = against.table(result)
    assert "| figure | this code (abc1234) | 3cc653c | ratio |" in text
    assert "| 97.0 / 126.1 ms | 154.0 / 200.2 ms | 0.63x |" in text
    assert "| 20 s | 75 s | 0.27x |" in text


def test_against_a_folder_without_rag_is_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "bench", "--against", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "no rag package there" in done.stderr
    assert "git worktree add" in done.stderr and "Traceback" not in done.stderr
