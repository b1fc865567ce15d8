"""TrecQA (answer-sentence selection over newswire, Wang et al. 2007): train groups and the
dev set's published metrics (MAP and MRR over the questions that have a positive).

The sentences are tokenised and mostly lower-cased (``-LRB-``, ````` ``, spaces before
punctuation); :func:`detokenize` makes them read like text again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from eval.quality.pooled import answer_pattern
from rag.reader.protocol import Passage

from .data import Candidate, Group, answer_span
from .nq import jsonl

TRECQA_TRAIN = "trecqa-train.jsonl"
TRECQA_DEV = "trecqa-dev.jsonl"
#: negatives kept per training question (TrecQA has about 50 candidates a question)
MAX_NEGATIVES = 12

_BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}


def detokenize(text: str) -> str:
    for token, char in _BRACKETS.items():
        text = text.replace(token, char)
    text = re.sub(r"``\s*", '"', text)
    text = re.sub(r"\s*''", '"', text)
    text = re.sub(r"\s+([.,;:!?%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$])\s+", r"\1", text)
    text = re.sub(r"\s+(n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def trecqa_groups(path: Path, *, full: bool, limit: int | None) -> list[Group]:
    """One group per question: its positives and (``full``: all, else the first
    ``MAX_NEGATIVES``) negatives. TrecQA gives no context sentence."""
    by_question: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in jsonl(path):
        by_question[str(row["qid"])].append(row)
    groups = []
    for rows in list(by_question.values())[:limit] if limit is not None else by_question.values():
        question = detokenize(str(rows[0]["question"]))
        answers = sorted({str(r.get("answer") or "") for r in rows if r["label"]} - {""})
        pattern = answer_pattern([detokenize(a) for a in answers])
        cands = []
        negatives = 0
        for row in rows:
            label = float(int(row["label"]) > 0)  # type: ignore[call-overload]
            if not label and not full:
                if negatives >= MAX_NEGATIVES:
                    continue
                negatives += 1
            text = detokenize(str(row["sentence"]))
            span = answer_span(text, pattern) if label else None
            cands.append(Candidate(Passage(text), label, span))
        if full or any(c.label for c in cands):
            groups.append(Group(question, cands, any(c.label for c in cands), answers, "trecqa"))
    return groups
