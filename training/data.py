"""Training and test groups: what every source of training data produces.

A :class:`Group` is one question and the candidate sentences it is trained (or tested)
against: positives (label 1: the sentence answers it), negatives (label 0). The source
modules (``squad``, ``nq``, ``news``, ``trecqa``, ``statements``, ``pools``) build groups;
``trainer`` and ``evaluation`` only see groups. Negatives are chosen the way the assistant
finds sentences: by its own heuristic (cosine to the question plus the IDF-weighted share
of its content words), so the reader learns to tell apart what it will really be shown.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from eval.quality.pooled import term_set
from rag.answer.read import LEXICAL_WEIGHT
from rag.reader.protocol import Passage

#: texts -> unit-length embedding rows (the assistant's embedding model)
Embed = Callable[[list[str]], np.ndarray]


@dataclass(slots=True)
class Candidate:
    passage: Passage
    label: float
    #: character span of the answer inside passage.text (when the source knows it)
    span: tuple[int, int] | None = None


@dataclass(slots=True)
class Group:
    """One question and the sentences it is trained (or tested) against."""

    question: str
    candidates: list[Candidate]
    answerable: bool
    answers: list[str] = field(default_factory=list)
    source: str = ""


@dataclass(slots=True)
class Splits:
    train: list[Group]
    validation: list[Group]
    test: dict[str, list[Group]]


def answer_span(text: str, pattern: re.Pattern[str] | None) -> tuple[int, int] | None:
    if pattern is None:
        return None
    m = pattern.search(text)
    return (m.start(), m.end()) if m else None


class IdfTable:
    """Inverse document frequencies of content words over a set of sentences."""

    def __init__(self, texts: Sequence[str]) -> None:
        df: Counter[str] = Counter()
        for text in texts:
            df.update(term_set(text))
        self.n = max(1, len(texts))
        self.df = df

    def idf(self, term: str) -> float:
        return math.log(1 + (self.n - self.df.get(term, 0) + 0.5) / (self.df.get(term, 0) + 0.5))


def lexical(question: str, texts: Sequence[str], idf: IdfTable) -> np.ndarray:
    """The IDF-weighted share of the question's content words each text holds."""
    q = term_set(question)
    weights = {t: idf.idf(t) for t in q}
    total = sum(weights.values()) or 1.0
    return np.array([sum(weights[t] for t in q & term_set(x)) / total for x in texts])


def shortlist(question: str, texts: Sequence[str], idf: IdfTable, n: int) -> list[int]:
    """The ``n`` texts sharing most of the question's weighted words, best first."""
    if not texts:
        return []
    lex = lexical(question, texts, idf)
    return [int(i) for i in np.argsort(-lex, kind="stable")[:n]]


def heuristic_order(
    question: str,
    texts: Sequence[str],
    idf: IdfTable,
    embed: Embed | None,
    *,
    shortlist: int = 40,
) -> list[int]:
    """Indices of ``texts`` best first by the assistant's heuristic: word overlap picks a
    shortlist, cosine plus overlap orders it (without ``embed``, overlap alone)."""
    if not texts:
        return []
    lex = lexical(question, texts, idf)
    order = [int(i) for i in np.argsort(-lex, kind="stable")[:shortlist]]
    if embed is None:
        return order
    vecs = embed([texts[i] for i in order])
    cos = vecs @ embed([question])[0]
    score = cos + LEXICAL_WEIGHT * lex[order]
    return [order[int(j)] for j in np.argsort(-score, kind="stable")]


#: a run of capitalised words (a name: "Vladimir Medinsky", "Star Trek")
_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
_NUMBER = re.compile(r"\d[\d,.]*")
_QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how is are was were did does do the a an in on "
    "at of for".split()
)


def _names(text: str, *, skip_first: bool) -> set[str]:
    found = set()
    for m in _NAME.finditer(text):
        name = m.group()
        if skip_first and m.start() == 0 and " " not in name:
            continue  # a sentence's first word is capitalised anyway
        if name.lower() not in _QUESTION_WORDS:
            found.add(name.lower())
    return found


#: words that give a reason ("why" questions)
_REASON = re.compile(
    r"\b(because|since|due to|owing to|after|amid|over|following|citing|as a result|so that|"
    r"in order to|reason|led to|caused|blamed|in response to|to protest)\b",
    re.IGNORECASE,
)


def role_negative(question: str, answers: Sequence[str], text: str) -> bool:
    """A sentence that names someone or something the question names and offers another
    answer of the answer's kind (a name for a name, a number for a number): the right
    people in the wrong role ("Abrams will produce" for who directs); for a "why" question,
    one that names them and gives no reason (a fact, not a reason). The caller has checked
    that it holds no answer."""
    asked = _names(question, skip_first=True)
    if not asked or not _names(text, skip_first=False) & asked:
        return False
    if question.lstrip().lower().startswith("why"):
        return not _REASON.search(text)
    if any(_NUMBER.search(a) for a in answers):
        numbers = {m.group() for m in _NUMBER.finditer(question)}
        return any(m.group() not in numbers for m in _NUMBER.finditer(text))
    if any(a[:1].isupper() for a in answers):
        return bool(_names(text, skip_first=True) - asked)
    return False


def role_first(
    question: str, answers: Sequence[str], order: Sequence[int], texts: Sequence[str]
) -> list[int]:
    """``order`` with its role negatives (:func:`role_negative`) first, each part in its
    order: the few negatives a group keeps are the confusable ones."""
    role = [i for i in order if role_negative(question, answers, texts[i])]
    taken = set(role)
    return role + [i for i in order if i not in taken]


def warm(embed: Embed | None, texts: Sequence[str]) -> None:
    """Embed ``texts`` in one batch ahead of many small calls (a :class:`CachedEmbed`)."""
    if isinstance(embed, CachedEmbed):
        embed(list(dict.fromkeys(texts)))


class CachedEmbed:
    """An :data:`Embed` that embeds each distinct text once."""

    def __init__(self, embed: Embed) -> None:
        self._embed = embed
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            for t, v in zip(todo, self._embed(todo), strict=True):
                self._cache[t] = v
        return np.stack([self._cache[t] for t in texts])
