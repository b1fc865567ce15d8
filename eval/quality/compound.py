"""Compound questions on held-out data: two SQuAD questions about one article joined into one
("Q1, and q2?"), asked with each part read alone (``RAG_COMPOUND_QUESTIONS``, the default)
and read as one question, on the same index.

    rag eval-compound --data ../shared/data [--pairs 150] [--out DIR]

The articles are SQuAD 2.0 dev-a's test part (articles 5-7: never trained on, never used
to choose anything). Two answerable questions of an article whose answers lie in different
sentences make a pair; the second must open with a question word, as a compound question's
second half does. For each way of reading: both parts answered (the answer text holds a
gold answer of each), both gold sentences cited, one of them, neither, citations per
answer and latency.
"""

from __future__ import annotations

import itertools
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag import Answer, Assistant, Settings

from . import metrics
from .datasets import Example, load_squad

WH = ("what", "who", "whom", "whose", "which", "when", "where", "why", "how")


@dataclass(frozen=True, slots=True)
class Pair:
    first: Example
    second: Example

    @property
    def question(self) -> str:
        one = self.first.question.strip().rstrip("?").strip()
        two = self.second.question.strip()
        return f"{one}, and {two[0].lower()}{two[1:]}"


def pairs(examples: list[Example], count: int, seed: int) -> list[Pair]:
    """Up to ``count`` pairs of answerable questions about one article, gold sentences apart."""
    by_article: dict[str, list[Example]] = {}
    for ex in examples:
        if ex.answerable and ex.spans and ex.support:
            by_article.setdefault(ex.spans[0][0], []).append(ex)
    rng = random.Random(seed)
    out = []
    for exs in by_article.values():
        for a, b in itertools.pairwise(exs):
            opens = b.question.strip().split(" ", 1)[0].lower()
            if opens in WH and not set(a.support) & set(b.support) and a.question.strip():
                out.append(Pair(a, b))
    rng.shuffle(out)
    return out[:count]


def _cites(answer: Answer, ex: Example) -> bool:
    return any(s in c.quote or c.quote in s for c in answer.citations for s in ex.support)


def _holds(answer: Answer, ex: Example) -> bool:
    return not answer.abstained and metrics.contains(answer.text, ex.answers)


def score(answers: list[Answer], chosen: list[Pair], seconds: list[float]) -> dict[str, Any]:
    n = max(1, len(chosen))
    both = sum(
        _cites(a, p.first) and _cites(a, p.second) for a, p in zip(answers, chosen, strict=True)
    )
    one = sum(
        _cites(a, p.first) != _cites(a, p.second) for a, p in zip(answers, chosen, strict=True)
    )
    held = sum(
        _holds(a, p.first) and _holds(a, p.second) for a, p in zip(answers, chosen, strict=True)
    )
    return {
        "pairs": len(chosen),
        "both_answers_held": round(held / n, 4),
        "both_gold_sentences_cited": round(both / n, 4),
        "one_cited": round(one / n, 4),
        "neither_cited": round((len(chosen) - both - one) / n, 4),
        "abstained": round(sum(a.abstained for a in answers) / n, 4),
        "citations_per_answer": round(statistics.mean(len(a.citations) for a in answers), 2)
        if answers
        else 0.0,
        "latency_p50_ms": round(1000 * statistics.median(seconds), 1) if seconds else 0.0,
    }


def run(data: Path, count: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dataset = load_squad(data / "squad2-dev-a.json", work, part="test")
        chosen = pairs(dataset.examples, count, seed)
        settings = Settings.from_env(data_dir=work / "index", seed=False)
        assistant = Assistant(settings)
        assistant.ingest([dataset.docs])
        results: dict[str, Any] = {"articles": "squad2-dev-a articles 5-7 (test)", "seed": seed}
        for name, split in (("each part read alone", True), ("read as one question", False)):
            assistant.settings = settings.with_(compound_questions=split)
            answers, seconds = [], []
            for pair in chosen:
                started = time.perf_counter()
                answers.append(assistant.ask(pair.question))
                seconds.append(time.perf_counter() - started)
            results[name] = score(answers, chosen, seconds)
        results["examples"] = [p.question for p in chosen[:5]]
        return results


def table(results: dict[str, Any]) -> str:
    names = ["each part read alone", "read as one question"]
    rows = [
        f"{results[names[0]]['pairs']} compound questions, {results['articles']}",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|---|---|",
    ]
    labels = {
        "both_answers_held": "the answer holds both gold answers",
        "both_gold_sentences_cited": "both gold sentences cited",
        "one_cited": "only one cited",
        "neither_cited": "neither cited",
        "abstained": "abstained",
        "citations_per_answer": "citations per answer",
        "latency_p50_ms": "latency p50 (ms)",
    }
    for key, label in labels.items():
        values = [results[name][key] for name in names]
        shares = key not in {"citations_per_answer", "latency_p50_ms"}
        cells = [f"{100 * v:.1f}%" if shares else f"{v}" for v in values]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
