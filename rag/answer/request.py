"""What is asked: a question, or a request for a briefing.

People reading news ask for more than facts: "Summarize the article.", "What's the latest on
the peace talks?", "Timeline of the strike", "What happened next?". :func:`request_of` tells
them apart by their wording (no model needed) and says what they are about; the assistant
answers a question by reading sentences for it and a briefing request with
:mod:`rag.answer.briefing`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..index.keyword import terms
from .briefing import MONTH_NAME

Kind = Literal["question", "summary", "latest", "timeline"]
#: what a summary is of: the article at hand, everything indexed, or a topic (or title)
Scope = Literal["document", "all", "topic"]


@dataclass(frozen=True, slots=True)
class Request:
    """``kind`` of request; ``topic``: what it is about in the user's words ("" for "the
    article", "it", everything, or a follow-up); ``scope``: what a summary covers."""

    kind: Kind
    topic: str = ""
    scope: Scope = "topic"
    #: "What happened since May?": the day or month it starts from, in the user's words
    since: str = ""


QUESTION = Request("question")

_POLITE = (
    r"^\W*(?:(?:please|pls|kindly|now|ok(?:ay)?|so|and|then)[,\s]+"
    r"|(?:can|could|would|will)\s+you\s+(?:please\s+)?"
    r"|i(?:'d|\s+would)\s+like\s+(?:you\s+)?to\s+|i\s+want\s+(?:you\s+)?to\s+)*"
)
_SUMMARY = re.compile(
    _POLITE + r"(?:summari[sz]e|sum\s+up|recap|brief\s+me\s+on|"
    r"(?:give|write|show)\s+(?:me\s+)?(?:a\s+|the\s+)?(?:short\s+|brief\s+|quick\s+)?"
    r"(?:summary|gist|rundown|recap|overview|tl;?dr)(?:\s+of)?|"
    r"(?:a\s+|the\s+)?(?:short\s+|brief\s+|quick\s+)?(?:summary|gist|rundown|overview|tl;?dr)"
    r"(?:\s+of)?|what(?:\s+is|'s|’s)\s+(?:this|the|that)\s+"
    r"(?:article|story|document|piece|page|report|text|file)\s+about|"
    r"what\s+are\s+the\s+(?:main|key)\s+(?:points|takeaways)(?:\s+(?:of|in|from))?|"
    r"(?:the\s+)?(?:main|key)\s+(?:points|takeaways)(?:\s+(?:of|in|from))?)"
    r"(?P<rest>(?:\s.*)?)$",
    re.IGNORECASE | re.DOTALL,
)
_ON = r"\s+(?:on|about|in|with|regarding|for|from)\s+(?P<rest>.+)$"
_LATEST = re.compile(
    _POLITE + r"(?:what(?:\s+is|'s|’s|\s+are)\s+(?:the\s+)?(?:latest|newest|most\s+recent)"
    r"(?:\s+(?:news|developments?|updates?|reports?))?|"
    r"(?:any\s+)?(?:latest\s+|new\s+|recent\s+)?(?:news|updates?|developments?)|"
    r"what(?:\s+is|'s|’s)\s+new|(?:update|catch)\s+me\s+up|"
    r"(?:the\s+)?(?:latest|newest|most\s+recent)(?:\s+(?:news|developments?|updates?))?)"
    + r"(?:"
    + _ON
    + r"|(?P<none>\s+(?:news|developments?|updates?))?$)",
    re.IGNORECASE | re.DOTALL,
)
_MONTH = rf"(?:{MONTH_NAME})\.?"
#: "since May", "after May 16, 2024", "since 2023", "since last week": a day or a period
_WHEN = (
    r"(?:(?:early|late|mid-?)\s*)?"
    + _MONTH
    + r"(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+(?:19|20)\d\d)?"
    r"|\d{1,2}\s+" + _MONTH + r"(?:\s+(?:19|20)\d\d)?|(?:19|20)\d\d(?:-\d\d-\d\d)?"
    r"|last\s+(?:week|month|year)|yesterday|a\s+(?:week|month)\s+ago"
)
_TIMELINE = re.compile(
    _POLITE + r"(?:(?:give|show|make|build|write)\s+(?:me\s+)?)?(?:a\s+|the\s+)?"
    r"(?:timeline|chronology|sequence\s+of\s+events)(?:\s+(?:of|for|on|about|in))?"
    r"(?P<rest>(?:\s.*)?)$"
    r"|^\W*what\s+(?:has\s+)?happened\s+(?:next|then|after\s+that|since\s+then)\W*$"
    r"|^\W*what\s+(?:has\s+)?happened\s+(?:since|after)\s+(?P<since>" + _WHEN + r")\W*$"
    r"|^\W*how\s+did\s+(?P<unfold>.+?)\s+unfold\W*$",
    re.IGNORECASE | re.DOTALL,
)
#: "the article", "it", "this story": the document at hand
_DEICTIC = re.compile(
    r"^(?:it|this|that|the\s+above|(?:this|the|that)\s+(?:article|story|document|piece|page|"
    r"report|text|file|one|news\s+article|news\s+story)|(?:the\s+)?same)$",
    re.IGNORECASE,
)
#: everything indexed: "all the articles", "the news", "everything"
_EVERYTHING = re.compile(
    r"^(?:everything|all|it\s+all|all\s+of\s+it|(?:all\s+)?(?:the\s+)?(?:news|documents|"
    r"articles|stories|files|sources)(?:\s+(?:here|indexed|so\s+far|today|this\s+week))?|"
    r"(?:today|this\s+week)['’]?s?\s+news|what\s+(?:is|'s)\s+(?:indexed|here))$",
    re.IGNORECASE,
)
#: "the news about X", "the coverage of X": a topic, said so
_ABOUT = re.compile(
    r"^(?:(?:all\s+)?(?:the\s+)?(?:news|coverage|articles|stories|reports|reporting|documents)"
    r"\s+(?:on|about|of|regarding|covering)|what\s+(?:is|'s)\s+(?:known|reported)\s+about)\s+",
    re.IGNORECASE,
)


def request_of(question: str) -> Request:
    """What ``question`` asks for (``QUESTION`` for anything but a briefing request)."""
    text = " ".join(question.split()).rstrip(" ?!.")
    found = _TIMELINE.match(text)
    if found is not None:
        topic = found.group("rest") or found.group("unfold") or ""
        return Request("timeline", _topic(topic), "topic", since=found.group("since") or "")
    found = _LATEST.match(text)
    if found is not None:
        rest = found.group("rest") or ""
        if not rest or _EVERYTHING.match(_topic(rest)):
            return Request("latest", "", "all")
        if terms(rest):
            return Request("latest", _topic(rest), "topic")
    found = _SUMMARY.match(text)
    if found is not None:
        rest = _topic(found.group("rest"))
        if not rest or _DEICTIC.match(rest):
            return Request("summary", "", "document")
        if _EVERYTHING.match(rest):
            return Request("summary", "", "all")
        about = _ABOUT.match(rest)
        if about is not None:
            return Request("summary", _topic(rest[about.end() :]), "topic")
        return Request("summary", rest, "topic")
    return QUESTION


def _topic(text: str) -> str:
    """The words a request is about, without trailing punctuation or "for me"/"please"."""
    text = re.sub(
        r"\s*\b(?:for\s+me|please|briefly|in\s+short|so\s+far)\b", "", text.strip(), flags=re.I
    )
    return text.strip(" \t?.!,:;")
