"""Open-question training groups (training/statements.py) on a made-up article."""

from __future__ import annotations

import random

from helpers.news import _day

from training.news import sentence_texts
from training.statements import SOURCE, VERB_CLASSES, statement_groups

#: invented town news, so no article text is copied
TOWN = (
    "The river town of Eldham held its spring council meeting on Tuesday. "
    "Mayor Ines Alvarez called for a new footbridge across the Lune before next winter. "
    "She also asked the county to pay half of the cost of the bridge. "
    "Council member Tomas Reyes said the ferry service had lost money for three years. "
    "Reyes warned that the old ferry pier could collapse during the autumn floods. "
    "The ferry carried about two hundred people a day last summer. "
    "Residents filled the hall and many stood at the back during the debate. "
    "Alvarez said the footbridge would also help cyclists reach the market. "
    "A vote on the budget is expected at the next meeting in May."
)


def _raw(text: str, part: str = "train") -> dict:
    return {
        "docs": [{"id": "town", "text": text}],
        "questions": [{"date": _day(part), "results": ["town"], "gold": []}],
    }


def _groups(text: str = TOWN, part: str = "train", **kw) -> list:
    return statement_groups(_raw(text, part), random.Random(3), sentence_texts, count=10, **kw)


def _all_groups(text: str = TOWN) -> list:
    """Every group an article gives (several seeds: each question's verb is drawn)."""
    out = []
    for seed in range(12):
        out += statement_groups(_raw(text), random.Random(seed), sentence_texts, count=10)
    return out


def test_a_statement_is_the_positive_of_the_question_in_other_words() -> None:
    asked = [g for g in _all_groups() if "Ines Alvarez" in g.question]
    assert asked, "the mayor's call gives a question"
    verbs = VERB_CLASSES["ask"][1]
    for g in asked:
        assert g.source == SOURCE and g.answerable
        assert any(g.question == f"What did Mayor Ines Alvarez {v}?" for v in verbs)
        first = g.candidates[0]
        assert first.label == 1.0 and first.passage.text.startswith("Mayor Ines Alvarez called")
        # the short answer is the statement itself, an exact span
        start, end = first.span
        assert (
            first.passage.text[start:end] == "a new footbridge across the Lune before next winter"
        )
        # "She also ..." goes on with the answer: a positive too, read with the one before
        also = [c for c in g.candidates if c.passage.text.startswith("She also asked")]
        assert also and also[0].label == 1.0
        assert also[0].passage.before == first.passage.text


def test_negatives_are_hard_and_never_another_statement_of_the_kind() -> None:
    groups = _all_groups()
    warned = [g for g in groups if g.question.endswith(" warn?")]
    assert warned and all("Reyes" in g.question for g in warned)
    for g in groups:
        negatives = [c.passage.text for c in g.candidates if c.label == 0.0]
        assert len(negatives) >= 3
        assert not set(negatives) & {c.passage.text for c in g.candidates if c.label == 1.0}
    said = [g for g in groups if " say about " in g.question and "Alvarez" in g.question]
    for g in said:
        # the mayor's other statement may answer a question about what she said: not a negative
        negatives = [c.passage.text for c in g.candidates if c.label == 0.0]
        assert not any(
            t.startswith(("Mayor Ines Alvarez called", "Alvarez said")) for t in negatives
        )


def test_validation_weeks_and_excluded_articles_are_never_read() -> None:
    assert _groups()
    assert _groups(part="validation") == []
    sentence = "Reyes warned that the old ferry pier could collapse during the autumn floods."
    assert _groups(exclude_texts=[sentence]) == []
    assert statement_groups(_raw(TOWN), random.Random(0), sentence_texts, count=0) == []


def test_words_that_only_look_like_subjects_make_no_question() -> None:
    text = (
        TOWN + " Officials said nothing. In May said the council. The offers are only valid today."
    )
    questions = {g.question for g in _all_groups()} | {g.question for g in _groups(text)}
    assert not any(
        q.startswith(("What did Officials", "What did In ", "What does the ")) for q in questions
    )


REPORTED = (
    "The harbour board of Eldham met again on Thursday evening in the old customs house. "
    "Board chair Marta Olsen announced that Eldham would rebuild the ferry pier before the winter storms. "
    "Olsen said that Eldham is calling for state money to pay for the new pier. "
    "Captain Ruud Visser was offered a seat on the board after the meeting ended. "
    "The board also discussed parking near the harbour and the price of mooring. "
    "Several fishermen asked about the winter schedule of the ferry service. "
    "The next meeting of the harbour board is planned for the first week of June."
)


def test_a_reported_clause_is_asked_about_its_own_subject() -> None:
    groups = _all_groups(REPORTED)
    offered = [
        g for g in groups if g.question in {"What did Eldham offer?", "What did Eldham promise?"}
    ]
    assert offered, {g.question for g in groups}
    first = offered[0].candidates[0]
    assert first.passage.text.startswith("Board chair Marta Olsen announced")
    assert first.passage.text[first.span[0] : first.span[1]] == (
        "rebuild the ferry pier before the winter storms"
    )
    wants = {g.question for g in groups if g.question.startswith("What does Eldham ")}
    assert wants and wants <= {f"What does Eldham {v}?" for v in VERB_CLASSES["ask"][1]}
    # a passive "was offered" is not an offer of his
    assert not any("Visser" in g.question for g in groups)


def test_a_sentence_where_the_subject_receives_is_a_negative_first() -> None:
    """ "The county sent its proposals to Alvarez" is about the mayor, not what she asked
    for: with more sentences naming her than a group holds, it is kept among the negatives."""
    names = " ".join(f"Alvarez visited the {w} school on Monday morning." for w in "abcdefgh")
    text = TOWN + " " + names + " The county sent its own proposals to Alvarez last week."
    asked = [g for g in _all_groups(text) if g.question.startswith("What did Mayor Ines Alvarez")]
    assert asked
    for g in asked:
        negatives = [c.passage.text for c in g.candidates if c.label == 0.0]
        assert "The county sent its own proposals to Alvarez last week." in negatives
