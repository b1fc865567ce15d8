"""`rag eval-errors`: the stage that lost each question, the what-ifs, and the pools kept for
replay (fake reader, hand-made pools; the real run is `rag eval-errors` in the README)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, FakeReader
from helpers.pools import OTHER, RIGHT, WRONG, pooled

from eval.quality.analysis import markdown, report, score, stage
from eval.quality.pooled import Pooled, read_pools, write_pools


@pytest.mark.parametrize(
    ("row", "threshold", "expected"),
    [
        (pooled([RIGHT, OTHER], [True, False]), 0.1, "right"),
        (pooled([RIGHT, OTHER], [True, False]), 0.99, "threshold"),
        (pooled([WRONG, RIGHT], [False, True]), 0.1, "ranking"),
        (pooled([OTHER], [False]), 0.1, "candidates"),
        (pooled([OTHER], [False], retrieved=False), 0.1, "retrieval"),
    ],
)
def test_each_question_is_lost_at_one_stage(row: Pooled, threshold: float, expected: str) -> None:
    (scored,) = score([row], FakeReader(), read=16)
    assert stage(scored, threshold) == expected


def test_the_product_reads_only_its_candidates_the_what_if_reads_deeper() -> None:
    row = pooled([WRONG, OTHER, RIGHT], [False, False, True])
    (scored,) = score([row], FakeReader(), read=2)
    assert 2 not in scored.order and scored.deep_order[0] in (0, 2)
    assert stage(scored, 0.1) == "candidates"


def test_the_report_counts_stages_and_what_ifs(tmp_path: Path) -> None:
    rows = [
        pooled([RIGHT, OTHER], [True, False], id="a"),
        pooled([WRONG, RIGHT], [False, True], id="b"),
        pooled([OTHER, WRONG], [False, False], id="c", answerable=False, answers=[]),
    ]
    result = report(score(rows, FakeReader(), read=16), 0.5)
    assert result["stages"]["right"] == [1, 0.5] and result["stages"]["ranking"] == [1, 0.5]
    assert result["what_if"]["top-1 sentences hold the gold"] == 0.5
    assert result["what_if"]["top-2 sentences hold the gold"] == 1.0
    assert result["answerable"] == 2 and result["unanswerable"] == 1
    # labelled by the answer: a and b have an answering sentence read; only a's is first
    assert result["answer_labelled"] == {"questions": 2, "best holds the answer": 0.5}
    assert "| ranking | 1 | 50.0% |" in markdown("t", result)
    assert "the best holds the answer 50.0%" in markdown("t", result)
    write_pools(rows, tmp_path / "p" / "pools.jsonl")
    assert read_pools(tmp_path / "p" / "pools.jsonl") == rows


@pytest.mark.slow
def test_eval_errors_on_the_seed_and_its_replay(tmp_path: Path, capsys) -> None:
    import json

    from rag.cli import main

    root = ROOT
    out = tmp_path / "errors"
    args = ["eval-errors", str(root / "eval/datasets/seed_qa.jsonl"), "--docs", str(root / "seeds")]
    assert main([*args, "--out", str(out)]) == 0
    first = json.loads((out / "errors.json").read_text())["default"]
    assert first["answerable"] == 30 and sum(n for n, _ in first["stages"].values()) == 30
    assert "where answerable questions are lost" in capsys.readouterr().out
    replay = tmp_path / "replay"
    assert main(["eval-errors", "--pools", str(out / "pools.jsonl"), "--out", str(replay)]) == 0
    assert json.loads((replay / "errors.json").read_text())["default"] == first
    assert main(["eval-errors"]) == 2
    assert main(["eval-errors", "--pools", str(tmp_path / "nope.jsonl")]) == 2
    assert "error:" in capsys.readouterr().err
