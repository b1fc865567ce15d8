"""The reader's protocol and records, free of torch.

:func:`load_reader` imports the network (``network.py``) on first use. The weights ship in
``rag/reader/model/`` with their ``MODEL_CARD.md``; ``rag train-reader`` (the source checkout's
``training/trainer.py``) makes them.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..errors import ConfigError

log = logging.getLogger(__name__)

#: The shipped model: weights, config and model card.
READER_DIR = Path(__file__).resolve().parent / "model"


@dataclass(frozen=True, slots=True)
class Passage:
    """A candidate answer sentence, with the sentence before it as context (for "He also...")."""

    text: str
    before: str = ""
    #: the assistant's cheap score of the passage (cosine + word overlap), when it has one:
    #: a reader with a ``heuristic_weight`` then returns the two fused (:func:`fuse`)
    heuristic: float | None = None
    #: days from its document's published date to the day the question was asked (None:
    #: undated, or no day asked) and its character offset in its document (None: unknown);
    #: a reader with ``context_weights`` weighs them (:mod:`rag.reader.context`)
    age: int | None = None
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader found in one passage.

    ``score``: probability that the sentence answers the question (calibrated on held-out
    data). ``span``: (start, end) character offsets into ``Passage.text`` of the short answer,
    or None when the reader prefers "no answer here".
    """

    score: float
    span: tuple[int, int] | None = None


@runtime_checkable
class Reader(Protocol):
    """Reads (question, passage) pairs."""

    name: str
    #: The answerability threshold chosen on held-out data (below it: abstain). It applies
    #: to what ``read`` returns for passages that carry the heuristic score (fused with it
    #: when the reader has a ``heuristic_weight``: :func:`fuse`).
    threshold: float

    def read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        """One :class:`Reading` per passage, in order."""
        ...


def fuse(probability: float, heuristic: float, weight: float) -> float:
    """The reader's probability with the heuristic score added on the logit scale (on the
    validation part, weight 2 chose the right sentence for 90.6% of answerable questions
    instead of 87.7%, and separated unanswerable ones better: AUC 0.706 instead of 0.670)."""
    if weight == 0.0:
        return probability
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return 1 / (1 + math.exp(-(math.log(p / (1 - p)) + weight * heuristic)))


def reader_config(folder: Path = READER_DIR) -> dict[str, Any]:
    """The shipped model's ``config.json`` (threshold, lengths, training record)."""
    path = folder / "config.json"
    if not path.is_file():
        raise ConfigError(f"no reader model in {folder} (run `rag train-reader`)")
    try:
        config: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    return config


_LOADED: dict[Path, Reader] = {}
_LOAD_LOCK = threading.Lock()


def load_reader(folder: Path | str | None = None) -> Reader:
    """The trained reader in ``folder`` (default: the shipped one), loaded once per process."""
    path = Path(folder).resolve() if folder is not None else READER_DIR
    with _LOAD_LOCK:
        reader = _LOADED.get(path)
        if reader is None:
            from .network import TransformerReader

            reader = TransformerReader(path)
            _LOADED[path] = reader
        return reader
