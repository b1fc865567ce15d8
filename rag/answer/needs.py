"""What a question asks an answer to hold: a number for "how many", a date for "when", a
new name for "who"; and, for an amount question, the one amount a sentence states (the
short answer where the reader marks none)."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
#: an amount as a sentence states it: "6,000", "$4.5 million", "30 days", "12%"
_AMOUNT = re.compile(
    r"(?<![\w.,])(?:[$€£]\s?)?\d[\d,]*(?:\.\d+)?(?<!,)"
    r"(?:\s?%|\s(?:percent|per cent|million|billion|trillion|thousand)\b)?"
    r"(?:\s(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|"
    r"km|kilometres?|kilometers?|miles?|metres?|meters?)\b)?"
)
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


def short_span(text: str, marked: tuple[int, int] | None, question: str) -> tuple[int, int] | None:
    """The short answer's (start, end) in ``text``: the reader's ``marked`` span, or the
    one amount an amount question's sentence holds (``cited.short_answer``)."""
    if marked is not None or not question or not _NUMBER_Q.search(question):
        return marked
    return _only_number(text, question)


def _only_number(text: str, question: str) -> tuple[int, int] | None:
    asked = {m.group() for m in _AMOUNT.finditer(question)}
    found = [m for m in _AMOUNT.finditer(text) if m.group() not in asked]
    if len({m.group() for m in found}) != 1:
        return None
    return found[0].span()
