"""BM25 keyword search over the chunks (bm25s), rebuilt whenever the store's revision moves."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..records import DocumentInfo

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also said says say tell me please know give many much whose
    """.split()
)

_WORD = re.compile(r"\w+(?:[.,']\w+)*", re.UNICODE)
_SUFFIXES = (
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "edly",
    "ied",
    "ies",
    "ed",
    "es",
    "s",
)


def stem(word: str) -> str:
    """A light suffix stripper: 'exchanges' → 'exchang', 'exchanged' → 'exchang'."""
    if word.isdigit() or len(word) <= 4:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words; numbers keep their digits ("6,000" → "6000")."""
    out = []
    for raw in _WORD.findall(text.lower()):
        word = raw.replace(",", "") if raw[0].isdigit() else raw.replace("'", "").replace(".", "")
        word = word.removesuffix("s") if raw.endswith("'s") else word
        if word and word not in STOPWORDS:
            out.append(stem(word))
    return out


class KeywordIndex:
    """BM25 over a snapshot of the chunks; ``rows`` holds (id, text, metadata)."""

    def __init__(
        self,
        rows: Iterable[tuple[str, str, dict[str, Any]]],
        revision: str,
        complete: frozenset[str],
        catalog: dict[str, DocumentInfo] | None = None,
    ) -> None:
        """Index the ``rows`` of ``complete`` documents only (the others belong to writes
        in progress or interrupted); ``catalog``: those documents by id, as of the same
        ``revision``."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.revision = revision
        self.rows = [r for r in rows if str(r[2]["doc_id"]) in complete]
        self.complete = complete
        self.catalog = catalog or {}
        corpus = [terms(text) for _, text, _ in self.rows]
        self._df: Counter[str] = Counter()
        for tokens in corpus:
            self._df.update(set(tokens))
        self._bm25 = bm25s.BM25()
        if self.rows:
            self._bm25.index(corpus, show_progress=False)
        self._at = {chunk_id: n for n, (chunk_id, _, _) in enumerate(self.rows)}
        self._sources = np.array([str(m.get("source", "")) for _, _, m in self.rows], dtype=object)
        self._doc_ids = np.array([str(m["doc_id"]) for _, _, m in self.rows], dtype=object)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, chunk_id: str) -> tuple[str, str, dict[str, Any]] | None:
        """(id, text, metadata) of a chunk in the snapshot (None: not in it)."""
        n = self._at.get(chunk_id)
        return None if n is None else self.rows[n]

    def idf(self, term: str) -> float:
        n = max(len(self.rows), 1)
        return math.log(1 + (n - self._df.get(term, 0) + 0.5) / (self._df.get(term, 0) + 0.5))

    def search(
        self,
        query_terms: list[str],
        k: int,
        source: str | None = None,
        doc_ids: frozenset[str] | None = None,
    ) -> list[tuple[int, float]]:
        """(row index, BM25 score) of the k best rows with a score above zero (only rows of
        ``source`` and of ``doc_ids``, when given)."""
        if not self.rows or not query_terms:
            return []
        known = [t for t in query_terms if t in self._df]
        if not known:
            return []
        scores = np.asarray(self._bm25.get_scores(known), dtype=np.float32)
        if source is not None:
            scores = np.where(self._sources == source, scores, 0.0)
        if doc_ids is not None:
            scores = np.where(np.isin(self._doc_ids, list(doc_ids)), scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
