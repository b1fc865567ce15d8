"""What the tests share: the checkout's paths, a short news story, a deterministic fake
embedder and reader, and local servers (``eval.speed.servers``). The modules beside it hold
the rest: ``cli`` (`rag` in a new process), ``pages`` (a news page), ``pdfs``, ``llms``
(scripted chat models), ``browser`` (Chromium), ``web`` (a local web site), ``news`` (a
news-quiz set), ``pools`` (hand-made candidate pools)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eval.speed.servers import free_port, running

__all__ = [
    "ROOT",
    "SEEDS",
    "STORY",
    "VOLCANO",
    "FakeEmbedder",
    "FakeReader",
    "clear_chroma",
    "free_port",
    "running",
]


ROOT = Path(__file__).resolve().parents[2]


SEEDS = ROOT / "seeds"


_TOKEN = re.compile(r"\S+")


#: A short news story the fast tests ingest (one title, two paragraphs).
STORY = (
    "Harbour Reopens After Storm\n\n"
    "The city harbour reopened on Monday after the storm damaged three piers. "
    "Mayor Lena Ortiz said repairs would cost 4.5 million euros. "
    "She also announced that ferries to the islands resume on Friday.\n\n"
    "Fishermen welcomed the decision but asked for compensation. "
    "The port authority promised an answer by the end of May."
)


#: A second, unrelated note (the tests that need two documents).
VOLCANO = "Volcano Quiet\n\nThe volcano has been quiet for six weeks. Scientists keep watching the crater."


class FakeEmbedder:
    """Words hashed into 64 buckets: texts sharing words are close. A token is a word."""

    name = "fake-hash-64"
    dim = 64

    def __init__(self, max_tokens: int = 254) -> None:
        self.max_tokens = max_tokens
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[row, 0] += 0.01  # never a zero vector
            out[row] /= np.linalg.norm(out[row])
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_TOKEN.findall(t)) for t in texts]

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _TOKEN.finditer(text)]


class FakeReader:
    """A deterministic reader: a sentence answers as far as it holds the question's words;
    the short answer is its first capitalised word (or number) the question lacks."""

    name = "fake-reader"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.calls: list[tuple[str, int]] = []

    def read(self, question: str, passages: Sequence[object]) -> list:
        from rag.reader import Reading

        self.calls.append((question, len(passages)))
        asked = {w for w in re.findall(r"\w+", question.lower()) if len(w) > 3}
        out = []
        for p in passages:
            text = p.text  # type: ignore[attr-defined]
            words = {w for w in re.findall(r"\w+", text.lower())}
            score = len(asked & words) / len(asked) if asked else 0.0
            span = None
            for m in re.finditer(r"\b(?:[A-Z][a-z]+|\d[\d.,]*)\b", text):
                if m.start() > 0 and m.group().lower() not in asked:
                    span = m.span()
                    break
            out.append(Reading(score, span))
        return out


def clear_chroma() -> None:
    """Forget the Chroma clients this process opened (a test reopens a folder anew)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
