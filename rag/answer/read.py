"""The read stage: the sentences of the retrieved chunks, scored for the question.

Each candidate sentence (a *unit* of a retrieved chunk) gets a heuristic score: cosine
similarity to the question plus an IDF-weighted share of the question's content words it
contains, less a little for each place its chunk ranked below the best. The trained reader
(:mod:`rag.reader`) then reads the heuristic's best ``read_candidates`` and gives each the
probability that it answers the question (fused with the heuristic by the reader itself)
and the short answer inside it. :meth:`SentenceReader.run` takes what retrieval
:class:`Found` and returns the :class:`~rag.answer.cited.Reading` the composer composes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from ..dates import age_days
from ..index.keyword import KeywordIndex, terms
from ..index.rows import StoredUnit
from ..reader import Passage, Reader
from ..records import ScoredChunk
from .cited import Candidate, Reading
from .question import looks_like_instruction

#: the weight of the question's words a sentence holds, beside its cosine (the training
#: data's negatives are chosen with the same score: ``training.data``)
LEXICAL_WEIGHT = 0.5
RANK_PENALTY = 0.03  # per place the sentence's chunk sits below the best chunk


@dataclass(frozen=True, slots=True)
class Found:
    """What the read stage reads: the ``query`` and its ``vector``, the chunks retrieved
    for it (best first), their sentence ``units``, the keyword ``index`` snapshot they were
    ranked with (its IDF weighs the question's words), the day the question was asked
    (``asked_on``: the reader reads each sentence's age from it; None: ages unknown) and the
    ``question`` as asked, which the answer is to ("": the query itself; a follow-up is
    searched as a query of its own)."""

    query: str
    vector: np.ndarray
    hits: list[ScoredChunk]
    units: list[StoredUnit]
    index: KeywordIndex
    asked_on: date | None = None
    question: str = ""


class SentenceReader:
    """Ranks the retrieved sentences: by the heuristic, then (with a ``reader``) the
    heuristic's best ``read_candidates`` by the reader."""

    def __init__(self, reader: Reader | None, *, read_candidates: int) -> None:
        self.reader = reader
        self.read_candidates = read_candidates

    def run(self, found: Found) -> Reading:
        """The stage's call: the candidates best first (``Reading.read``: whether the
        reader ranked them)."""
        ranked = self.score(found)
        if self.reader is None or not ranked:
            return Reading(found.query, ranked, False, found.units, found.index, found.question)
        pool = ranked[: self.read_candidates]
        passages = [
            Passage(
                c.text,
                c.before,
                c.heuristic,
                age=age_days(c.hit.published, found.asked_on),
                offset=c.unit.start,
            )
            for c in pool
        ]
        readings = self.reader.read(found.query, passages)
        read = [replace(c, score=r.score, span=r.span) for c, r in zip(pool, readings, strict=True)]
        read.sort(key=lambda c: (-c.score, -c.heuristic))
        return Reading(found.query, read, True, found.units, found.index, found.question)

    def score(self, found: Found) -> list[Candidate]:
        """Candidates best first, by the heuristic alone (what briefings rank by)."""
        units = found.units
        if not units:
            return []
        hit_of: dict[tuple[str, int], tuple[int, ScoredChunk]] = {}
        for rank, hit in enumerate(found.hits):
            for i in range(hit.chunk.first_sentence, hit.chunk.last_sentence + 1):
                hit_of.setdefault((hit.chunk.doc_id, i), (rank, hit))
        query_terms = set(terms(found.query))
        weights = {t: found.index.idf(t) for t in query_terms}
        total = sum(weights.values()) or 1.0
        vectors = np.stack([u.vector for u in units])
        similarity = vectors @ found.vector
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
