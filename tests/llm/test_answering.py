"""The LLM path's relevance filter (``answering``): which supported sentences answer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rag.llm.citations import Claim
from rag.llm.generate import answering
from rag.llm.verify import Verdict
from rag.reader import Reading

QUESTION = "What did Russia offer?"


class SubjectReader:
    """Answers when the sentence, or the one read before it, names Russia; records what it
    was given to read."""

    threshold = 0.2

    def __init__(self) -> None:
        self.read_as: list[tuple[str, str]] = []

    def read(self, question: str, passages) -> list[Reading]:
        self.read_as += [(p.text, p.before) for p in passages]
        return [Reading(0.9 if "Russia" in p.text + p.before else 0.0, None) for p in passages]


def verdict(text: str, line: int, doc: str) -> Verdict:
    unit = SimpleNamespace(doc_id=doc, index=line)
    return Verdict(Claim(text, (1,), line), [SimpleNamespace(unit=unit)])  # type: ignore[list-item]


def test_a_sentence_that_refers_back_is_read_after_the_one_it_continues() -> None:
    reader = SubjectReader()
    first = verdict("Russia offered to exchange prisoners of war.", 0, "talks")
    also = verdict("It also plans to return the bodies of 6,000 soldiers.", 1, "talks")
    kept, off = answering(reader, QUESTION, [first, also], [])
    assert kept == [first, also] and off == []
    assert reader.read_as[1] == (also.claim.text, first.claim.text)


@pytest.mark.parametrize(
    ("text", "doc"),
    [
        ("The talks were held in a palace.", "talks"),  # stands alone
        ("It opened a new museum on Monday.", "city"),  # refers back, to another document
    ],
)
def test_a_sentence_is_read_alone_unless_it_continues_one_of_its_document(
    text: str, doc: str
) -> None:
    """Alone, a sentence beside the point is dropped: a pronoun resting on another
    document does not borrow the answer's subject."""
    reader = SubjectReader()
    first = verdict("Russia offered to exchange prisoners of war.", 0, "talks")
    other = verdict(text, 1, doc)
    kept, off = answering(reader, QUESTION, [first, other], [])
    assert kept == [first] and off == [other]
    assert reader.read_as[1] == (text, "")
