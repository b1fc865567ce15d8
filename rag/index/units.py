"""Where the units' (sentences') vectors are stored: read by id, never searched.

An index made since 2026-12-05 keeps them in ``<prefix>-sentences``, :data:`BLOCK` units
to a row (:class:`UnitBlocks`): row ``<doc>:b<k>`` holds units ``k * BLOCK`` to
``k * BLOCK + BLOCK - 1`` of a document, their vectors side by side in one embedding
(zeros where a unit is missing) and their places in ``at``. Chroma writes and indexes a row
at a time, so a row per unit made them a third of a 100k-chunk ingest
(docs/benchmarks.md, "Sentence vectors in blocks"). An index made before keeps
``<prefix>-units``, a unit to a row (:class:`UnitRows`), and is read and written as
before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .rows import StoredUnit, unit_id, unit_place

#: units to a row of ``<prefix>-sentences``
BLOCK = 8
#: rows read by id, never searched: the sparsest graph Chroma builds; "l2" because a
#: cosine space would normalise the side-by-side vectors as one
BLOCKS_HNSW: Any = {"hnsw": {"space": "l2", "ef_construction": 16, "max_neighbors": 4}}

#: ``write(collection, ids, **columns)``: the store's batched upsert
Write = Callable[..., None]
#: (doc id, spans, vectors, which units are headings) of a document whose units are written
Many = Sequence[tuple[str, Sequence[tuple[int, int]], np.ndarray, frozenset[int]]]


class Units:
    """A layout of the units' vectors: what both layouts share."""

    def __init__(self, collection: Any, write: Write) -> None:
        self.collection = collection
        self._write = write

    def add(
        self,
        doc_id: str,
        first: int,
        spans: Sequence[tuple[int, int]],
        vectors: np.ndarray,
        headings: frozenset[int],
    ) -> None:
        """Store units ``first, first + 1, ...`` of a document (``headings``: which of them,
        counted from 0 here, are section headings)."""
        self._store(_units(doc_id, first, spans, vectors, headings))

    def add_documents(self, documents: Many) -> None:
        """Store all the units of several new documents, in as few calls as the store's
        batch size allows."""
        self._store([u for d, s, v, h in documents for u in _units(d, 0, s, v, h)])

    def get(self, ids: Sequence[str]) -> list[StoredUnit]:
        """The units ``ids`` (:func:`rag.index.rows.unit_id`) that are stored, in that
        order."""
        raise NotImplementedError

    def stored(self, doc_id: str) -> int:
        """How many of a document's units are stored."""
        raise NotImplementedError

    def _store(self, units: list[StoredUnit]) -> None:
        raise NotImplementedError


class UnitRows(Units):
    """One row per unit (indexes made before 2026-12-05)."""

    def get(self, ids: Sequence[str]) -> list[StoredUnit]:
        if not ids:
            return []
        got = self.collection.get(ids=list(ids), include=["embeddings", "metadatas"])
        units = [
            StoredUnit(
                i, m["doc_id"], *unit_place(m), np.asarray(v, dtype=np.float32), bool(m.get("h"))
            )
            for i, v, m in zip(got["ids"], got["embeddings"], got["metadatas"], strict=True)
        ]
        return _in_order(units, ids)

    def stored(self, doc_id: str) -> int:
        return len(self.collection.get(where={"doc_id": doc_id}, include=[])["ids"])

    def _store(self, units: list[StoredUnit]) -> None:
        if not units:
            return
        # one packed key, not three: each metadata key is a row Chroma writes
        # (docs/benchmarks.md); :func:`rag.index.rows.unit_place` reads both
        metadatas = [
            {"doc_id": u.doc_id, "at": f"{u.index}:{u.start}:{u.end}"}
            | ({"h": True} if u.heading else {})
            for u in units
        ]
        self._write(
            self.collection,
            [u.id for u in units],
            embeddings=np.stack([u.vector for u in units]),
            metadatas=metadatas,
        )


class UnitBlocks(Units):
    """:data:`BLOCK` units to a row."""

    def get(self, ids: Sequence[str]) -> list[StoredUnit]:
        places = [_place(i) for i in ids]
        blocks = list(dict.fromkeys(_block_id(doc, index // BLOCK) for doc, index in places))
        return _in_order(self._read(blocks) if blocks else [], ids)

    def stored(self, doc_id: str) -> int:
        got = self.collection.get(where={"doc_id": doc_id}, include=["metadatas"])
        return sum(len(str(m["at"]).split(";")) for m in got["metadatas"])

    def _read(self, block_ids: list[str]) -> list[StoredUnit]:
        got = self.collection.get(ids=block_ids, include=["embeddings", "metadatas"])
        units = []
        for joined, meta in zip(got["embeddings"], got["metadatas"], strict=True):
            doc_id = str(meta["doc_id"])
            vectors = np.asarray(joined, dtype=np.float32).reshape(BLOCK, -1)
            for entry in str(meta["at"]).split(";"):
                index, start, end, heading = (int(x) for x in entry.split(":"))
                vector = vectors[index % BLOCK]
                units.append(
                    StoredUnit(
                        unit_id(doc_id, index), doc_id, index, start, end, vector, heading > 0
                    )
                )
        return units

    def _store(self, units: list[StoredUnit]) -> None:
        """Write the blocks these units fall in; a first unit inside a block (a large file's
        next section) adds to what the write before stored there."""
        if not units:
            return
        first = units[0]
        if first.index % BLOCK:
            held = self._read([_block_id(first.doc_id, first.index // BLOCK)])
            units = [u for u in held if u.index < first.index] + units
        blocks: dict[str, list[StoredUnit]] = {}
        for u in units:
            blocks.setdefault(_block_id(u.doc_id, u.index // BLOCK), []).append(u)
        width = len(units[0].vector)
        joined = np.zeros((len(blocks), BLOCK, width), dtype=np.float32)
        metadatas = []
        for row, members in enumerate(blocks.values()):
            for u in members:
                joined[row, u.index % BLOCK] = u.vector
            at = ";".join(f"{u.index}:{u.start}:{u.end}:{int(u.heading)}" for u in members)
            metadatas.append({"doc_id": members[0].doc_id, "at": at})
        self._write(
            self.collection,
            list(blocks),
            embeddings=joined.reshape(len(blocks), BLOCK * width),
            metadatas=metadatas,
        )


def _units(
    doc_id: str,
    first: int,
    spans: Sequence[tuple[int, int]],
    vectors: np.ndarray,
    headings: frozenset[int],
) -> list[StoredUnit]:
    return [
        StoredUnit(unit_id(doc_id, first + n), doc_id, first + n, s, e, vectors[n], n in headings)
        for n, (s, e) in enumerate(spans)
    ]


def _block_id(doc_id: str, block: int) -> str:
    return f"{doc_id}:b{block}"


def _place(uid: str) -> tuple[str, int]:
    """(doc id, index) of a unit id."""
    doc_id, _, index = uid.rpartition(":u")
    return doc_id, int(index)


def _in_order(units: list[StoredUnit], ids: Sequence[str]) -> list[StoredUnit]:
    """The units asked for, in the order asked (those not stored left out)."""
    by_id = {u.id: u for u in units}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
