"""Choosing what a briefing says: page furniture left out, an article's summary, a topic's
facts once each in date order, the day an event happened."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from rag.answer.briefing import Sentence, boilerplate, event_day, summary, timeline, topic
from rag.index.rows import StoredUnit, unit_id


def unit(n: int, dim: int = 16) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[n % dim] = 1.0
    return v


def mixed(*parts: int) -> np.ndarray:
    v = sum(unit(p) for p in parts)
    return (v / np.linalg.norm(v)).astype(np.float32)


def sentence(
    i: int,
    text: str,
    vector: np.ndarray,
    *,
    doc_id: str = "",
    heading: bool = False,
    published: str = "",
    relevance: float = 0.0,
) -> Sentence:
    start = i * 1000
    at = StoredUnit(unit_id(doc_id, i), doc_id, i, start, start + len(text), vector, heading)
    return Sentence(at, text, published, relevance)


#: one example of each kind of page furniture (written for the test, not from an article)
FURNITURE = {
    "heading": "Storm Damage Closes the Harbour for a Whole Week",
    "byline": "By Ana Lopez and Tom Reed",
    "dateline": "LONDON (Reuters) —",
    "credit": "Photo: A ferry leaves the harbour (Getty Images)",
    "related": "Related: How the storm formed over the Atlantic",
    "newsletter": "Sign up for our morning newsletter to get the news in your inbox.",
    "notice": "This story has been updated with new information from the port authority.",
    "time": "Updated 5:02 PM EST, Mon January 1, 2024",
    "fragment": "Here is why.",
    "question": "What happens to the ferries now that the harbour is closed?",
    "teaser": "What to know about the ferry timetable for the coming weeks ...",
}


@pytest.mark.parametrize(("kind", "text"), sorted(FURNITURE.items()))
def test_each_kind_of_page_furniture_is_recognised(kind: str, text: str) -> None:
    assert boilerplate(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "The harbour reopened on Monday after the storm damaged three piers.",
        "Mayor Lena Ortiz said the repairs would cost 4.5 million euros, more than planned.",
        '"We will rebuild the piers by the summer," the mayor told reporters on Tuesday.',
        "Last month the port authority surveyed 1,300 fishermen who subscribe to its alerts.",
    ],
)
def test_story_sentences_are_not_furniture(text: str) -> None:
    assert boilerplate(text) == ""


def test_the_title_and_marked_headings_are_headings() -> None:
    title = "Harbour Reopens After the Storm Damaged Three Piers."
    assert boilerplate(title, title) == "heading"
    assert boilerplate("A sentence long enough to be a story sentence.", heading=True) == "heading"


def story_sentences() -> list[Sentence]:
    texts = [
        ("Harbour Reopens", unit(9)),  # the title
        ("By Ana Lopez", unit(10)),
        ("The harbour reopened on Monday after the storm damaged three piers.", mixed(0, 1)),
        ("The storm damaged three piers and the harbour stayed closed for a week.", mixed(0, 1)),
        ("Mayor Lena Ortiz said the repairs would cost 4.5 million euros in all.", mixed(0, 2)),
        ("Sign up for our newsletter to get the news in your inbox every day.", unit(11)),
        ("Ferries to the islands resume on Friday, the port authority said today.", mixed(0, 3)),
        ("A local bakery sold a record number of cakes during the long weekend.", unit(12)),
        ("Fishermen asked for compensation for the week the harbour was closed.", mixed(0, 4)),
    ]
    return [sentence(i, t, v) for i, (t, v) in enumerate(texts)]


def test_a_summary_is_story_sentences_in_reading_order_without_repeats() -> None:
    chosen = summary(story_sentences(), title="Harbour Reopens", max_sentences=3)
    texts = [s.text for s in chosen]
    assert len(chosen) == 3
    assert [s.unit.index for s in chosen] == sorted(s.unit.index for s in chosen)
    assert texts[0].startswith("The harbour reopened")  # the lead
    assert not any(boilerplate(s.text, "Harbour Reopens") for s in chosen)
    assert not any("bakery" in t for t in texts)  # off the story's subject
    # the second sentence says what the first says (same vector): never both
    assert not ("The harbour reopened" in texts[0] and any("stayed closed" in t for t in texts))


def test_a_summary_keeps_to_its_length() -> None:
    chosen = summary(story_sentences(), max_chars=150)
    assert len(chosen) >= 1 and sum(len(s.text) for s in chosen) <= 150
    assert summary([sentence(0, "By Ana Lopez", unit(0))]) == []


def test_a_summary_tells_the_headline() -> None:
    # lead sentences about one thing, and deep in the story the headline's second fact
    title = "Talks Stall, Yet Sides Agree on Prisoner Exchange"
    lead = [
        sentence(
            i, f"The negotiators met again on day {i} and the talks stalled once more.", mixed(0, i)
        )
        for i in range(8)
    ]
    deep = sentence(8, "Both sides agreed on a prisoner exchange of 300 people each.", mixed(5, 6))
    chosen = summary([*lead, deep], title=title, max_sentences=4)
    assert chosen[-1] is deep and len(chosen) == 4


def test_a_topic_briefing_merges_the_same_fact_and_orders_by_date() -> None:
    same = mixed(1, 2)
    sentences = [
        sentence(
            0,
            "The strike ended on Friday after the union accepted the offer.",
            same,
            doc_id="b",
            published="2024-03-02",
            relevance=0.9,
        ),
        sentence(
            1,
            "Union members accepted the offer and ended the strike on Friday.",
            same,
            doc_id="c",
            published="2024-03-03",
            relevance=0.8,
        ),
        sentence(
            2,
            "The strike began two weeks ago when talks over pay broke down.",
            mixed(3),
            doc_id="a",
            published="2024-02-15",
            relevance=0.7,
        ),
        sentence(
            3,
            "Trains will run on the normal timetable from Monday morning.",
            mixed(4),
            doc_id="c",
            published="2024-03-03",
            relevance=0.6,
        ),
        sentence(
            4,
            "A recipe for apple pie needs six apples and a cup of sugar.",
            mixed(9),
            doc_id="d",
            published="2024-03-04",
            relevance=-0.5,
        ),
    ]
    groups = topic(sentences)
    shown = [g[0].text for g in groups]
    assert len(groups) == 3 and not any("apple" in t for t in shown)  # under the margin
    merged = next(g for g in groups if len(g) > 1)
    assert {s.unit.doc_id for s in merged} == {"b", "c"}  # one fact, both outlets
    days = [g[0].published for g in groups]
    assert days == sorted(days)  # newest last


def test_the_latest_prefers_the_newest_documents() -> None:
    old = [
        sentence(
            i,
            f"An older report on the strike, number {i}, gave the early details.",
            mixed(i),
            doc_id=f"old{i}",
            published="2024-01-0" + str(i + 1),
            relevance=1.0,
        )
        for i in range(3)
    ]
    new = sentence(
        5,
        "The newest report says the strike ended this morning.",
        mixed(7),
        doc_id="new",
        published="2024-03-01",
        relevance=0.7,
    )
    groups = topic([*old, new], latest=True, max_sentences=2)
    assert any(g[0] is new for g in groups) and groups[-1][0] is new


@pytest.mark.parametrize(
    ("text", "published", "day", "stated"),
    [
        (
            "In talks held on May 16, both sides failed to agree.",
            "2025-06-03",
            date(2025, 5, 16),
            True,
        ),
        ("On Dec. 30 the ship sank off the coast.", "2025-01-05", date(2024, 12, 30), True),
        ("The vote on 4 March 2023 was close.", "", date(2023, 3, 4), True),
        ("The minister resigned yesterday.", "2025-01-05", date(2025, 1, 4), False),
        ("The minister resigned.", "2025-01-05", date(2025, 1, 5), False),
    ],
)
def test_the_day_of_an_event(text: str, published: str, day: date, stated: bool) -> None:
    dated = event_day(text, published)
    assert dated is not None and (dated.day, dated.stated) == (day, stated)


def test_an_undated_sentence_of_an_undated_article_has_no_day() -> None:
    assert event_day("The minister resigned.", "") is None
    no_year = event_day("Talks were held on May 16.", "")
    assert no_year is not None and not no_year.year_known and no_year.label() == "May 16"


def test_a_timeline_is_in_date_order_from_its_start() -> None:
    sentences = [
        sentence(
            0,
            "The company announced layoffs on March 3 at its headquarters.",
            mixed(1),
            doc_id="a",
            published="2024-03-10",
            relevance=0.9,
        ),
        sentence(
            1,
            "Workers walked out on February 20 over the new contract terms.",
            mixed(2),
            doc_id="a",
            published="2024-03-10",
            relevance=0.8,
        ),
        sentence(
            2,
            "The union and the company signed a deal, ending the dispute.",
            mixed(3),
            doc_id="b",
            published="2024-04-01",
            relevance=0.7,
        ),
    ]
    events = timeline(sentences)
    assert [e[0].day for e in events] == [date(2024, 2, 20), date(2024, 3, 3), date(2024, 4, 1)]
    assert [e[0].label() for e in events][-1] == "2024-04-01 (published)"
    later = timeline(sentences, since=date(2024, 3, 1))
    assert [e[0].day for e in later] == [date(2024, 3, 3), date(2024, 4, 1)]
