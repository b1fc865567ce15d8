"""Checking a model's claims against the exact sentences of its sources.

No NLI model can be installed here, so support is decided by checks that catch what small
models get wrong, in this order:

1. **numbers**: every number in the claim ("6,000", "six thousand", "30") appears in the
   supporting sentences;
2. **names**: every capitalised word after the first (people, places, months) appears there;
3. **negation**: the claim and its evidence agree on "not/no/never";
4. **content**: the IDF-weighted share of the claim's content words found in the evidence
   (``coverage``) and the embedding similarity of claim and evidence are high enough.

A claim is cut into clauses where it joins facts ("X, and Y"; "X, as Y"), and each clause
must be supported by **one** source sentence: facts are not stitched together from
different sentences ("the exchange" from one, "next week" from another). The one exception
is a name the sentence refers to by a pronoun, which may come from the sentence or two
before it ("Medinsky ... . He also said ..."). A claim its cited sources don't support is
checked against all sources; if another source supports it, it is re-cited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..answer.question import looks_like_instruction
from ..index.keyword import terms
from ..index.rows import StoredUnit
from ..records import ScoredChunk
from .citations import Claim
from .claimtext import (
    clauses,
    has_negation,
    has_pronoun,
    names,
    negated_words,
    numbers,
    same_word,
    surface_words,
)

#: Candidate sentences tried per clause, best (coverage + similarity) first.
CANDIDATES = 5
#: How far back a name may be mentioned when a sentence refers to it ("He also said ...").
COREFERENCE_WINDOW = 2
#: Supported when coverage ≥ COVERAGE, or coverage ≥ LOW_COVERAGE and similarity ≥ SIMILAR,
#: or similarity ≥ VERY_SIMILAR (a close paraphrase), after the number/name/negation checks.
COVERAGE = 0.6
LOW_COVERAGE = 0.3
SIMILAR = 0.55
VERY_SIMILAR = 0.8


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence of a numbered source that may support a claim."""

    source: int  # 1-based number of the source in the prompt
    unit: StoredUnit
    hit: ScoredChunk
    text: str
    words: frozenset[str]
    numbers: frozenset[str]
    negated: frozenset[str]  # stems of the words a "not/no/never" in the sentence applies to


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the checks decided for one claim."""

    claim: Claim
    evidence: list[Evidence] = field(default_factory=list)
    action: str = "kept"  # kept | recited | attributed | removed
    reason: str = ""

    @property
    def supported(self) -> bool:
        return self.action != "removed"


def evidence_of(sources: Sequence[ScoredChunk], units: Sequence[StoredUnit]) -> list[Evidence]:
    """Every sentence of every numbered source (a sentence shared by two sources counts twice),
    except sentences that read like instructions to a model (prompt injection)."""
    by_doc: dict[tuple[str, int], StoredUnit] = {(u.doc_id, u.index): u for u in units}
    out = []
    for number, hit in enumerate(sources, 1):
        chunk = hit.chunk
        for i in range(chunk.first_sentence, chunk.last_sentence + 1):
            unit = by_doc.get((chunk.doc_id, i))
            if unit is None:
                continue
            text = chunk.text[unit.start - chunk.start : unit.end - chunk.start]
            if looks_like_instruction(text):
                continue  # an injected instruction is never evidence for what it asks for
            out.append(
                Evidence(
                    source=number,
                    unit=unit,
                    hit=hit,
                    text=text,
                    words=frozenset(_words(text)),
                    numbers=numbers(text),
                    negated=negated_words(text),
                )
            )
    return out


def _words(text: str) -> list[str]:
    """Stemmed content words plus lower-cased surface words (for names)."""
    return terms(text) + surface_words(text)


class Verifier:
    """Decides, claim by claim, whether the numbered sources support it."""

    def __init__(
        self,
        evidence: list[Evidence],
        embed: Callable[[list[str]], np.ndarray],
        idf: Callable[[str], float],
    ) -> None:
        self.evidence = evidence
        self._embed = embed
        self._idf = idf
        self._at = {(e.unit.doc_id, e.unit.index): e for e in evidence}

    def check(self, claims: list[Claim]) -> list[Verdict]:
        if not claims:
            return []
        if not self.evidence:
            return [Verdict(c, action="removed", reason="there are no sources") for c in claims]
        parts = [clauses(c.text) for c in claims]
        flat = [p for ps in parts for p in ps]
        vectors = iter(self._embed(flat))
        return [
            self._check(c, [(p, next(vectors)) for p in ps])
            for c, ps in zip(claims, parts, strict=True)
        ]

    def _check(self, claim: Claim, parts: list[tuple[str, np.ndarray]]) -> Verdict:
        cited = [e for e in self.evidence if e.source in claim.cited]
        if cited:
            evidence, problem = self._support(parts, cited)
            if not problem:
                return Verdict(claim, evidence)
        else:
            problem = "it cites no source"
        evidence, other = self._support(parts, self.evidence)
        if not other:
            action = "recited" if claim.cited else "attributed"
            return Verdict(claim, evidence, action=action, reason=problem)
        if claim.cited:
            where = ", ".join(f"[{n}]" for n in claim.cited)
            return Verdict(claim, action="removed", reason=f"not supported by {where}: {problem}")
        return Verdict(
            claim, action="removed", reason=f"{problem}, and no source supports it: {other}"
        )

    def _support(
        self, parts: list[tuple[str, np.ndarray]], pool: list[Evidence]
    ) -> tuple[list[Evidence], str]:
        """Evidence for every clause of a claim, and what is wrong ("" if all are supported)."""
        chosen: list[Evidence] = []
        for text, vector in parts:
            evidence, problem = self._support_clause(text, vector, pool)
            if problem:
                prefix = f'"{text}": ' if len(parts) > 1 else ""
                return chosen, prefix + problem
            chosen.extend(e for e in evidence if e not in chosen)
        return chosen, ""

    def _support_clause(
        self, text: str, vector: np.ndarray, pool: list[Evidence]
    ) -> tuple[list[Evidence], str]:
        """The one sentence that best supports a clause (plus, for a name it refers to by a
        pronoun, the sentence before), and the problem with the best candidate if none does."""
        claim_terms = set(terms(text))
        weights = {t: self._idf(t) for t in claim_terms}
        total = sum(weights.values()) or 1.0
        claim_numbers = numbers(text)
        claim_names = names(text)
        negated_claim = negated_words(text) if has_negation(text) else None

        def coverage(e: Evidence) -> float:
            if not claim_terms:
                return 1.0
            return sum(weights[t] for t in claim_terms if _has(e.words, t)) / total

        scored = sorted(
            ((coverage(e), float(e.unit.vector @ vector), e) for e in pool),
            key=lambda x: -(x[0] + x[1]),
        )
        first_problem = ""
        for cov, sim, e in scored[:CANDIDATES]:
            evidence = [e]
            missing_names = [n for n in claim_names if not _has(e.words, n)]
            if missing_names and has_pronoun(e.text):
                before = self._mentioned_before(e, missing_names)
                if before is not None:
                    evidence.insert(0, before)
                    missing_names = []
            problem = _problem(
                text, e, cov, sim, claim_numbers - e.numbers, missing_names, negated_claim
            )
            if not problem:
                return evidence, ""
            first_problem = first_problem or problem
        return [], first_problem

    def _mentioned_before(self, e: Evidence, missing: list[str]) -> Evidence | None:
        """A sentence just before ``e`` naming who ``e`` refers to by a pronoun."""
        for back in range(1, COREFERENCE_WINDOW + 1):
            prior = self._at.get((e.unit.doc_id, e.unit.index - back))
            if prior is not None and all(_has(prior.words | e.words, n) for n in missing):
                return prior
        return None


def _has(words: frozenset[str], word: str) -> bool:
    return word in words or any(same_word(word, w) for w in words)


def _problem(
    claim: str,
    e: Evidence,
    coverage: float,
    similarity: float,
    missing_numbers: frozenset[str],
    missing_names: list[str],
    negated_claim: frozenset[str] | None,
) -> str:
    if missing_numbers:
        return f"the number(s) {', '.join(sorted(missing_numbers))} are not in the source"
    if missing_names:
        return f"{', '.join(repr(n) for n in missing_names)} not in the source"
    if negated_claim is not None and not (
        any(_has(e.negated, t) for t in negated_claim) or (not negated_claim and e.negated)
    ):
        return "the claim says 'not' where the source does not"
    if negated_claim is None and any(_has(e.negated, t) for t in terms(claim)):
        return "the source says 'not' where the claim does not"
    if (
        coverage >= COVERAGE
        or (coverage >= LOW_COVERAGE and similarity >= SIMILAR)
        or similarity >= VERY_SIMILAR
    ):
        return ""
    return (
        f"the source does not say this (word coverage {coverage:.2f}, similarity {similarity:.2f})"
    )
