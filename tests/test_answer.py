"""What an extractive answer must hold: a number, a date or a new name when asked for."""

from __future__ import annotations

import pytest

from rag.answer import Needs


@pytest.mark.parametrize(
    ("question", "sentence", "fits"),
    [
        ("How many bodies will Russia return?", "Russia plans to return 6,000 bodies.", True),
        ("How many bodies will Russia return?", "Russia plans to return the bodies.", False),
        ("How many children were listed?", "A list of hundreds of children.", True),
        ("When will the exchange happen?", "The exchange happens next week.", True),
        ("When will the exchange happen?", "Russia would exchange prisoners.", False),
        ("By when does Kyiv expect a reply?", "A response by the end of June.", True),
        ("Who leads the delegation?", "Delegation head Vladimir Medinsky spoke.", True),
        ("Who leads the delegation?", "The delegation spoke at length.", False),
        ("Where did Zelensky speak?", "Zelensky spoke about the war.", False),
        ("Where did Zelensky speak?", "Zelensky spoke in Vilnius, Lithuania.", True),
        ("What did Russia offer?", "Anything at all.", True),
    ],
)
def test_answer_type_needs(question: str, sentence: str, fits: bool) -> None:
    assert Needs.of(question, question).met_by(sentence) is fits
