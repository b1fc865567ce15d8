"""How documents, chunks and sentences are written as Chroma rows, and read back.

:mod:`rag.index.store` decides where rows go and in what order; this module is what one
row holds: ids, the texts stored beside vectors, and metadata in both layouts an index may
have (the packed ``at`` key of indexes made since 2026-12, the separate keys before).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..records import Chunk, Document, DocumentInfo, ScoredChunk

#: a document's text is stored in parts of this many characters
TEXT_PART_CHARS = 200_000


@dataclass(frozen=True, slots=True)
class StoredUnit:
    id: str
    doc_id: str
    index: int
    start: int
    end: int
    vector: np.ndarray
    #: a section heading: read as context, never an answer (indexes before 2026-12 say no)
    heading: bool = False


@dataclass(frozen=True, slots=True)
class Written:
    """A document to write: its chunks and units with their vectors."""

    doc: Document
    chunks: Sequence[Chunk]
    chunk_vectors: np.ndarray
    units: Sequence[tuple[int, int]]
    unit_vectors: np.ndarray


def unit_id(doc_id: str, index: int) -> str:
    """The id of a document's ``index``-th unit in the units collection."""
    return f"{doc_id}:u{index}"


def unit_ids(hits: Sequence[ScoredChunk]) -> list[str]:
    """The ids of the retrieved chunks' units (their sentences), in order, each once."""
    ids = (
        unit_id(h.chunk.doc_id, i)
        for h in hits
        for i in range(h.chunk.first_sentence, h.chunk.last_sentence + 1)
    )
    return list(dict.fromkeys(ids))


def headings(doc: Document, spans: Sequence[tuple[int, int]]) -> frozenset[int]:
    """Which of the units ``spans`` overlap one of the document's section headings."""
    return frozenset(
        i
        for i, (start, end) in enumerate(spans)
        if any(h.start < end and start < h.end for h in doc.headings)
    )


def chunk_rows(
    doc: Document, chunks: Sequence[Chunk]
) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """(ids, texts, metadata) of a document's chunks."""
    base = {"doc_id": doc.id, "source": doc.source, "title": doc.title}
    # what LangChain users read stays as it was (doc_id, source, title, start, end); the
    # rest is one packed key (:func:`chunk_place` reads both layouts)
    metadatas = [
        {
            **base,
            "start": c.start,
            "end": c.end,
            "at": f"{c.index}:{c.first_sentence}:{c.last_sentence}:{c.tokens}",
        }
        for c in chunks
    ]
    return [c.id for c in chunks], [c.text for c in chunks], metadatas


def text_parts(text: str) -> list[str]:
    return [text[i : i + TEXT_PART_CHARS] for i in range(0, len(text), TEXT_PART_CHARS)]


def text_rows(
    doc_id: str, first: int, parts: Sequence[str]
) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """(ids, texts, metadata) of parts ``first, ...`` of a document's text."""
    ids = [f"{doc_id}#{first + i}" for i in range(len(parts))]
    return ids, list(parts), [{"type": "text", "doc_id": doc_id} for _ in parts]


def stacked(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """The documents' vectors as one matrix (a document without any gives none)."""
    kept = [v for v in vectors if len(v)]
    if kept:
        return np.concatenate(kept)
    width = vectors[0].shape[1] if vectors and vectors[0].ndim == 2 else 0
    return np.zeros((0, width), dtype=np.float32)


def record(doc: Document, chars: int, chunks: int, units: int, parts: int) -> dict[str, Any]:
    """The metadata of a document's record (``complete``: it is whole and visible)."""
    return {
        "source": doc.source,
        "title": doc.title,
        "type": "doc",
        "complete": True,
        "chars": chars,
        "chunks": chunks,
        "units": units,
        "parts": parts,
        "metadata": json.dumps(doc.metadata, default=str),
    }


def info(doc_id: str, meta: dict[str, Any]) -> DocumentInfo:
    """A document's record read back."""
    return DocumentInfo(
        id=doc_id,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        chars=int(meta.get("chars", 0)),
        chunks=int(meta.get("chunks", 0)),
        metadata={
            **json.loads(str(meta.get("metadata") or "{}")),
            "parts": int(meta.get("parts", 1)),
            "units": int(meta.get("units", -1)),
            "complete": bool(meta.get("complete")),
        },
    )


def unit_place(meta: dict[str, Any]) -> tuple[int, int, int]:
    """(index, start, end) of a stored unit, in either metadata layout."""
    if "at" in meta:
        i, start, end = (int(x) for x in str(meta["at"]).split(":"))
        return i, start, end
    return int(meta["i"]), int(meta["start"]), int(meta["end"])


def chunk_place(meta: dict[str, Any]) -> tuple[int, int, int, int]:
    """(index, first sentence, last sentence, tokens) of a stored chunk, in either layout."""
    if "at" in meta:
        index, first, last, tokens = (int(x) for x in str(meta["at"]).split(":"))
        return index, first, last, tokens
    return int(meta["index"]), int(meta["first"]), int(meta["last"]), int(meta.get("tokens", 0))
