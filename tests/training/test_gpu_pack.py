"""The GPU run, end to end on the CPU with a tiny pack: pack → train_gpu.py → shards → a
reader folder that the product loads and that scores rows as the trainer did."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.reader.protocol import READER_DIR, Passage
from training import pack, returned
from training.data import Candidate, Group
from training.trainer import TrainConfig

ROOT = Path(__file__).resolve().parents[2]


def _groups(n: int, source: str) -> list[Group]:
    out = []
    for i in range(n):
        who = ["Alvarez", "Okafor", "Lindqvist", "Tanaka"][i % 4]
        text = f"{who} was elected mayor of Springfield on Tuesday with 54 percent."
        age = 2 if i % 2 else None  # half the groups dated (news), half not (SQuAD)
        cands = [
            Candidate(Passage(text, "The vote was close.", age=age), 1.0, (0, len(who))),
            Candidate(Passage(f"The council met {who}'s rival on Monday.", ""), 0.0),
            Candidate(
                Passage("Turnout was the lowest in a decade, officials said.", text, age=400), 0.0
            ),
        ]
        out.append(
            Group(f"Who was elected mayor of Springfield? ({i})", cands, True, [who], source)
        )
    out.append(
        Group(
            "What did the governor veto?",
            [Candidate(Passage("The weather was mild all week.", ""), 0.0)] * 2,
            False,
            [],
            source,
        )
    )
    return out


def test_span_tokens_cover_the_answer_or_are_ignored() -> None:
    offsets = [(0, 3), (4, 9), (10, 12), (12, 13)]
    assert pack.span_tokens(offsets, (4, 9)) == (1, 1)
    assert pack.span_tokens(offsets, (4, 13)) == (1, 3)
    assert pack.span_tokens(offsets, (20, 25)) == (-1, -1)  # past the kept tokens
    assert pack.span_tokens(offsets, None) == (-1, -1)


@pytest.mark.slow
def test_a_tiny_pack_trains_on_the_cpu_and_comes_back_as_a_reader(tmp_path: Path) -> None:
    parts = {
        pack.TRAIN: _groups(12, "news-train") + _groups(6, "squad11"),
        pack.VALIDATION: _groups(4, "news-train"),
    }
    config = TrainConfig(limit=3)
    manifest = pack.write_pack(
        parts, tmp_path / "pack", base="minilm", config=config, init=READER_DIR
    )
    assert manifest["groups"] == {"train": 20, "validation": 5}
    assert manifest["init"]["sha256"] == pack.sha256(READER_DIR / "reader.safetensors")
    out = tmp_path / "out"
    teacher = tmp_path / "teacher.npy"
    args = "--name s6 --max-steps 3 --batch-pairs 8 --evals 1 --device cpu --age-words".split()
    args += ["--out", str(out), "--save-teacher", str(teacher)]
    script = str(ROOT / "training/train_gpu.py")
    run = subprocess.run(
        [sys.executable, script, str(tmp_path / "pack"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "done: 3 steps" in run.stdout
    wrong = subprocess.run(
        [sys.executable, script, str(tmp_path / "pack"), *args, "--drop-source", "statements"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert wrong.returncode != 0 and "no source ['statements']" in wrong.stderr
    # a pack built before ages (version 1) cannot train a reader that reads them
    old = tmp_path / "old-pack"
    shutil.copytree(tmp_path / "pack", old)
    with np.load(old / "data.npz") as z:
        arrays = {k: z[k] for k in z.files if k != "c_age"}
    np.savez_compressed(old / "data.npz", **arrays)
    stale = subprocess.run(
        [sys.executable, script, str(old), *args], capture_output=True, text=True, timeout=600
    )
    assert stale.returncode != 0 and "has no ages for --age-words" in stale.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["s6-1.safetensors", "s6-2.safetensors"]  # ≤ 15 MB each
    assert all(p.stat().st_size <= 15_000_000 for p in out.iterdir())

    folder = tmp_path / "reader"
    code = returned.main(
        [str(out), "--name", "s6", "--out", str(folder), "--pack", str(tmp_path / "pack")]
    )
    assert code == 0
    record = json.loads((folder / "config.json").read_text())
    assert record["layers"] == 6 and record["weights"] == "fp16"
    assert record["age_words"] is True  # the reader reads ages as it was trained to

    from rag.reader.network import TransformerReader

    reader = TransformerReader(folder)
    train = parts[pack.TRAIN]
    questions = [g.question for g in train for _ in g.candidates]
    passages = [c.passage for g in train for c in g.candidates]
    scores, _, _, _ = reader.logits(questions, passages)
    trainer = np.load(teacher)
    assert trainer.shape == scores.shape
    # the same rows, heads and weights: equal but for bf16 and the fp16 round trip
    assert np.corrcoef(scores, trainer)[0, 1] > 0.999
    assert np.abs(scores - trainer).max() < 0.25


def test_a_missing_run_is_a_clear_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / pack.MANIFEST).write_text("{}")
    code = returned.main(
        [
            str(tmp_path),
            "--name",
            "s6",
            "--out",
            str(tmp_path / "r"),
            "--pack",
            str(tmp_path / "pack"),
        ]
    )
    assert code == 2
    assert "no run 's6'" in capsys.readouterr().err
