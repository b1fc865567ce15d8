"""Which questions of the shared data sets the reader trains on, and which are held out.

One definition, used by ``rag train-reader`` and by ``rag eval --part``:

- ``squad2-train-part.json``: train.
- ``squad2-dev-a.json``: articles 0-3 train, article 4 validation (calibration, threshold),
  articles 5-7 test.
- ClapNQ dev-a (both files): a hash of the question id puts half in train, half in test.
- ``news-train.json``: whole weeks by a hash of the quiz date's ISO week: about one week
  in six is validation (calibration, the answering threshold, recipe choices), the rest
  train; a training question never reads an article a validation question was given.
- ``news-evidence-2020-2021.jsonl``, ``squad11-train.json``, ``trecqa-train.jsonl``,
  ``qed-dev.jsonl``: train.
- ``trecqa-dev.jsonl``: test (the reader alone, MAP/MRR as published).
- ``news-2024.json``: never trained on (all test).
"""

from __future__ import annotations

import hashlib

PARTS = ("all", "train", "validation", "test")
SQUAD_DEV_PARTS = {"train": range(0, 4), "validation": range(4, 5), "test": range(5, 8)}


def squad_dev_part(article: int) -> str:
    return next(part for part, r in SQUAD_DEV_PARTS.items() if article in r)


def clapnq_part(question_id: str) -> str:
    """ClapNQ's split: decided by a hash of the question id."""
    return "test" if hashlib.sha256(question_id.encode()).digest()[0] % 2 == 1 else "train"


def news_part(day: str) -> str:
    """A news quiz's split by its date (``YYYY/MM/DD``): whole ISO weeks, by a hash."""
    from datetime import date

    y, m, d = (int(x) for x in day.replace("-", "/").split("/")[:3])
    year, week, _ = date(y, m, d).isocalendar()
    digest = hashlib.sha256(f"{year}-W{week:02d}".encode()).digest()[0]
    return "validation" if digest % 6 == 0 else "train"


def quiz_day(value: object) -> str:
    """A news quiz's date (``2024/01/05``) as ISO ``YYYY-MM-DD``; "" when it is not one."""
    from rag.dates import iso_date

    return iso_date(str(value or "").replace("/", "-")) or ""
