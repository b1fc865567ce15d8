"""training.embedders: a base encoder alone ranking the assistant's candidates."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from eval.quality.pooled import Pooled, write_pools
from training.embedders import main


def _pools(path: Path) -> None:
    question = "Which city did the storm flood on Monday?"
    texts = [
        "Shares of the company rose sharply in early trading on Wall Street.",  # first by
        "The storm flooded the city of Porto on Monday, officials said.",  # heuristic: wrong
        "The recipe needs two eggs and a cup of flour.",
    ]
    row = Pooled(
        id="q1",
        question=question,
        query=question,
        answerable=True,
        answers=["Porto"],
        retrieved_gold=True,
        texts=texts,
        befores=["", "", ""],
        heuristic=[0.9, 0.5, 0.1],
        gold=[False, True, False],
        support=[False, True, False],
        docs=["a", "b", "c"],
    )
    unanswerable = dataclasses.replace(row, id="q2", answers=["Lisbon"])
    write_pools([row, unanswerable], path)


def test_each_base_ranks_the_candidates_beside_the_heuristic(tmp_path: Path, capsys) -> None:
    _pools(tmp_path / "pools.jsonl")
    assert main([str(tmp_path / "pools.jsonl")]) == 0
    (figures,) = json.loads(capsys.readouterr().out).values()
    # the second question's answer is in no candidate: not counted
    assert figures["questions"] == 1
    assert figures["heuristic"] == 0.0  # its first sentence is about shares
    assert figures["minilm"] == 1.0 and figures["e5-small"] == 1.0


def test_a_missing_pools_file_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "nope.jsonl")]) == 2
    assert "no pools file" in capsys.readouterr().err
