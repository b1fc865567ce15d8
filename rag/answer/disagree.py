"""Sources that disagree: for a question asking a count, a date or a name, a sentence of
another report of the same news cycle that answers nearly as well with a different value,
shown beside the best one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from ..index.keyword import terms
from ..records import Answer
from .cited import Candidate, short_answer
from .needs import Needs

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
