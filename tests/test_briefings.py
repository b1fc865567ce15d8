"""Briefings through the assistant: a summary of the article at hand, the latest on a topic
(the same fact from two outlets once, dates in order), a timeline, and the document a
summary is of (the only one, the one asked about before, the one named, or a question
back)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import STORY

#: three outlets on one strike (written for the test); two tell the ending in one sentence
STRIKE = [
    {
        "title": "Rail workers walk out over pay",
        "url": "https://first.example/2024/03/01/strike",
        "published": "2024-03-01",
        "site": "First Post",
        "text": "Rail workers began a strike on Friday after pay talks with the rail company "
        "broke down. Trains across the region stopped running in the morning. The union "
        "said its members would stay out until the company raised its offer.",
    },
    {
        "title": "Rail strike ends after new offer",
        "url": "https://second.example/2024/03/09/strike-ends",
        "published": "2024-03-09",
        "site": "Second Daily",
        "text": "The rail strike ended on Saturday when union members accepted a new pay "
        "offer from the rail company. Trains will run on the normal timetable from Monday "
        "morning. The company said the deal raises pay by five percent over two years.",
    },
    {
        "title": "Union accepts rail pay deal",
        "url": "https://third.example/2024/03/10/deal",
        "published": "2024-03-10",
        "site": "Third Times",
        "text": "The rail strike ended on Saturday when union members accepted a new pay "
        "offer from the rail company. Commuters said they were relieved to see the trains "
        "back. A baker near the station sold more bread than ever that week.",
    },
]


def news(tmp_path: Path) -> Path:
    path = tmp_path / "strike.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in STRIKE))
    return path


def exact(assistant, answer) -> None:
    assert answer.citations
    for c in answer.citations:
        assert assistant.document_text(c.doc_id)[c.start : c.end] == c.quote


def test_the_only_article_is_summarized(make_assistant, tmp_path: Path) -> None:
    (tmp_path / "harbour.txt").write_text(STORY)
    assistant = make_assistant()
    assistant.ingest([tmp_path / "harbour.txt"])
    answer = assistant.ask("Summarize the article.")
    assert answer.kind == "summary" and not answer.abstained
    assert answer.text.startswith("Summary of \u201cHarbour Reopens After Storm\u201d")
    exact(assistant, answer)
    assert 3 <= len(answer.citations) <= 5
    quotes = [c.quote for c in answer.citations]
    assert "Harbour Reopens After Storm" not in quotes  # the title is no summary sentence
    assert quotes[0].startswith("The city harbour reopened")  # the lead, in reading order
    assert answer.to_dict()["kind"] == "summary"


def test_the_latest_merges_one_fact_from_two_outlets_and_orders_by_date(
    make_assistant, tmp_path: Path
) -> None:
    assistant = make_assistant()
    assistant.ingest([news(tmp_path)])
    answer = assistant.ask("What's the latest on the rail strike?", asked_on="2024-03-12")
    assert answer.kind == "latest" and not answer.abstained
    exact(assistant, answer)
    assert answer.text.startswith("The latest on the rail strike (")
    assert "2024-03-01 to 2024-03-10" in answer.text.splitlines()[0]
    ended = [c for c in answer.citations if c.quote.startswith("The rail strike ended")]
    assert {c.site for c in ended} == {"Second Daily", "Third Times"}  # both cited ...
    assert answer.text.count("The rail strike ended") == 1  # ... for one sentence
    # each sentence shown (the first of its markers) in date order, newest last
    shown = [int(m) for m in re.findall(r"(?<!\] )\[(\d+)\]", answer.text)]
    days = [answer.citations[n - 1].published for n in shown]
    assert len(shown) >= 2 and days == sorted(days)
    assert not any("baker" in c.quote for c in answer.citations)


def test_a_briefing_holds_nothing_published_after_the_day_asked(
    make_assistant, tmp_path: Path
) -> None:
    assistant = make_assistant()
    assistant.ingest([news(tmp_path)])
    answer = assistant.ask("What's the latest on the rail strike?", asked_on="2024-03-05")
    assert {c.published for c in answer.citations} == {"2024-03-01"}


def test_a_timeline_lists_dated_events_in_order(make_assistant, tmp_path: Path) -> None:
    assistant = make_assistant()
    assistant.ingest([news(tmp_path)])
    answer = assistant.ask("Timeline of the rail strike", asked_on="2024-03-12")
    assert answer.kind == "timeline" and not answer.abstained
    exact(assistant, answer)
    lines = answer.text.splitlines()
    assert lines[0].startswith("Timeline of the rail strike")
    days = [line.split(":")[0].split(" ")[0] for line in lines[1:]]
    assert days == sorted(days) and days[0] == "2024-03-01"
    since = assistant.ask(
        "What happened since March 5?",
        [("Tell me about the rail strike", "")],
        asked_on="2024-03-12",
    )
    assert since.kind == "timeline" and all(c.published >= "2024-03-05" for c in since.citations)
    # "What happened next?": a timeline of what the conversation was about, from the day
    # of the article the answer before quoted
    asked = "How did the rail strike end after the union accepted the offer?"
    ended = assistant.ask(asked, asked_on="2024-03-12")
    assert ended.citations[0].quote.startswith("The rail strike ended")  # 03-09 and 03-10
    after = assistant.ask("What happened next?", [(asked, ended.text)], asked_on="2024-03-12")
    assert after.kind == "timeline" and after.text.startswith(f"Timeline of \u201c{asked}\u201d")
    assert after.citations and all(c.published >= "2024-03-09" for c in after.citations)
    plain = assistant.ask("What happened next?", [(asked, "")], asked_on="2024-03-12")
    assert "2024-03-01" in {c.published for c in plain.citations}  # no answer quoted: no start


def test_which_article_a_summary_is_of(make_assistant, tmp_path: Path) -> None:
    assistant = make_assistant()
    assistant.ingest([news(tmp_path)])
    asked = assistant.ask("Summarize the article.")  # three articles, none at hand
    assert asked.abstained and "Which document" in asked.text and "3 documents" in asked.text
    named = assistant.ask("Summarize the union accepts rail pay deal article")
    assert named.kind == "summary" and "Union accepts rail pay deal" in named.text
    assert {c.site for c in named.citations} == {"Third Times"}
    one = assistant.ask("Summarize it", source="https://first.example/2024/03/01/strike")
    assert {c.site for c in one.citations} == {"First Post"}
    # "it" after an answer: the article that answer quoted
    first = assistant.ask("When did the rail workers begin a strike?")
    after = assistant.ask(
        "Summarize it", [("When did the rail workers begin a strike?", first.text)]
    )
    assert {c.doc_id for c in after.citations} == {first.citations[0].doc_id}


@pytest.mark.parametrize("question", ["Summarize the article.", "What's the latest on trains?"])
def test_an_empty_index_briefs_on_nothing(make_assistant, question: str) -> None:
    answer = make_assistant().ask(question)
    assert answer.abstained and not answer.citations


def flood(tmp_path: Path, second: str) -> Path:
    rows = [
        {
            "title": "Flood in the valley",
            "url": "https://first.example/2024/05/02/flood",
            "published": "2024-05-02",
            "site": "First Post",
            "text": "In the flood 120 people died on Monday, officials said.",
        },
        {
            "title": "Valley counts its dead",
            "url": "https://second.example/2024/05/03/flood",
            "published": "2024-05-03",
            "site": "Second Daily",
            "text": second,
        },
    ]
    path = tmp_path / "flood.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    return path


def test_sources_that_give_different_numbers_are_shown_side_by_side(
    make_assistant, tmp_path: Path
) -> None:
    from helpers import FakeReader

    assistant = make_assistant(reader=FakeReader())
    assistant.ingest([flood(tmp_path, "In the flood 95 people died, the mayor said on Tuesday.")])
    answer = assistant.ask("How many people died in the flood?")
    assert answer.kind == "disagreement" and not answer.abstained
    exact(assistant, answer)
    lines = answer.text.splitlines()
    assert lines[0] == "The sources differ:"
    assert {line.split(":")[0] for line in lines[1:]} == {
        "First Post · 2024-05-02",
        "Second Daily · 2024-05-03",
    }
    assert any("120" in line for line in lines) and any("95" in line for line in lines)
    assert answer.short_answer is None and answer.to_dict()["kind"] == "disagreement"


def test_sources_that_agree_are_one_answer(make_assistant, tmp_path: Path) -> None:
    from helpers import FakeReader

    assistant = make_assistant(reader=FakeReader())
    assistant.ingest([flood(tmp_path, "In the flood 120 people died, the mayor said on Tuesday.")])
    answer = assistant.ask("How many people died in the flood?")
    assert answer.kind == "answer" and answer.short_answer is not None
    assert answer.short_answer.text == "120"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("6,000", "5,000", True),
        ("6,000", "6000 bodies", False),
        ("Abrams", "Hawley", True),
        ("Putin", "Vladimir Putin", False),
        ("30 days", "Vilnius", False),  # an amount and a name are not compared
        ("two", "twice", False),  # neither a figure nor a name
        ("NYC", "New York", False),  # an acronym of the other
        ("U.S.", "United States", False),
    ],
)
def test_which_short_answers_differ(a: str, b: str, expected: bool) -> None:
    from rag.answer.disagree import differ

    assert differ(a, b) is expected


def test_reports_a_week_apart_are_two_events_not_a_disagreement(
    make_assistant, tmp_path: Path
) -> None:
    from helpers import FakeReader

    assistant = make_assistant(reader=FakeReader())
    rows = [json.loads(line) for line in flood(tmp_path, "x").read_text().splitlines()]
    rows[1] |= {
        "published": "2024-05-12",
        "url": "https://second.example/2024/05/12/flood",
        "text": "In the flood 95 people died, the mayor said on Tuesday.",
    }
    (tmp_path / "later.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    assistant.ingest([tmp_path / "later.jsonl"])
    answer = assistant.ask("How many people died in the flood?")
    assert answer.kind == "answer" and len(answer.citations) >= 1
