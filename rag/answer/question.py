"""Understanding a question before anything is searched: is it an instruction rather than a
question, and which stand-alone queries might it be in a conversation?

A follow-up ("Who said that?") means little alone; a new question asked after another ("Who
is Umerov?") means most alone. Without a language model we cannot know which, so both
readings are offered (:attr:`Understood.queries`) and the reader keeps the one it finds
answered (``assistant.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import QuestionError
from ..index.keyword import terms

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
_MARKER = re.compile(r"\s*\[\d+(?:\s*[-,–]\s*\d+)*\]")
_REFERRING = frozenset(
    "he she it they him her them his hers its their theirs that this those these there then "
    "former latter same else such".split()
)


@dataclass(frozen=True, slots=True)
class Understood:
    """A cleaned question, and the queries to try, most likely first."""

    question: str
    queries: tuple[str, ...]
    instruction: bool = False
    #: "Who said that?": the previous answer's sentence it asks about (its first query
    #: asks it in that sentence's words; the assistant attributes it when the reading
    #: kept finds that sentence best)
    statement: str = ""


def understand(question: str, history: list[tuple[str, str]]) -> Understood:
    """The queries a question may stand for: a question that may be a follow-up is tried
    both joined to the previous question and alone; one that stands on its own, alone."""
    if looks_like_instruction(question):
        return Understood(question, (question,), instruction=True)
    said = said_that(question, history)
    if said is not None:
        # "Who said that?": who said what the previous answer says, asked in its words; the
        # question joined to the previous one (and alone) stay other readings, for when the
        # previous answer was not what its question asked
        alone = (question,) if contextualize(question, history) == question else ()
        queries = (said, joined_query(question, history), *alone)
        return Understood(question, queries, statement=previous_statement(history[-1][1]))
    likely = contextualize(question, history)
    if likely == question:
        # it stands on its own (no "he/that/it", more than one content word): reading it
        # joined to the previous question would only find the previous answer again
        return Understood(question, (question,))
    return Understood(question, (likely, question))


#: ", and what/who/...": a second question joined to the first
_JOIN_WH = re.compile(
    r",?\s+and\s+(?=(?:what|who|whom|whose|which|when|where|why|how)\b)", re.IGNORECASE
)
#: ", and about B?" after "... about A": the first question again, about something else
_JOIN_ABOUT = re.compile(r",\s+and\s+(?P<prep>about|on|regarding)\s+(?P<rest>\S.*)$", re.I)


def question_parts(question: str) -> tuple[str, ...]:
    """The questions a compound question asks, each one whole: "What did Zelensky express,
    and what did he call for?" asks two; "What did Medinsky announce about prisoners, and
    about the bodies?" asks "... announce about prisoners?" and "... announce about the
    bodies?". A question that asks one thing (or parts too short to stand) is itself."""
    text = question.strip()
    about = _JOIN_ABOUT.search(text)
    if about is not None:
        head = text[: about.start()]
        at = head.lower().rfind(f" {about.group('prep').lower()} ")
        if at > 0:
            second = f"{head[:at]} {about.group('prep')} {about.group('rest')}"
            return _whole((head, second)) or (question,)
    pieces = [p for p in _JOIN_WH.split(text) if p.strip()]
    # "... in California and which other state?" asks one thing: each part must be a
    # question of its own, and a later one more than "which other state?"
    if len(pieces) < 2 or not all(_ASKS.match(p.strip()) for p in pieces):
        return (question,)
    if any(len(p.split()) < 4 for p in pieces[1:]):
        return (question,)
    parts = _whole(pieces)
    if parts is None:
        return (question,)
    subject = _SUBJECT.match(parts[0])
    if subject is None:
        return parts
    # "..., and what did he call for?": he is the first part's subject
    return (parts[0], *(_PRONOUN.sub(rf"\g<1>{subject.group(2)}", p, 1) for p in parts[1:]))


_AUX_WORDS = "did|does|do|has|have|had|is|was|are|were|will|would|can|could"
_AUX = rf"(?:{_AUX_WORDS})"
#: how a question of its own opens: a question word ("In what year ...") or a helping verb
_ASKS = re.compile(
    r"^(?:(?:in|on|at|for|to|by|from|during|with|of|after|before|since|until|under)\s+)?"
    rf"(?:what|who|whom|whose|which|when|where|why|how|{_AUX_WORDS}|should|may|might)\b",
    re.IGNORECASE,
)
#: "What did Zelensky ...": the subject, in capitals, after the question word and its verb
_SUBJECT = re.compile(rf"^(\w+\s{_AUX})\s((?:[A-Z][\w'’.\-]*\s?){{1,4}}?)\s[a-z]")
_PRONOUN = re.compile(rf"^(\w+\s{_AUX}\s)(?:he|she|they)\b", re.IGNORECASE)


def _whole(pieces: Sequence[str]) -> tuple[str, ...] | None:
    """Each piece as a question of its own; None when one is too short to stand alone."""
    out = []
    for piece in pieces:
        piece = piece.strip().rstrip("?,;. ").strip()
        if len(piece.split()) < 3 or not terms(piece):
            return None
        out.append(piece[0].upper() + piece[1:] + "?")
    return tuple(out)


#: "Who said that?", "When did he announce it?": a question about who said (or when, where,
#: why, how) what the previous answer says
_SAID_THAT = re.compile(
    r"^(?P<ask>(?:who|when|where|why|how)\b.*?\b(?:said|say|says|saying|announced?|announces|"
    r"claimed|claims?|stated?|states|reported|reports?|mentioned|mentions?|suggested|"
    r"suggests?|told|tells?|wrote|writes?|argued|argues?|warned|warns?|promised|"
    r"promises?|offered|offers?|proposed|proposes?))\s+(?:that|this|it)\s*\??$",
    re.IGNORECASE,
)
#: what reports speech in a statement: "X announced that ...", "... by suggesting ...",
#: "he also mentioned that ...": what follows is what was said
_REPORTING = re.compile(
    r"\b(?:said|says|announced|stated|claimed|reported|mentioned|noted|stressed|emphasi[sz]ed|"
    r"confirmed|added|warned|suggested|suggesting|saying|argued|insisted|explained|wrote|"
    r"told\s+\w+(?:\s+\w+)?|believes)\s+(?:that\s+)?(?=[\w\"“])",
    re.IGNORECASE,
)
_FIRST_SENTENCE = re.compile(r"^(.*?)" + _MARKER.pattern)


def said_that(question: str, history: list[tuple[str, str]]) -> str | None:
    """For "Who said that?" after an answer: the question asked of the previous answer's
    first sentence, in the words it reports ("Who said that Russia would exchange ...?");
    None for any other question, or with no previous answer to refer to."""
    match = _SAID_THAT.match(question.strip())
    if match is None or not history:
        return None
    statement = previous_statement(history[-1][1])
    if not statement:
        return None
    reported = _REPORTING.search(statement)
    clause = statement[reported.end() :] if reported else statement
    clause = clause.strip().rstrip(".!?").strip()
    if len(terms(clause)) < 2:
        clause = statement.rstrip(".!?").strip()
    if not terms(clause):
        return None  # nothing that was said ("... [1]" after punctuation alone)
    first = clause.split(maxsplit=1)[0]
    if not terms(first):  # "The Kremlin ...", "He ...": a common word, lowercased mid-question
        clause = clause[0].lower() + clause[1:]
    return f"{match.group('ask')} that {clause}?"


def previous_statement(answer_text: str) -> str:
    """The first cited sentence of an answer's text (its short-answer line and markers
    dropped); "" when it cites nothing (an abstention, a model's uncited reply)."""
    for line in answer_text.splitlines():
        found = _FIRST_SENTENCE.match(line.strip())
        if found and found.group(1).strip():
            return found.group(1).strip()
    return ""


def joined_query(question: str, history: list[tuple[str, str]]) -> str:
    """The question after the previous user question (the whole conversation's topic)."""
    if not history:
        return question
    previous = _MARKER.sub("", history[-1][0]).strip()
    return f"{previous} {question}" if previous else question


def looks_like_instruction(question: str) -> bool:
    return bool(_INSTRUCTION.search(question))


def contextualize(question: str, history: list[tuple[str, str]]) -> str:
    """The retrieval query: a follow-up question is joined to the previous user question."""
    if not history:
        return question
    words = re.findall(r"\w+", question.lower())
    if not (_REFERRING & set(words)) and len(terms(question)) > 1:
        return question
    return joined_query(question, history)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Lone surrogates: what undecodable bytes on stdin or argv become (PEP 383).
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_question(question: object, max_chars: int) -> str:
    """The question as it will be asked (control characters blanked, trimmed); a
    QuestionError if it is not text, empty or longer than ``max_chars``."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    question = _decodable(_CONTROL.sub(" ", question)).strip()
    if not question:
        raise QuestionError("the question is empty")
    if len(question) > max_chars:
        raise QuestionError(
            f"the question is {len(question):,} characters; the limit is {max_chars:,}"
        )
    return question


def check_history(history: Any) -> list[tuple[str, str]]:
    """``history`` as (question, answer) pairs of text, or a QuestionError."""
    if history is None:
        return []
    try:
        pairs = [(_decodable(str(user)), _decodable(str(bot))) for user, bot in history]
    except (TypeError, ValueError):
        raise QuestionError("history must be a list of (question, answer) pairs") from None
    return pairs


def _decodable(text: str) -> str:
    """``text`` with lone surrogates (undecodable input bytes) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)
