"""Which questions of the shared data sets the reader trains on, and which are held out.

One definition, used by ``rag train-reader`` and by ``rag eval --part``:

- ``squad2-train-part.json``: train.
- ``squad2-dev-a.json``: articles 0-3 train, article 4 validation (calibration, threshold),
  articles 5-7 test.
- ClapNQ dev-a (both files): a hash of the question id puts half in train, half in test.
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
