"""Fitting the reader's context weights on pools (``python -m training.context``)."""

from __future__ import annotations

import numpy as np

from rag.reader.context import FEATURES
from training.context import Pool, cross_validated, fit, hits


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
        logits = rng.normal(0, 1, 8) + right * 0.3  # a weak reader
        data.append(Pool(str(n), logits, feats, right, True))
    w = fit(data)
    assert w[lead] > 1.0 and abs(w[FEATURES.index("deep")]) < 1e-9
    before, after = cross_validated(data)
    assert hits(data, np.zeros_like(w)) == before and after > before + 20
