"""The reader's context weights: what a passage's age and place add to its logit, learned
on the assistant's own candidate pools.

    python -m training.context --pools runs/pools-train --check runs/pools-val \\
        --check eval-results/errors-news-2024/pools.jsonl [--reader rag/reader/model] [--write]

Each pool (``python -m training.pools``; ``rag eval-errors`` writes one too) is read by the
reader as the product reads it (the first 16 sentences, fused with the heuristic, no
context); the weights of :data:`rag.reader.context.FEATURES` are then fitted by a listwise
softmax over each pool with a positive (``eval.quality.pooled.label``: the quiz's answer near
the question's words), the reader's fused logit kept at weight 1 so that its calibration and
threshold keep their meaning. Printed: the fit's own figures, 2-fold cross-validation over
the fitting pools, and every ``--check`` pool's figures before and after (best sentence
holds the gold, top 3; by the gold rule where the pool has one, else by the label).
``--write`` stores the weights in the reader's ``config.json`` (``context_weights``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.quality.pooled import READ, Pooled, label, passages_of, read_pools
from rag.errors import ConfigError, RagError
from rag.reader.context import FEATURES, features

L2 = 1.0


@dataclass(slots=True)
class Pool:
    """One question's read candidates: fused logits, context features, right or not."""

    id: str
    logits: np.ndarray
    features: np.ndarray
    right: np.ndarray  # bool per candidate (the gold rule, or the label)
    labelled: bool  # ``right`` comes from the answer label, not the gold rule
    #: days from each candidate's document's published date to the day asked (nan: undated)
    ages: np.ndarray


def _pool_rows(paths: Sequence[Path]) -> list[Pooled]:
    rows: list[Pooled] = []
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        if not files:
            raise ConfigError(f"no pools in {path}")
        for f in files:
            rows.extend(read_pools(f))
    return rows


def pools(rows: Sequence[Pooled], reader: Any, *, gold: bool) -> list[Pool]:
    """The answerable pools with something right among the read candidates (``gold``: by
    the pool's gold flags where it has any, else by the label)."""
    weights, reader.context_weights = reader.context_weights, {}
    try:
        out = []
        for row in rows:
            passages = passages_of(row)[:READ]
            if not row.answerable or not passages:
                continue
            labelled = not (gold and any(row.gold))
            if labelled:
                right = np.array([lab == 1.0 for lab in label(row)[: len(passages)]])
            else:
                right = np.array(row.gold[: len(passages)], dtype=bool)
            if not right.any() or right.all():
                continue
            p = np.clip([r.score for r in reader.read(row.query, passages)], 1e-6, 1 - 1e-6)
            ages = np.array([np.nan if x.age is None else x.age for x in passages], dtype=float)
            out.append(
                Pool(
                    row.id,
                    np.log(p / (1 - p)),
                    np.array(features(passages)),
                    right,
                    labelled,
                    ages,
                )
            )
        return out
    finally:
        reader.context_weights = weights


def fit(data: Sequence[Pool], *, l2: float = L2, steps: int = 600, rate: float = 0.3) -> np.ndarray:
    """Weights maximising each pool's softmax mass on its right candidates (the logit's
    weight held at 1; an L2 pull towards 0)."""
    w = np.zeros(len(FEATURES))
    if not data:
        return w
    for _ in range(steps):
        grad = l2 * w
        for pool in data:
            s = pool.logits + pool.features @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            target = pool.right / pool.right.sum()
            grad = grad + pool.features.T @ (p - target)
        w -= rate * grad / len(data)
    return w


def hits(data: Sequence[Pool], w: np.ndarray, k: int = 1) -> int:
    """Pools whose best ``k`` candidates (by logit plus weighted features) hold a right one."""
    return sum(
        bool(p.right[np.argsort(-(p.logits + p.features @ w), kind="stable")[:k]].any())
        for p in data
    )


#: "this week's" news: published at most this many days before the day asked (or 1 after)
WEEK = 7


def another_weeks_event(data: Sequence[Pool], w: np.ndarray) -> int:
    """Pools whose best candidate is wrong and from another week's article (published more
    than :data:`WEEK` days before the day asked, or after it) while a right candidate's
    article is of that week: the issue's "another week's event" errors."""

    def this_week(age: float) -> bool:
        return bool(-1 <= age <= WEEK)

    count = 0
    for p in data:
        best = int(np.argmax(p.logits + p.features @ w))
        fresh_right = any(this_week(a) for a, r in zip(p.ages, p.right, strict=True) if r)
        if not p.right[best] and not np.isnan(p.ages[best]) and not this_week(p.ages[best]):
            count += fresh_right
    return count


def report(name: str, data: Sequence[Pool], w: np.ndarray) -> dict[str, Any]:
    zero = np.zeros_like(w)
    return {
        "pools": name,
        "questions": len(data),
        "best_before": hits(data, zero),
        "best_after": hits(data, w),
        "top3_before": hits(data, zero, 3),
        "top3_after": hits(data, w, 3),
        "another_weeks_event_before": another_weeks_event(data, zero),
        "another_weeks_event_after": another_weeks_event(data, w),
    }


def cross_validated(data: Sequence[Pool], **kw: Any) -> tuple[int, int]:
    """(before, after): best-first hits over 2 folds (each half scored by weights fitted on
    the other; the pools in their date order, so each fold is a stretch of weeks)."""
    half = len(data) // 2
    a, b = list(data[:half]), list(data[half:])
    zero = np.zeros(len(FEATURES))
    after = hits(b, fit(a, **kw)) + hits(a, fit(b, **kw))
    return hits(data, zero), after


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.context", description=__doc__)
    ap.add_argument("--pools", type=Path, action="append", required=True, help="fit on these")
    ap.add_argument("--check", type=Path, action="append", default=[], help="measure on these")
    ap.add_argument("--reader", type=Path, default=None, help="reader folder (default: shipped)")
    ap.add_argument("--l2", type=float, default=L2)
    ap.add_argument("--write", action="store_true", help="store the weights in config.json")
    args = ap.parse_args(argv)
    try:
        from rag.reader.network import TransformerReader
        from rag.reader.protocol import READER_DIR

        folder = args.reader or READER_DIR
        reader = TransformerReader(folder)
        train = pools(_pool_rows(args.pools), reader, gold=False)
        if not train:
            raise ConfigError("no fitting pool has a labelled answer among its read sentences")
        w = fit(train, l2=args.l2)
        before, after = cross_validated(train, l2=args.l2)
        result: dict[str, Any] = {
            "weights": {n: round(float(x), 4) for n, x in zip(FEATURES, w, strict=True)},
            "fit": report("fit", train, w),
            "cross_validated": {"questions": len(train), "before": before, "after": after},
            "checks": [
                report(str(c), pools(_pool_rows([c]), reader, gold=True), w) for c in args.check
            ],
        }
        print(json.dumps(result, indent=2))
        if args.write:
            path = folder / "config.json"
            config = json.loads(path.read_text(encoding="utf-8"))
            config["context_weights"] = result["weights"]
            config["context_fit"] = {k: v for k, v in result.items() if k != "weights"}
            path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
            print(f"written to {path}", file=sys.stderr)
    except (OSError, ValueError, RagError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
