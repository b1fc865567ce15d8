"""Compound questions: each part read as a question of its own, the answers cited together."""

from __future__ import annotations

import pytest
from helpers import STORY, FakeEmbedder, FakeReader

from rag import Assistant, Settings
from rag.answer.question import question_parts


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "What did Medinsky announce about prisoners, and about the bodies of soldiers?",
            (
                "What did Medinsky announce about prisoners?",
                "What did Medinsky announce about the bodies of soldiers?",
            ),
        ),
        (
            "What did Zelensky express at the summit, and what did he call for?",
            ("What did Zelensky express at the summit?", "What did Zelensky call for?"),
        ),
        ("Who is the CEO, and when did she start?", ("Who is the CEO?", "When did she start?")),
        ("What did Russia offer at the talks?", ("What did Russia offer at the talks?",)),
        ("Who won and how?", ("Who won and how?",)),  # "how?" cannot stand alone
        ("What did Tom and Jerry do?", ("What did Tom and Jerry do?",)),
        # one question whose answer is a second name: not two questions
        (
            "Storms flooded roads this week in Texas and which other state?",
            ("Storms flooded roads this week in Texas and which other state?",),
        ),
        ("Ana, Ben and which other player scored?", ("Ana, Ben and which other player scored?",)),
    ],
)
def test_a_compound_question_is_split_into_questions_that_stand_alone(
    question: str, parts: tuple[str, ...]
) -> None:
    assert question_parts(question) == parts


def _assistant(tmp_path, reader=None) -> Assistant:
    assistant = Assistant(
        Settings(data_dir=tmp_path / "data", seed=False),
        embedder=FakeEmbedder(),
        reader=reader if reader is not None else FakeReader(threshold=0.3),
    )
    (tmp_path / "story.txt").write_text(STORY, encoding="utf-8")
    assistant.ingest([tmp_path / "story.txt"])
    return assistant


def test_each_part_of_a_compound_question_is_answered_and_cited(tmp_path) -> None:
    assistant = _assistant(tmp_path)
    question = "What did the mayor say about the repairs, and what did the port authority promise?"
    answer = assistant.ask(question)
    quotes = [c.quote for c in answer.citations]
    assert any(q.startswith("Mayor Lena Ortiz said repairs") for q in quotes), quotes
    assert any(q.startswith("The port authority promised") for q in quotes), quotes
    assert answer.query == (
        "What did the mayor say about the repairs? | What did the port authority promise?"
    )
    # the parts in the order they are read: each a question of its own
    asked = [q for q, _ in assistant.reader.calls]  # type: ignore[union-attr]
    assert "What did the port authority promise?" in asked


def test_a_part_nothing_answers_adds_nothing_and_none_answered_abstains(tmp_path) -> None:
    assistant = _assistant(tmp_path)
    answer = assistant.ask(
        "What did the port authority promise, and what did the zebra eat yesterday evening?"
    )
    assert not answer.abstained
    assert [c.quote for c in answer.citations] == [
        "The port authority promised an answer by the end of May."
    ]
    nothing = assistant.ask(
        "What did the zebra eat yesterday evening, and where did the giraffe sleep last night?"
    )
    assert nothing.abstained and nothing.citations == []
