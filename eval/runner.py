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
from rag.answer.compose import below_threshold
from rag.answer.question import contextualize
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
    #: the reader's threshold trade-off (rows of ``tradeoff()``), for the reader run
    tradeoff: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "tradeoff": self.tradeoff,
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
                    ask=lambda ex: plain.ask(ex.question, ex.history, k=k),
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
        ask=lambda ex: open_.ask(ex.question, ex.history, k=k),
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


#: Retrieval depths whose recall the totals report (does a deeper pool hold the answer?).
DEPTHS = (1, 3, 6, 10, 20)
#: Reader thresholds shown in the trade-off table.
THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def tradeoff(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per reader threshold: answerable questions answered with the gold answer (and cited
    right), false abstentions, unanswerable questions abstained. Rows hold the answers given
    with no threshold, so every line is exact, not estimated."""
    out = []
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    for t in THRESHOLDS:

        def kept(row: dict[str, Any], t: float = t) -> bool:
            return row["confidence"] is not None and row["confidence"] >= t

        out.append(
            {
                "threshold": t,
                "answer_contains": metrics.mean(
                    [float(kept(r) and r["open_contains"]) for r in answerable]
                ),
                "correct_answerable": metrics.mean(
                    [float(kept(r) and r["open_correct"]) for r in answerable]
                ),
                "false_abstention": metrics.mean([float(not kept(r)) for r in answerable]),
                "unanswerable_abstained": metrics.mean([float(not kept(r)) for r in unanswerable]),
            }
        )
    return out


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
        "confidence": answer.confidence,
        "short_answer": answer.short_answer.text if answer.short_answer else None,
        "citations": len(answer.citations),
        "cited_chars": (
            sum(len(c.quote) for c in answer.citations) / len(answer.citations)
            if answer.citations
            else None
        ),
        "quotes": [[c.doc_id, c.start, c.end, c.quote] for c in answer.citations],
    }
    if ex.answerable:
        rank = _first_hit(hits, support, ex.answers, need_answer=bool(ex.gold_docs))
        row["rank"] = rank
        row["hit@1"] = rank == 1
        row[f"hit@{k}"] = rank is not None and rank <= k
        row["rr"] = 1 / rank if rank else 0.0
        answered = not answer.abstained
        cited = [((c.doc_id, c.start, c.end), c.quote) for c in answer.citations]
        mode = "doc" if ex.gold_docs else ex.support_mode
        precision, recall = metrics.citation_scores(cited, support, ex.answers, mode)
        # With no short gold answers (ClapNQ: gold sentences only) the answer "holds the
        # gold" when it quotes a gold sentence.
        row["contains"] = answered and (
            metrics.contains(answer.text, ex.answers) if ex.answers else bool(recall)
        )
        row["f1"] = metrics.f1(answer.text, ex.answers) if answered else 0.0
        row["citation_precision"] = precision if answered else None
        row["citation_recall"] = recall if answered else 0.0
        row["correct"] = bool(
            row["contains"] and recall == 1.0 and precision is not None and precision == 1.0
        )
    else:
        row["correct"] = answer.abstained
    return row


def _first_hit(
    hits: list[tuple[str, int, int, str]],
    support: list[metrics.Span],
    answers: list[str],
    *,
    need_answer: bool = False,
) -> int | None:
    """The rank of the first chunk that overlaps a support (and, with ``need_answer``,
    holds an answer), or that holds an answer when there is no support."""
    for rank, (doc_id, start, end, text) in enumerate(hits, 1):
        if support:
            if any(metrics.overlaps((doc_id, start, end), s) for s in support) and (
                not need_answer or metrics.contains(text, answers)
            ):
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
    if answerable and all("rank" in r for r in answerable):
        for depth in DEPTHS:
            out[f"recall@{depth}"] = metrics.mean(
                [float(r["rank"] is not None and r["rank"] <= depth) for r in answerable]
            )
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
