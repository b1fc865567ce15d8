"""The answering threshold, set on held-out news as the assistant reads it.

``rag train-reader`` calls :func:`answering_threshold` after training: the news validation
weeks of ``news-train.json`` (``eval/splits.py``) are pooled by the assistant itself
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

from eval.pooled import READ, Pooled, label, passages_of, read_pools
from rag import Settings
from rag.reader import Reader, load_reader

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


def pool_threshold(
    reader: Reader, rows: Sequence[Pooled], *, read: int = READ, most_false: float = MOST_FALSE
) -> dict[str, Any]:
    """The answering threshold from pools of the news validation weeks (``rag eval-errors``
    or ``python -m training.pools --part validation``), read as the assistant reads them (its
    ``read`` best candidates, the reader fused with the heuristic).

    Labels come from the pools themselves (``eval/pooled.py``): *answerable* when a
    sentence read holds the answer next to the question's words, *unanswerable* when no
    sentence pooled holds the answer or any of its words. The quiz's own "no gold article"
    flag is not used: many such questions are answered in their search results. The
    threshold is the highest step refusing at most ``most_false`` of the answerable."""
    answerable: list[float] = []
    unanswerable: list[float] = []
    for row in rows:
        labels = label(row)
        passages = passages_of(row)[:read]  # as the assistant reads them (ages included)
        if not passages:
            continue
        best = max(r.score for r in reader.read(row.query, passages))
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
