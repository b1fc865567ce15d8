"""What a training step of the reader costs on this CPU, the old way beside the new, same run.

    python -m training.step_cost --data ../shared/data            # about 3 minutes, 2 cores
    python -m training.step_cost --data ../shared/data --json out.json

The step is ``rag train-reader``'s (``training/trainer.py``: encode the batch, forward,
the three losses, backward, clipping, AdamW) on the shipped reader, over real SQuAD 1.1
groups (negatives by word overlap; their text, not their choice, sets the cost). Modes:

- ``fp32``: how training ran before (fp32, ``sdpa`` attention, groups batched as drawn);
- ``fp32, bucketed``: the same with groups of like length batched together;
- ``bf16 + eager, bucketed``: what ``rag train-reader`` runs now where the CPU has bf16
  natively (``use_fast_training``).

Each round times ``--steps`` steps of every mode in turn (each mode its own copy of the
network and optimiser), so a noisy machine hits all modes alike; medians over the rounds
and the ratio to ``fp32`` are printed. Seconds per 32 rows are given too: a bucketed batch
holds as many rows, but fewer padded tokens.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch

from rag.errors import RagError
from rag.hardware import use_bf16
from rag.reader.network import encoder_for, load_trained
from rag.reader.protocol import READER_DIR

from .data import Group
from .squad import SQUAD11, squad_articles, squad_groups
from .trainer import BUCKET, _batches, train_step, use_fast_training

MODES = ("fp32", "fp32, bucketed", "bf16 + eager, bucketed")


def sample_groups(data: Path, questions: int, seed: int = 13) -> list[Group]:
    path = data / SQUAD11
    if not path.is_file():
        raise RagError(f"--data {str(data)!r} has no {SQUAD11} (see shared/data/README.md)")
    return squad_groups(
        squad_articles(path),
        None,
        random.Random(seed),
        full_paragraphs=False,
        limit=None,
        source="squad11",
        sample=questions,
    )


class Mode:
    """One way of training: its own network, optimiser and batches."""

    def __init__(self, name: str, net: Any, groups: list[Group], batch_pairs: int) -> None:
        self.name = name
        self.net = copy.deepcopy(net)
        self.net.train()
        self.bf16 = use_fast_training(self.net, "on" if name.startswith("bf16") else "off")
        params = [p for p in self.net.parameters() if p.requires_grad]
        self.params = params
        self.optim = torch.optim.AdamW(params, lr=1e-6)
        bucket = BUCKET if "bucketed" in name else 0
        self.batches = _batches(groups, batch_pairs, random.Random(13), bucket=bucket)
        self.at = 0

    def steps(self, encoder: Any, count: int) -> tuple[float, int]:
        """Seconds for ``count`` steps, and the rows they read."""
        rows = 0
        start = time.perf_counter()
        for _ in range(count):
            batch = self.batches[self.at % len(self.batches)]
            self.at += 1
            rows += sum(len(g.candidates) for g in batch)
            train_step(self.net, encoder, batch, self.optim, self.params, bf16=self.bf16)
        return time.perf_counter() - start, rows


def measure(
    groups: list[Group], *, rounds: int, steps: int, batch_pairs: int
) -> dict[str, dict[str, float]]:
    net = load_trained(READER_DIR)
    encoder = encoder_for("minilm", max_length=128, max_question=64)
    native = use_bf16("auto")
    modes = [Mode(m, net, groups, batch_pairs) for m in MODES if native or "bf16" not in m]
    times: dict[str, list[float]] = {m.name: [] for m in modes}
    per_rows: dict[str, list[float]] = {m.name: [] for m in modes}
    for m in modes:  # warm each (first calls allocate)
        m.steps(encoder, 1)
    for _ in range(rounds):
        for m in modes:
            seconds, rows = m.steps(encoder, steps)
            times[m.name].append(seconds / steps)
            per_rows[m.name].append(seconds / rows * 32)
    base = statistics.median(times["fp32"])
    return {
        name: {
            "seconds_per_step": round(statistics.median(t), 4),
            "seconds_per_32_rows": round(statistics.median(per_rows[name]), 4),
            "speedup": round(base / statistics.median(t), 2),
        }
        for name, t in times.items()
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.step_cost", description=__doc__)
    p.add_argument("--data", type=Path, required=True, help="the shared data folder")
    p.add_argument("--questions", type=int, default=1200, help="SQuAD 1.1 questions drawn")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=6, help="steps of each mode per round")
    p.add_argument("--batch-pairs", type=int, default=32)
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = p.parse_args(argv)
    if min(args.questions, args.rounds, args.steps, args.batch_pairs) < 1:
        print("error: --questions, --rounds, --steps and --batch-pairs must be 1 or more")
        return 2
    try:
        groups = sample_groups(args.data, args.questions)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    torch.manual_seed(13)
    result = measure(groups, rounds=args.rounds, steps=args.steps, batch_pairs=args.batch_pairs)
    print(
        f"training step, shipped reader, batches of ~{args.batch_pairs} rows, "
        f"median of {args.rounds} rounds x {args.steps} steps (torch threads "
        f"{torch.get_num_threads()}):"
    )
    for name, row in result.items():
        print(
            f"  {name:24s} {row['seconds_per_step']:.3f} s/step  "
            f"{row['seconds_per_32_rows']:.3f} s/32 rows  {row['speedup']:.2f}x"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
