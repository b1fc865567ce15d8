""" "Who said that?" after an answer: asked of the previous answer's sentence."""

from __future__ import annotations

import pytest

from rag.answer.question import previous_statement, said_that, understand

STATEMENT = (
    "On the Russian side, delegation head Vladimir Medinsky announced that Russia would "
    "exchange sick and severely injured prisoners of war."
)


@pytest.mark.parametrize(
    ("follow_up", "answer", "query"),
    [
        (
            "Who said that?",
            f"{STATEMENT} [1] He also mentioned the bodies. [2]",
            "Who said that Russia would exchange sick and severely injured prisoners of war?",
        ),
        (
            "when did he announce it?",
            f"{STATEMENT} [1]",
            "when did he announce that Russia would exchange sick and severely injured "
            "prisoners of war?",
        ),
        (
            "Who said that?",
            "The Kremlin responded by suggesting Trump was displaying signs of distress. [1]",
            "Who said that Trump was displaying signs of distress?",
        ),
        (
            "Who said that?",
            "The bodies of 6,000 soldiers will be returned next week. [1]",
            "Who said that the bodies of 6,000 soldiers will be returned next week?",
        ),
    ],
)
def test_who_said_that_asks_about_the_previous_answers_sentence(
    follow_up: str, answer: str, query: str
) -> None:
    history = [("What did Russia offer?", answer)]
    assert said_that(follow_up, history) == query
    understood = understand(follow_up, history)
    assert understood.queries[0] == query  # then the question joined to the one before
    assert understood.queries[1] == f"What did Russia offer? {follow_up}"
    assert understood.statement == answer.split(" [1]")[0]


@pytest.mark.parametrize(
    ("follow_up", "answer"),
    [
        ("Who said that?", "I can't answer that from the indexed documents."),  # cites nothing
        ("Who is Umerov?", f"{STATEMENT} [1]"),  # not about the answer
        ("What did he say about that?", f"{STATEMENT} [1]"),  # asks for more, not who
        ("Who said that Russia would exchange prisoners?", f"{STATEMENT} [1]"),  # says what
        ("Who said that?", "?! [1]"),  # a "sentence" of punctuation alone
    ],
)
def test_other_follow_ups_are_not_asked_of_the_answer(follow_up: str, answer: str) -> None:
    history = [("What did Russia offer?", answer)]
    assert said_that(follow_up, history) is None
    assert understand(follow_up, history).statement == ""


def test_without_a_previous_answer_nothing_is_referred_to() -> None:
    assert said_that("Who said that?", []) is None


def test_the_previous_statement_is_the_first_cited_sentence() -> None:
    assert previous_statement("First one. [1] Second one. [2]") == "First one."
    assert previous_statement("Both at once. [1, 2] More. [3]") == "Both at once."
    assert previous_statement("Answer: x\nThe sentence. [1]") == "The sentence."
    assert previous_statement("No citation here.") == ""
