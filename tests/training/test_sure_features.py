"""The sure-answer feature spike (training/sure_features.py): its precision-at-coverage
measure, which the figures in docs/evaluation.md come from."""

from __future__ import annotations

import numpy as np

from training.sure_features import COVERAGES, precision_at


def test_precision_counts_the_surest_questions_at_each_share_of_the_answerable() -> None:
    # 10 answerable questions: 1 at 10%, 2 at 20% ... 5 at 50%
    surety = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    right = np.array([True, False, True, True, False, True, True, True, True, True])
    answerable = np.ones(10, dtype=bool)
    assert COVERAGES == (0.1, 0.2, 0.3, 0.4, 0.5)
    assert precision_at(surety, right, answerable) == [1.0, 0.5, 2 / 3, 0.75, 0.6]
    # what is surest counts first, whatever order the rows come in
    shuffled = np.array([4, 0, 9, 2, 7, 1, 3, 5, 8, 6])
    assert precision_at(surety[shuffled], right[shuffled], answerable) == [
        1.0,
        0.5,
        2 / 3,
        0.75,
        0.6,
    ]
