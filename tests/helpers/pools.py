"""Hand-made candidate pools (``eval.quality.pooled.Pooled``) for the what-ifs and calibration."""

from __future__ import annotations

from eval.quality.pooled import Pooled

Q = "How much will the harbour repairs cost?"


def pooled(texts: list[str], gold: list[bool], *, retrieved: bool = True, **kw) -> Pooled:
    return Pooled(
        id=kw.get("id", "q"),
        question=kw.get("question", Q),
        query=kw.get("question", Q),
        answerable=kw.get("answerable", True),
        answers=kw.get("answers", ["4.5 million"]),
        retrieved_gold=retrieved,
        texts=texts,
        befores=[""] * len(texts),
        heuristic=[0.0] * len(texts),
        gold=gold,
        support=gold,
        docs=["d"] * len(texts),
    )


RIGHT = "The harbour repairs will cost 4.5 million euros."


WRONG = "The harbour repairs will cost the town dearly, the harbour master said."


OTHER = "Ferries resume on Friday."
