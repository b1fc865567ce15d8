"""The answering threshold ``rag train-reader`` sets (``training/calibration.py``): on pools
of the news validation weeks, labelled by their own answers (fake reader, hand-made pools)."""

from __future__ import annotations

from helpers import FakeReader
from helpers.pools import OTHER, RIGHT, pooled

from training.calibration import MOST_FALSE, pool_threshold


def test_the_answering_threshold_is_set_on_pools_by_their_own_answers() -> None:
    answered = [
        pooled([RIGHT, OTHER], [True, False], id=f"a{n}", answerable=n % 2 == 0) for n in range(12)
    ]
    # no answer word anywhere pooled: these count as unanswerable, whatever the quiz says
    clean = [
        pooled([OTHER, "The harbour reopened on Monday."], [False, False], id=f"u{n}")
        for n in range(6)
    ]
    # an answer word without the answer: neither (left out)
    unclear = [pooled(["It cost millions, the council said."], [False], id="x")]
    chosen = pool_threshold(FakeReader(), answered + clean + unclear)
    assert (chosen["answerable"], chosen["unanswerable"]) == (12, 6)
    # the fake reader scores RIGHT 0.8 (4 of the question's 5 long words), clean pools <= 0.4
    assert chosen["threshold"] == 0.8
    row = next(r for r in chosen["rows"] if r["threshold"] == 0.5)
    assert row == {"threshold": 0.5, "false_abstention": 0.0, "unanswerable_abstained": 1.0}
    assert all(r["false_abstention"] > MOST_FALSE for r in chosen["rows"] if r["threshold"] > 0.8)
    # too few answerable questions to set it by: None (the reader keeps its own)
    assert pool_threshold(FakeReader(), answered[:5] + clean)["threshold"] is None
