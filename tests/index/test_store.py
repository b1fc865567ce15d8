"""The store's layout (rag/index/store.py): several documents written with one call per
collection, in the crash-safe order, replacing what was under their ids."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
from helpers import STORY

from rag.documents.chunking import split_document
from rag.documents.loaders import load
from rag.index.ingest import chunk_vectors
from rag.index.recovery import pending_id
from rag.index.retrieve import Query
from rag.index.rows import Written, unit_id
from rag.index.store import Store
from rag.index.units import BLOCK, UnitBlocks, UnitRows


def written(store: Store, embedder: Any, path: Path) -> Written:
    doc = load(path)
    split = split_document(doc, embedder, chunk_tokens=40, overlap_tokens=8)
    vectors = embedder.embed([doc.text[u.start : u.end] for u in split.units])
    units = [(u.start, u.end) for u in split.units]
    return Written(doc, split.chunks, chunk_vectors(split, vectors), units, vectors)


def counting(store: Store) -> dict[str, int]:
    """How many upserts each collection gets from here on."""
    calls: dict[str, int] = {}
    collections = {
        "units": store.sentences.collection,
        "chunks": store._chunks,
        "docs": store._docs,
    }
    for name, guarded in collections.items():
        inner = guarded._inner

        class Counted:
            def __init__(self, inner: Any, key: str) -> None:
                self._inner, self._key = inner, key

            def upsert(self, **kw: Any) -> Any:
                calls[self._key] = calls.get(self._key, 0) + 1
                return self._inner.upsert(**kw)

            def __getattr__(self, attr: str) -> Any:
                return getattr(self._inner, attr)

        guarded._inner = Counted(inner, name)
    return calls


def test_documents_are_written_together_and_replace_what_was_there(
    make_assistant, tmp_path: Path
) -> None:
    paragraphs = STORY.split("\n\n")
    for n in range(3):
        (tmp_path / f"d{n}.md").write_text(f"# Bulletin {n}\n\n" + "\n\n".join(paragraphs[n:]))
    assistant = make_assistant()
    store, embedder = assistant.store, assistant.embedder
    batch = [written(store, embedder, tmp_path / f"d{n}.md") for n in range(3)]
    calls = counting(store)
    store.write_documents(batch)
    # units, chunks: one call each for three documents; docs: markers, text parts, records
    assert calls == {"units": 1, "chunks": 1, "docs": 3}
    assert sorted(d.id for d in store.documents()) == sorted(w.doc.id for w in batch)
    assert store.check() == [] and store.pending() == []
    first = store.document(batch[0].doc.id)
    assert first is not None and first.chunks == len(batch[0].chunks) > 1
    # the same id written again with fewer chunks: none of the old ones is left
    shorter = Written(
        batch[0].doc,
        batch[0].chunks[:1],
        batch[0].chunk_vectors[:1],
        batch[0].units,
        batch[0].unit_vectors,
    )
    store.write_documents([shorter])
    assert store.check() == []
    left = [m for _, _, m in store.iter_chunks() if m["doc_id"] == batch[0].doc.id]
    assert len(left) == 1


def test_an_interrupted_write_under_an_id_is_cleared_before_writing(
    make_assistant, tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text(STORY)
    assistant = make_assistant()
    store = assistant.store
    item = written(store, assistant.embedder, tmp_path / "a.md")
    store.touch_pending(item.doc.id)  # what a killed writer leaves: a marker, some chunks
    store.add_chunks(item.doc, item.chunks, item.chunk_vectors)
    store.write_documents([item])
    assert store.check() == [] and store.pending() == []
    assert store._docs.get(ids=[pending_id(item.doc.id)])["ids"] == []


def test_a_new_index_keeps_the_units_it_never_searches_in_blocks_with_a_sparse_graph(
    make_assistant,
) -> None:
    store = make_assistant().store
    assert isinstance(store.sentences, UnitBlocks)
    units = store.sentences.collection._inner.configuration["hnsw"]
    chunks = store._chunks._inner.configuration["hnsw"]
    # l2: a cosine space would normalise a block's side-by-side vectors as one
    assert (units["space"], units["max_neighbors"], units["ef_construction"]) == ("l2", 4, 16)
    assert (chunks["space"], chunks["max_neighbors"]) == ("cosine", 16)  # searched: as before


def test_units_written_in_parts_read_back_exactly_whatever_their_block(make_assistant) -> None:
    """A large file is written a section at a time: a section that starts inside a block
    adds to the block the section before began (nothing lost, vectors bit for bit)."""
    store = make_assistant().store
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((2 * BLOCK + 3, 12)).astype(np.float32)
    spans = [(10 * i, 10 * i + 9) for i in range(len(vectors))]
    cuts = [0, 3, BLOCK + 1, len(vectors)]  # sections begin mid-block
    for a, b in itertools.pairwise(cuts):
        store.add_units("doc", a, spans[a:b], vectors[a:b], headings=frozenset({0}))
    ids = [unit_id("doc", i) for i in range(len(vectors))]
    got = store.units([*ids[::-1], "doc:u999", unit_id("other", 0)])
    assert [u.id for u in got] == ids[::-1]  # in the order asked; what is not stored left out
    got = got[::-1]
    assert all(np.array_equal(u.vector, v) for u, v in zip(got, vectors, strict=True))
    assert [(u.start, u.end) for u in got] == spans
    assert [u.index for u in got if u.heading] == cuts[:-1]
    assert store.sentences.stored("doc") == len(vectors)
    store.delete_document("doc")
    assert store.units(ids) == [] and store.sentences.stored("doc") == 0


def test_a_search_kept_to_many_documents_finds_what_the_filtered_one_finds(
    make_assistant, tmp_path: Path, monkeypatch
) -> None:
    """Past MOST_IDS_FILTERED ids the dense search looks wider and keeps the allowed ones
    (a long Chroma "$in" filter is slow); the hits are the filtered search's."""
    import rag.index.store as layout

    paragraphs = [p for p in STORY.split("\n\n") if p.strip()]
    for n, paragraph in enumerate(paragraphs):
        (tmp_path / f"p{n}.md").write_text(f"# Part {n}\n\n{paragraph}")
    assistant = make_assistant()
    assistant.ingest([tmp_path])
    store = assistant.store
    ids = sorted(d.id for d in store.documents())
    vector = assistant.embedder.embed(["harbour storm damage"])[0]
    for allowed in (frozenset(ids[:-1]), frozenset(ids[:1]), frozenset(ids)):
        filtered = store.dense(vector, 3, doc_ids=allowed)
        monkeypatch.setattr(layout, "MOST_IDS_FILTERED", 0)
        wide = store.dense(vector, 3, doc_ids=allowed)
        monkeypatch.setattr(layout, "MOST_IDS_FILTERED", 256)
        assert [h[0] for h in wide] == [h[0] for h in filtered]
        assert all(h[2]["doc_id"] in allowed for h in wide) and wide


def test_units_and_chunks_of_an_older_layout_are_read_as_before(make_assistant) -> None:
    """Indexes written before 2026-12-05 keep one metadata key per field; new writes pack
    them into "at" (fewer rows for Chroma to write). Both read the same."""
    from rag.index.rows import chunk_place, unit_place

    assert unit_place({"doc_id": "d", "at": "3:120:180"}) == (3, 120, 180)
    assert unit_place({"doc_id": "d", "i": 3, "start": 120, "end": 180}) == (3, 120, 180)
    new = {"doc_id": "d", "start": 0, "end": 90, "at": "2:4:6:37"}
    old = {"doc_id": "d", "start": 0, "end": 90, "index": 2, "first": 4, "last": 6, "tokens": 37}
    assert chunk_place(new) == chunk_place(old) == (2, 4, 6, 37)
    assert chunk_place({k: v for k, v in old.items() if k != "tokens"}) == (2, 4, 6, 0)
    assistant = make_assistant()
    client, settings = assistant.store.client, assistant.settings
    older = client.create_collection(f"{settings.collection}-units", embedding_function=None)
    vector = [[1.0] + [0.0] * 7]
    older.upsert(  # a unit as a version before 2026-12-05 wrote it, a row of its own
        ids=["d:u3"], embeddings=vector, metadatas=[{"doc_id": "d", "i": 3, "start": 5, "end": 9}]
    )
    store = Store(client, settings, assistant.store._embeddings)  # opened again: older layout
    assert isinstance(store.sentences, UnitRows)
    [unit] = store.units(["d:u3"])
    assert (unit.doc_id, unit.index, unit.start, unit.end, unit.heading) == ("d", 3, 5, 9, False)
    store.add_units("d", 4, [(10, 20)], np.ones((1, 8), dtype=np.float32))  # written alike
    assert older.count() == 2 and store.sentences.stored("d") == 2


def test_a_question_reads_only_ids_from_chromas_search(make_assistant, tmp_path: Path) -> None:
    """The retriever's keyword snapshot holds every complete document's chunks: the dense
    search asks Chroma for ids and distances only, and the hits carry the same text and
    metadata as before (docs/benchmarks.md: ~2 ms a question at 10k chunks)."""
    (tmp_path / "a.md").write_text(STORY)
    assistant = make_assistant()
    assistant.ingest([tmp_path])
    store = assistant.store
    asked: list[list[str]] = []
    inner = store._chunks._inner

    class Recorded:
        def query(self, **kw: Any) -> Any:
            asked.append(list(kw["include"]))
            return inner.query(**kw)

        def __getattr__(self, attr: str) -> Any:
            return getattr(inner, attr)

    vector = assistant.embedder.embed(["harbour storm damage"])[0]
    full = store.dense(vector, 3)
    store._chunks._inner = Recorded()
    hits = assistant.retriever.run(Query("harbour storm damage", 3)).hits
    assert asked == [["distances"]]
    by_id = {chunk_id: (text, meta) for chunk_id, text, meta, _ in full}
    for hit in hits:
        if hit.chunk.id in by_id:
            text, meta = by_id[hit.chunk.id]
            assert hit.chunk.text == text and hit.source == meta["source"]
    assert hits and all(hit.chunk.text for hit in hits)
