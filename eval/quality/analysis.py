"""Where answers are lost: every answerable question's path replayed stage by stage.

For each question the assistant retrieves and reads as it does when asked (``--pool``
sentences read instead of ``read_candidates``, so deeper reading can be judged), and the
first stage that lost the gold answer is named:

- ``retrieval``: no retrieved chunk holds it (news: in a gold article);
- ``candidates``: a retrieved chunk holds it, but no sentence the reader reads does;
- ``ranking``: a sentence the reader read holds it, but another was ranked first;
- ``threshold``: the best sentence holds it, but its confidence is under the threshold;
- ``stated differently``: the answer cites the gold sentence (or a gold article) but the
  gold string is worded otherwise (token F1 ≥ 0.5 with a gold answer);
- ``right``: the answer holds the gold.

What-ifs over the same readings: the top-2/3/5 sentences hold the gold; answers aggregated
by short answer across sentences (the same span in several sentences adds up). Unanswerable
questions: abstained or not, and what was cited. The pools (question, candidate sentences,
flags) are written to ``pools.jsonl`` so another reader can be replayed on them without
indexing again (:func:`replay`).
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag import Assistant, Settings
from rag.answer.cited import Candidate
from rag.answer.needs import short_span
from rag.answer.question import understand
from rag.reader import Reader

from . import metrics
from .datasets import Dataset, Example
from .pooled import Pooled, label, passages_of
from .runner import locate

STAGES = ("right", "stated differently", "threshold", "ranking", "candidates", "retrieval")
WHAT_IF_DEPTHS = (1, 2, 3, 5)


def _candidate_flags(
    cand: Candidate, ex: Example, support: list[metrics.Span]
) -> tuple[bool, bool]:
    span = (cand.unit.doc_id, cand.unit.start, cand.unit.end)
    in_support = any(metrics.overlaps(span, s) for s in support)
    if ex.gold_docs:
        return in_support and metrics.contains(cand.text, ex.answers), in_support
    if ex.answers:
        return metrics.contains(cand.text, ex.answers) and (in_support or not support), in_support
    return in_support, in_support


def collect(
    dataset: Dataset, settings: Settings, *, pool: int, k: int, progress: bool = True
) -> list[Pooled]:
    """Index the dataset once and pool every question's candidates (not read)."""
    from tqdm import tqdm

    from rag.index.chroma import make_client

    pooled: list[Pooled] = []
    with tempfile.TemporaryDirectory(prefix="rag-analysis-") as tmp:
        settings = settings.with_(data_dir=Path(tmp) / "index", seed=False, reader="off")
        assistant = Assistant(settings, client=make_client(settings))
        assistant.ingest([dataset.docs])
        docs = {
            d.id: (d.source, d.title, assistant.document_text(d.id)) for d in assistant.documents()
        }
        for ex in tqdm(dataset.examples, desc="pooling", file=sys.stderr, disable=not progress):
            support = locate(ex, docs)
            question = assistant.clean_question(ex.question)
            understood = understand(question, ex.history)
            if understood.instruction:
                continue
            query = understood.queries[0]
            reading, hits = assistant.reading(question, (query,), k=k)
            row = Pooled(ex.id, question, query, ex.answerable, list(ex.answers), False)
            row.asked_on = ex.asked_on
            for h in hits:
                span = (h.chunk.doc_id, h.chunk.start, h.chunk.end)
                if any(metrics.overlaps(span, s) for s in support) and (
                    not ex.answers or metrics.contains(h.chunk.text, ex.answers)
                ):
                    row.retrieved_gold = True
            for cand in reading.candidates[:pool]:
                gold, in_support = _candidate_flags(cand, ex, support)
                row.texts.append(cand.text)
                row.befores.append(cand.before)
                row.heuristic.append(round(cand.heuristic, 5))
                row.gold.append(gold)
                row.support.append(in_support)
                row.docs.append(cand.unit.doc_id)
                row.published.append(cand.hit.published)
                row.offsets.append(cand.unit.start)
            pooled.append(row)
    return pooled


@dataclass(slots=True)
class Scored:
    row: Pooled
    #: candidate indices best first, as the product ranks them (its read candidates only)
    order: list[int]
    scores: list[float]
    spans: list[tuple[int, int] | None]
    deep_order: list[int]


def score(rows: Sequence[Pooled], reader: Reader, *, read: int) -> list[Scored]:
    """Read each pool with ``reader``: the product's ranking (first ``read`` sentences) and
    the deep one (the whole pool). A reader with context weights reads the first ``read``
    alone, as the product does (their ages are read against each other)."""
    out = []
    for row in rows:
        passages = passages_of(row)
        if getattr(reader, "context_weights", None) and len(passages) > read:
            # what the product reads is read alone: the ages are read against each other
            readings = reader.read(row.query, passages[:read])
            readings += reader.read(row.query, passages)[read:]
        else:
            readings = reader.read(row.query, passages) if passages else []
        scores = [r.score for r in readings]
        spans = [r.span for r in readings]
        product = sorted(range(min(read, len(scores))), key=lambda i: -scores[i])
        deep = sorted(range(len(scores)), key=lambda i: -scores[i])
        out.append(Scored(row, product, scores, spans, deep))
    return out


#: what-if answers: the best sentence and those scoring at least this share of it (at most 3)
RATIOS = (0.9, 0.7, 0.5)


def _chosen(s: Scored, ratio: float, most: int = 3) -> list[int]:
    if not s.order:
        return []
    best = s.scores[s.order[0]]
    return [i for i in s.order[:most] if s.scores[i] >= ratio * best]


def _short(s: Scored, i: int) -> tuple[int, int] | None:
    """Candidate ``i``'s short answer as the answer gives it (the reader's span, or the one
    amount an amount question's sentence holds)."""
    return short_span(s.row.texts[i], s.spans[i], s.row.question)


def _aggregated_first(s: Scored) -> int | None:
    """The best sentence of the short answer with the most probability mass."""
    mass: dict[str, float] = defaultdict(float)
    best_of: dict[str, int] = {}
    for i in s.order:
        span = _short(s, i)
        key = metrics.normalize(s.row.texts[i][span[0] : span[1]]) if span else f"#sentence{i}"
        mass[key] += s.scores[i]
        best_of.setdefault(key, i)
    if not mass:
        return None
    return best_of[max(mass, key=lambda key: mass[key])]


def stage(s: Scored, threshold: float, answer_text: str | None = None) -> str:
    """The first stage that lost an answerable question's gold (``right`` if none)."""
    row = s.row
    if not row.retrieved_gold:
        return "retrieval"
    if not any(row.gold[i] for i in s.order):
        return "candidates" if not _stated_differently(s) else "stated differently"
    first = s.order[0]
    if not row.gold[first]:
        return "ranking" if not _stated_differently(s) else "stated differently"
    if s.scores[first] < threshold:
        return "threshold"
    return "right"


def _stated_differently(s: Scored) -> bool:
    first = s.order[0] if s.order else None
    return (
        first is not None
        and s.row.support[first]
        and metrics.f1(s.row.texts[first], s.row.answers) >= 0.5
    )


def report(scored: Sequence[Scored], threshold: float) -> dict[str, Any]:
    """The stage table, the what-ifs and the unanswerable questions' outcome."""
    answerable = [s for s in scored if s.row.answerable]
    unanswerable = [s for s in scored if not s.row.answerable]
    stages = Counter(stage(s, threshold) for s in answerable)
    n = max(1, len(answerable))

    def share(count: float) -> float:
        return round(count / n, 4)

    what_if = {
        f"top-{d} sentences hold the gold": share(
            sum(any(s.row.gold[i] for i in s.order[:d]) for s in answerable)
        )
        for d in WHAT_IF_DEPTHS
    }
    what_if["top-1 of the whole pool (read deeper)"] = share(
        sum(bool(s.deep_order) and s.row.gold[s.deep_order[0]] for s in answerable)
    )
    agg = [_aggregated_first(s) for s in answerable]
    what_if["aggregated by short answer: first holds the gold"] = share(
        sum(i is not None and s.row.gold[i] for s, i in zip(answerable, agg, strict=True))
    )
    what_if["short answer holds the gold (top-1)"] = share(
        sum(
            bool(s.order)
            and (span := _short(s, s.order[0])) is not None
            and metrics.contains(s.row.texts[s.order[0]][span[0] : span[1]], s.row.answers)
            for s in answerable
        )
    )
    for ratio in RATIOS:
        chosen = [_chosen(s, ratio) for s in answerable]
        what_if[f"sentences within {ratio:.0%} of the best: one holds the gold"] = share(
            sum(any(s.row.gold[i] for i in c) for s, c in zip(answerable, chosen, strict=True))
        )
        what_if[f"sentences within {ratio:.0%} of the best: all hold the gold"] = share(
            sum(all(s.row.gold[i] for i in c) for s, c in zip(answerable, chosen, strict=True))
        )
    abstained = sum(not s.order or s.scores[s.order[0]] < threshold for s in unanswerable)
    labelled = answer_labelled(scored)
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "threshold": round(threshold, 4),
        "stages": {name: [stages.get(name, 0), share(stages.get(name, 0))] for name in STAGES},
        "what_if": what_if,
        "unanswerable_abstained": round(abstained / max(1, len(unanswerable)), 4),
        "answer_labelled": labelled,
    }


def answer_labelled(scored: Sequence[Scored]) -> dict[str, float]:
    """Labelled by the answer itself, not the gold flag (``eval.quality.pooled.label``: the
    quiz's answer next to two of the question's words): of the questions with such a
    sentence among those the product reads, the share whose best sentence is one. News
    quizzes often have their answer in a search result the gold rule does not mark, so
    this counts the reader's choices on more questions (the news validation weeks: 130
    against 96 by the gold rule)."""
    n = hits = 0
    for s in scored:
        labels = label(s.row)
        if not s.order or not any(labels[i] == 1.0 for i in s.order):
            continue
        n += 1
        hits += labels[s.order[0]] == 1.0
    return {"questions": n, "best holds the answer": round(hits / max(1, n), 4)}


def markdown(name: str, result: dict[str, Any]) -> str:
    lines = [
        f"### {name}: where answerable questions are lost "
        f"({result['answerable']} answerable, threshold {result['threshold']})",
        "",
        "| stage | questions | share |",
        "|---|---|---|",
    ]
    for stage_name, (count, share) in result["stages"].items():
        lines.append(f"| {stage_name} | {count} | {share:.1%} |")
    lines += ["", "| what if | share of answerable |", "|---|---|"]
    lines += [f"| {k} | {v:.1%} |" for k, v in result["what_if"].items()]
    lines += [
        "",
        f"Unanswerable abstained: {result['unanswerable_abstained']:.1%} "
        f"of {result['unanswerable']}.",
    ]
    labelled = result.get("answer_labelled")
    if labelled and labelled["questions"]:
        lines.append(
            f"Labelled by the answer ({labelled['questions']} questions with an answering "
            f"sentence read): the best holds the answer {labelled['best holds the answer']:.1%}."
        )
    return "\n".join(lines) + "\n"
