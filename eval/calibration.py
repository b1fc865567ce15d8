"""The answering threshold: the assistant's own confidence (the reader fused with the
heuristic, over what it retrieves) on held-out news, asked as ``rag eval`` asks.

``rag train-reader`` calls :func:`answering_threshold` after training: the news validation
weeks of ``news-train.json`` (``rag/splits.py``), their search-result articles indexed in a
temporary store, each question asked with no threshold; the threshold keeps ``keep`` of the
answerable ones answered. The trade-off rows (answered / abstained at other thresholds) go
into the model's config so the README's table can be checked against them.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from rag import Assistant, Settings
from rag.chroma import make_client
from rag.reader.news import NEWS_TRAIN, usable
from rag.splits import news_part

from .datasets import load_news


def validation_set(data: Path, questions: int, work: Path) -> Path:
    """The news validation weeks as a news-quiz file (the first ``questions`` usable
    questions with their search results)."""
    raw = json.loads((data / NEWS_TRAIN).read_text(encoding="utf-8"))
    held = [q for q in raw["questions"] if usable(q) and news_part(str(q["date"])) == "validation"][
        :questions
    ]
    wanted = {str(d) for q in held for d in (q.get("results") or []) + (q.get("gold") or [])}
    docs = [d for d in raw["docs"] if str(d["id"]) in wanted]
    path = work / "news-validation.json"
    path.write_text(json.dumps({"docs": docs, "questions": held}), encoding="utf-8")
    return path


def answering_threshold(reader: Path, data: Path, *, questions: int, keep: float) -> dict[str, Any]:
    """{"threshold": ... (None with under 10 answerable questions), "rows": per-threshold
    false abstentions and unanswerable abstained, "questions": n, "answerable": n}."""
    with tempfile.TemporaryDirectory(prefix="rag-calibrate-") as tmp:
        work = Path(tmp)
        path = validation_set(data, questions, work)
        dataset = load_news(path, json.loads(path.read_text(encoding="utf-8")), work)
        settings = Settings(
            data_dir=work / "index", seed=False, reader=str(reader), reader_threshold=0.0
        )
        assistant = Assistant(settings, client=make_client(settings))
        assistant.ingest([dataset.docs])
        answerable: list[float] = []
        unanswerable: list[float] = []
        for example in dataset.examples:
            confidence = assistant.ask(example.question).confidence or 0.0
            (answerable if example.answerable else unanswerable).append(confidence)
    # too few answerable questions to set it by (a quick trial): None, keep the reader's own
    threshold = float(np.quantile(answerable, 1 - keep)) if len(answerable) >= 10 else None
    rows = [
        {
            "threshold": t,
            "false_abstention": round(float(np.mean([c < t for c in answerable])), 4),
            "unanswerable_abstained": round(float(np.mean([c < t for c in unanswerable])), 4)
            if unanswerable
            else None,
        }
        for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
    ]
    return {
        "threshold": threshold,
        "questions": len(answerable) + len(unanswerable),
        "answerable": len(answerable),
        "rows": rows,
    }
