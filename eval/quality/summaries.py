"""Summaries scored beside the lead: does an article's summary hold the quiz's answer?

Journalists put the key fact first, so the first five sentences of an article (its lead,
bylines and all, as extracted) are the measure to beat. For each answerable news-quiz
question, its gold article is summarised alone as "Summarize the article." would
summarise it, at the product's length and at the lead's own length (x1.05 each, which
keeps the summaries' characters in all under the leads'), and each text is checked for one
of the quiz's answers (case-insensitive, as ``rag eval`` checks answers).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from rag import Assistant
from rag.answer.briefing import boilerplate
from rag.briefings import Briefings

from .datasets import Dataset

#: the lead: the article's first sentences
LEAD_SENTENCES = 5
#: the summary "at the lead's length" may be this much longer per article (in all shorter)
LEAD_SLACK = 1.05


def score(assistant: Assistant, dataset: Dataset) -> dict[str, Any] | None:
    """Rows of (system, questions, holds the answer, mean and total characters,
    sentences, boilerplate sentences) for the summary at the product's length, the summary
    at the lead's length and the lead; None when no question has a gold article."""
    examples = [ex for ex in dataset.examples if ex.answerable and ex.gold_docs]
    if not examples:
        return None
    by_source = {d.source: d for d in assistant.documents()}
    briefings = Briefings(assistant, assistant.document_text)
    texts: dict[str, dict[str, tuple[str, int, int]]] = {}  # doc id -> system -> (text, n, bad)
    seconds: list[float] = []
    broken = 0
    for ex in examples:
        info = by_source.get(ex.gold_docs[0])
        if info is None or info.id in texts:
            continue
        sentences = briefings.sentences(info)
        story = [s for s in sentences if " ".join(s.text.split()) != " ".join(info.title.split())]
        lead = story[:LEAD_SENTENCES]
        lead_text = " ".join(s.text for s in lead)
        started = time.perf_counter()
        default = briefings.summary("Summarize the article.", info)
        seconds.append(time.perf_counter() - started)
        at_lead = briefings.summary(
            "Summarize the article.", info, max_chars=int(len(lead_text) * LEAD_SLACK)
        )
        document = assistant.document_text(info.id)
        row = {}
        for name, answer in (("summary", default), ("summary at the lead's length", at_lead)):
            quotes = [c.quote for c in answer.citations]
            broken += sum(document[c.start : c.end] != c.quote for c in answer.citations)
            bad = sum(bool(boilerplate(q, info.title)) for q in quotes)
            row[name] = (" ".join(quotes), len(quotes), bad)
        row["lead (first 5 sentences)"] = (
            lead_text,
            len(lead),
            sum(bool(boilerplate(s.text, info.title, heading=s.unit.heading)) for s in lead),
        )
        texts[info.id] = row
    rows = []
    for system in ("summary", "summary at the lead's length", "lead (first 5 sentences)"):
        held = counted = 0
        for ex in examples:
            info = by_source.get(ex.gold_docs[0])
            if info is None:
                continue
            counted += 1
            text = texts[info.id][system][0].lower()
            held += any(a.lower() in text for a in ex.answers if a)
        per_doc = [t[system] for t in texts.values()]
        chars = [len(t[0]) for t in per_doc]
        rows.append(
            {
                "system": system,
                "questions": counted,
                "articles": len(per_doc),
                "holds_answer": held / counted if counted else 0.0,
                "mean_chars": statistics.mean(chars) if chars else 0.0,
                "total_chars": sum(chars),
                "mean_sentences": statistics.mean(t[1] for t in per_doc) if per_doc else 0.0,
                "boilerplate_sentences": sum(t[2] for t in per_doc),
            }
        )
    return {
        "rows": rows,
        "span_errors": broken,
        "median_ms": round(1000 * statistics.median(seconds), 1) if seconds else None,
    }


def table(summaries: dict[str, Any]) -> list[list[str]]:
    """The summaries' rows as a table (the first row its header)."""
    out = [
        [
            "summaries",
            "questions",
            "holds the answer",
            "mean chars",
            "all chars",
            "sentences",
            "boilerplate",
        ]
    ]
    for row in summaries["rows"]:
        out.append(
            [
                row["system"],
                str(row["questions"]),
                f"{100 * row['holds_answer']:.1f}%",
                f"{row['mean_chars']:.0f}",
                f"{row['total_chars']:,}",
                f"{row['mean_sentences']:.1f}",
                str(row["boilerplate_sentences"]),
            ]
        )
    return out
