from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.documents.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith arrived. He left.", ["Mr. Smith arrived.", "He left."]),
        ("The U.S. President spoke. Then he left.", ["The U.S. President spoke.", "Then he left."]),
        (
            "Talks began on Jan. 5 in Geneva. They ended.",
            ["Talks began on Jan. 5 in Geneva.", "They ended."],
        ),
        (
            "It cost 3.5 million. It returned 6,000 bodies. Done.",
            ["It cost 3.5 million.", "It returned 6,000 bodies.", "Done."],
        ),
        ('He said "Stop. Go home." Then he left.', ['He said "Stop. Go home."', "Then he left."]),
        (
            "She said “We are done. Really.” The crowd left!",
            ["She said “We are done. Really.”", "The crowd left!"],
        ),
        (
            "John F. Kennedy spoke. Dr. Who listened.",
            ["John F. Kennedy spoke.", "Dr. Who listened."],
        ),
        ("Is it over? Yes! It is.", ["Is it over?", "Yes!", "It is."]),
        (
            "Headline Without a Period\nThe body starts here.",
            ["Headline Without a Period", "The body starts here."],
        ),
        ("First paragraph\n\nSecond paragraph.", ["First paragraph", "Second paragraph."]),
        ("Prices rose 5 p.c. in total. Next.", ["Prices rose 5 p.c. in total.", "Next."]),
        (
            "No. 10 is the address. The vote was no. Then a pause.",
            ["No. 10 is the address.", "The vote was no.", "Then a pause."],
        ),
    ],
)
def test_splits_where_a_reader_would(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_seed_sentences_keep_quotes_and_numbers_whole() -> None:
    from helpers import SEEDS

    text = next(SEEDS.glob("*.txt")).read_text()
    found = sentences(text)
    assert (
        "He also mentioned that Russia plans to return the bodies of 6,000 Ukrainian soldiers to Kyiv next week."
        in found
    )
    assert any(s.startswith("Meanwhile, former U.S. President Donald Trump") for s in found)
    assert (
        found[0]
        == "Ukraine and Russia Remain Distant After Peace Talks, Yet Reach Agreement on Prisoner Exchange"
    )


@given(st.text(alphabet=st.sampled_from(list("ab C.!?\"“”'\n 6,.3U.S.Mr")), max_size=300))
def test_spans_are_ordered_trimmed_and_cover_every_visible_character(text: str) -> None:
    spans = split_sentences(text)
    covered = set()
    last_end = 0
    for span in spans:
        assert last_end <= span.start < span.end <= len(text)
        piece = text[span.start : span.end]
        assert piece == piece.strip() and piece
        covered.update(range(span.start, span.end))
        last_end = span.end
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
