"""Deterministic metrics: no model judges anything.

- retrieval: hit@1, hit@k and reciprocal rank of the first retrieved chunk that holds the
  gold support (or, without support, a gold answer);
- answers: normalised containment of a gold answer, and SQuAD token F1 (best over golds);
- citations: precision (a citation is correct when its span overlaps a gold support span,
  or its quote contains a gold answer where no support is given), recall (share of the
  gold supports cited; "any" mode: one is enough), span integrity (quote == source span);
- abstention: precision, recall and F1 of abstaining, unanswerable being the positive class.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation + "“”‘’—–")
_MARKER = re.compile(r"\[\d+\]")

Span = tuple[str, int, int]  # (doc_id, start, end)


def normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, articles or extra spaces."""
    text = _MARKER.sub(" ", text).lower().replace(",", "")
    return " ".join(_ARTICLES.sub(" ", text.translate(_PUNCT)).split())


def contains(text: str, answers: Sequence[str]) -> bool:
    norm = f" {normalize(text)} "
    return any(f" {normalize(a)} " in norm for a in answers if normalize(a))


def f1(text: str, answers: Sequence[str]) -> float:
    """The best token F1 between ``text`` and a gold answer."""
    got = normalize(text).split()
    best = 0.0
    for answer in answers:
        gold = normalize(answer).split()
        common = sum((Counter(got) & Counter(gold)).values())
        if not common:
            continue
        precision, recall = common / len(got), common / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def overlaps(a: Span, b: Span) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def citation_scores(
    cited: Sequence[tuple[Span, str]],
    support: Sequence[Span],
    answers: Sequence[str],
    mode: str,
) -> tuple[float | None, float | None]:
    """(precision, recall) of one answer's citations; None where undefined.

    ``mode``: "any" (one support cited suffices), "all" (each is needed), or "doc" (support
    spans are whole gold documents, and a right citation also holds an answer)."""
    if not cited:
        return None, 0.0 if (support or answers) else None

    def correct(span: Span, quote: str) -> bool:
        if mode == "doc":  # support is whole gold documents; the quote must hold the answer
            return any(overlaps(span, s) for s in support) and contains(quote, answers)
        if support:
            return any(overlaps(span, s) for s in support)
        return contains(quote, answers)

    precision = sum(correct(span, quote) for span, quote in cited) / len(cited)
    if mode == "doc":
        recall = float(any(correct(span, quote) for span, quote in cited))
    elif support:
        covered = [any(overlaps(span, s) for span, _ in cited) for s in support]
        recall = float(any(covered)) if mode == "any" else sum(covered) / len(covered)
    elif answers:
        recall = float(any(contains(q, answers) for _, q in cited))
    else:
        recall = None
    return precision, recall


def abstention(predicted: Sequence[bool], unanswerable: Sequence[bool]) -> dict[str, float]:
    tp = sum(p and u for p, u in zip(predicted, unanswerable, strict=True))
    fp = sum(p and not u for p, u in zip(predicted, unanswerable, strict=True))
    fn = sum(u and not p for p, u in zip(predicted, unanswerable, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f}


def mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None
