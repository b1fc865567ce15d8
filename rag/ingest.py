"""Ingest: files → documents → units and chunks → vectors → store, idempotently."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import Split, split_document
from .config import Settings
from .embed import Embedder
from .loaders import Skip, iter_files, load
from .records import Document, DocumentInfo, IngestReport, SkippedFile
from .store import Store

log = logging.getLogger(__name__)

#: progress(units embedded so far, units to embed in all)
Progress = Callable[[int, int], None]
GROUP_UNITS = 1024
#: Sentence vectors remembered within one ingest (identical sentences are embedded once).
CACHE_UNITS = 200_000


@dataclass(slots=True)
class _Pending:
    doc: Document
    split: Split
    replaces: DocumentInfo | None


def ingest(
    paths: list[str | Path],
    *,
    store: Store,
    embedder: Embedder,
    settings: Settings,
    progress: Progress | None = None,
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    report.repaired = store.repair()
    known = {d.id: d for d in store.documents()}
    by_source = {d.source: d for d in known.values()}
    pending: list[_Pending] = []
    queued: set[str] = set()
    for item in iter_files(paths):
        if isinstance(item, SkippedFile):
            report.skipped.append(item)
            continue
        try:
            doc = load(item)
        except Skip as why:
            log.info("skipped %s: %s", item, why)
            report.skipped.append(SkippedFile(str(item), str(why)))
            continue
        if doc.id in known or doc.id in queued:
            report.unchanged.append(doc.source)
            continue
        split = split_document(
            doc,
            embedder,
            chunk_tokens=settings.chunk_tokens,
            overlap_tokens=settings.chunk_overlap_tokens,
        )
        queued.add(doc.id)
        pending.append(_Pending(doc, split, by_source.get(doc.source)))
    _embed_and_write(pending, store, embedder, progress)
    for done in pending:
        old = done.replaces
        if old is not None and old.id != done.doc.id:
            store.delete_document(old.id, bump=False)
            report.updated.append(done.doc.source)
        else:
            report.added.append(done.doc.source)
        report.chunks += len(done.split.chunks)
        report.sentences += len(done.split.units)
    if pending:
        store.bump_revision()
    report.seconds = time.perf_counter() - started
    log.info("ingest: %s", report.summary())
    return report


def _embed_and_write(
    pending: list[_Pending], store: Store, embedder: Embedder, progress: Progress | None
) -> None:
    total = sum(len(p.split.units) for p in pending)
    done = 0
    if progress:
        progress(0, total)
    group: list[_Pending] = []
    size = 0
    cache: dict[str, np.ndarray] = {}  # a sentence repeated across documents is embedded once
    for item in pending:
        group.append(item)
        size += len(item.split.units)
        if size >= GROUP_UNITS:
            done = _flush(group, store, embedder, progress, done, total, cache)
            group, size = [], 0
    if group:
        _flush(group, store, embedder, progress, done, total, cache)


def _flush(
    group: list[_Pending],
    store: Store,
    embedder: Embedder,
    progress: Progress | None,
    done: int,
    total: int,
    cache: dict[str, np.ndarray],
) -> int:
    texts = [p.doc.text[u.start : u.end] for p in group for u in p.split.units]
    new = list(dict.fromkeys(t for t in texts if t not in cache))
    if len(cache) + len(new) > CACHE_UNITS:
        cache.clear()
    if new:
        cache.update(zip(new, embedder.embed(new), strict=True))
    vectors = np.stack([cache[t] for t in texts]) if texts else embedder.embed([])
    offset = 0
    for item in group:
        n = len(item.split.units)
        unit_vectors = vectors[offset : offset + n]
        offset += n
        store.write_document(
            item.doc,
            item.split.chunks,
            chunk_vectors(item.split, unit_vectors),
            [(u.start, u.end) for u in item.split.units],
            unit_vectors,
        )
    done += len(texts)
    if progress:
        progress(done, total)
    return done


def chunk_vectors(split: Split, unit_vectors: np.ndarray) -> np.ndarray:
    """Each chunk's vector: the token-weighted mean of its units' vectors, normalised."""
    weights = np.asarray(split.unit_tokens, dtype=np.float32).clip(min=1.0)
    out = np.zeros((len(split.chunks), unit_vectors.shape[1]), dtype=np.float32)
    for row, chunk in enumerate(split.chunks):
        sl = slice(chunk.first_sentence, chunk.last_sentence + 1)
        v = (unit_vectors[sl] * weights[sl, None]).sum(axis=0)
        norm = float(np.linalg.norm(v))
        out[row] = v / norm if norm > 0 else v
    return out
