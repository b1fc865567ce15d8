"""The compound-question measurement (eval/quality/compound.py): which pairs it builds, how it scores."""

from __future__ import annotations

from eval.quality.compound import Pair, pairs, score
from eval.quality.datasets import Example
from rag.records import Answer, Citation


def _ex(n: int, question: str, support: str, article: str = "a.txt", answerable: bool = True):
    return Example(
        id=str(n),
        question=question,
        answerable=answerable,
        answers=[support.split()[0]],
        support=[support],
        spans=[(article, 10 * n, 10 * n + len(support))],
    )


def test_pairs_join_questions_of_one_article_whose_gold_sentences_differ() -> None:
    exs = [
        _ex(0, "When did the war end?", "Peace came in 1815."),
        _ex(1, "Who signed the treaty?", "Castlereagh signed it."),
        _ex(2, "Who signed it first?", "Castlereagh signed it."),  # same sentence: no pair
        _ex(3, "The capital is?", "Vienna hosted it."),  # opens with no question word
        _ex(4, "Where was it signed?", "Vienna hosted it.", article="b.txt"),
        _ex(5, "What was lost?", "Nothing.", answerable=False),
    ]
    built = pairs(exs, 10, seed=0)
    assert [(p.first.id, p.second.id) for p in built] == [("0", "1")]
    assert built[0].question == "When did the war end, and who signed the treaty?"


def _answer(quotes: list[str], text: str) -> Answer:
    cites = [Citation(i + 1, "d", "s", "t", q, 0, len(q), 1.0) for i, q in enumerate(quotes)]
    return Answer(question="q", text=text, citations=cites, abstained=False)


def test_score_counts_both_one_or_neither_gold_sentence_cited() -> None:
    one = Pair(_ex(0, "When?", "Peace came in 1815."), _ex(1, "Who?", "Castlereagh signed it."))
    answers = [
        _answer(["Peace came in 1815.", "Castlereagh signed it."], "Peace ... Castlereagh"),
        _answer(["Peace came in 1815."], "Peace came in 1815."),
        _answer(["Something else."], "Something else."),
    ]
    got = score(answers, [one, one, one], [0.1, 0.2, 0.3])
    assert got["both_gold_sentences_cited"] == round(1 / 3, 4)
    assert got["one_cited"] == round(1 / 3, 4) and got["neither_cited"] == round(1 / 3, 4)
    assert got["both_answers_held"] == round(1 / 3, 4)
    assert got["citations_per_answer"] == 1.33 and got["latency_p50_ms"] == 200.0
