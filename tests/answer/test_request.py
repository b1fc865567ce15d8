"""What is asked: a question, or a request for a summary, the latest or a timeline."""

from __future__ import annotations

import pytest

from rag.answer.request import QUESTION, Request, request_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Summarize the article.", Request("summary", "", "document")),
        ("Summarize it", Request("summary", "", "document")),
        ("can you summarise this story please?", Request("summary", "", "document")),
        ("TL;DR", Request("summary", "", "document")),
        ("What is this article about?", Request("summary", "", "document")),
        ("What are the main points?", Request("summary", "", "document")),
        ("Summarize everything", Request("summary", "", "all")),
        ("Give me a summary of the news", Request("summary", "", "all")),
        (
            "Summarize the news about the peace talks",
            Request("summary", "the peace talks", "topic"),
        ),
        ("Summary of the Gaza talks", Request("summary", "the Gaza talks", "topic")),
        ("What's the latest on the peace talks?", Request("latest", "the peace talks", "topic")),
        ("Any news on Gaza?", Request("latest", "Gaza", "topic")),
        ("What is new with Apple?", Request("latest", "Apple", "topic")),
        ("What's the latest?", Request("latest", "", "all")),
        ("Timeline of the strike", Request("timeline", "the strike", "topic")),
        ("How did the talks unfold?", Request("timeline", "the talks", "topic")),
        ("What happened next?", Request("timeline", "", "topic")),
        ("What happened since May?", Request("timeline", "", "topic", since="May")),
    ],
)
def test_briefing_requests_are_recognised(text: str, expected: Request) -> None:
    assert request_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "What did Russia offer?",
        "Who summarized the report?",
        "What is the summary judgment?",
        "What is the latest iPhone?",
        "What happened in May?",
        "How long should the ceasefire last?",
    ],
)
def test_questions_stay_questions(text: str) -> None:
    assert request_of(text) is QUESTION or request_of(text) == QUESTION
