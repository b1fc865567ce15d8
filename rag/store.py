"""The Chroma adapter: every piece of state lives in Chroma, embedded or on a server.

Collections (``<prefix>`` is ``Settings.collection``):

- ``<prefix>-chunks``: chunk text, vector (token-weighted mean of its units), metadata;
  queried through a ``langchain_chroma.Chroma`` view.
- ``<prefix>-units``: one vector per sentence (or piece of an over-long sentence).
- ``<prefix>-docs``: document records, their full text in parts, and store metadata
  (schema, embedding model, revision).

A document record is written *last*, with ``complete=True``: a document without one is an
interrupted ingest, and its chunks are replaced on the next ingest. The *revision* changes
on every write, so processes sharing a server know when to reload their keyword index.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import Settings
from .errors import ConfigError, StoreError
from .records import Chunk, Document, DocumentInfo

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

SCHEMA = 1
TEXT_PART_CHARS = 200_000
META_ID = "__meta__"
REVISION_ID = "__revision__"
_PAGE = 5000


@dataclass(frozen=True, slots=True)
class StoredUnit:
    id: str
    doc_id: str
    index: int
    start: int
    end: int
    vector: np.ndarray


def unit_id(doc_id: str, index: int) -> str:
    """The id of a document's ``index``-th unit in the units collection."""
    return f"{doc_id}:u{index}"


def make_client(settings: Settings) -> Any:
    """A chromadb client: embedded in ``data_dir/chroma``, or HTTP when a host is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        where = f"{settings.chroma_host}:{settings.chroma_port}"
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {where} ({type(exc).__name__}); start it "
                "with `chroma run --path DIR --host HOST --port PORT` or unset RAG_CHROMA_HOST"
            ) from None
        return client
    path = settings.data_dir / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise StoreError(f"cannot open the data dir {path}: {exc}") from None


class Store:
    """Documents, chunks and unit vectors in three Chroma collections."""

    def __init__(self, client: Any, settings: Settings, embeddings: Embeddings) -> None:
        from langchain_chroma import Chroma

        self._client = client
        prefix = settings.collection
        cosine: Any = {"hnsw": {"space": "cosine"}}
        try:
            self.chunks_view: Chroma = Chroma(
                collection_name=f"{prefix}-chunks",
                client=client,
                embedding_function=embeddings,
                collection_configuration=cosine,
            )
            self._chunks = client.get_or_create_collection(
                f"{prefix}-chunks", embedding_function=None
            )
            self._units = client.get_or_create_collection(
                f"{prefix}-units", configuration=cosine, embedding_function=None
            )
            self._docs = client.get_or_create_collection(f"{prefix}-docs", embedding_function=None)
            self._batch = int(client.get_max_batch_size())
        except Exception as exc:
            raise StoreError(f"cannot open the Chroma collections: {exc}") from None

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
            _info(doc_id, meta) for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True)
        ]
        return sorted(infos, key=lambda d: (d.source, d.id))

    def document(self, doc_id: str) -> DocumentInfo | None:
        got = self._docs.get(ids=[doc_id], include=["metadatas"])
        return _info(doc_id, got["metadatas"][0]) if got["ids"] else None

    def document_text(self, doc_id: str, parts: int) -> str:
        ids = [f"{doc_id}#{i}" for i in range(parts)]
        got = self._docs.get(ids=ids, include=["documents"])
        by_id = dict(zip(got["ids"], got["documents"], strict=True))
        if len(by_id) != parts:
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
        self.delete_document(doc.id, bump=False)
        base = {"doc_id": doc.id, "source": doc.source, "title": doc.title}
        self._add(
            self._units,
            [unit_id(doc.id, i) for i in range(len(units))],
            embeddings=unit_vectors,
            metadatas=[
                {"doc_id": doc.id, "i": i, "start": s, "end": e} for i, (s, e) in enumerate(units)
            ],
        )
        self._add(
            self._chunks,
            [c.id for c in chunks],
            embeddings=chunk_vectors,
            documents=[c.text for c in chunks],
            metadatas=[
                {
                    **base,
                    "index": c.index,
                    "start": c.start,
                    "end": c.end,
                    "first": c.first_sentence,
                    "last": c.last_sentence,
                    "tokens": c.tokens,
                }
                for c in chunks
            ],
        )
        parts = [
            doc.text[i : i + TEXT_PART_CHARS] for i in range(0, len(doc.text), TEXT_PART_CHARS)
        ]
        self._add(
            self._docs,
            [f"{doc.id}#{i}" for i in range(len(parts))],
            embeddings=np.ones((len(parts), 1), dtype=np.float32),
            documents=parts,
            metadatas=[{"type": "text", "doc_id": doc.id} for _ in parts],
        )
        record = {
            **base,
            "type": "doc",
            "complete": True,
            "chars": len(doc.text),
            "chunks": len(chunks),
            "units": len(units),
            "parts": len(parts),
            "metadata": json.dumps(doc.metadata, default=str),
        }
        record.pop("doc_id")
        self._docs.upsert(ids=[doc.id], embeddings=[[1.0]], metadatas=[record])

    def delete_document(self, doc_id: str, *, bump: bool = True) -> None:
        where = {"doc_id": doc_id}
        self._docs.delete(ids=[doc_id])  # the record first: no half document looks complete
        for collection in (self._chunks, self._units, self._docs):
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
        self, vector: np.ndarray, k: int, source: str | None = None
    ) -> list[tuple[str, str, dict[str, Any], float]]:
        """(chunk id, text, metadata, cosine similarity) of the k nearest chunks."""
        found = self.chunks_view.similarity_search_by_vector_with_relevance_scores(
            vector.tolist(), k=k, filter={"source": source} if source else None
        )
        return [(str(d.id), d.page_content, d.metadata, 1.0 - float(dist)) for d, dist in found]

    def units(self, ids: Sequence[str]) -> list[StoredUnit]:
        if not ids:
            return []
        got = self._units.get(ids=list(ids), include=["embeddings", "metadatas"])
        units = [
            StoredUnit(
                i,
                m["doc_id"],
                int(m["i"]),
                int(m["start"]),
                int(m["end"]),
                np.asarray(v, dtype=np.float32),
            )
            for i, v, m in zip(got["ids"], got["embeddings"], got["metadatas"], strict=True)
        ]
        order = {unit_id: n for n, unit_id in enumerate(ids)}
        return sorted(units, key=lambda u: order[u.id])

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


def _info(doc_id: str, meta: dict[str, Any]) -> DocumentInfo:
    return DocumentInfo(
        id=doc_id,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        chars=int(meta.get("chars", 0)),
        chunks=int(meta.get("chunks", 0)),
        metadata={
            **json.loads(str(meta.get("metadata") or "{}")),
            "parts": int(meta.get("parts", 1)),
            "complete": bool(meta.get("complete")),
        },
    )
