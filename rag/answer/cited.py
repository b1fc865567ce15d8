"""What an extractive answer is made of: the candidate sentences read for a question, and
the answer built from those chosen, each sentence followed by its ``[n]`` citation, with
the next-best ones as alternatives; abstentions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from ..index.keyword import KeywordIndex
from ..index.rows import StoredUnit
from ..records import Answer, Citation, ScoredChunk, ShortAnswer
from .needs import short_span

#: two chosen sentences this close (cosine) say the same: one is kept
REDUNDANT = 0.9
#: an answer that is not sure shows at most this many next-best sentences, each one the
#: reader gives at least this probability
ALTERNATIVES = 2
ALTERNATIVE_FLOOR = 0.05

ABSTAIN_TEXT = "I can't answer that from the indexed documents."


@dataclass(frozen=True, slots=True)
class Candidate:
    """A source sentence considered for the answer."""

    unit: StoredUnit
    hit: ScoredChunk
    text: str
    #: what ranks it: the reader's probability that it answers, or the heuristic score
    score: float
    #: cosine + weighted word overlap − rank penalty (what picks the sentences the reader reads)
    heuristic: float = 0.0
    #: (start, end) of the short answer inside ``text``, as the reader marked it
    span: tuple[int, int] | None = None
    before: str = ""


@dataclass(frozen=True, slots=True)
class Reading:
    """The candidates for one query, best first; ``read`` when the reader scored them.
    ``units`` and ``index`` are what they were read from (a language model drafts from
    them); ``question``: the question as asked, which the answer is to ("": the query)."""

    query: str
    candidates: list[Candidate]
    read: bool
    units: list[StoredUnit] = field(default_factory=list)
    index: KeywordIndex | None = None
    question: str = ""

    @property
    def best(self) -> float:
        return self.candidates[0].score if self.candidates else float("-inf")


def short_answer(best: Candidate, question: str) -> ShortAnswer | None:
    """The span the reader marked in the best sentence, as an exact span of its document.
    Where it marked none and ``question`` asks how many / much / long, the sentence's one
    number the question lacks (with its unit of time or distance), if it has exactly one."""
    span = short_span(best.text, best.span, question)
    if span is None:
        return None
    a, b = span
    return ShortAnswer(best.text[a:b], best.unit.doc_id, best.unit.start + a, best.unit.start + b)


def in_reading_order(chosen: list[Candidate]) -> list[Candidate]:
    """Sentences grouped by document, in order within each; documents in the order of
    their best sentence, except that when they were published on different dates the
    newest comes first (undated ones after the dated)."""
    doc_order = {c.unit.doc_id: n for n, c in reversed(list(enumerate(chosen)))}
    dates = {c.hit.published for c in chosen if c.hit.published}

    def age(c: Candidate) -> int:
        day = c.hit.published
        return -date.fromisoformat(day).toordinal() if len(dates) > 1 and day else 0

    return sorted(chosen, key=lambda c: (age(c), doc_order[c.unit.doc_id], c.unit.index))


def redundant(a: Candidate, b: Candidate) -> bool:
    """The same sentence, or two that say the same (cosine over ``REDUNDANT``)."""
    return (a.unit.doc_id == b.unit.doc_id and a.unit.index == b.unit.index) or float(
        a.unit.vector @ b.unit.vector
    ) > REDUNDANT


def answer_of(question: str, chosen: list[Candidate], backend: str) -> Answer:
    """The answer made of the chosen sentences: one sentence per citation, numbered in
    order of appearance."""
    citations, parts = [], []
    for number, cand in enumerate(chosen, 1):
        citations.append(cite(number, cand.unit, cand.hit, cand.text, cand.score))
        parts.append(f"{' '.join(cand.text.split())} [{number}]")
    return Answer(
        question=question,
        text=" ".join(parts),
        citations=citations,
        abstained=False,
        backend=backend,
    )


def alternatives(candidates: Sequence[Candidate], cited: Sequence[Citation]) -> list[Citation]:
    """The next-best sentences the reader read (best first) that the answer does not cite
    and that do not repeat one it cites, each given at least ``ALTERNATIVE_FLOOR``: at most
    ``ALTERNATIVES``, numbered after the answer's citations. They come from what was read
    already: nothing more is retrieved or read."""
    taken = {(c.doc_id, c.start) for c in cited}
    quotes = [" ".join(c.quote.split()) for c in cited]
    out: list[Citation] = []
    for cand in candidates:
        if len(out) >= ALTERNATIVES or cand.score < ALTERNATIVE_FLOOR:
            break
        text = " ".join(cand.text.split())
        if (cand.unit.doc_id, cand.unit.start) in taken or text in quotes:
            continue
        taken.add((cand.unit.doc_id, cand.unit.start))
        quotes.append(text)
        number = len(cited) + len(out) + 1
        out.append(cite(number, cand.unit, cand.hit, cand.text, cand.score))
    return out


def cite(number: int, unit: StoredUnit, hit: ScoredChunk, quote: str, score: float) -> Citation:
    """The citation of one source sentence (``quote`` is its exact text)."""
    return Citation(
        number=number,
        doc_id=unit.doc_id,
        source=hit.source,
        title=hit.title,
        quote=quote,
        start=unit.start,
        end=unit.end,
        score=score,
    )


def abstain(question: str, reason: str, text: str = ABSTAIN_TEXT) -> Answer:
    return Answer(question=question, text=text, citations=[], abstained=True, reason=reason)


def below_threshold(question: str, confidence: float, threshold: float) -> Answer:
    """The abstention when the reader's best sentence scores below the threshold."""
    reason = f"no passage answers it (reader confidence {confidence:.2f} < {threshold:.2f})"
    return replace(abstain(question, reason), confidence=confidence)
