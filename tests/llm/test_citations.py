"""Parsing a model's draft: markers, the sentences they belong to, and rendering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.llm.citations import marker_numbers, parse_draft, render, strip_markers


@pytest.mark.parametrize(
    ("draft", "cited"),
    [
        ("Russia offered a swap [1].", (1,)),
        ("Russia offered a swap [1, 2].", (1, 2)),
        ("Russia offered a swap [1-3].", (1, 2, 3)),
        ("Russia offered a swap [1–3].", (1, 2, 3)),
        ("Russia offered a swap [1][3].", (1, 3)),
        ("Russia offered a swap [Source 2].", (2,)),
        ("Russia offered a swap [source: 2, source 3].", (2, 3)),
        ("Russia offered a swap [^2].", (2,)),
        ("Russia offered a swap 【2†source】.", (2,)),
        ("Russia offered a swap (Source 2).", (2,)),
        ("Russia offered a swap. [2]", (2,)),
        ("Russia offered a swap [1; 2].", (1, 2)),
        ("Russia offered a swap [1 and 2].", (1, 2)),
    ],
)
def test_marker_variants_are_parsed(draft: str, cited: tuple[int, ...]) -> None:
    (claim,) = parse_draft(draft, n_sources=3)
    assert claim.cited == cited
    assert claim.text == "Russia offered a swap."


def test_numbers_without_a_source_are_dropped_and_kept_apart() -> None:
    (claim,) = parse_draft("Russia offered a swap [2, 7].", n_sources=3)
    assert claim.cited == (2,)
    assert claim.invalid == (7,)


def test_a_marker_after_the_full_stop_belongs_to_the_sentence_before() -> None:
    first, second = parse_draft("Talks ended in May. [1] Russia will return bodies. [2]", 2)
    assert (first.text, first.cited) == ("Talks ended in May.", (1,))
    assert (second.text, second.cited) == ("Russia will return bodies.", (2,))


def test_markers_inside_a_sentence_are_collected() -> None:
    (claim,) = parse_draft("Medinsky spoke [1], and Russia will return bodies [2].", 2)
    assert claim.cited == (1, 2)
    assert claim.text == "Medinsky spoke, and Russia will return bodies."


def test_sentence_without_marker_cites_nothing() -> None:
    first, second = parse_draft("Talks ended in May [1]. Nobody knows more.", 2)
    assert first.cited == (1,)
    assert second.cited == ()


def test_a_trailing_source_list_and_bullets_are_not_claims() -> None:
    draft = "- Talks ended in May [1].\n- Bodies will be returned [2].\n\nSources:\n[1] Kyiv Post\n[2] Reuters"
    claims = parse_draft(draft, 2)
    assert [c.text for c in claims] == ["Talks ended in May.", "Bodies will be returned."]
    assert [c.line for c in claims] == [0, 1]


def test_huge_ranges_are_not_expanded() -> None:
    assert marker_numbers("[1-300]") == [1, 300]
    assert marker_numbers("[3-1]") == [3, 1]


def test_numbers_in_text_are_not_markers() -> None:
    (claim,) = parse_draft("Russia will return 6,000 bodies (25 trucks) in 2025 [1].", 1)
    assert claim.text == "Russia will return 6,000 bodies (25 trucks) in 2025."
    assert claim.cited == (1,)


def test_render_puts_sorted_markers_after_each_sentence_line_by_line() -> None:
    text = render([[("A.", [1]), ("B.", [1, 2])], [("C.", [3])]])
    assert text == "A. [1] B. [1][2]\nC. [3]"


def test_strip_markers() -> None:
    assert strip_markers("Hello [1], world [2-3]. Bye (Source 1).") == "Hello, world. Bye."


@given(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=4))
def test_every_cited_number_is_valid(numbers: list[int]) -> None:
    marker = "[" + ", ".join(map(str, numbers)) + "]"
    (claim,) = parse_draft(f"Prices rose sharply {marker}.", n_sources=5)
    assert set(claim.cited) == {n for n in numbers if n <= 5}
    assert set(claim.invalid) == {n for n in numbers if n > 5}
    assert all(1 <= n <= 5 for n in claim.cited)
