"""A small news-quiz set on disk: a training week and a held-out one (``eval.quality.splits``)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from eval.quality.splits import news_part


def _day(part: str, after: date = date(2023, 1, 2)) -> str:
    day = after
    while news_part(day.strftime("%Y/%m/%d")) != part:
        day += timedelta(days=7)
    return day.strftime("%Y/%m/%d")


ARTICLE = (
    "The harbour of Porto Velho reopened on Monday after the storm. "
    "Mayor Ana Ortiz said the repairs would cost 4.5 million euros, paid by the region. "
    "Ferries to the islands resume on Friday. "
    "Fishermen in Lisbon said the season was the worst in years. "
    "The council of Braga met to discuss the budget."
)


OTHER = (
    "A festival opened in the old town on Saturday. "
    "The mayor of Braga attended the opening of the new bridge. "
    "Tickets for the concerts sold out within hours."
)


def _news_set(tmp_path: Path) -> Path:
    train_day, held_day = _day("train"), _day("validation")
    y, m, d = (int(x) for x in train_day.split("/"))
    three_days_before = (date(y, m, d) - timedelta(days=3)).isoformat()
    docs = [
        {
            "id": "a1",
            "url": "https://x.test/a1",
            "title": "Harbour",
            "text": ARTICLE,
            "published": three_days_before,
        },
        {"id": "a2", "url": "https://x.test/a2", "title": "Festival", "text": OTHER},
        {"id": "h1", "url": "https://x.test/h1", "title": "Held", "text": ARTICLE + " Held."},
    ]
    questions = [
        {
            "id": "q1",
            "date": train_day,
            "question": "Who is the mayor who said the harbour repairs would cost millions?",
            "answers": ["Ana Ortiz"],
            "choices": ["Ana Ortiz", "Braga"],
            "evidence": "The mayor, Ana Ortiz, announced the repair bill. It was large.",
            "mc_only": False,
            "results": ["a1", "a2"],
            "gold": ["a1"],
            "answerable": True,
        },
        {
            "id": "q2",
            "date": train_day,
            "question": "Which band headlined the festival in the old town?",
            "answers": ["The Waves"],
            "choices": ["The Waves", "Lisbon"],
            "evidence": "",
            "mc_only": False,
            "results": ["a2"],
            "gold": [],
            "answerable": False,
        },
        {
            "id": "q3",
            "date": train_day,
            "question": "True or false: the harbour reopened?",
            "answers": ["TRUE"],
            "choices": ["TRUE", "FALSE"],
            "mc_only": False,
            "results": ["a1"],
            "gold": [],
            "answerable": False,
        },
        {
            "id": "q4",
            "date": held_day,
            "question": "Who is the mayor who said the harbour repairs would cost millions?",
            "answers": ["Ana Ortiz"],
            "choices": [],
            "mc_only": False,
            "results": ["h1"],
            "gold": ["h1"],
            "answerable": True,
        },
    ]
    path = tmp_path / "news-train.json"
    path.write_text(json.dumps({"source": "test", "docs": docs, "questions": questions}))
    return path
