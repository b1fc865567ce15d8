"""How one answer is scored against its gold (retrieval rank, answer, citations), and the
totals and threshold trade-off of a run's rows."""

from __future__ import annotations

from typing import Any

from rag import Answer

from ..stats import percentile
from . import metrics
from .datasets import Example

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
                # risk-coverage: of every answer given at this threshold, the share that
                # holds the gold (an answer to an unanswerable question is wrong)
                "right_when_answered": metrics.mean(
                    [float(r["answerable"] and r["open_contains"]) for r in rows if kept(r)]
                )
                if any(kept(r) for r in rows)
                else None,
                "unanswerable_abstained": metrics.mean([float(not kept(r)) for r in unanswerable]),
            }
        )
    return out


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
        "sure": answer.sure,
        "answer_kind": answer.kind,
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
        # the answer or one of the passages it offers when not sure holds the gold
        row["with_alternatives"] = row["contains"] or (
            answered
            and bool(ex.answers)
            and any(metrics.contains(c.quote, ex.answers) for c in answer.alternatives)
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
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }
    if hit_k:
        out[hit_k] = metrics.mean([float(r[hit_k]) for r in answerable])
    if answerable and all("rank" in r for r in answerable):
        for depth in DEPTHS:
            out[f"recall@{depth}"] = metrics.mean(
                [float(r["rank"] is not None and r["rank"] <= depth) for r in answerable]
            )
    sure = [r for r in rows if r.get("sure")]
    if any("sure" in r for r in rows):
        # a sure answer is right when it holds the gold; one to an unanswerable question is wrong
        out["sure_right"] = (
            metrics.mean([float(r["answerable"] and r["contains"]) for r in sure]) if sure else None
        )
        out["sure_coverage"] = metrics.mean(
            [float(bool(r.get("sure")) and r["contains"]) for r in answerable]
        )
        out["unanswerable_never_sure"] = metrics.mean(
            [float(not r.get("sure")) for r in unanswerable]
        )
    if answerable and all("with_alternatives" in r for r in answerable):
        out["with_alternatives_contains"] = metrics.mean(
            [float(r["with_alternatives"]) for r in answerable]
        )
    abst = metrics.abstention([r["abstained"] for r in rows], [not r["answerable"] for r in rows])
    out |= {f"abstention_{key}": value for key, value in abst.items()}
    return out
