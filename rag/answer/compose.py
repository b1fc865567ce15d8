"""The grounded extractive answerer: answers composed of cited source sentences.

Each candidate sentence (a *unit* of a retrieved chunk) gets a heuristic score: cosine
similarity to the question plus an IDF-weighted share of the question's content words it
contains. The trained reader (``reader.py``) then reads the heuristic's best candidates and
gives each the probability that it answers the question, and the short answer inside it.
The answer is the best sentence, the others close to it, and a sentence that directly
continues a chosen one ("He also ...", "He called for ...", "These demands include ..."),
when the reader scores it over its threshold; each followed by its ``[n]``. Below the reader's
calibrated threshold (or, without a reader, the heuristic's ``min_score``) it abstains.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from ..dates import age_days
from ..index.keyword import KeywordIndex, terms
from ..index.store import StoredUnit
from ..reader import Passage, Reader
from ..records import Answer, Citation, ScoredChunk, ShortAnswer
from .needs import Needs, short_span
from .question import looks_like_instruction

LEXICAL_WEIGHT = 0.5
RANK_PENALTY = 0.03  # per place the sentence's chunk sits below the best chunk
MARGIN = 0.03
CONTINUATION_SLACK = 0.12
REDUNDANT = 0.9
#: sentences the reader reads: the heuristic's best (on the validation part, 12, 16 and 24
#: found the same answers; docs/evaluation.md)
READ_CANDIDATES = 16
#: other sentences join the best when the reader gives them this share of its probability
#: (validation: top-1 alone 80.2% fully correct, 0.9 77.4% with 2.8 points more answers
#: holding the gold, 0.7 68.9%)
READ_RATIO = 0.9
#: an answer that is not sure shows at most this many next-best sentences, each one the
#: reader gives at least this probability
ALTERNATIVES = 2
ALTERNATIVE_FLOOR = 0.05

ABSTAIN_TEXT = "I can't answer that from the indexed documents."
#: a sentence that carries on the one before it: "He also ...", "In addition, ...", and one
#: whose subject is the one before's ("He called for ...", "These demands include ...")
_CONTINUATION = re.compile(
    r"^[\"“]?(he|she|it|they|this|that|these|those|the \w+|his|her|their)\s+(also|added|further)\b"
    r"|^[\"“]?(also|additionally|in addition|moreover|furthermore|meanwhile|he added|she added)\b"
    r"|^[\"“]?(he|she|they)\b|^[\"“]?(these|those)\s+\w+",
    re.IGNORECASE,
)
FIT_CANDIDATES = 8  # how far down the ranking an answer that fits the question is looked for


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
    them)."""

    query: str
    candidates: list[Candidate]
    read: bool
    units: list[StoredUnit] = field(default_factory=list)
    index: KeywordIndex | None = None

    @property
    def best(self) -> float:
        return self.candidates[0].score if self.candidates else float("-inf")


class ExtractiveAnswerer:
    """Selects and cites source sentences; never writes a word the sources don't contain.

    With a ``reader`` the sentences are ranked by the trained reader (the heuristic only
    picks the ``read_candidates`` it reads); without one, by the heuristic.
    """

    name = "extractive"

    def __init__(
        self,
        *,
        min_score: float,
        max_sentences: int,
        reader: Reader | None = None,
        read_candidates: int = READ_CANDIDATES,
        threshold: float | None = None,
    ) -> None:
        self.min_score = min_score
        self.max_sentences = max_sentences
        self.reader = reader
        self.read_candidates = read_candidates
        self.threshold = (
            threshold if threshold is not None else reader.threshold if reader else min_score
        )
        #: the reader's calibrated confidence at and above which an answer is ``sure``
        #: (None: no answer is marked sure)
        self.sure_threshold: float | None = getattr(reader, "sure_threshold", None)

    def read(
        self,
        query: str,
        query_vector: np.ndarray,
        hits: list[ScoredChunk],
        units: list[StoredUnit],
        index: KeywordIndex,
        *,
        asked_on: date | None = None,
    ) -> Reading:
        """Score the retrieved sentences for ``query`` (``asked_on``: the day asked, from
        which the reader reads each sentence's age)."""
        ranked = self.score(query, query_vector, hits, units, index)
        if self.reader is None or not ranked:
            return Reading(query, ranked, False, units, index)
        pool = ranked[: self.read_candidates]
        passages = [
            Passage(
                c.text,
                c.before,
                c.heuristic,
                age=age_days(c.hit.published, asked_on),
                offset=c.unit.start,
            )
            for c in pool
        ]
        readings = self.reader.read(query, passages)
        read = [replace(c, score=r.score, span=r.span) for c, r in zip(pool, readings, strict=True)]
        read.sort(key=lambda c: (-c.score, -c.heuristic))
        return Reading(query, read, True, units, index)

    def compose(self, question: str, reading: Reading) -> Answer:
        """The answer from a reading: the best sentences, or an abstention."""
        candidates = reading.candidates
        if not reading.read:
            return self._heuristic_answer(question, reading.query, candidates)
        if not candidates:
            return abstain(question, "nothing retrieved")
        best = candidates[0]
        if best.score < self.threshold:
            return below_threshold(question, best.score, self.threshold)
        other = disagreeing(candidates, question, self.threshold)
        if other is not None:  # two outlets give different answers: both, side by side
            answer = compose(question, [best, other], self.name)
            return replace(
                answer,
                kind="disagreement",
                confidence=best.score,
                short_answer=None,
                alternatives=alternatives(candidates, answer.citations),
            )
        answer = compose(question, self._read_answer(candidates), self.name)
        sure = self.sure_threshold is not None and best.score >= self.sure_threshold
        return replace(
            answer,
            short_answer=short_answer(best, question),
            confidence=best.score,
            sure=sure,
            alternatives=[] if sure else alternatives(candidates, answer.citations),
        )

    def attribute(
        self, question: str, reading: Reading, statement: str, asked: str
    ) -> Answer | None:
        """ "Who said that?" after an answer: the previous answer's ``statement`` cited
        again with whoever said it, as a follow-up's answer; when it names the speaker only
        as "he" or "she", the sentence before it, which names them, cited too. The short
        answer is the name the reader marks, reading ``asked`` ("Who said that Russia
        would exchange ...?"). None unless the reading finds the statement its best
        sentence (the follow-up is then answered as any question)."""
        said = reading.candidates[0] if reading.candidates else None
        if said is None or not _same_text(said.text, statement):
            return None
        named = _sentence_before(said, reading) if _PERSON_PRONOUN.match(said.text) else None
        chosen = [said] if named is None else [named, said]
        if self.reader is not None:
            readings = self.reader.read(asked, [Passage(c.text, c.before) for c in chosen])
            chosen = [replace(c, span=r.span) for c, r in zip(chosen, readings, strict=True)]
        who = next((c for c in reversed(chosen) if _names_someone(c)), None)
        answer = compose(question, chosen, self.name)
        return replace(
            answer,
            short_answer=short_answer(who, question) if who is not None else None,
            confidence=said.score,
        )

    def compose_parts(self, question: str, readings: Sequence[Reading]) -> Answer:
        """One answer to a compound question (``question.question_parts``): the sentences
        that answer each part, cited together in reading order. A part that nothing
        answers adds nothing; with no part answered, an abstention. The confidence is the
        least of the answered parts'."""
        if len(readings) == 1 or not all(r.read for r in readings):
            return self.compose(question, readings[0])
        chosen: list[Candidate] = []
        answered: list[Candidate] = []
        first_part = ""  # the first answered part's question, whose short answer is shown
        for reading in readings:
            candidates = reading.candidates
            if not candidates or candidates[0].score < self.threshold:
                continue
            first_part = first_part or reading.query
            answered.append(candidates[0])
            for cand in self._read_answer(candidates):
                if not any(_redundant(cand, c) for c in chosen):
                    chosen.append(cand)
        if not answered:
            best_score = max((r.best for r in readings), default=float("-inf"))
            if best_score == float("-inf"):
                return abstain(question, "nothing retrieved")
            return below_threshold(question, best_score, self.threshold)
        answer = compose(question, in_reading_order(chosen), self.name)
        least = min(c.score for c in answered)
        return replace(
            answer,
            short_answer=short_answer(answered[0], first_part),
            confidence=least,
            sure=self.sure_threshold is not None and least >= self.sure_threshold,
            query=" | ".join(r.query for r in readings),
        )

    def _read_answer(self, candidates: list[Candidate]) -> list[Candidate]:
        """The sentences that answer, from candidates the reader scored (best first)."""
        # the model's own threshold, not a user's override: the sentences chosen for an
        # answer do not depend on where abstention is set (rag eval relies on it)
        model_threshold = self.reader.threshold if self.reader is not None else self.threshold
        floor = max(model_threshold, candidates[0].score * READ_RATIO)
        return self._select(candidates, floor, model_threshold)

    def _heuristic_answer(self, question: str, query: str, candidates: list[Candidate]) -> Answer:
        if not candidates or candidates[0].score < self.min_score:
            reason = "no relevant passage" if candidates else "nothing retrieved"
            return abstain(question, reason)
        need = Needs.of(question, query)
        fitting = [c for c in candidates[:FIT_CANDIDATES] if need.met_by(c.text)]
        if not fitting or fitting[0].score < self.min_score:
            return abstain(question, f"no passage {need.describe()}")
        floor = max(self.min_score, fitting[0].score - MARGIN)
        chosen = self._select(fitting, floor, self.min_score - CONTINUATION_SLACK)
        return compose(question, chosen, self.name)

    def score(
        self,
        query: str,
        query_vector: np.ndarray,
        hits: list[ScoredChunk],
        units: list[StoredUnit],
        index: KeywordIndex,
    ) -> list[Candidate]:
        """Candidates best first, by the heuristic."""
        if not units:
            return []
        hit_of: dict[tuple[str, int], tuple[int, ScoredChunk]] = {}
        for rank, hit in enumerate(hits):
            for i in range(hit.chunk.first_sentence, hit.chunk.last_sentence + 1):
                hit_of.setdefault((hit.chunk.doc_id, i), (rank, hit))
        query_terms = set(terms(query))
        weights = {t: index.idf(t) for t in query_terms}
        total = sum(weights.values()) or 1.0
        vectors = np.stack([u.vector for u in units])
        similarity = vectors @ query_vector
        texts: dict[tuple[str, int], str] = {}
        for unit in units:
            _, hit = hit_of[(unit.doc_id, unit.index)]
            texts[(unit.doc_id, unit.index)] = hit.chunk.text[
                unit.start - hit.chunk.start : unit.end - hit.chunk.start
            ]
        out = []
        for unit, sim in zip(units, similarity, strict=True):
            rank, hit = hit_of[(unit.doc_id, unit.index)]
            text = texts[(unit.doc_id, unit.index)]
            if looks_like_instruction(text):
                continue  # a sentence addressed to a model is never an answer (injection)
            if unit.heading:
                continue  # a section title: the context of what follows, not an answer
            lexical = sum(weights[t] for t in query_terms & set(terms(text))) / total
            score = float(sim) + LEXICAL_WEIGHT * lexical - RANK_PENALTY * rank
            before = texts.get((unit.doc_id, unit.index - 1), "")
            out.append(Candidate(unit, hit, text, score, score, before=before))
        out.sort(key=lambda c: -c.score)
        return out

    def _select(
        self, ranked: list[Candidate], floor: float, continuation: float
    ) -> list[Candidate]:
        """The best sentence, those above ``floor``, each followed by its continuation."""
        by_position = {(c.unit.doc_id, c.unit.index): c for c in ranked}
        chosen: list[Candidate] = []
        for cand in ranked:
            if len(chosen) >= self.max_sentences or (chosen and cand.score < floor):
                break
            if any(_redundant(cand, c) for c in chosen):
                continue
            chosen.append(cand)
            nxt = by_position.get((cand.unit.doc_id, cand.unit.index + 1))
            if (
                nxt is not None
                and nxt not in chosen
                and len(chosen) < self.max_sentences
                and nxt.score >= continuation
                and _CONTINUATION.match(nxt.text)
            ):
                chosen.append(nxt)
        return in_reading_order(chosen)


#: a sentence whose speaker is named only before it: "He also mentioned ...", "Recently,
#: she said ...", "They said ..."
_PERSON_PRONOUN = re.compile(
    r"^[\"“]?(?:[A-Z][\w ]{0,30},\s+)?(?:he|she|they)\b(?!\s+(?:and|or)\b)", re.IGNORECASE
)
#: a name: two capitalised words in a row ("Vladimir Medinsky"), or one after a title
_NAME = re.compile(r"\b[A-Z][\w'’.-]+\s+(?:[A-Z]\.\s+)?[A-Z][\w'’-]+")


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _sentence_before(cand: Candidate, reading: Reading) -> Candidate | None:
    """The sentence just before ``cand`` in its document (read or not), when it was
    retrieved with it and names someone."""
    for other in reading.candidates:
        if other.unit.doc_id == cand.unit.doc_id and other.unit.index == cand.unit.index - 1:
            return other if _NAME.search(other.text) else None
    chunk = cand.hit.chunk
    if not cand.before or not _NAME.search(cand.before):
        return None
    for unit in reading.units:
        if (
            unit.doc_id == cand.unit.doc_id
            and unit.index == cand.unit.index - 1
            and chunk.start <= unit.start
            and unit.end <= chunk.end
        ):
            text = chunk.text[unit.start - chunk.start : unit.end - chunk.start]
            return Candidate(unit, cand.hit, text, score=0.0)
    return None


def _names_someone(cand: Candidate) -> bool:
    """Did the reader mark a short answer in ``cand`` that is not "he", "she" or "they"?"""
    if cand.span is None:
        return False
    return not _PERSON_PRONOUN.fullmatch(cand.text[slice(*cand.span)].strip())


#: a sentence of another document disagrees with the best one when the reader gives it at
#: least this share of the best one's probability (and the answering threshold) and marks a
#: different short answer of the same kind in it
DISAGREE_RATIO = 0.5
DISAGREE_LOOK = 6  # how far down the reading it is looked for
#: two reports disagree only within one news cycle: both dated, this many days apart at
#: most (further apart they are most often about two events: news-2024, docs/evaluation.md)
DISAGREE_DAYS = 3
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")


def disagreeing(
    candidates: Sequence[Candidate], question: str, threshold: float
) -> Candidate | None:
    """For a question asking a count, a date or a name: a sentence from another document
    that answers nearly as well as the best one with a different value, the best one's
    rival, shown beside it. None for other questions, when the best sentence marks no
    short answer, or when no rival differs."""
    kind = Needs.of(question, question).kind
    if not kind:
        return None  # only a count, a date or a name is compared ("how many", "when", "who")
    best = candidates[0]
    mine = short_answer(best, question)
    if mine is None:
        return None
    floor = max(threshold, DISAGREE_RATIO * best.score)
    day = _day(best.hit.published)
    if day is None:
        return None
    for cand in candidates[1:DISAGREE_LOOK]:
        if cand.score < floor:
            break
        other = _day(cand.hit.published)
        if cand.unit.doc_id == best.unit.doc_id or other is None:
            continue
        if abs((other - day).days) > DISAGREE_DAYS:
            continue
        theirs = short_answer(cand, question)
        if theirs is not None and differ(mine.text, theirs.text, kind):
            return cand
    return None


def _day(published: str) -> date | None:
    try:
        return date.fromisoformat(published) if published else None
    except ValueError:
        return None


def differ(a: str, b: str, kind: str = "") -> bool:
    """Do two short answers give different values? Two amounts or dates differ when their
    figures do ("6,000" / "5,000"; not "6,000" / "6,000 bodies"); two names, both
    capitalised, when they share no word ("Abrams" / "Hawley"; not "Putin" / "Vladimir
    Putin"). Anything else is not compared: an amount and a name, "two" and "twice", a
    figure for a name asked (``kind``: "number", "date" or "name"; "" compares either)."""
    numbers_a = {n.replace(",", "") for n in _FIGURE.findall(a)}
    numbers_b = {n.replace(",", "") for n in _FIGURE.findall(b)}
    if numbers_a or numbers_b:
        if kind == "name":
            return False
        return bool(numbers_a) and bool(numbers_b) and not (numbers_a & numbers_b)
    if kind in ("number", "date") or not (a[:1].isupper() and b[:1].isupper()):
        return False
    if _abbreviates(a, b) or _abbreviates(b, a):
        return False  # "NYC" / "New York"
    words_a, words_b = set(terms(a)), set(terms(b))
    return bool(words_a) and bool(words_b) and not (words_a & words_b)


def _abbreviates(short: str, long: str) -> bool:
    """Is ``short`` an acronym of ``long``'s words, or they of it ("NYC", "New York")?"""
    letters = short.replace(".", "").strip()
    if not (2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()):
        return False
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w'’-]*", long)).upper()
    return len(initials) >= 2 and (letters.startswith(initials) or initials.startswith(letters))


def side_by_side(answer: Answer) -> Answer:
    """A disagreement's text once its citations carry outlet and date: "Sources differ:"
    and each sentence on a line after where it comes from."""
    if answer.kind != "disagreement":
        return answer
    lines = ["The sources differ:"]
    for c in answer.citations:
        origin = c.origin() or c.title or c.source
        lines.append(f"{origin}: {' '.join(c.quote.split())} [{c.number}]")
    return replace(answer, text="\n".join(lines))


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


def _redundant(a: Candidate, b: Candidate) -> bool:
    return (a.unit.doc_id == b.unit.doc_id and a.unit.index == b.unit.index) or float(
        a.unit.vector @ b.unit.vector
    ) > REDUNDANT


def compose(question: str, chosen: list[Candidate], backend: str) -> Answer:
    """One sentence per citation, numbered in order of appearance."""
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
