"""The Chroma adapter: every piece of state lives in Chroma, embedded or on a server.

Collections (``<prefix>`` is ``Settings.collection``):

- ``<prefix>-chunks``: chunk text, vector (token-weighted mean of its units), metadata;
  queried through a ``langchain_chroma.Chroma`` view.
- ``<prefix>-sentences``: the vector of each sentence (or piece of an over-long sentence),
  several to a row (:mod:`rag.index.units`; ``<prefix>-units``, one a row, in indexes made
  before 2026-12-05).
- ``<prefix>-docs``: document records, their full text in parts, and store metadata
  (schema, embedding model, revision).

This module is the layout (what is stored where, and how it is read); writing a document
crash-safely and cleaning up after a dead writer is :mod:`rag.index.recovery`. The
*revision* changes on every write, so processes sharing a server know when to reload their
keyword index.

Every call into Chroma goes through :func:`rag.index.chroma.guard` (collections are wrapped in
:class:`rag.index.chroma.Guarded`), which turns a lost server, a timeout
or a damaged database into a :class:`StoreError` that says what happened and what to do.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import Settings
from ..errors import ConfigError, StoreError
from ..records import Chunk, Document, DocumentInfo
from . import rows
from .chroma import Guarded, guard, is_http, store_error
from .recovery import PENDING_SUFFIX, CrashSafety, pending_id
from .rows import TEXT_PART_CHARS, StoredUnit, Written
from .units import BLOCKS_HNSW, UnitBlocks, UnitRows, Units

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

SCHEMA = 1
META_ID = "__meta__"
REVISION_ID = "__revision__"
_PAGE = 5000
#: a dense search over more documents than this is not filtered by id in Chroma: it looks
#: WIDER times deeper and keeps the allowed ones (a filter that long is slow)
MOST_IDS_FILTERED = 256
WIDER = 4


class Store(CrashSafety):
    """Documents, chunks and unit vectors in three Chroma collections."""

    def __init__(self, client: Any, settings: Settings, embeddings: Embeddings) -> None:
        self.client = client  # the chromadb client, for sharing it (e.g. Assistant(client=))
        self.remote = bool(settings.chroma_host) or is_http(client)
        self.where = (
            f"{settings.chroma_host}:{settings.chroma_port}"
            if settings.chroma_host
            else str(settings.data_dir / "chroma")
        )
        prefix = settings.collection
        cosine: Any = {"hnsw": {"space": "cosine"}}
        self._embeddings = embeddings
        self._chunks_name = f"{prefix}-chunks"
        self._view: Chroma | None = None
        try:
            self._chunks = client.get_or_create_collection(
                self._chunks_name, configuration=cosine, embedding_function=None
            )
            older = _collection(client, f"{prefix}-units")
            units = (
                older
                if older is not None
                else client.get_or_create_collection(
                    f"{prefix}-sentences", configuration=BLOCKS_HNSW, embedding_function=None
                )
            )
            self._docs = client.get_or_create_collection(f"{prefix}-docs", embedding_function=None)
            self._batch = int(client.get_max_batch_size())
        except Exception as exc:
            raise store_error(exc, self.where, self.remote) from None
        self._chunks = Guarded(self._chunks, self.where, self.remote)
        guarded = Guarded(units, self.where, self.remote)
        #: the units' vectors, in the layout this index was made with
        self.sentences: Units = (UnitRows if older is not None else UnitBlocks)(guarded, self._add)
        self._docs = Guarded(self._docs, self.where, self.remote)

    @property
    def chunks_view(self) -> Chroma:
        """The chunk collection as a ``langchain_chroma.Chroma`` vector store (made on first
        use: answering questions does not need LangChain)."""
        if self._view is None:
            from langchain_chroma import Chroma

            with guard(self.where, self.remote):
                self._view = Chroma(
                    collection_name=self._chunks_name,
                    client=self.client,
                    embedding_function=self._embeddings,
                )
        return self._view

    # --- store metadata -------------------------------------------------------------------

    def meta(self) -> dict[str, Any] | None:
        got = self._docs.get(ids=[META_ID], include=["documents"])
        return json.loads(got["documents"][0]) if got["ids"] else None

    def check_or_init(self, model: str, dim: int) -> bool:
        """Verify the store was built with this embedding model; True if it is new."""
        meta = self.meta()
        if meta is None:
            record = {"schema": SCHEMA, "model": model, "dim": dim}
            self._docs.upsert(
                ids=[META_ID],
                documents=[json.dumps(record)],
                embeddings=[[1.0]],
                metadatas=[{"type": "meta"}],
            )
            self.bump_revision()
            return True
        if meta.get("schema") != SCHEMA:
            raise ConfigError(
                f"the index has schema {meta.get('schema')}, this version needs {SCHEMA}"
            )
        if meta.get("model") != model or meta.get("dim") != dim:
            raise ConfigError(
                f"the index was built with embedding model {meta.get('model')!r} "
                f"({meta.get('dim')}-d), "
                f"not {model!r} ({dim}-d): use that model, or another data dir / collection"
            )
        return False

    def revision(self) -> str:
        got = self._docs.get(ids=[REVISION_ID], include=["documents"])
        return str(got["documents"][0]) if got["ids"] else ""

    def bump_revision(self) -> None:
        self._docs.upsert(
            ids=[REVISION_ID],
            documents=[uuid.uuid4().hex],
            embeddings=[[1.0]],
            metadatas=[{"type": "meta"}],
        )

    # --- documents ------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        got = self._get_all(self._docs, where={"type": "doc"}, include=["metadatas"])
        infos = [
            rows.info(doc_id, meta)
            for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True)
        ]
        return sorted(infos, key=lambda d: (d.source, d.id))

    def has_documents(self) -> bool:
        """Whether any document is indexed (one record read, not the list)."""
        return bool(self._docs.get(where={"type": "doc"}, limit=1, include=[])["ids"])

    def document(self, doc_id: str) -> DocumentInfo | None:
        got = self._docs.get(ids=[doc_id], include=["metadatas"])
        return rows.info(doc_id, got["metadatas"][0]) if got["ids"] else None

    def document_range(self, doc_id: str, start: int, end: int) -> tuple[int, str]:
        """(offset, text) of the stored parts that cover ``[start, end)`` of a document."""
        first, last = start // TEXT_PART_CHARS, max(start, end - 1) // TEXT_PART_CHARS
        return first * TEXT_PART_CHARS, self._text_parts(doc_id, range(first, last + 1))

    def document_text(self, doc_id: str, parts: int) -> str:
        return self._text_parts(doc_id, range(parts))

    def _text_parts(self, doc_id: str, numbers: range) -> str:
        """Text parts ``numbers`` of a document, joined; StoreError if one is missing."""
        ids = [f"{doc_id}#{i}" for i in numbers]
        got = self._docs.get(ids=ids, include=["documents"])
        by_id = dict(zip(got["ids"], got["documents"], strict=True))
        if any(i not in by_id for i in ids):
            raise StoreError(f"document {doc_id} is missing parts of its text; re-ingest it")
        return "".join(by_id[i] for i in ids)

    def write_document(
        self,
        doc: Document,
        chunks: Sequence[Chunk],
        chunk_vectors: np.ndarray,
        units: Sequence[tuple[int, int]],
        unit_vectors: np.ndarray,
    ) -> None:
        """Replace whatever is stored under ``doc.id`` with this document, record last."""
        self.write_documents([Written(doc, chunks, chunk_vectors, units, unit_vectors)])

    def write_documents(self, batch: Sequence[Written]) -> None:
        """Write several documents with one call per collection and step (each call into
        Chroma costs tens of milliseconds whatever it carries: docs/benchmarks.md), in the
        crash-safe order of :mod:`rag.index.recovery`: the pending markers, then units,
        chunks and text of all, then the records, then the markers removed. Whatever is
        stored under one of their ids (an older write, an interrupted one) is cleared
        first."""
        if not batch:
            return
        ids = [w.doc.id for w in batch]
        there = self._docs.get(ids=ids + [pending_id(i) for i in ids], include=[])["ids"]
        for stored in dict.fromkeys(i.removesuffix(PENDING_SUFFIX) for i in there):
            self.delete_document(stored, bump=False)  # replaced, or an interrupted write
        self.touch_pending(*ids)
        self.sentences.add_documents(
            [(w.doc.id, w.units, w.unit_vectors, rows.headings(w.doc, w.units)) for w in batch]
        )
        chunks = [rows.chunk_rows(w.doc, w.chunks) for w in batch]
        self._add(
            self._chunks,
            [i for c in chunks for i in c[0]],
            embeddings=rows.stacked([w.chunk_vectors for w in batch]),
            documents=[t for c in chunks for t in c[1]],
            metadatas=[m for c in chunks for m in c[2]],
        )
        parts = [rows.text_parts(w.doc.text) for w in batch]
        texts = [rows.text_rows(w.doc.id, 0, ps) for w, ps in zip(batch, parts, strict=True)]
        self._add(
            self._docs,
            [i for t in texts for i in t[0]],
            embeddings=np.ones((sum(len(ps) for ps in parts), 1), dtype=np.float32),
            documents=[d for t in texts for d in t[1]],
            metadatas=[m for t in texts for m in t[2]],
        )
        self._finish(
            [
                rows.record(w.doc, len(w.doc.text), len(w.chunks), len(w.units), len(ps))
                for w, ps in zip(batch, parts, strict=True)
            ],
            ids,
        )

    def add_units(
        self,
        doc_id: str,
        first: int,
        spans: Sequence[tuple[int, int]],
        vectors: np.ndarray,
        *,
        headings: frozenset[int] = frozenset(),
    ) -> None:
        """Store units ``first, first + 1, ...`` of a document (spans are global offsets;
        ``headings``: which of them, counted from 0 here, are section headings)."""
        self.sentences.add(doc_id, first, spans, vectors, headings)

    def add_chunks(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        ids, texts, metadatas = rows.chunk_rows(doc, chunks)
        self._add(self._chunks, ids, embeddings=vectors, documents=texts, metadatas=metadatas)

    def add_text_parts(self, doc_id: str, first: int, parts: Sequence[str]) -> None:
        """Store parts ``first, ...`` of a document's text (each TEXT_PART_CHARS long but
        the last)."""
        ids, texts, metadatas = rows.text_rows(doc_id, first, parts)
        ones = np.ones((len(parts), 1), dtype=np.float32)
        self._add(self._docs, ids, embeddings=ones, documents=texts, metadatas=metadatas)

    def finish_document(
        self, doc: Document, *, chars: int, chunks: int, units: int, parts: int
    ) -> None:
        """Write the record that makes the document visible, then drop its pending marker."""
        self._finish([rows.record(doc, chars, chunks, units, parts)], [doc.id])

    def _finish(self, records: list[dict[str, Any]], ids: list[str]) -> None:
        """The records of documents ``ids``, then their pending markers removed."""
        self._add(
            self._docs, ids, embeddings=np.ones((len(ids), 1), dtype=np.float32), metadatas=records
        )
        self._docs.delete(ids=[pending_id(i) for i in ids])

    def delete_document(self, doc_id: str, *, bump: bool = True) -> None:
        where = {"doc_id": doc_id}
        self._docs.delete(ids=[doc_id])  # the record first: no half document looks complete
        for collection in (self._chunks, self.sentences.collection, self._docs):
            collection.delete(where=where)
        if bump:
            self.bump_revision()

    # --- chunks and units -----------------------------------------------------------------

    def iter_chunks(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of every chunk, in pages."""
        offset = 0
        while True:
            got = self._chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            yield from zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    def dense(
        self,
        vector: np.ndarray,
        k: int,
        source: str | None = None,
        doc_ids: frozenset[str] | None = None,
        *,
        texts: bool = True,
    ) -> list[tuple[str, str, dict[str, Any], float]]:
        """(chunk id, text, metadata, cosine similarity) of the k nearest chunks (only of
        ``source`` and of ``doc_ids``, when given). ``texts=False``: no text read, nor
        metadata unless the search needs it ("" and {}: a caller holding them already saves
        Chroma fetching them)."""
        fields = ["documents", "metadatas"] if texts else []
        where: list[dict[str, Any]] = []  # Chroma's metadata filter
        if source:
            where.append({"source": source})
        if doc_ids is not None and len(doc_ids) > MOST_IDS_FILTERED:
            # a long "$in" filter costs seconds at 100k chunks (docs/benchmarks.md): search
            # wider without it and keep the allowed; only when too few are left, filter
            wider = self._query(vector, k * WIDER, where, fields or ["metadatas"])  # doc_id
            kept = [hit for hit in wider if hit[2].get("doc_id") in doc_ids]
            if len(kept) >= k or len(wider) < k * WIDER:
                return kept[:k]
        if doc_ids is not None:
            where.append({"doc_id": {"$in": sorted(doc_ids)}})
        return self._query(vector, k, where, fields)

    def _query(
        self,
        vector: np.ndarray,
        k: int,
        where: list[dict[str, Any]],
        fields: list[str],
    ) -> list[tuple[str, str, dict[str, Any], float]]:
        """The k nearest; ``fields``: which of the text ("documents") and metadata to read."""
        got = self._chunks.query(
            query_embeddings=[vector.tolist()],
            n_results=k,
            where=_all_of(where),
            include=[*fields, "distances"],
        )
        ids = got["ids"][0]
        texts = got["documents"][0] if "documents" in fields else [""] * len(ids)
        metas = got["metadatas"][0] if "metadatas" in fields else [None] * len(ids)
        return [
            (str(i), str(text), dict(meta or {}), 1.0 - float(dist))
            for i, text, meta, dist in zip(ids, texts, metas, got["distances"][0], strict=True)
        ]

    def units(self, ids: Sequence[str]) -> list[StoredUnit]:
        """The stored units ``ids`` (:func:`rag.index.rows.unit_id`), in that order."""
        return self.sentences.get(ids)

    # --- helpers --------------------------------------------------------------------------

    def _add(self, collection: Any, ids: list[str], **columns: Any) -> None:
        for i in range(0, len(ids), self._batch):
            part = {name: values[i : i + self._batch] for name, values in columns.items()}
            collection.upsert(ids=ids[i : i + self._batch], **part)

    def _get_all(self, collection: Any, **kwargs: Any) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"ids": [], "metadatas": [], "documents": []}
        offset = 0
        while True:
            got = collection.get(limit=_PAGE, offset=offset, **kwargs)
            for key in out:
                out[key].extend(got.get(key) or [])
            if len(got["ids"]) < _PAGE:
                return out
            offset += _PAGE


def _collection(client: Any, name: str) -> Any | None:
    """The collection ``name`` if the index has it (and it holds anything)."""
    from chromadb.errors import NotFoundError

    try:
        collection = client.get_collection(name, embedding_function=None)
    except (NotFoundError, ValueError):
        return None
    return collection if collection.count() else None


def _all_of(conditions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """One Chroma filter that holds when every condition does."""
    if len(conditions) > 1:
        return {"$and": conditions}
    return conditions[0] if conditions else None
