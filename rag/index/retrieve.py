"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank fusion."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..hardware import release_memory
from ..records import Chunk, DocumentInfo, ScoredChunk
from .embed import Embedder
from .keyword import KeywordIndex, terms
from .rows import chunk_place
from .store import Store

log = logging.getLogger(__name__)

RRF_K = 60


@dataclass(frozen=True, slots=True)
class Query:
    """What the retrieve stage is asked: the ``k`` best chunks for ``text``, only from
    ``source`` and only of ``doc_ids`` when they are given."""

    text: str
    k: int
    source: str | None = None
    doc_ids: frozenset[str] | None = None


@dataclass(slots=True)
class Retrieved:
    """What it returns: the chunks best first, the keyword index snapshot they were ranked
    with (its ``catalog`` holds the documents of the same revision) and the query's
    vector, embedded here (the read stage scores sentences by it)."""

    hits: list[ScoredChunk]
    index: KeywordIndex
    vector: np.ndarray


class HybridRetriever:
    """Dense + keyword search over one store; the keyword index follows the store's revision."""

    def __init__(self, store: Store, embedder: Embedder, *, candidates: int = 30) -> None:
        self._store = store
        self._embedder = embedder
        self._candidates = candidates
        self._index: KeywordIndex | None = None
        self._lock = threading.Lock()

    def keyword_index(self) -> KeywordIndex:
        """The BM25 index, rebuilt from the store if another writer changed it."""
        revision = self._store.revision()
        index = self._index
        if index is not None and index.revision == revision:
            return index
        with self._lock:
            if self._index is None or self._index.revision != revision:
                log.info("building the keyword index (revision %s)", revision[:8])
                documents = self._store.documents()
                complete = frozenset(d.id for d in documents)
                catalog = {d.id: d for d in documents}
                self._index = KeywordIndex(self._store.iter_chunks(), revision, complete, catalog)
                release_memory()  # the build's token lists back to the system
            return self._index

    def catalog(self, *, latest: bool = True) -> dict[str, DocumentInfo]:
        """Every complete document by id, as of the keyword index's revision (a search's
        index holds the same, as of its revision: ``index.catalog``). ``latest=False``: as
        of the last search, without asking the store whether it changed since (one Chroma
        read less: what an answer's citations came from)."""
        index = self._index
        if latest or index is None:
            return self.keyword_index().catalog
        return index.catalog

    def run(self, query: Query) -> Retrieved:
        """The stage's call: the ``query.k`` best chunks, and the keyword index snapshot
        they were ranked with."""
        # the store's revision read before the query is embedded: a Chroma read right after
        # torch's work waits for its threads, still spinning (~2 ms, docs/benchmarks.md)
        index = self.keyword_index()
        vector = self._embedder.embed([query.text])[0]
        source, doc_ids = query.source, query.doc_ids
        if doc_ids is not None and not doc_ids:
            return Retrieved([], index, vector)
        if doc_ids is not None and index.complete <= doc_ids:
            doc_ids = None  # every document allowed: no filter to pay for (a long one is slow)
        n = max(self._candidates, query.k)
        # ids only: the snapshot holds every complete document's chunks, text and metadata
        # (a chunk it lacks, of a half-written document or a newer write, is never a hit)
        near = self._store.dense(vector, n, source, doc_ids, texts=False) if len(index) else []
        held = [(index.row(chunk_id), similarity) for chunk_id, _, _, similarity in near]
        dense = [(*row, similarity) for row, similarity in held if row is not None]
        keyword = index.search(terms(query.text), n, source, doc_ids)
        fused: dict[str, dict[str, Any]] = {}
        for rank, (chunk_id, text, meta, similarity) in enumerate(dense, 1):
            fused[chunk_id] = {
                "text": text,
                "meta": meta,
                "score": 1 / (RRF_K + rank),
                "dense_rank": rank,
                "similarity": similarity,
            }
        for rank, (row, _score) in enumerate(keyword, 1):
            chunk_id, text, meta = index.rows[row]
            entry = fused.setdefault(chunk_id, {"text": text, "meta": meta, "score": 0.0})
            entry["score"] += 1 / (RRF_K + rank)
            entry["keyword_rank"] = rank
        best = sorted(fused.items(), key=lambda kv: -kv[1]["score"])[: query.k]
        return Retrieved([_scored(chunk_id, entry) for chunk_id, entry in best], index, vector)


def _scored(chunk_id: str, entry: dict[str, Any]) -> ScoredChunk:
    meta = entry["meta"]
    index, first, last, tokens = chunk_place(meta)
    chunk = Chunk(
        id=chunk_id,
        doc_id=str(meta["doc_id"]),
        index=index,
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=entry["text"],
        first_sentence=first,
        last_sentence=last,
        tokens=tokens,
    )
    return ScoredChunk(
        chunk=chunk,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        score=float(entry["score"]),
        dense_rank=entry.get("dense_rank"),
        keyword_rank=entry.get("keyword_rank"),
        similarity=entry.get("similarity"),
    )
