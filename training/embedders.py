"""How well a base encoder, as a plain embedder, ranks the assistant's own candidates: a
first look at a reader's base before training one on it.

For each answerable question of a pools file (``rag eval-errors --out DIR`` writes
``DIR/pools.jsonl``; ``python -m training.pools`` writes the validation weeks' pools), the
first 16 candidate sentences are ranked by the cosine of the question's and the sentence's
mean-pooled embeddings, and the question counts when the first holds its answer (the
pools' own labels). Beside it, the assistant's heuristic score (MiniLM cosine + word
overlap) on the same candidates.

    python -m training.embedders POOLS [POOLS ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from eval.quality.pooled import label, read_pools
from rag.reader import bases

READ = 16
#: the prefixes multilingual-e5 was trained with
PREFIXES = {bases.E5_SMALL: ("query: ", "passage: "), bases.MINILM: ("", "")}


class Embedder:
    def __init__(self, base: str) -> None:
        self.model = bases.encoder(base)
        self.tokenizer = bases.tokenizer(base)
        self.query, self.passage = PREFIXES[base]

    def __call__(self, texts: list[str], *, query: bool) -> np.ndarray:
        import torch

        prefix = self.query if query else self.passage
        enc = self.tokenizer(
            [prefix + t for t in texts],
            padding=True,
            truncation=True,
            max_length=256,
            return_tensors="pt",
        )
        with torch.inference_mode():
            hidden = self.model(
                input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]
            ).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        pooled = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
        return np.asarray(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))


def measure(path: Path, embedders: dict[str, Embedder]) -> dict[str, Any]:
    counts = {"questions": 0, "heuristic": 0} | {name: 0 for name in embedders}
    for row in read_pools(path):
        labels = label(row)[:READ]
        if not any(x == 1.0 for x in labels):
            continue
        counts["questions"] += 1
        counts["heuristic"] += labels[int(np.argmax(row.heuristic[:READ]))] == 1.0
        for name, embed in embedders.items():
            scores = embed(list(row.texts[:READ]), query=False) @ embed([row.query], query=True)[0]
            counts[name] += labels[int(np.argmax(scores))] == 1.0
    n = max(1, counts["questions"])
    return {"questions": counts["questions"]} | {
        k: round(v / n, 4) for k, v in counts.items() if k != "questions"
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.embedders", description=__doc__)
    parser.add_argument("pools", nargs="+", type=Path)
    parser.add_argument("--base", action="append", choices=list(bases.BASES))
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.pools if not p.is_file()]
    if missing:
        print(f"error: no pools file {', '.join(missing)}", file=sys.stderr)
        return 2
    embedders = {b: Embedder(b) for b in (args.base or list(bases.BASES))}
    out = {str(p): measure(p, embedders) for p in args.pools}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
