"""Checking a model's claims against the exact sentences of its sources.

No NLI model can be installed here, so support is decided by checks that catch what small
models get wrong, in this order:

1. **numbers**: every number in the claim ("6,000", "six thousand", "30") appears in the
   supporting sentences;
2. **names**: every capitalised word after the first (people, places, months) appears there;
3. **negation**: the claim and its evidence agree on "not/no/never";
4. **content**: the IDF-weighted share of the claim's content words found in the evidence
   (``coverage``) and the embedding similarity of claim and evidence are high enough.

Evidence is picked greedily: the best sentence of the cited sources, then sentences that
cover what is still missing (at most ``MAX_EVIDENCE``). A claim its cited sources don't
support is checked against all sources; if another source supports it, it is re-cited.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .answer import looks_like_instruction
from .citations import Claim
from .keyword import terms
from .records import ScoredChunk
from .store import StoredUnit

MAX_EVIDENCE = 3
#: A further sentence may join the evidence only if it is next to one already chosen (same
#: document) or is itself this similar to the claim: names are not stitched together from
#: unrelated sentences ("Putin" from one, "announced the exchange" from another).
JOIN_SIMILAR = 0.55
#: Supported when coverage ≥ COVERAGE, or coverage ≥ LOW_COVERAGE and similarity ≥ SIMILAR,
#: or similarity ≥ VERY_SIMILAR (a close paraphrase), after the number/name/negation checks.
COVERAGE = 0.6
LOW_COVERAGE = 0.3
SIMILAR = 0.6
VERY_SIMILAR = 0.8

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORDS = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?")
_TOKENS = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?|[^\sA-Za-z]+")
_UNITS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split())
    if w != "_"
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_CAPITALISED = re.compile(r"(?<![\w'’-])([A-Z][\w’'-]*[A-Za-z0-9])")
_NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|without|cannot)\b|n[’']t\b", re.I)
_NAME_STOP = frozenset(
    "i i'm a an the this that these those he she it they we you his her its their our "
    "however meanwhile also but and yes no according in on at for from as by so".split()
)
_REFUSAL = re.compile(
    r"\b(sources?|documents?|context|passages?|provided (text|information))\b.{0,40}\b"
    r"(do(es)?n[’']?t|do(es)? not|did not|didn[’']t|never)\b.{0,30}\b"
    r"(say|state|mention|contain|include|provide|specify|address|answer|discuss)"
    r"|\b(no|not enough) (information|mention|details?|data)\b"
    r"|\b(is|are|was|were) not (mentioned|stated|specified|provided|given|available)\b"
    r"|\bI (can ?not|can[’']t|don[’']t|do not|am unable to) (answer|find|know|say|determine)\b"
    r"|\bunable to (answer|find|determine)\b",
    re.I,
)


def numbers(text: str) -> frozenset[str]:
    """The numbers a text states, normalised: "6,000" and "six thousand" both give "6000"."""
    found: set[str] = set()
    for m in _NUMBER.finditer(text):
        raw = m.group().replace(",", "")
        if raw.count(".") > 1:  # 1.2.3 is a version or date, keep its parts
            found.update(p for p in raw.split(".") if p)
            continue
        value = float(raw)
        scale = _scale_after(text, m.end())
        found.add(_fmt(value * scale))
    found.update(_word_numbers(text))
    return frozenset(found)


def _scale_after(text: str, pos: int) -> int:
    nxt = re.match(r"\s+([a-z]+)", text[pos : pos + 12])
    return _SCALES.get(nxt.group(1), 1) if nxt else 1


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _word_numbers(text: str) -> set[str]:
    """Spelled-out numbers ("thirty", "six thousand"); a lone "one" is not counted."""
    out: set[str] = set()
    words = [w.lower() for w in _TOKENS.findall(text)]
    i = 0
    while i < len(words):
        total, current, used, j = 0, 0, 0, i
        while j < len(words):
            word = words[j]
            parts = word.split("-")
            if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS:
                current += _TENS[parts[0]] + _UNITS[parts[1]]
            elif word in _UNITS:
                current += _UNITS[word]
            elif word in _TENS:
                current += _TENS[word]
            elif word in _SCALES and (used or j > i):
                current = max(current, 1) * _SCALES[word]
                if _SCALES[word] >= 1000:
                    total, current = total + current, 0
            elif word == "and" and used:
                j += 1
                continue
            else:
                break
            used += 1
            j += 1
        if used and not (used == 1 and words[i] == "one"):
            out.add(str(total + current))
        i = j + 1 if used == 0 else j
    return out


def names(claim: str) -> list[str]:
    """Capitalised words after the first word: the names a claim must not make up."""
    first = re.match(r"\W*\w+", claim)
    start = first.end() if first else 0
    out = []
    for m in _CAPITALISED.finditer(claim, start):
        word = m.group(1).lower().removesuffix("'s").removesuffix("’s")
        if word not in _NAME_STOP and not word.isdigit():
            out.append(word)
    return out


def negated_words(text: str) -> frozenset[str]:
    """Stems of the (up to four) content words after each negation in ``text``."""
    out: set[str] = set()
    for m in _NEGATION.finditer(text):
        out.update(terms(" ".join(text[m.end() :].split()[:4])))
    return frozenset(out)


def is_refusal(text: str) -> bool:
    """Whether a sentence says the sources lack the answer rather than claiming anything."""
    return bool(_REFUSAL.search(text))


def same_word(a: str, b: str) -> bool:
    """Equal, or sharing a stem ("Russia"/"Russian", "Ukraine"/"Ukrainian")."""
    if a == b:
        return True
    shortest = min(len(a), len(b))
    if shortest < 4:
        return False
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(4, shortest - 2)


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
    surface = [w.lower().removesuffix("'s").removesuffix("’s") for w in _WORDS.findall(text)]
    return terms(text) + surface


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

    def check(self, claims: list[Claim]) -> list[Verdict]:
        if not claims:
            return []
        vectors = self._embed([c.text for c in claims]) if self.evidence else None
        verdicts = []
        for i, claim in enumerate(claims):
            vector = vectors[i] if vectors is not None else None
            verdicts.append(self._check(claim, vector))
        return verdicts

    def _check(self, claim: Claim, vector: np.ndarray | None) -> Verdict:
        if vector is None:
            return Verdict(claim, action="removed", reason="there are no sources")
        cited = [e for e in self.evidence if e.source in claim.cited]
        if cited:
            evidence, problem = self._support(claim, vector, cited)
            if not problem:
                return Verdict(claim, evidence)
        else:
            problem = "it cites no source"
        evidence, other = self._support(claim, vector, self.evidence)
        if not other:
            action = "recited" if claim.cited else "attributed"
            return Verdict(claim, evidence, action=action, reason=problem)
        if claim.cited:
            where = ", ".join(f"[{n}]" for n in claim.cited)
            return Verdict(claim, action="removed", reason=f"not supported by {where}: {problem}")
        return Verdict(claim, action="removed", reason=f"{problem}, and no source supports it")

    def _support(
        self, claim: Claim, vector: np.ndarray, pool: list[Evidence]
    ) -> tuple[list[Evidence], str]:
        """The evidence picked for a claim, and what is wrong with it ("" if it supports it)."""
        claim_terms = set(terms(claim.text))
        weights = {t: self._idf(t) for t in claim_terms}
        claim_numbers = numbers(claim.text)
        claim_names = names(claim.text)
        similarity = np.array([float(e.unit.vector @ vector) for e in pool])

        def covered(chosen: list[Evidence]) -> tuple[float, set[str], set[str], list[str]]:
            words = frozenset().union(*(e.words for e in chosen))
            have = {t for t in claim_terms if _has(words, t)}
            total = sum(weights.values()) or 1.0
            coverage = sum(weights[t] for t in have) / total if claim_terms else 1.0
            nums = frozenset().union(*(e.numbers for e in chosen))
            missing_numbers = set(claim_numbers - nums)
            missing_names = [n for n in claim_names if not _has(words, n)]
            return coverage, have, missing_numbers, missing_names

        single = [covered([e])[0] + float(s) for e, s in zip(pool, similarity, strict=True)]
        order = np.argsort(-np.asarray(single), kind="stable")
        chosen = [pool[int(order[0])]]
        coverage, have, missing_numbers, missing_names = covered(chosen)
        while len(chosen) < MAX_EVIDENCE and (coverage < 0.9 or missing_numbers or missing_names):
            best, best_gain = None, 0.0
            for e, sim_e in zip(pool, similarity, strict=True):
                if e in chosen or not (sim_e >= JOIN_SIMILAR or _adjacent(e, chosen)):
                    continue
                gain = sum(weights[t] for t in claim_terms - have if _has(e.words, t))
                gain += 2 * len(missing_numbers & e.numbers)
                gain += 2 * sum(1 for n in missing_names if _has(e.words, n))
                if gain > best_gain:
                    best, best_gain = e, gain
            if best is None:
                break
            chosen.append(best)
            coverage, have, missing_numbers, missing_names = covered(chosen)
        sim = max(float(e.unit.vector @ vector) for e in chosen)
        return chosen, _problem(claim.text, chosen, coverage, sim, missing_numbers, missing_names)


def _adjacent(e: Evidence, chosen: list[Evidence]) -> bool:
    return any(
        c.unit.doc_id == e.unit.doc_id and abs(c.unit.index - e.unit.index) == 1 for c in chosen
    )


def _has(words: frozenset[str], word: str) -> bool:
    return word in words or any(same_word(word, w) for w in words)


def _problem(
    claim: str,
    chosen: list[Evidence],
    coverage: float,
    similarity: float,
    missing_numbers: set[str],
    missing_names: list[str],
) -> str:
    if missing_numbers:
        return f"the number(s) {', '.join(sorted(missing_numbers))} are not in the source"
    if missing_names:
        return f"{', '.join(repr(n) for n in missing_names)} not in the source"
    claim_negated = bool(_NEGATION.search(claim))
    if claim_negated and not any(e.negated for e in chosen):
        return "the claim says 'not' where the source does not"
    negated = frozenset().union(*(e.negated for e in chosen))
    if not claim_negated and any(_has(negated, t) for t in terms(claim)):
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
