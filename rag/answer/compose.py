"""The compose stage: answers composed of cited source sentences.

:meth:`ExtractiveAnswerer.compose` takes the :class:`~rag.answer.cited.Reading` of the read
stage (:mod:`rag.answer.read`: the sentences ranked by the heuristic and the reader) and
returns the :class:`~rag.records.Answer`. The answer is the best sentence, the others close
to it, and a sentence that directly continues a chosen one ("He also ...", "He called for
...", "These demands include ..."), when the reader scores it over its threshold; each
followed by its ``[n]``. Below the reader's calibrated threshold (or, without a reader,
the heuristic's ``min_score``) it abstains.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ..reader import Passage, Reader
from ..records import Answer
from .cited import (
    Candidate,
    Reading,
    abstain,
    alternatives,
    answer_of,
    below_threshold,
    in_reading_order,
    redundant,
    short_answer,
)
from .disagree import disagreeing
from .needs import Needs

MARGIN = 0.03
CONTINUATION_SLACK = 0.12
#: other sentences join the best when the reader gives them this share of its probability
#: (docs/evaluation.md, "The answerer's constants")
READ_RATIO = 0.9
#: a sentence that carries on the one before it: "He also ...", "In addition, ...", and one
#: whose subject is the one before's ("He called for ...", "These demands include ...")
_CONTINUATION = re.compile(
    r"^[\"“]?(he|she|it|they|this|that|these|those|the \w+|his|her|their)\s+(also|added|further)\b"
    r"|^[\"“]?(also|additionally|in addition|moreover|furthermore|meanwhile|he added|she added)\b"
    r"|^[\"“]?(he|she|they)\b|^[\"“]?(these|those)\s+\w+",
    re.IGNORECASE,
)
FIT_CANDIDATES = 8  # how far down the ranking an answer that fits the question is looked for


class ExtractiveAnswerer:
    """Selects and cites source sentences; never writes a word the sources don't contain.

    A reading the reader ranked is answered at the reader's ``threshold``; one ranked by
    the heuristic alone, at ``min_score``.
    """

    name = "extractive"

    def __init__(
        self,
        *,
        min_score: float,
        max_sentences: int,
        reader: Reader | None = None,
        threshold: float | None = None,
    ) -> None:
        self.min_score = min_score
        self.max_sentences = max_sentences
        self.reader = reader
        self.threshold = (
            threshold if threshold is not None else reader.threshold if reader else min_score
        )
        #: the reader's calibrated confidence at and above which an answer is ``sure``
        #: (None: no answer is marked sure)
        self.sure_threshold: float | None = getattr(reader, "sure_threshold", None)

    def compose(self, reading: Reading) -> Answer:
        """The stage's call: the answer to ``reading.question`` from what was read, the best
        sentences or an abstention."""
        question = reading.question or reading.query
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
            answer = answer_of(question, [best, other], self.name)
            return replace(
                answer,
                kind="disagreement",
                confidence=best.score,
                short_answer=None,
                alternatives=alternatives(candidates, answer.citations),
            )
        answer = answer_of(question, self._read_answer(candidates), self.name)
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
        answer = answer_of(question, chosen, self.name)
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
            return self.compose(replace(readings[0], question=question))
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
                if not any(redundant(cand, c) for c in chosen):
                    chosen.append(cand)
        if not answered:
            best_score = max((r.best for r in readings), default=float("-inf"))
            if best_score == float("-inf"):
                return abstain(question, "nothing retrieved")
            return below_threshold(question, best_score, self.threshold)
        answer = answer_of(question, in_reading_order(chosen), self.name)
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
        return answer_of(question, chosen, self.name)

    def _select(
        self, ranked: list[Candidate], floor: float, continuation: float
    ) -> list[Candidate]:
        """The best sentence, those above ``floor``, each followed by its continuation."""
        by_position = {(c.unit.doc_id, c.unit.index): c for c in ranked}
        chosen: list[Candidate] = []
        for cand in ranked:
            if len(chosen) >= self.max_sentences or (chosen and cand.score < floor):
                break
            if any(redundant(cand, c) for c in chosen):
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
