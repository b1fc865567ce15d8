"""The grounded extractive answerer: answers composed of cited source sentences.

Each candidate sentence (a *unit* of a retrieved chunk) is scored by cosine similarity to
the question plus an IDF-weighted share of the question's content words it contains. The
answer is the best sentence, the others close to it, and a sentence that directly continues
a chosen one ("He also ..."); each followed by its ``[n]``. Below ``min_score`` it abstains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .keyword import KeywordIndex, terms
from .records import Answer, Citation, ScoredChunk
from .store import StoredUnit

LEXICAL_WEIGHT = 0.5
RANK_PENALTY = 0.03  # per place the sentence's chunk sits below the best chunk
MARGIN = 0.03
CONTINUATION_SLACK = 0.12
REDUNDANT = 0.9

ABSTAIN_TEXT = "I can't answer that from the indexed documents."
INSTRUCTION_TEXT = (
    "That looks like an instruction rather than a question about the documents; "
    "I only answer questions from the indexed documents."
)

_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,60}\b(instructions?|prompts?|rules|"
    r"guidelines|above|previous|system|context)\b"
    r"|\b(you are now|act as|pretend (to be|you)|role-?play|jailbreak|system prompt|"
    r"developer mode|from now on)\b"
    r"|\b(write|compose|generate|create)\b.{0,20}\b(poem|story|joke|song|essay|code|script|"
    r"limerick|haiku)\b"
    r"|\b(reveal|print|show|repeat|output)\b.{0,20}\b(your|the)\b.{0,12}\b(instructions|prompt|"
    r"rules|configuration)\b",
    re.IGNORECASE | re.DOTALL,
)
_REFERRING = frozenset(
    "he she it they him her them his hers its their theirs that this those these there then "
    "former latter same else such".split()
)
_CONTINUATION = re.compile(
    r"^[\"“]?(he|she|it|they|this|that|these|those|the \w+|his|her|their)\s+(also|added|further)\b"
    r"|^[\"“]?(also|additionally|in addition|moreover|furthermore|meanwhile|he added|she added)\b",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\s*\[\d+(?:\s*[-,–]\s*\d+)*\]")
_NUMBER_Q = re.compile(
    r"\bhow (many|much|long|old|far|often)\b|\bwhat (number|percentage|share)\b", re.I
)
_DATE_Q = re.compile(r"^\s*when\b|\b(what|which) (date|day|year|month|time)\b|\bby when\b", re.I)
_NAME_Q = re.compile(
    r"^\s*(who|whom|whose|where)\b"
    r"|\b(which|what) (city|country|town|place|person|official|minister)\b",
    re.I,
)
_DIGITS = re.compile(r"\d")
_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|sixty|hundreds?|thousands?|millions?|billions?|dozens?|several|few)\b",
    re.IGNORECASE,
)
_DATE_WORDS = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|"
    r"tomorrow|week|month|year|days?|century|decade|spring|summer|autumn|winter)\b|\b1\d{3}\b|\b20\d\d\b",
    re.IGNORECASE,
)
_CAPITAL = re.compile(r"(?<![\w'’-])([A-Z][\w’'-]*)")


def looks_like_instruction(question: str) -> bool:
    return bool(_INSTRUCTION.search(question))


def contextualize(question: str, history: list[tuple[str, str]]) -> str:
    """The retrieval query: a follow-up question is joined to the previous user question."""
    if not history:
        return question
    words = re.findall(r"\w+", question.lower())
    if not (_REFERRING & set(words)) and len(terms(question)) > 1:
        return question
    previous = _MARKER.sub("", history[-1][0]).strip()
    return f"{previous} {question}" if previous else question


FIT_CANDIDATES = 8  # how far down the ranking an answer that fits the question is looked for


@dataclass(frozen=True, slots=True)
class Needs:
    """What a sentence must hold to answer a question: a number for "how many/much/long",
    a date for "when", a name the question does not already hold for "who/where"."""

    kind: str  # "number" | "date" | "name" | ""
    question_words: frozenset[str]

    @classmethod
    def of(cls, question: str, query: str) -> Needs:
        kind = (
            "number"
            if _NUMBER_Q.search(question)
            else "date"
            if _DATE_Q.search(question)
            else "name"
            if _NAME_Q.search(question)
            else ""
        )
        words = frozenset(w.lower() for w in re.findall(r"[\w’'-]+", query))
        return cls(kind, words)

    def met_by(self, text: str) -> bool:
        if self.kind == "number":
            return bool(_DIGITS.search(text) or _NUMBER_WORDS.search(text))
        if self.kind == "date":
            return bool(_DATE_WORDS.search(text))
        if self.kind == "name":
            first = re.match(r"\W*\w+", text)
            start = first.end() if first else 0
            return any(
                m.group(1).lower() not in self.question_words
                for m in _CAPITAL.finditer(text, start)
            )
        return True

    def describe(self) -> str:
        return f"gives the {self.kind} asked for" if self.kind else "answers it"


@dataclass(frozen=True, slots=True)
class _Candidate:
    unit: StoredUnit
    hit: ScoredChunk
    text: str
    score: float


class ExtractiveAnswerer:
    """Selects and cites source sentences; never writes a word the sources don't contain."""

    name = "extractive"

    def __init__(self, *, min_score: float, max_sentences: int) -> None:
        self.min_score = min_score
        self.max_sentences = max_sentences

    def answer(
        self,
        question: str,
        query: str,
        query_vector: np.ndarray,
        hits: list[ScoredChunk],
        units: list[StoredUnit],
        index: KeywordIndex,
    ) -> Answer:
        candidates = self.score(query, query_vector, hits, units, index)
        if not candidates or candidates[0].score < self.min_score:
            reason = "no relevant passage" if candidates else "nothing retrieved"
            return abstain(question, reason)
        need = Needs.of(question, query)
        fitting = [c for c in candidates[:FIT_CANDIDATES] if need.met_by(c.text)]
        if not fitting or fitting[0].score < self.min_score:
            return abstain(question, f"no passage {need.describe()}")
        chosen = self._select(fitting)
        return compose(question, chosen, self.name)

    def score(
        self,
        query: str,
        query_vector: np.ndarray,
        hits: list[ScoredChunk],
        units: list[StoredUnit],
        index: KeywordIndex,
    ) -> list[_Candidate]:
        """Candidates best first."""
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
        out = []
        for unit, sim in zip(units, similarity, strict=True):
            rank, hit = hit_of[(unit.doc_id, unit.index)]
            text = hit.chunk.text[unit.start - hit.chunk.start : unit.end - hit.chunk.start]
            if looks_like_instruction(text):
                continue  # a sentence addressed to a model is never an answer (injection)
            lexical = sum(weights[t] for t in query_terms & set(terms(text))) / total
            score = float(sim) + LEXICAL_WEIGHT * lexical - RANK_PENALTY * rank
            out.append(_Candidate(unit, hit, text, score))
        out.sort(key=lambda c: -c.score)
        return out

    def _select(self, ranked: list[_Candidate]) -> list[_Candidate]:
        """The best sentence, those within MARGIN of it, each followed by its continuation."""
        by_position = {(c.unit.doc_id, c.unit.index): c for c in ranked}
        floor = max(self.min_score, ranked[0].score - MARGIN)
        chosen: list[_Candidate] = []
        for cand in ranked:
            if len(chosen) >= self.max_sentences or cand.score < floor:
                break
            if any(_redundant(cand, c) for c in chosen):
                continue
            chosen.append(cand)
            nxt = by_position.get((cand.unit.doc_id, cand.unit.index + 1))
            if (
                nxt is not None
                and nxt not in chosen
                and len(chosen) < self.max_sentences
                and nxt.score >= self.min_score - CONTINUATION_SLACK
                and _CONTINUATION.match(nxt.text)
            ):
                chosen.append(nxt)
        doc_order = {c.unit.doc_id: n for n, c in reversed(list(enumerate(chosen)))}
        return sorted(chosen, key=lambda c: (doc_order[c.unit.doc_id], c.unit.index))


def _redundant(a: _Candidate, b: _Candidate) -> bool:
    return (a.unit.doc_id == b.unit.doc_id and a.unit.index == b.unit.index) or float(
        a.unit.vector @ b.unit.vector
    ) > REDUNDANT


def compose(question: str, chosen: list[_Candidate], backend: str) -> Answer:
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
