"""Pools: one question's candidate sentences exactly as the assistant read them, and the
answer labels of those sentences.

``rag eval-errors`` writes pools to replay readers on; ``python -m training.pools`` writes
them for the news training weeks, so the reader learns to choose among what the product's
own retrieval shows it (the issue's "hard negatives from the product's own retrieval": the
other on-topic sentences of the same and neighbouring stories, ranked as the assistant
ranks them; ``training/pools.py`` makes training groups of them). ``rag train-reader``
sets the answering threshold on pools of the validation weeks (``training/calibration.py``).

Labels (distant supervision, no gold sentence is known):

- **positive**: the sentence holds one of the quiz's answers (whole words) and it or the
  sentence before it shares at least two of the question's content words;
- **negative**: it holds neither an answer nor any of the answer's own words;
- anything else (an answer word without the answer, an answer far from the question's
  words) is left out rather than guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rag.dates import age_days, as_date
from rag.index.keyword import terms
from rag.reader.protocol import Passage

#: the candidates the product reads per question (``Settings.read_candidates``)
READ = 16
MIN_QUESTION_WORDS = 2


@dataclass(slots=True)
class Pooled:
    """One question's candidate sentences, as read (best heuristic first)."""

    id: str
    question: str
    query: str
    answerable: bool
    answers: list[str]
    #: retrieved chunks: does one hold the gold (news: in a gold article)?
    retrieved_gold: bool
    texts: list[str] = field(default_factory=list)
    befores: list[str] = field(default_factory=list)
    heuristic: list[float] = field(default_factory=list)
    #: candidate holds the gold answer (and, for news, is in a gold article / the support)
    gold: list[bool] = field(default_factory=list)
    #: candidate is in a gold article or a gold support sentence (whatever its wording)
    support: list[bool] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    #: the day the question was asked ("" unknown) and each candidate's document's published
    #: date ("" undated) and its character offset in that document (what the reader's
    #: context features read: :class:`~rag.reader.protocol.Passage`)
    asked_on: str = ""
    published: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({k: getattr(self, k) for k in self.__slots__}, ensure_ascii=False)


def answer_pattern(answers: Sequence[str]) -> re.Pattern[str] | None:
    """Matches any of ``answers`` as whole words, case-insensitively (None: no answers)."""
    alts = [re.escape(a.strip()) for a in answers if a.strip()]
    if not alts:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(sorted(alts, key=len, reverse=True)) + r")(?!\w)", re.I
    )


@lru_cache(maxsize=1_000_000)
def term_set(text: str) -> frozenset[str]:
    """The content words of a text (cached: training data reads the same sentences often)."""
    return frozenset(terms(text))


def write_pools(rows: Sequence[Pooled], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(r.to_json() + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)


def read_pools(path: Path) -> list[Pooled]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(Pooled(**json.loads(line)))
    return rows


def _answer_words(answers: Sequence[str], question: str) -> frozenset[str]:
    q = term_set(question)
    return frozenset(t for a in answers for t in term_set(a) if t not in q and len(t) > 2)


def label(row: Pooled) -> list[float | None]:
    """Per candidate: 1.0 (answers it), 0.0 (does not), None (unclear: left out)."""
    pattern = answer_pattern(row.answers)
    words = _answer_words(row.answers, row.question)
    question = term_set(row.question)
    out: list[float | None] = []
    for text, before in zip(row.texts, row.befores, strict=True):
        terms = term_set(text)
        if pattern is not None and pattern.search(text):
            near = len(question & (terms | term_set(before)))
            out.append(1.0 if near >= MIN_QUESTION_WORDS else None)
        elif words & terms:
            out.append(None)
        else:
            out.append(0.0)
    return out


def passages_of(row: Pooled) -> list[Passage]:
    """A pool's candidates as the product hands them to the reader (with their ages as of
    the day asked and their offsets, where the pool recorded them)."""
    asked = as_date(row.asked_on, "asked_on") if row.asked_on else None
    published = row.published or [""] * len(row.texts)
    offsets: Sequence[int | None] = row.offsets or [None] * len(row.texts)
    return [
        Passage(t, b, h, age=age_days(p, asked), offset=o)
        for t, b, h, p, o in zip(
            row.texts, row.befores, row.heuristic, published, offsets, strict=True
        )
    ]
