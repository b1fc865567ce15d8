"""Fitting the reader's context weights on pools (``python -m training.context``)."""

from __future__ import annotations

import numpy as np

from rag.reader.context import FEATURES
from training.context import Pool, another_weeks_event, cross_validated, fit, hits


def test_fitting_learns_what_the_pools_reward() -> None:
    rng = np.random.default_rng(0)
    lead = FEATURES.index("lead")
    data = []
    for n in range(120):
        feats = np.zeros((8, len(FEATURES)))
        right = np.zeros(8, dtype=bool)
        right[rng.integers(8)] = True
        feats[right, lead] = 1.0  # the right one is in the lead ...
        feats[rng.integers(8), lead] = 1.0  # ... as is, sometimes, another
        feats[rng.integers(8), FEATURES.index("deep")] = 1.0  # noise: right or not alike
        logits = rng.normal(0, 1, 8) + right * 0.3  # a weak reader
        data.append(Pool(str(n), logits, feats, right, True, np.full(8, np.nan)))
    w = fit(data)
    assert w[lead] > 1.0 and abs(w[FEATURES.index("deep")]) < 0.5
    before, after = cross_validated(data)
    assert hits(data, np.zeros_like(w)) == before and after > before + 20


def test_another_weeks_event_errors_are_counted_as_the_weights_rank() -> None:
    old = FEATURES.index("older_over_a_year")
    feats = np.zeros((2, len(FEATURES)))
    feats[0, old] = 1.0
    # the reader prefers a year-old article's sentence; the right one is from this week
    stale = Pool(
        "q", np.array([2.0, 1.0]), feats, np.array([False, True]), False, np.array([400.0, 3.0])
    )
    # wrong, but both of this week: not another week's event
    fresh = Pool(
        "r", np.array([2.0, 1.0]), feats * 0, np.array([False, True]), False, np.array([2.0, 3.0])
    )
    zero = np.zeros(len(FEATURES))
    assert another_weeks_event([stale, fresh], zero) == 1
    w = zero.copy()
    w[old] = -2.0
    assert another_weeks_event([stale, fresh], w) == 0
