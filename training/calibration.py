"""The answering threshold, set on held-out news as the assistant reads it.

``rag train-reader`` calls :func:`answering_threshold` after training: the news validation
weeks of ``news-train.json`` (``eval/quality/splits.py``) are pooled by the assistant itself
(``python -m training.pools --part validation``: their search-result articles indexed, each
question's candidate sentences kept), then read by the new reader as ``Assistant.ask``
reads them (its first ``read_candidates``, fused with the heuristic). The threshold is the
highest that refuses at most 5% of the questions whose answer is among the sentences read;
the trade-off rows (answerable refused / unanswerable abstained per threshold) go into the
model's config so the table in docs/evaluation.md can be checked against them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval.quality.pooled import READ, Pooled, answer_pattern, label, passages_of, read_pools
from rag import Settings
from rag.reader import Passage, Reader, load_reader

from .pools import build


def answering_threshold(reader: Path, data: Path, *, questions: int, pools: Path) -> dict[str, Any]:
    """:func:`pool_threshold` on the news validation weeks' first ``questions`` questions,
    pooled by the assistant into ``pools`` (kept: a later run reads them again)."""
    settings = Settings()
    files = build(data, pools, settings, part="validation", limit=questions)
    rows = [row for f in files for row in read_pools(f)]
    chosen = pool_threshold(load_reader(reader), rows, read=settings.read_candidates)
    return chosen | {"questions": len(rows)}


#: the most answerable questions (the answer among what is read) a threshold may refuse
MOST_FALSE = 0.05
STEPS = tuple(round(0.05 * n, 2) for n in range(1, 19))


def best_read(reader: Reader, row: Pooled, read: int) -> tuple[float, Passage] | None:
    """The reader's best of a pool's first ``read`` candidates, read as the assistant reads
    them (fused with the heuristic, ages included): its confidence and the passage; None
    for an empty pool."""
    passages = passages_of(row)[:read]
    if not passages:
        return None
    scores = [r.score for r in reader.read(row.query, passages)]
    best = max(range(len(scores)), key=lambda i: scores[i])
    return scores[best], passages[best]


def pool_threshold(
    reader: Reader, rows: Sequence[Pooled], *, read: int = READ, most_false: float = MOST_FALSE
) -> dict[str, Any]:
    """The answering threshold from pools of the news validation weeks (``rag eval-errors``
    or ``python -m training.pools --part validation``), read as the assistant reads them (its
    ``read`` best candidates, the reader fused with the heuristic).

    Labels come from the pools themselves (``eval/quality/pooled.py``): *answerable* when a
    sentence read holds the answer next to the question's words, *unanswerable* when no
    sentence pooled holds the answer or any of its words. The quiz's own "no gold article"
    flag is not used: many such questions are answered in their search results. The
    threshold is the highest step refusing at most ``most_false`` of the answerable."""
    answerable: list[float] = []
    unanswerable: list[float] = []
    for row in rows:
        labels = label(row)
        found = best_read(reader, row, read)
        if found is None:
            continue
        best = found[0]
        if any(lab == 1.0 for lab in labels[:read]):
            answerable.append(best)
        elif all(lab == 0.0 for lab in labels):
            unanswerable.append(best)
    refused = {t: float(np.mean([c < t for c in answerable])) for t in STEPS if answerable}
    rows_out = [
        {
            "threshold": t,
            "false_abstention": round(refused[t], 4) if answerable else None,
            "unanswerable_abstained": round(float(np.mean([c < t for c in unanswerable])), 4)
            if unanswerable
            else None,
        }
        for t in STEPS
    ]
    fitting = [t for t, share in refused.items() if share <= most_false]
    return {
        "threshold": max(fitting) if len(answerable) >= 10 and fitting else None,
        "rule": f"highest threshold in 0.05 steps refusing at most {most_false:.0%} of the "
        "news validation questions whose answer is among the sentences read",
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "rows": rows_out,
    }


#: sure answers must hold the answer at least this often on the validation weeks
SURE_PRECISION = 0.90
#: and the threshold is chosen only where at least this many answers are sure
SURE_MIN = 20
SURE_STEPS = tuple(round(0.01 * n, 2) for n in range(50, 100))


def sure_threshold(
    reader: Reader, rows: Sequence[Pooled], *, read: int = READ, precision: float = SURE_PRECISION
) -> dict[str, Any]:
    """The confidence at and above which an answer is marked ``sure``: the lowest step at
    which the best sentence holds the quiz's answer (whole words) for at least ``precision``
    of the validation questions answered that confidently (unanswerable ones included: a
    sure answer to them is a wrong one). Rows: per step, how many are sure, how often right,
    and the share of the answerable (an answer among the sentences read) answered sure."""
    bests: list[tuple[float, bool, bool]] = []  # (confidence, right, answerable)
    for row in rows:
        found = best_read(reader, row, read)
        if found is None:
            continue
        confidence, passage = found
        pattern = answer_pattern(row.answers)
        right = pattern is not None and bool(pattern.search(passage.text))
        answerable = any(lab == 1.0 for lab in label(row)[:read])
        bests.append((confidence, right, answerable))
    total = sum(a for _, _, a in bests) or 1
    table: list[dict[str, Any]] = []
    for t in SURE_STEPS:
        sure = [(r, a) for c, r, a in bests if c >= t]
        table.append(
            {
                "threshold": t,
                "sure": len(sure),
                "right": round(sum(r for r, _ in sure) / len(sure), 4) if sure else None,
                "answerable_sure_and_right": round(sum(r and a for r, a in sure) / total, 4),
            }
        )
    fitting: list[float] = [
        float(r["threshold"])
        for r in table
        if r["sure"] >= SURE_MIN and r["right"] is not None and r["right"] >= precision
    ]
    return {
        "sure_threshold": min(fitting) if fitting else None,
        "rule": f"lowest confidence in 0.01 steps at which at least {precision:.0%} of the news "
        f"validation questions answered that confidently (at least {SURE_MIN}) hold the answer",
        "questions": len(bests),
        "answerable": sum(a for _, _, a in bests),
        "rows": table,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m training.calibration --pools runs/pools-val2 [--reader DIR] [--write]``:
    the answering and the sure thresholds of a reader on the validation weeks' pools."""
    import argparse
    import json
    import sys

    from rag.errors import RagError

    ap = argparse.ArgumentParser(prog="python -m training.calibration", description=main.__doc__)
    ap.add_argument("--pools", type=Path, required=True, help="the validation weeks' pools")
    ap.add_argument("--reader", type=Path, default=None, help="reader folder (default: shipped)")
    ap.add_argument("--write", action="store_true", help="store it in the reader's config.json")
    args = ap.parse_args(argv)
    try:
        from rag.reader.protocol import READER_DIR

        folder = args.reader or READER_DIR
        files = (
            sorted(args.pools.glob("validation-*.jsonl")) if args.pools.is_dir() else [args.pools]
        )
        rows = [row for f in files for row in read_pools(f)]
        if not rows:
            raise RagError(f"no validation pools in {args.pools}")
        reader = load_reader(folder)
        answering = pool_threshold(reader, rows)
        result = sure_threshold(reader, rows)
        print(json.dumps({"answering": answering, "sure": result}, indent=2))
        if args.write:
            path = folder / "config.json"
            config = json.loads(path.read_text(encoding="utf-8"))
            if answering["threshold"] is not None:
                config["threshold"] = answering["threshold"]
            config["answering_calibration"] = answering
            config["sure_threshold"] = result["sure_threshold"]
            config["sure_calibration"] = result
            path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
