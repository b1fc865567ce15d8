"""Groups from Natural Questions sets: ClapNQ (passages split into sentences, the gold
``selected_sentences``) and QED (a Wikipedia paragraph and its gold ``selected_sentence``).
Real search-engine queries, Wikipedia text."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from eval.quality.pooled import answer_pattern
from rag.reader.protocol import Passage

from .data import Candidate, Embed, Group, IdfTable, answer_span, heuristic_order

CLAPNQ = ("clapnq-dev-a-answerable.jsonl", "clapnq-dev-a-unanswerable.jsonl")
QED = "qed-dev.jsonl"
RETRIEVAL_NEGATIVES = 3


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def clapnq_rows(folder: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in CLAPNQ:
        if (folder / name).is_file():
            rows += jsonl(folder / name)
    return rows


def _pick(
    question: str, sentences: list[str], labels: list[float], embed: Embed | None
) -> list[int]:
    """The positives and the heuristic's best negatives among a passage's sentences."""
    order = heuristic_order(question, sentences, IdfTable(sentences), embed, shortlist=24)
    negatives = [i for i in order if labels[i] == 0][: RETRIEVAL_NEGATIVES + 1]
    return sorted({i for i in range(len(sentences)) if labels[i]} | set(negatives))


def clapnq_groups(
    rows: list[dict[str, Any]], embed: Embed | None, *, full: bool, limit: int | None
) -> list[Group]:
    rows = rows[:limit] if limit is not None else rows
    groups = []
    for row in rows:
        sentences = [s for s in row["passages"][0]["sentences"] if s.strip()]
        if not sentences:
            continue
        gold = set(row["output"][0].get("selected_sentences") or [])
        answerable = bool(gold)
        labels = [1.0 if s in gold else 0.0 for s in sentences]
        if answerable and not any(labels):
            continue
        idx = list(range(len(sentences))) if full else _pick(row["input"], sentences, labels, embed)
        cands = [
            Candidate(Passage(sentences[i], sentences[i - 1] if i > 0 else ""), labels[i])
            for i in idx
        ]
        groups.append(Group(row["input"], cands, answerable, [], "clapnq"))
    return groups


def qed_groups(path: Path, embed: Embed | None, *, limit: int | None) -> list[Group]:
    """QED: the gold sentence is the positive (with its short answer where one is given);
    the paragraph's other sentences the heuristic ranks closest are negatives. Questions with
    no gold sentence are left out (QED's paragraphs are not chosen to be unanswerable)."""
    groups = []
    for row in jsonl(path)[:limit] if limit is not None else jsonl(path):
        text = row["paragraph_text"]
        starts = [*row["sentence_starts"], len(text)]
        sentences = [text[a:b].strip() for a, b in itertools.pairwise(starts)]
        gold = (row["annotation"].get("selected_sentence") or {}).get("string", "").strip()
        if not gold or gold not in sentences:
            continue
        question = row["question_text"].strip()
        if not question.endswith("?"):
            question += "?"
        answers = [a["sentence_reference"]["string"] for a in row["annotation"].get("answer") or []]
        labels = [1.0 if s == gold else 0.0 for s in sentences]
        pattern = answer_pattern(answers)
        cands = []
        for i in _pick(question, sentences, labels, embed):
            span = answer_span(sentences[i], pattern) if labels[i] else None
            before = sentences[i - 1] if i else ""
            cands.append(Candidate(Passage(sentences[i], before), labels[i], span))
        groups.append(Group(question, cands, True, answers, "qed"))
    return groups
