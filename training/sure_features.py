"""Can more than the best confidence tell a sure answer? (issue 29; tried 2026-12-05)

For each pooled question the reader reads its first 16 candidates as the assistant does;
features of that read (the best fused confidence and its margins to the next two, how many
are close to it, the best's heuristic score and rank, how many documents the top three come
from, whether the best has a short answer, the question's wh-word) feed a logistic
regression and a small boosted-trees model trained on the news training weeks' pools. Each
is measured on the validation weeks' pools and news-2024's by the precision of the best
sentence (it holds the quiz's answer) among the questions it is surest of, at 10-50% of the
answerable questions, beside the confidence alone.

    python -m training.sure_features --train runs/pools-train2 --val runs/pools-val2 \\
        --test runs/errors-n24/pools.jsonl
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eval.quality.pooled import READ, Pooled, answer_pattern, label, passages_of, read_pools
from rag.reader import Reader, load_reader

WH = ("who", "what", "when", "where", "which", "how many", "how much", "why", "how")
COVERAGES = (0.1, 0.2, 0.3, 0.4, 0.5)


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def features(reader: Reader, row: Pooled) -> tuple[list[float], bool, bool, float] | None:
    """(features, the best holds the answer, the question is answerable, best confidence)."""
    passages = passages_of(row)[:READ]
    if len(passages) < 2:
        return None
    reads = reader.read(row.query, passages)
    scores = np.array([r.score for r in reads])
    order = np.argsort(-scores)
    best = int(order[0])
    third = scores[order[2]] if len(scores) > 2 else 0.0
    heuristic = np.array(row.heuristic[: len(passages)])
    query = row.query.lower()
    docs = row.docs or [""] * len(passages)
    found = [
        _logit(scores[best]),
        _logit(scores[best]) - _logit(scores[order[1]]),
        _logit(scores[order[1]]) - _logit(third),
        float((scores > scores[best] - 0.1).sum()),
        float(heuristic[best]),
        float((heuristic > heuristic[best]).sum()),
        float(len({docs[i] for i in order[:3]})),
        float(reads[best].span is not None),
        len(passages) / READ,
        *(float(query.startswith(w)) for w in WH),
    ]
    pattern = answer_pattern(row.answers)
    right = pattern is not None and bool(pattern.search(passages[best].text))
    answerable = any(x == 1.0 for x in label(row)[:READ])
    return found, right, answerable, float(scores[best])


def precision_at(surety: np.ndarray, right: np.ndarray, answerable: np.ndarray) -> list[float]:
    """Precision of the surest questions, as many as each COVERAGES share of the answerable."""
    order = np.argsort(-surety)
    out = []
    for share in COVERAGES:
        k = max(1, round(share * int(answerable.sum())))
        out.append(float(right[order[:k]].mean()))
    return out


def _load(reader: Reader, paths: Sequence[Path]) -> tuple[np.ndarray, ...]:
    rows = [f for p in paths for r in read_pools(p) if (f := features(reader, r)) is not None]
    return (
        np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows]),
    )


def _files(path: Path) -> list[Path]:
    return sorted(path.glob("*.jsonl")) if path.is_dir() else [path]


def main(argv: Sequence[str] | None = None) -> int:
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    ap = argparse.ArgumentParser(prog="python -m training.sure_features", description=__doc__)
    ap.add_argument("--train", type=Path, required=True)
    ap.add_argument("--val", type=Path, required=True)
    ap.add_argument("--test", type=Path, required=True)
    args = ap.parse_args(argv)
    reader = load_reader(None)
    sets = {name: _load(reader, _files(p)) for name, p in vars(args).items()}
    x, y = sets["train"][0], sets["train"][1]
    mu, sd = x.mean(0), x.std(0) + 1e-6
    models = {
        "logistic regression": LogisticRegression(max_iter=2000),
        "boosted trees": GradientBoostingClassifier(n_estimators=150, max_depth=2),
    }
    print("precision of the best sentence at " + ", ".join(f"{c:.0%}" for c in COVERAGES))
    for name in ("val", "test"):
        feats, right, answerable, confidence = sets[name]
        shown = precision_at(confidence, right, answerable)
        print(f"{name} ({len(right)}): confidence alone " + " ".join(f"{p:.1%}" for p in shown))
        for label_, model in models.items():
            model.fit((x - mu) / sd, y)
            surety = model.predict_proba((feats - mu) / sd)[:, 1]
            shown = precision_at(surety, right, answerable)
            print(f"  {label_} " + " ".join(f"{p:.1%}" for p in shown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
