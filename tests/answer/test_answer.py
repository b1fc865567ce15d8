"""What an extractive answer must hold: a number, a date or a new name when asked for."""

from __future__ import annotations

import pytest

from rag.answer.needs import Needs


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


def _candidate(doc_id: str, index: int, published: str, score: float):
    import numpy as np

    from rag.answer.cited import Candidate
    from rag.index.rows import StoredUnit
    from rag.records import Chunk, ScoredChunk

    unit = StoredUnit(f"{doc_id}:{index}", doc_id, index, 0, 5, np.zeros(3, np.float32))
    chunk = Chunk(f"{doc_id}#0", doc_id, 0, 0, 5, "x", 0, 9, 1)
    hit = ScoredChunk(chunk, doc_id, doc_id, 1.0, published=published)
    return Candidate(unit, hit, "x", score)


def test_sources_from_different_dates_are_listed_newest_first() -> None:
    from rag.answer.cited import in_reading_order

    old = _candidate("old", 3, "2023-05-01", 0.9)
    new = _candidate("new", 1, "2024-02-10", 0.8)
    undated = _candidate("nodate", 2, "", 0.85)
    also_old = _candidate("old", 1, "2023-05-01", 0.7)
    order = in_reading_order([old, undated, new, also_old])
    assert [(c.unit.doc_id, c.unit.index) for c in order] == [
        ("new", 1),
        ("old", 1),
        ("old", 3),
        ("nodate", 2),
    ]
    # one date (or none) among the sources: the best sentence's document leads
    assert [c.unit.doc_id for c in in_reading_order([undated, old])] == ["nodate", "old"]


def _read(text: str, span: tuple[int, int] | None, start: int = 100):
    import numpy as np

    from rag.answer.cited import Candidate
    from rag.index.rows import StoredUnit
    from rag.records import Chunk, ScoredChunk

    unit = StoredUnit("d:0", "d", 0, start, start + len(text), np.zeros(3, np.float32))
    chunk = Chunk("d#0", "d", 0, start, start + len(text), text, 0, 0, 1)
    return Candidate(unit, ScoredChunk(chunk, "d", "d", 1.0), text, 0.9, span=span)


@pytest.mark.parametrize(
    ("question", "sentence", "short"),
    [
        ("How many bodies will Russia return?", "Russia will return 6,000 bodies.", "6,000"),
        ("How long should the ceasefire last?", "A ceasefire of at least 30 days.", "30 days"),
        ("How much will the repairs cost?", "Repairs cost $4.5 million, he said.", "$4.5 million"),
        ("How many voted in 2019?", "In 2019, 12% voted.", "12%"),
        # two numbers the question lacks: which one is not for the answer to guess
        ("How many were exchanged in May?", "On May 16, 1,000 each were exchanged.", None),
        ("How many voted in 2019?", "In 2019, many voted.", None),
        # not a question for an amount
        ("Who returned the bodies?", "Russia will return 6,000 bodies.", None),
    ],
)
def test_with_no_span_marked_an_amount_questions_one_number_is_its_short_answer(
    question: str, sentence: str, short: str | None
) -> None:
    from rag.answer.cited import short_answer

    found = short_answer(_read(sentence, None), question)
    assert (found.text if found else None) == short
    if found:  # an exact span of the document
        assert found.start == 100 + sentence.index(short) and found.end - found.start == len(short)


def test_the_readers_own_span_comes_first() -> None:
    from rag.answer.cited import short_answer

    sentence = "Russia will return 6,000 bodies next week."
    found = short_answer(_read(sentence, (0, 6)), "How many bodies will Russia return?")
    assert found is not None and found.text == "Russia"
