"""Runs a dataset through the assistant (and the tutorial baseline) and scores every answer."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag import Answer, Assistant, Settings
from rag.answer import contextualize
from rag.errors import ConfigError

from . import metrics
from .datasets import Dataset, Example


@dataclass
class Run:
    """One system on one dataset: a row per question, and the totals."""

    system: str
    dataset: str
    config: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
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
    progress: bool = True,
    llm: Any = None,
    embedder: Any = None,
) -> list[Run]:
    """Index the dataset's documents in a fresh store, then answer and score every question."""
    from rag.chroma import make_client

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
        config = {
            "k": k,
            "backend": assistant.backend,
            "embedding_model": settings.embedding_model,
            "chunk_tokens": settings.chunk_tokens,
            "min_score": settings.min_score,
            "documents": len(docs),
            "chunks": report.chunks,
            "ingest_seconds": round(ingest_s, 2),
            "questions": len(dataset.examples),
        }
        runs = [
            _run(
                "rag",
                dataset,
                config,
                supports,
                ask=lambda ex: assistant.ask(ex.question, ex.history, k=k),
                retrieve=lambda ex, answer: [
                    (h.chunk.doc_id, h.chunk.start, h.chunk.end, h.chunk.text)
                    for h in assistant.retrieve(
                        answer.query or contextualize(ex.question, ex.history), k
                    )
                ],
                progress=progress,
            )
        ]
        if baseline:
            from .baseline import TOP_K, TutorialBaseline

            base = TutorialBaseline([(i, s, t, text) for i, (s, t, text) in docs.items()], client)
            base_config = {**config, "k": TOP_K, "backend": base.name, "chunks": len(base.chunks)}
            runs.append(
                _run(
                    base.name,
                    dataset,
                    base_config,
                    supports,
                    ask=lambda ex: base.ask(ex.question, ex.history),
                    retrieve=lambda ex, answer: base.retrieve(ex.question, TOP_K),
                    progress=progress,
                )
            )
        for run in runs:
            _check_integrity(run, docs)
        return runs


def locate(example: Example, docs: dict[str, tuple[str, str, str]]) -> list[metrics.Span]:
    """The gold support strings as (doc_id, start, end) spans in the indexed texts."""
    spans = []
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
) -> Run:
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
        run.rows.append(score(ex, answer, hits, supports[ex.id], latency, int(config["k"])))
    run.totals = totals(run.rows)
    kinds = sorted({r["kind"] for r in run.rows if r["kind"]})
    run.by_kind = {kind: totals([r for r in run.rows if r["kind"] == kind]) for kind in kinds}
    return run


def score(
    ex: Example,
    answer: Answer,
    hits: list[tuple[str, int, int, str]],
    support: list[metrics.Span],
    latency: float,
    k: int,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": ex.id,
        "kind": ex.kind,
        "question": ex.question,
        "answerable": ex.answerable,
        "abstained": answer.abstained,
        "answer": answer.text,
        "latency_ms": round(latency * 1000, 2),
        "citations": len(answer.citations),
        "cited_chars": (
            sum(len(c.quote) for c in answer.citations) / len(answer.citations)
            if answer.citations
            else None
        ),
        "quotes": [[c.doc_id, c.start, c.end, c.quote] for c in answer.citations],
    }
    if ex.answerable:
        rank = _first_hit(hits, support, ex.answers)
        row["hit@1"] = rank == 1
        row[f"hit@{k}"] = rank is not None and rank <= k
        row["rr"] = 1 / rank if rank else 0.0
        answered = not answer.abstained
        row["contains"] = answered and metrics.contains(answer.text, ex.answers)
        row["f1"] = metrics.f1(answer.text, ex.answers) if answered else 0.0
        cited = [((c.doc_id, c.start, c.end), c.quote) for c in answer.citations]
        precision, recall = metrics.citation_scores(cited, support, ex.answers, ex.support_mode)
        row["citation_precision"] = precision if answered else None
        row["citation_recall"] = recall if answered else 0.0
        row["correct"] = bool(
            row["contains"] and recall == 1.0 and precision is not None and precision == 1.0
        )
    else:
        row["correct"] = answer.abstained
    return row


def _first_hit(
    hits: list[tuple[str, int, int, str]], support: list[metrics.Span], answers: list[str]
) -> int | None:
    for rank, (doc_id, start, end, text) in enumerate(hits, 1):
        if support:
            if any(metrics.overlaps((doc_id, start, end), s) for s in support):
                return rank
        elif metrics.contains(text, answers):
            return rank
    return None


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    hit_k = next(
        (key for r in answerable for key in r if key.startswith("hit@") and key != "hit@1"), None
    )
    latencies = [r["latency_ms"] for r in rows]
    out: dict[str, Any] = {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "correct": metrics.mean([float(r["correct"]) for r in rows]),
        "answer_contains": metrics.mean([float(r["contains"]) for r in answerable]),
        "answer_f1": metrics.mean([r["f1"] for r in answerable]),
        "hit@1": metrics.mean([float(r["hit@1"]) for r in answerable]),
        "mrr": metrics.mean([r["rr"] for r in answerable]),
        "citation_precision": metrics.mean([r["citation_precision"] for r in answerable]),
        "citation_recall": metrics.mean([r["citation_recall"] for r in answerable]),
        "cited_chars": metrics.mean([r["cited_chars"] for r in rows]),
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
    }
    if hit_k:
        out[hit_k] = metrics.mean([float(r[hit_k]) for r in answerable])
    abst = metrics.abstention([r["abstained"] for r in rows], [not r["answerable"] for r in rows])
    out |= {f"abstention_{key}": value for key, value in abst.items()}
    return out


def _check_integrity(run: Run, docs: dict[str, tuple[str, str, str]]) -> None:
    """Span integrity: every quote equals its source span (share of citations)."""
    ok = total = 0
    for row in run.rows:
        for doc_id, start, end, quote in row["quotes"]:
            total += 1
            ok += doc_id in docs and docs[doc_id][2][start:end] == quote
    run.totals["span_integrity"] = ok / total if total else 1.0
    run.totals["citations"] = total
