"""Runs a dataset through the assistant (and the tutorial baseline) and scores every answer."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rag import Answer, Assistant, Settings
from rag.answer.cited import below_threshold
from rag.answer.question import contextualize
from rag.errors import ConfigError

from . import metrics
from .datasets import Dataset, Example
from .scoring import DEPTHS, score, totals, tradeoff


@dataclass
class Run:
    """One system on one dataset: a row per question, and the totals."""

    system: str
    dataset: str
    config: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the reader's threshold trade-off (rows of ``tradeoff()``), for the reader run
    tradeoff: list[dict[str, Any]] = field(default_factory=list)
    #: news quizzes: the gold articles' summaries beside their leads (``eval.quality.summaries``)
    summaries: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "tradeoff": self.tradeoff,
            "summaries": self.summaries,
            "dataset": self.dataset,
            "config": self.config,
            "totals": self.totals,
            "by_kind": self.by_kind,
            "rows": self.rows,
        }


def evaluate(
    dataset: Dataset,
    settings: Settings,
    *,
    k: int,
    baseline: bool = True,
    heuristic: bool = True,
    progress: bool = True,
    llm: Any = None,
    embedder: Any = None,
    previous_reader: str | None = None,
) -> list[Run]:
    """Index the dataset's documents in a fresh store, then answer and score every question:
    with the reader ("rag"), with another reader folder ("previous reader", with
    ``previous_reader``), with the old heuristic ranking ("heuristic", unless
    ``heuristic=False``), and with the LangChain tutorial pipeline (``baseline``)."""
    from rag.index.chroma import make_client

    with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
        settings = settings.with_(data_dir=Path(tmp) / "index", seed=False)
        client = make_client(settings)
        assistant = Assistant(settings, client=client, llm=llm, embedder=embedder)
        started = time.perf_counter()
        report = assistant.ingest([dataset.docs])
        ingest_s = time.perf_counter() - started
        if not assistant.documents():
            raise ConfigError(f"nothing could be ingested from {dataset.docs}")
        docs = {
            d.id: (d.source, d.title, assistant.document_text(d.id)) for d in assistant.documents()
        }
        supports = {ex.id: locate(ex, docs) for ex in dataset.examples}
        reader = assistant.reader
        config = {
            "k": k,
            "backend": assistant.backend,
            "reader": settings.reader if reader is not None else "off",
            "embedding_model": settings.embedding_model,
            "chunk_tokens": settings.chunk_tokens,
            "min_score": settings.min_score,
            "documents": len(docs),
            "chunks": report.chunks,
            "ingest_seconds": round(ingest_s, 2),
            "questions": len(dataset.examples),
        }
        runs = []
        if reader is not None:
            runs.append(
                _reader_run(
                    "rag", assistant, reader, settings, dataset, config, supports, k, llm, progress
                )
            )
        if previous_reader is not None:
            from rag.reader import load_reader

            before = load_reader(previous_reader)
            runs.append(
                _reader_run(
                    "previous reader",
                    assistant,
                    before,
                    settings.with_(reader=str(previous_reader), reader_threshold=None),
                    dataset,
                    {**config, "reader": str(previous_reader)},
                    supports,
                    k,
                    llm,
                    progress,
                )
            )
        if heuristic or reader is None:
            plain = Assistant(
                settings.with_(reader="off"),
                client=client,
                llm=llm,
                embedder=assistant.embedder,
            )
            runs.append(
                _run(
                    "rag" if reader is None else "heuristic",
                    dataset,
                    {**config, "reader": "off"},
                    supports,
                    ask=lambda ex: plain.ask(
                        ex.question, ex.history, k=k, asked_on=ex.asked_on or None
                    ),
                    retrieve=lambda ex, answer: _chunks(plain, ex, answer, k),
                    progress=progress,
                )
            )
        if baseline:
            from .baseline import TOP_K, TutorialBaseline

            base = TutorialBaseline([(i, s, t, text) for i, (s, t, text) in docs.items()], client)
            base_config = {
                **config,
                "k": TOP_K,
                "backend": base.name,
                "reader": "off",
                "chunks": len(base.chunks),
            }
            runs.append(
                _run(
                    base.name,
                    dataset,
                    base_config,
                    supports,
                    ask=lambda ex: base.ask(ex.question, ex.history),
                    retrieve=lambda ex, answer: base.retrieve(ex.question, max(TOP_K, *DEPTHS)),
                    progress=progress,
                )
            )
        for run in runs:
            _check_integrity(run, docs)
        if runs and runs[0].system == "rag":
            from . import summaries

            runs[0].summaries = summaries.score(assistant, dataset)
        return runs


def threshold_in_use(settings: Settings, reader: Any) -> float:
    """The abstention threshold the assistant applies: the setting, else the reader's own."""
    return float(
        settings.reader_threshold if settings.reader_threshold is not None else reader.threshold
    )


def _reader_run(
    system: str,
    assistant: Assistant,
    reader: Any,
    settings: Settings,
    dataset: Dataset,
    config: dict[str, Any],
    supports: dict[str, list[metrics.Span]],
    k: int,
    llm: Any,
    progress: bool,
) -> Run:
    """Asked with no reader threshold, so every answer and its confidence is known; the
    threshold is applied afterwards (same answers), and the trade-off table shows what
    other thresholds would give."""
    threshold = threshold_in_use(settings, reader)
    open_ = Assistant(
        settings.with_(reader_threshold=0.0),
        client=assistant.store.client,
        llm=llm,
        embedder=assistant.embedder,
        reader=reader,
    )
    run = _run(
        system,
        dataset,
        {**config, "reader_threshold": round(threshold, 4)},
        supports,
        ask=lambda ex: open_.ask(ex.question, ex.history, k=k, asked_on=ex.asked_on or None),
        retrieve=lambda ex, answer: _chunks(assistant, ex, answer, k),
        progress=progress,
        threshold=threshold,
    )
    run.tradeoff = tradeoff(run.rows)
    return run


def _chunks(
    assistant: Assistant, ex: Example, answer: Answer, k: int
) -> list[tuple[str, int, int, str]]:
    query = answer.query or contextualize(ex.question, ex.history)
    return [
        (h.chunk.doc_id, h.chunk.start, h.chunk.end, h.chunk.text)
        for h in assistant.retrieve(query, max(k, max(DEPTHS)))
    ]


def _at_threshold(answer: Answer, threshold: float) -> Answer:
    """The answer as the assistant gives it at ``threshold``: below it, an abstention."""
    if answer.abstained or answer.confidence is None or answer.confidence >= threshold:
        return answer
    return replace(
        below_threshold(answer.question, answer.confidence, threshold), query=answer.query
    )


def locate(example: Example, docs: dict[str, tuple[str, str, str]]) -> list[metrics.Span]:
    """The gold support strings as (doc_id, start, end) spans in the indexed texts; for a
    news quiz, the whole gold documents."""
    spans = []
    if example.gold_docs:
        names = set(example.gold_docs)
        return [
            (doc_id, 0, len(body))
            for doc_id, (source, _, body) in docs.items()
            if source in names or Path(source).name in names
        ]
    for text in example.support:
        for doc_id, (_, _, body) in docs.items():
            at = body.find(text)
            if at >= 0:
                spans.append((doc_id, at, at + len(text)))
                break
        else:
            raise ConfigError(
                f"{example.id}: support text not found in the documents: {text[:80]!r}"
            )
    return spans


def _run(
    system: str,
    dataset: Dataset,
    config: dict[str, Any],
    supports: dict[str, list[metrics.Span]],
    *,
    ask: Callable[[Example], Answer],
    retrieve: Callable[[Example, Answer], list[tuple[str, int, int, str]]],
    progress: bool,
    threshold: float | None = None,
) -> Run:
    """``threshold``: ``ask`` answers with no reader threshold; this one is applied after,
    and the rows also keep how the open answer scored (for the trade-off table)."""
    from tqdm import tqdm

    run = Run(system, dataset.name, config)
    examples = tqdm(
        dataset.examples, desc=system, unit="q", file=sys.stderr, disable=not progress, leave=False
    )
    for ex in examples:
        started = time.perf_counter()
        answer = ask(ex)
        latency = time.perf_counter() - started
        hits = retrieve(ex, answer)
        k = int(config["k"])
        if threshold is None:
            run.rows.append(score(ex, answer, hits, supports[ex.id], latency, k))
            continue
        row = score(ex, _at_threshold(answer, threshold), hits, supports[ex.id], latency, k)
        opened = score(ex, answer, hits, supports[ex.id], latency, k)
        row["open_contains"] = opened.get("contains", False)
        row["open_correct"] = opened["correct"] and ex.answerable
        run.rows.append(row)
    run.totals = totals(run.rows)
    kinds = sorted({r["kind"] for r in run.rows if r["kind"]})
    run.by_kind = {kind: totals([r for r in run.rows if r["kind"] == kind]) for kind in kinds}
    return run


def _check_integrity(run: Run, docs: dict[str, tuple[str, str, str]]) -> None:
    """Span integrity: every quote equals its source span (share of citations)."""
    ok = total = 0
    for row in run.rows:
        for doc_id, start, end, quote in row["quotes"]:
            total += 1
            ok += doc_id in docs and docs[doc_id][2][start:end] == quote
    run.totals["span_integrity"] = ok / total if total else 1.0
    run.totals["citations"] = total
