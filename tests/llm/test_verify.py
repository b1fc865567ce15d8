"""The checks behind verification: numbers, names, refusals, word matching."""

from __future__ import annotations

import pytest

from rag.llm.claimtext import clauses, is_refusal, names, negated_words, numbers, same_word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the bodies of 6,000 soldiers", {"6000"}),
        ("six thousand soldiers", {"6000"}),
        ("a ceasefire of at least 30 days", {"30"}),
        ("thirty days", {"30"}),
        ("thirty-one days", {"31"}),
        ("1.5 million people", {"1500000"}),
        ("3.5 percent", {"3.5"}),
        ("one of the largest exchanges", set()),
        ("one hundred prisoners", {"100"}),
        ("talks on May 16, then 1,000 each", {"16", "1000"}),
        ("thirty-one, 1.5 million", {"31", "1500000"}),
    ],
)
def test_numbers_are_normalised(text: str, expected: set[str]) -> None:
    assert numbers(text) == expected


def test_names_skip_sentence_openers_and_possessives() -> None:
    assert names("Russia said Putin and Ukraine's Zelensky met in May.") == [
        "russia",
        "putin",
        "ukraine",
        "zelensky",
        "may",
    ]
    assert names("However, the talks ended.") == []
    assert names("Recently, Trump spoke.") == ["trump"]
    assert names("The Kremlin responded.") == ["kremlin"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Russia will return 6,000 bodies next week.",
            ["Russia will return 6,000 bodies next week."],
        ),
        (
            "The exchange will happen next week, as announced by Vladimir Medinsky.",
            ["The exchange will happen next week", "as announced by Vladimir Medinsky."],
        ),
        ("Talks failed; Russia stalled.", ["Talks failed", "Russia stalled."]),
        (
            "Russia will free the sick, as well as those under 25.",
            ["Russia will free the sick, as well as those under 25."],
        ),
        ("Yes, and it ended.", ["Yes, and it ended."]),
    ],
)
def test_clauses(text: str, expected: list[str]) -> None:
    assert clauses(text) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("russia", "russian", True),
        ("ukraine", "ukrainian", True),
        ("paris", "party", False),
        ("may", "mayor", False),
        ("exchang", "exchange", True),
    ],
)
def test_same_word(a: str, b: str, same: bool) -> None:
    assert same_word(a, b) is same


@pytest.mark.parametrize(
    "text",
    [
        "The sources do not say.",
        "The provided sources don't mention the capital of France.",
        "There is no information about that.",
        "The date is not mentioned in the documents.",
        "I cannot answer that from the context.",
    ],
)
def test_refusals_are_recognised(text: str) -> None:
    assert is_refusal(text)


@pytest.mark.parametrize(
    "text",
    ["Russia did not respond until the talks.", "No timeline was given for the exchange."],
)
def test_negative_claims_are_not_refusals(text: str) -> None:
    assert not is_refusal(text)


def test_negated_words_are_the_ones_after_the_negation() -> None:
    assert "timeline" in negated_words("Russia agreed, although no specific timeline was given.")
    assert "russia" not in negated_words("Russia agreed, although no specific timeline was given.")
