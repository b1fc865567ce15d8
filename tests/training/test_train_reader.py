"""`rag train-reader` and `rag eval-reader` (``training/command.py``): end to end on a tiny
generated sample of every source, their mistakes, and the error where only the wheel is
installed (no ``training`` package)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rag.reader import READER_DIR, Passage, load_reader


@pytest.mark.slow
def test_train_reader_runs_end_to_end_on_a_tiny_sample(tmp_path: Path) -> None:
    from rag.cli import main

    data = tmp_path / "data"
    data.mkdir()
    paragraphs = []
    for n in range(3):
        context = (
            f"The harbour of Town{n} reopened on Monday. Mayor Ortiz{n} said repairs would "
            f"cost {n + 2} million euros. Ferries resume on Friday."
        )
        at = context.index(f"{n + 2} million")
        paragraphs.append(
            {
                "context": context,
                "qas": [
                    {
                        "id": f"q{n}",
                        "question": f"How much will repairs in Town{n} cost?",
                        "is_impossible": False,
                        "answers": [{"text": f"{n + 2} million euros", "answer_start": at}],
                    },
                    {
                        "id": f"u{n}",
                        "question": f"Who owns the ferries of Town{n}?",
                        "is_impossible": True,
                        "answers": [],
                        "plausible_answers": [{"text": "Ferries", "answer_start": 0}],
                    },
                ],
            }
        )
    squad = {"data": [{"title": f"T{a}", "paragraphs": paragraphs} for a in range(6)]}
    (data / "squad2-dev-a.json").write_text(json.dumps(squad), encoding="utf-8")
    from helpers.news import _news_set

    _news_set(data)
    trec = [
        {
            "qid": q,
            "question": f"who runs harbour {q} ?",
            "sentence": s,
            "label": lab,
            "answer": "Ortiz",
        }
        for q in "12"
        for s, lab in [("mayor ortiz runs it .", 1), ("ferries resume friday .", 0)]
    ]
    for name in ("trecqa-train.jsonl", "trecqa-dev.jsonl"):
        (data / name).write_text("".join(json.dumps(r) + "\n" for r in trec), encoding="utf-8")
    # the assistant's own candidates for the training weeks (indexed like a user's documents)
    from training.pools import main as pools_main

    assert pools_main(["--data", str(data), "--out", str(tmp_path / "pools")]) == 0
    assert [p.name for p in (tmp_path / "pools").iterdir()] == ["train-000.jsonl"]
    out = tmp_path / "model"
    args = ["train-reader", "--data", str(data), "--out", str(out), "--limit", "2"]
    args += ["--pools", str(tmp_path / "pools")]
    code = main([*args, "--init", str(READER_DIR), "--no-progress", "--threshold-questions", "4"])
    assert code == 0
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["steps"] >= 1
    assert config["training"]["groups_by_source"]["news-train"] >= 1
    assert config["training"]["groups_by_source"]["news-pools"] >= 1
    # research-use-only data (TrecQA train) stays out of a model that ships
    assert "trecqa" not in config["training"]["groups_by_source"]
    assert "squad2-dev-a articles 5-7" in config["test"]
    assert config["test"]["trecqa-dev"]["map"] is not None
    assert config["answering_calibration"]["questions"] == 1
    assert (out / ".pools-validation-4" / "validation-000.jsonl").is_file()
    assert config["max_question"] == 64 and config["question_ends"] is True
    assert (out / "evaluation.json").is_file()
    assert (out / "checkpoint.pt").is_file()
    reader = load_reader(out)
    assert len(reader.read("How much?", [Passage("It costs 3 euros.")])) == 1
    # the reader alone on the held-out parts, beside the shipped one
    assert (
        main(
            [
                "eval-reader",
                "--data",
                str(data),
                "--reader",
                str(out),
                "--reader",
                "default",
                "--limit",
                "2",
                "--out",
                str(tmp_path / "er"),
            ]
        )
        == 0
    )
    side = json.loads((tmp_path / "er" / "eval-reader.json").read_text())
    assert set(side) == {str(out), "default"}
    assert side["default"]["trecqa-dev"]["map"] is not None
    # started again on the same folder, it resumes from the checkpoint (nothing left to do)
    assert (
        main([*args, "--init", str(READER_DIR), "--no-progress", "--threshold-questions", "0"]) == 0
    )
    again = json.loads((out / "config.json").read_text())
    assert again["training"]["steps"] == config["training"]["steps"]


def test_train_reader_mistakes_are_errors(tmp_path: Path, capsys) -> None:
    from rag.cli import main

    assert main(["train-reader", "--data", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "error:" in capsys.readouterr().err
    # validation pools are never training data: refused before any data is built
    held = tmp_path / "held"
    held.mkdir()
    (held / "validation-000.jsonl").write_text("", encoding="utf-8")
    args = ["train-reader", "--data", str(tmp_path), "--out", str(tmp_path / "m")]
    assert main([*args, "--pools", str(held)]) == 2
    assert "no training pools" in capsys.readouterr().err
    # a base is for a reader trained from it; --init starts from its own
    assert main([*args, "--init", str(READER_DIR), "--base", "e5-small"]) == 2
    assert "--init starts from its own" in capsys.readouterr().err
    from training.pools import main as pools_main

    assert pools_main(["--data", str(tmp_path), "--out", str(held), "--chunk", "0"]) == 2
    assert "error:" in capsys.readouterr().err


def test_without_the_source_checkout_training_is_a_clear_error(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """An installed wheel has no training package: its commands are still listed (their
    entry points are the wheel's), each says what it needs in one line, exit 2; --help
    says the same and exits 0."""
    from rag.cli import main

    for name in [m for m in sys.modules if m == "training" or m.startswith("training.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "training", None)  # import training: ImportError
    data = tmp_path / "data"
    data.mkdir()
    need = "rag {} needs the project's source checkout (training/ is not installed with the wheel)"
    for args in (
        ["train-reader", "--data", str(data), "--out", str(tmp_path / "m")],
        ["eval-reader", "--data", str(data)],
        ["train-reader", "--no-such-option"],
    ):
        assert main(args) == 2
        assert capsys.readouterr().err.strip().splitlines() == [f"error: {need.format(args[0])}"]
    with pytest.raises(SystemExit) as help_exit:
        main(["train-reader", "--help"])
    assert help_exit.value.code == 0
    assert "needs the project's source checkout" in " ".join(capsys.readouterr().out.split())
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    assert "train-reader" in listed and "eval-reader" in listed and "bench" in listed
