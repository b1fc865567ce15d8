"""Crash safety: a document is written so that a killed writer never leaves a half
document that looks whole, and what it left is cleaned up.

A *pending* marker is written first, then units, chunks and text, then the document record
(``complete=True``), and the marker is removed last (:meth:`rag.index.store.Store.
write_document`). Retrieval only sees chunks of documents with a record, so a half-written
document is never cited, and :meth:`CrashSafety.repair` deletes what an interrupted writer
left behind (its marker names it). On a shared server a marker's age is read from the
server's clock, and only markers untouched for :data:`STALE_PENDING` seconds are another
writer's leftovers.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

from ..records import DocumentInfo
from .chroma import guard

log = logging.getLogger(__name__)

#: A pending marker older than this (seconds) on a shared server belongs to a dead writer.
STALE_PENDING = 600.0

#: Who this process is, in pending markers.
_WRITER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


PENDING_SUFFIX = "~pending"


def pending_id(doc_id: str) -> str:
    return f"{doc_id}{PENDING_SUFFIX}"


class CrashSafety:
    """The store's crash-safety half (:class:`rag.index.store.Store` is the layout half)."""

    _docs: Any
    _chunks: Any
    sentences: Any
    client: Any
    remote: bool
    where: str

    def documents(self) -> list[DocumentInfo]:  # pragma: no cover - the store's
        raise NotImplementedError

    def document(self, doc_id: str) -> DocumentInfo | None:  # pragma: no cover
        raise NotImplementedError

    def delete_document(self, doc_id: str, *, bump: bool = True) -> None:  # pragma: no cover
        raise NotImplementedError

    def bump_revision(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def iter_chunks(self) -> Iterator[tuple[str, str, dict[str, Any]]]:  # pragma: no cover
        raise NotImplementedError

    def begin_document(self, doc_id: str) -> None:
        """Clear ``doc_id`` and leave a pending marker: from here until its record is
        written, a crash leaves data that :meth:`repair` removes."""
        self.delete_document(doc_id, bump=False)
        self.touch_pending(doc_id)

    def touch_pending(self, *doc_ids: str) -> None:
        """Write (or refresh) the markers that say a writer is working on ``doc_ids``."""
        since = self.now()
        self._docs.upsert(
            ids=[pending_id(d) for d in doc_ids],
            embeddings=[[1.0]] * len(doc_ids),
            metadatas=[
                {"type": "pending", "of": d, "since": since, "by": _WRITER} for d in doc_ids
            ],
        )

    def now(self) -> float:
        """Seconds since the epoch by the store's clock: a shared server's own clock, so
        processes on machines whose clocks disagree still agree on a marker's age."""
        if not self.remote:
            return time.time()
        with guard(self.where, self.remote):
            return self.client.heartbeat() / 1e9

    def pending(self) -> list[tuple[str, float, str]]:
        """(doc id, seconds since its writer last touched it, writer) of unfinished writes."""
        got = self._docs.get(where={"type": "pending"}, include=["metadatas"])
        now = self.now()
        return [
            (str(m["of"]), now - float(m.get("since", 0)), str(m.get("by", "")))
            for m in got["metadatas"]
        ]

    def repair(self, *, stale_after: float | None = None) -> list[str]:
        """Delete what interrupted writers left; returns the doc ids cleaned.

        On an embedded store (one process) every other writer's marker is stale. On a
        shared server a marker is stale when untouched for ``stale_after`` seconds, so a
        live writer in another process is left alone.
        """
        if stale_after is None:
            stale_after = STALE_PENDING if self.remote else 0.0
        cleaned = []
        for doc_id, age, writer in self.pending():
            if writer == _WRITER or age < stale_after:
                continue
            complete = self.document(doc_id) is not None
            if not complete:  # half written: remove its units, chunks and text
                self.delete_document(doc_id, bump=False)
            self._docs.delete(ids=[pending_id(doc_id)])
            cleaned.append(doc_id)
            log.warning(
                "removed an interrupted write of document %s (%s)",
                doc_id,
                "it was complete" if complete else "it was incomplete",
            )
        if cleaned:
            self.bump_revision()
        return cleaned

    def check(self) -> list[str]:
        """Problems in the stored data (an empty list when it is consistent)."""
        problems = []
        documents = self.documents()
        for info in documents:
            chunks = len(self._chunks.get(where={"doc_id": info.id}, include=[])["ids"])
            counts = {
                "chunks": (chunks, info.chunks),
                "units": (self.sentences.stored(info.id), int(info.metadata.get("units", -1))),
            }
            for name, (stored, expected) in counts.items():
                if expected >= 0 and stored != expected:
                    problems.append(
                        f"{info.id}: {stored} {name} stored, its record says {expected}"
                    )
            parts = self._docs.get(
                where={"$and": [{"doc_id": info.id}, {"type": "text"}]}, include=[]
            )
            if len(parts["ids"]) != int(info.metadata.get("parts", 1)):
                problems.append(f"{info.id}: {len(parts['ids'])} text parts stored")
        complete = {d.id for d in documents}
        writing = {doc_id for doc_id, _, _ in self.pending()}
        for _, _, meta in self.iter_chunks():
            doc_id = str(meta["doc_id"])
            if doc_id not in complete and doc_id not in writing:
                problems.append(f"{doc_id}: chunks of a document with no record")
                break
        return problems
