"""What a claim states, read from its words: numbers (digits or words), names, clauses,
negated words and refusals. The verifier (``rag.llm.verify``) checks each against a source
sentence."""

from __future__ import annotations

import re

from ..index.keyword import STOPWORDS, terms

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
_PRONOUN = re.compile(r"\b(he|she|they|his|her|their|him|them)\b", re.IGNORECASE)
_OPENERS = frozenset(
    "additionally overall finally furthermore moreover therefore thus instead meanwhile "
    "however according based yes currently today yesterday earlier later first second third "
    "next both either neither every several another one".split()
)
_CLAUSE_BREAK = re.compile(
    r"\s*;\s+|,\s+(?=(?:and|but|while|whereas|although|though|as(?! well)|which|after|before|"
    r"because|since|when|where|calling|saying|adding)\b)",
    re.IGNORECASE,
)
MIN_CLAUSE_TERMS = 2
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
    """Capitalised words: the names a claim must not make up. The first word counts unless
    it is an ordinary sentence opener ("The", "However", "Recently")."""
    out = []
    for m in _CAPITALISED.finditer(claim):
        word = m.group(1).lower().removesuffix("'s").removesuffix("’s")
        if word in _NAME_STOP or word.isdigit():
            continue
        if not claim[: m.start()].strip(" \"'“‘([*-") and _opener(word):
            continue
        out.append(word)
    return out


def _opener(word: str) -> bool:
    return word in STOPWORDS or word in _OPENERS or (word.endswith("ly") and len(word) > 4)


def clauses(text: str) -> list[str]:
    """A sentence cut where it joins separate facts ("X, and Y", "X; Y", "X, as Y"), so
    that each fact needs its own supporting sentence. Pieces with fewer than two content
    words stay with their neighbour."""
    out: list[str] = []
    for piece in (p.strip() for p in _CLAUSE_BREAK.split(text)):
        if not piece:
            continue
        if out and len(terms(piece)) < MIN_CLAUSE_TERMS:
            out[-1] = f"{out[-1]}, {piece}"
        else:
            out.append(piece)
    if len(out) > 1 and len(terms(out[0])) < MIN_CLAUSE_TERMS:
        out[1] = f"{out[0]}, {out[1]}"
        out.pop(0)
    return out or [text]


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


def has_negation(text: str) -> bool:
    """Whether the text says "not", "no", "never", "n't" and the like."""
    return _NEGATION.search(text) is not None


def has_pronoun(text: str) -> bool:
    """Whether the text refers to someone by a pronoun ("he", "their", ...)."""
    return _PRONOUN.search(text) is not None


def surface_words(text: str) -> list[str]:
    """Lower-cased words without a possessive "'s" (for matching names)."""
    return [w.lower().removesuffix("'s").removesuffix("’s") for w in _WORDS.findall(text)]
