"""The reader's training data: news-quiz groups (distant supervision), evidence groups,
TrecQA groups and metrics, the week split, pool labels and the groups made from pools."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.news import OTHER, _day, _news_set

from eval.quality.pooled import Pooled, answer_pattern, label
from eval.quality.splits import news_part
from training.evaluation import ranking_metrics
from training.news import evidence_groups, news_groups, usable
from training.pools import pool_groups
from training.trecqa import detokenize, trecqa_groups


def test_the_week_split_holds_whole_weeks_out() -> None:
    held = _day("validation")
    y, m, d = (int(x) for x in held.split("/"))
    monday = date(y, m, d) - timedelta(days=date(y, m, d).weekday())
    week = {(monday + timedelta(days=i)).strftime("%Y/%m/%d") for i in range(7)}
    assert {news_part(day) for day in week} == {"validation"}
    days = [(date(2023, 1, 2) + timedelta(days=7 * i)).strftime("%Y/%m/%d") for i in range(120)]
    share = sum(news_part(x) == "validation" for x in days) / len(days)
    assert 0.08 < share < 0.3


def test_news_groups_use_distant_supervision(tmp_path: Path) -> None:
    raw = json.loads(_news_set(tmp_path).read_text())
    train, validation = news_groups(raw, None, random.Random(0), limit=None)
    by_q = {g.question: g for g in train}
    group = by_q["Who is the mayor who said the harbour repairs would cost millions?"]
    positives = [c for c in group.candidates if c.label == 1.0]
    negatives = [c for c in group.candidates if c.label == 0.0]
    assert group.answerable and len(positives) == 2  # the gold article's and the evidence's
    for c in positives:
        assert c.span is not None and c.passage.text[c.span[0] : c.span[1]] == "Ana Ortiz"
    assert negatives and all("Ortiz" not in c.passage.text for c in negatives)
    # a sentence naming a wrong choice is a hard negative
    assert any("Braga" in c.passage.text for c in negatives)
    # each candidate carries its article's age as of the quiz's day (a2 is undated); the
    # evidence (no article) is dated as the freshest gold article
    for c in group.candidates:
        assert c.passage.age == (None if c.passage.text in OTHER else 3), c.passage.text
    # a question whose results hold no answer teaches abstention: negatives only
    festival = by_q["Which band headlined the festival in the old town?"]
    assert not festival.answerable and all(c.label == 0.0 for c in festival.candidates)
    assert all(c.passage.age is None for c in festival.candidates)  # an undated article
    # true/false questions are left out; the held-out week is validation, not training
    assert not any(g.question.startswith("True or false") for g in train)
    assert [g.source for g in validation] == ["news-validation"]
    assert all("Held." not in c.passage.text for g in train for c in g.candidates)


def test_usable_leaves_out_multiple_choice_only_and_true_false() -> None:
    assert usable({"answers": ["Ana Ortiz"], "mc_only": False})
    assert not usable({"answers": ["Ana Ortiz"], "mc_only": True})
    assert not usable({"answers": ["FALSE"]})
    assert not usable({"answers": []})


def test_answers_match_as_whole_words() -> None:
    pattern = answer_pattern(["Bills", "U.S."])
    assert pattern is not None
    assert pattern.search("The Bills won.") and pattern.search("the U.S. said")
    assert not pattern.search("Billsborough won") and answer_pattern([" "]) is None


def test_evidence_groups_take_other_weeks_as_negatives(tmp_path: Path) -> None:
    rows = [
        {
            "id": "e1",
            "question": "Which country's embassy was attacked by protesters?",
            "answers": ["Iraq"],
            "choices": ["Iraq", "Iran"],
            "evidence": "Protesters stormed the US embassy in Baghdad. They attacked it in Iraq.",
        },
        {
            "id": "e2",
            "question": "Which singer topped the chart?",
            "answers": ["Mariah Carey"],
            "evidence": "Mariah Carey topped the chart again. The embassy protesters went home.",
        },
    ]
    path = tmp_path / "ev.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    groups = evidence_groups(path, None, random.Random(0), limit=None)
    first = groups[0]
    assert first.candidates[0].label == 1.0
    assert "Iraq" in first.candidates[0].passage.text
    assert any("protesters went home" in c.passage.text for c in first.candidates[1:])
    assert all("Iraq" not in c.passage.text for c in first.candidates[1:])


def test_trecqa_is_read_as_text_and_scored_as_published(tmp_path: Path) -> None:
    assert detokenize("the IRON LADY -LRB- 1989 -RRB- , by `` Hugo '' Young .") == (
        'The IRON LADY (1989), by "Hugo" Young.'
    )
    rows = [
        {"qid": "1", "question": "who wrote it ?", "sentence": s, "label": lab, "answer": "Hugo"}
        for s, lab in [("hugo wrote it .", 1), ("it rained .", 0), ("hugo slept .", 0)]
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (group,) = trecqa_groups(path, full=True, limit=None)
    assert group.question == "Who wrote it?" and group.candidates[0].label == 1.0
    perfect = ranking_metrics([group], [(np.array([3.0, 1.0, 2.0]), [None] * 3)])
    assert perfect == {"questions": 1, "map": 1.0, "mrr": 1.0}
    last = ranking_metrics([group], [(np.array([0.0, 2.0, 1.0]), [None] * 3)])
    assert last["map"] == pytest.approx(1 / 3, abs=1e-4) and last["mrr"] == pytest.approx(
        1 / 3, abs=1e-4
    )


def _pool(texts: list[str], answers: list[str], **kw) -> Pooled:
    return Pooled(
        id="p1",
        question=kw.pop("question", "Who is the mayor who said the harbour repairs cost millions?"),
        query=kw.pop("query", "Who is the mayor who said the harbour repairs cost millions?"),
        answerable=kw.pop("answerable", True),
        answers=answers,
        retrieved_gold=True,
        texts=texts,
        befores=kw.pop("befores", [""] * len(texts)),
        heuristic=[1.0 - i / 100 for i in range(len(texts))],
        gold=[False] * len(texts),
        support=[False] * len(texts),
        docs=["d"] * len(texts),
    )


def test_pool_labels_the_answer_next_to_the_question_and_leaves_out_the_unclear() -> None:
    row = _pool(
        [
            "Mayor Ana Ortiz said the harbour repairs would cost 4.5 million euros.",  # positive
            "Ortiz has been in office since 2019.",  # an answer word only: unclear
            "Ana Ortiz was born in Faro.",  # the answer, far from the question: unclear
            "Ferries to the islands resume on Friday.",  # negative
            "He said the harbour repairs cost millions.",  # the answer in the sentence before
        ],
        ["Ana Ortiz"],
        befores=["", "", "", "", "Ana Ortiz spoke on Monday."],
    )
    assert label(row) == [1.0, None, None, 0.0, 0.0]
    (group,) = pool_groups([row])
    assert [c.label for c in group.candidates] == [1.0, 0.0, 0.0]
    first = group.candidates[0]
    assert first.span is not None and first.passage.text[slice(*first.span)] == "Ana Ortiz"
    assert group.question == row.query and group.answerable


def test_pool_groups_read_only_what_the_product_reads_and_abstain_when_clean() -> None:
    filler = [f"The council met on day {n} to discuss the budget." for n in range(20)]
    late = "Mayor Ana Ortiz said the harbour repairs cost millions."
    (group,) = pool_groups([_pool([*filler, late], ["Ana Ortiz"])], read=16)
    # negatives from the first 16 only, the positive wherever it was pooled
    assert len(group.candidates) == 17 and group.candidates[-1].label == 1.0
    (abstain,) = pool_groups([_pool(filler[:5], ["Ana Ortiz"], answerable=False)])
    assert not abstain.answerable and all(c.label == 0.0 for c in abstain.candidates)
    # an answer word somewhere and no positive: no group rather than a guess
    assert pool_groups([_pool([*filler[:3], "Ortiz declined to comment."], ["Ana Ortiz"])]) == []
    # all positive: nothing to tell apart
    assert pool_groups([_pool([late], ["Ana Ortiz"])]) == []


def test_role_negatives_name_the_questions_subject_and_offer_another_answer() -> None:
    from training.data import role_first, role_negative

    who = "Who will direct Star Trek 4?"
    assert role_negative(who, ["Noah Hawley"], "J.J. Abrams will produce Star Trek 4.")
    assert not role_negative(who, ["Noah Hawley"], "Star Trek 4 has been in development.")
    assert not role_negative(who, ["Noah Hawley"], "J.J. Abrams directed a spy film.")
    many = "How many bodies will Russia return?"
    assert role_negative(many, ["6,000"], "Russia returned 1,200 prisoners last week.")
    assert not role_negative(many, ["6,000"], "Russia said the talks went well.")
    # an answer that is neither a name nor a number has no kind to match
    assert not role_negative("What did Russia offer?", ["a ceasefire"], "Russia met Ukraine.")
    why = "Why were the Indians deported from Texas?"
    assert role_negative(
        why, ["overstayed visas"], "The Indians were flown out of Texas on Friday."
    )
    assert not role_negative(why, ["overstayed visas"], "Texas deported them because of visas.")
    texts = [
        "Star Trek 4 is coming.",
        "J.J. Abrams will produce Star Trek 4.",
        "Filming starts soon.",
    ]
    assert role_first(who, ["Noah Hawley"], [0, 1, 2], texts) == [1, 0, 2]
