"""What a sentence's place says beside its words: its document's age and where it sits.

A news question is asked on a day ("this week's" quiz, a user's "now"); the sentence that
answers it is usually in a fresh article, near its top, and not a question heading. The
transformer reads the words only, so the reader adds these on the logit scale, with weights
learned on the assistant's own candidate pools (``python -m training.context``; the reader's
``config.json`` ``context_weights``). Ages are relative to the freshest dated passage the
reader was given, so a question over an old archive is not marked down as a whole: the
features rank passages against each other and leave a pool of equals as it was.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .protocol import Passage

#: the features, in order (each 0 or 1)
FEATURES = (
    # its document is this many days older than the freshest dated passage's
    "older_8_30_days",
    "older_31_365_days",
    "older_over_a_year",
    # published more than a day after the day the question was asked
    "after_asked",
    # no date, where another passage has one
    "undated_among_dated",
    # a question (a heading such as "When did Littler start playing darts?")
    "question",
    # within the first 400 characters of its document (the title and lead)
    "lead",
    # more than 3,000 characters in
    "deep",
)
LEAD_CHARS = 400
DEEP_CHARS = 3000


def features(passages: Sequence[Passage]) -> list[list[float]]:
    """One row of :data:`FEATURES` per passage, read against the others."""
    dated = [p.age for p in passages if p.age is not None and p.age >= -1]
    freshest = min(dated) if dated else None
    rows = []
    for p in passages:
        older = p.age - freshest if p.age is not None and freshest is not None else None
        if older is not None and p.age is not None and p.age < -1:
            older = None
        rows.append(
            [
                float(older is not None and 8 <= older <= 30),
                float(older is not None and 30 < older <= 365),
                float(older is not None and older > 365),
                float(p.age is not None and p.age < -1),
                float(p.age is None and freshest is not None),
                float(p.text.rstrip().endswith("?")),
                float(p.offset is not None and p.offset < LEAD_CHARS),
                float(p.offset is not None and p.offset > DEEP_CHARS),
            ]
        )
    return rows


def adjust(
    confidences: Sequence[float], passages: Sequence[Passage], weights: Mapping[str, float]
) -> list[float]:
    """The confidences with the weighted features added on the logit scale (unchanged
    where no passage carries an age or an offset)."""
    if not weights or not any(p.age is not None or p.offset is not None for p in passages):
        return list(confidences)
    w = [float(weights.get(name, 0.0)) for name in FEATURES]
    out = []
    for c, row in zip(confidences, features(passages), strict=True):
        p = min(max(c, 1e-6), 1 - 1e-6)
        z = math.log(p / (1 - p)) + sum(a * b for a, b in zip(w, row, strict=True))
        out.append(1 / (1 + math.exp(-z)))
    return out


#: a reader trained with ``age_words`` reads each passage's age as words after its context
#: sentence (``Encoder.context``): the age in the buckets below, "" when undated
AGE_PHRASES = (
    "published after the question",
    "published that day",
    "published that week",
    "published weeks before",
    "published months before",
    "published years before",
)


def age_bucket(age: int | None) -> int | None:
    """The index in :data:`AGE_PHRASES` of a passage's age (None undated)."""
    if age is None:
        return None
    if age < -1:
        return 0
    for n, limit in enumerate((1, 7, 31, 365), 1):
        if age <= limit:
            return n
    return 5


def age_phrase(age: int | None) -> str:
    """The words a reader with ``age_words`` reads for a passage's age ("" undated)."""
    bucket = age_bucket(age)
    return "" if bucket is None else AGE_PHRASES[bucket]
