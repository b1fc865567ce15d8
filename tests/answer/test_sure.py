"""Answers that say when they are unsure (issue 29): ``sure`` and ``alternatives``."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import STORY, FakeReader


class SureReader(FakeReader):
    def __init__(self, threshold: float, sure_threshold: float | None) -> None:
        super().__init__(threshold)
        self.sure_threshold = sure_threshold


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "harbour.txt"
    path.write_text(STORY, encoding="utf-8")
    (tmp_path / "council.txt").write_text(
        "Council Budget\n\nThe mayor said the cost would be shared with the region. "
        "According to the council, the mayor would decide in June.",
        encoding="utf-8",
    )
    return path


QUESTION = "What would the repairs cost according to the mayor?"


def test_an_answer_under_the_sure_threshold_shows_the_next_best_passages(
    make_assistant, story
) -> None:
    assistant = make_assistant(reader=SureReader(0.3, sure_threshold=0.99))
    assistant.ingest([story.parent])
    answer = assistant.ask(QUESTION)
    assert not answer.abstained and not answer.sure
    assert 1 <= len(answer.alternatives) <= 2
    cited = {(c.doc_id, c.start) for c in answer.citations}
    numbers = [c.number for c in answer.alternatives]
    assert numbers == list(
        range(len(answer.citations) + 1, len(answer.citations) + 1 + len(numbers))
    )
    for alt in answer.alternatives:
        assert (alt.doc_id, alt.start) not in cited
        assert assistant.document_text(alt.doc_id)[alt.start : alt.end] == alt.quote
        assert alt.score >= 0.05 and alt.source.endswith("council.txt")
    assert [a.score for a in answer.alternatives] == sorted(
        (a.score for a in answer.alternatives), reverse=True
    )
    as_json = answer.to_dict()
    assert as_json["sure"] is False
    assert [a["quote"] for a in as_json["alternatives"]] == [a.quote for a in answer.alternatives]


def test_a_sure_answer_has_no_alternatives_and_no_reader_means_never_sure(
    make_assistant, story
) -> None:
    sure = make_assistant(reader=SureReader(0.3, sure_threshold=0.5))
    sure.ingest([story.parent])
    answer = sure.ask(QUESTION)
    assert answer.confidence is not None and answer.confidence >= 0.5
    assert answer.sure and answer.alternatives == []
    assert answer.to_dict()["sure"] is True
    for reader in (SureReader(0.3, sure_threshold=None), FakeReader(0.3)):
        plain = make_assistant(reader=reader, data_dir=story.parent / f"d{id(reader)}")
        plain.ingest([story])
        assert not plain.ask(QUESTION).sure
    abstained = make_assistant(
        reader=SureReader(0.99, sure_threshold=0.5), data_dir=story.parent / "x"
    )
    abstained.ingest([story])
    refused = abstained.ask(QUESTION)
    assert refused.abstained and not refused.sure and refused.alternatives == []
