"""A passage's age and place as the reader weighs them (rag.reader.context) and the day a
question is asked (the weights' fit: tests/training/test_context_fit.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from rag.reader import Passage, Reading
from rag.reader.context import FEATURES, adjust, features


def row(passage: Passage) -> dict[str, float]:
    return dict(zip(FEATURES, features([passage])[0], strict=True))


def test_ages_are_read_against_the_freshest_dated_passage() -> None:
    pool = [
        Passage("Fresh.", age=3, offset=1000),
        Passage("Two weeks older.", age=17, offset=1000),
        Passage("Months older.", age=100, offset=1000),
        Passage("Years older.", age=900, offset=1000),
        Passage("Published after the day asked.", age=-5, offset=1000),
        Passage("No date.", offset=1000),
    ]
    on = [dict(zip(FEATURES, r, strict=True)) for r in features(pool)]
    assert [next((k for k, v in r.items() if v), "") for r in on] == [
        "",
        "older_8_30_days",
        "older_31_365_days",
        "older_over_a_year",
        "after_asked",
        "undated_among_dated",
    ]
    # an old archive asked about today: all a year old, so none is older than the others
    old = features([Passage("A.", age=400), Passage("B.", age=402)])
    assert not any(any(r) for r in old)
    # with no date anywhere, no passage is marked undated
    assert not any(any(r) for r in features([Passage("A."), Passage("B.")]))


def test_place_features() -> None:
    assert row(Passage("Who won?", offset=5000))["question"] == 1.0
    assert row(Passage("Lead.", offset=0))["lead"] == 1.0
    assert row(Passage("Deep.", offset=3001))["deep"] == 1.0
    middle = row(Passage("Middle.", offset=1500))
    assert not middle["lead"] and not middle["deep"] and not middle["question"]


def test_adjust_adds_on_the_logit_scale_and_leaves_a_plain_pool_alone() -> None:
    weights = {"older_over_a_year": -2.0, "lead": 0.5}
    pool = [Passage("Old news.", age=800, offset=2000), Passage("Fresh lead.", age=2, offset=0)]
    old, fresh = adjust([0.6, 0.5], pool, weights)
    z = np.log(0.6 / 0.4) - 2.0
    assert old == pytest.approx(1 / (1 + np.exp(-z)))
    assert fresh == pytest.approx(1 / (1 + np.exp(-(0.5 * 0 + 0.5))))
    assert fresh > old  # the fresh lead now ranks first
    plain = [Passage("No age, no offset."), Passage("Nor this.")]
    assert adjust([0.6, 0.5], plain, weights) == [0.6, 0.5]
    assert adjust([0.6, 0.5], pool, {}) == [0.6, 0.5]


class RecordingReader:
    """Scores every passage alike and keeps what it was given."""

    name = "recording"
    threshold = 0.1

    def __init__(self) -> None:
        self.given: list[Passage] = []

    def read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        self.given = list(passages)
        return [Reading(0.5, None) for _ in passages]


def test_the_reader_is_given_each_passages_age_as_of_the_day_asked(
    make_assistant, tmp_path: Path
) -> None:
    dump = tmp_path / "news.jsonl"
    lines = [
        {"text": "The harbour bridge reopened after repairs.", "published": "2024-01-03"},
        {"text": "The harbour bridge closed for repairs.", "published": "2023-06-01"},
        {"text": "The harbour bridge has a long history."},
    ]
    dump.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    reader = RecordingReader()
    assistant = make_assistant(reader=reader)
    assistant.ingest([dump])
    assistant.ask("What happened to the harbour bridge?", asked_on="2024-01-05")
    ages = {p.text: p.age for p in reader.given}
    assert ages["The harbour bridge reopened after repairs."] == 2
    assert (
        ages["The harbour bridge closed for repairs."] == (date(2024, 1, 5) - date(2023, 6, 1)).days
    )
    assert ages["The harbour bridge has a long history."] is None
    assert all(p.offset is not None and p.offset >= 0 for p in reader.given)
    assistant.ask("What happened to the harbour bridge?")  # default: today
    today = {p.text: p.age for p in reader.given}
    assert (
        today["The harbour bridge reopened after repairs."]
        == (date.today() - date(2024, 1, 3)).days
    )
    from rag.errors import QuestionError

    with pytest.raises(QuestionError, match="asked_on must be a date"):
        assistant.ask("What happened to the harbour bridge?", asked_on="next week")


def test_a_reader_trained_with_age_words_reads_the_age_after_the_context() -> None:
    from rag.reader.context import AGE_PHRASES, age_phrase
    from rag.reader.network import encoder_for

    assert [age_phrase(a) for a in (None, -5, 0, 5, 20, 200, 900)] == ["", *AGE_PHRASES]
    plain = encoder_for("minilm")
    aged = encoder_for("minilm", age_words=True)
    p = Passage("Ortiz won.", "The vote was close.", age=3)
    assert plain.context(p) == "The vote was close."
    assert aged.context(p) == "The vote was close. (published that week)"
    assert aged.context(Passage("Ortiz won.", age=900)) == "(published years before)"
    assert aged.context(Passage("Ortiz won.", "Before.")) == "Before."  # undated
    # the sentence itself, and so every span's offsets, is untouched
    batch = aged.encode(["Who won?"] * 2, [p, Passage("Ortiz won.", "The vote was close.")])
    assert batch.offsets[0] == batch.offsets[1] and batch.mask[0].sum() > batch.mask[1].sum()


@pytest.mark.slow
def test_a_reader_with_context_weights_applies_them_from_its_config(tmp_path: Path) -> None:
    import shutil

    from rag.reader import READER_DIR
    from rag.reader.network import TransformerReader

    folder = tmp_path / "reader"
    folder.mkdir()
    shutil.copy(READER_DIR / "reader.safetensors", folder)
    config = json.loads((READER_DIR / "config.json").read_text())
    (folder / "config.json").write_text(
        json.dumps({**config, "context_weights": {"older_over_a_year": -3.0}})
    )
    plain, weighted = TransformerReader(READER_DIR), TransformerReader(folder)
    text = "Mayor Lena Ortiz said repairs would cost 4.5 million euros."
    pool = [Passage(text, age=2), Passage(text, age=900)]
    question = "How much will the repairs cost?"
    fresh, old = (r.score for r in weighted.read(question, pool))
    # the plain reader may read the ages itself (a reader trained with age words does); the
    # weights come on top: none under a year, -3 on the logit past it
    same = [r.score for r in plain.read(question, pool)]
    assert fresh == pytest.approx(same[0])
    z = np.log(same[1] / (1 - same[1])) - 3.0
    assert old == pytest.approx(1 / (1 + np.exp(-z)), abs=1e-6) and old < same[1]
