"""Ingest: files → documents → units and chunks → vectors → store, idempotently."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from ..config import Settings
from ..documents.chunking import Split, split_document
from ..documents.fetch import fetch, is_url
from ..documents.large import LARGE_BYTES, LargeText, is_large, scan, sections
from ..documents.loaders import IdDigest, Skip, iter_files, load, parse
from ..documents.newsdump import read_dump
from ..hardware import release_memory
from ..records import Document, DocumentInfo, IngestReport, SkippedFile
from .embed import Embedder
from .rows import TEXT_PART_CHARS, Written
from .store import Store

log = logging.getLogger(__name__)

#: progress(units embedded so far, units to embed in all)
Progress = Callable[[int, int], None]
GROUP_UNITS = 4096
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
    private_urls: bool = True,
) -> IngestReport:
    """Index files, folders and URLs (``http(s)://``; with ``private_urls=False`` a URL of a
    private, loopback or link-local address is refused)."""
    started = time.perf_counter()
    report = IngestReport()
    report.repaired = store.repair()
    known = {d.id: d for d in store.documents()}
    by_source = {d.source: d for d in known.values()}
    pending: list[_Pending] = []
    large: list[tuple[LargeText, DocumentInfo | None]] = []
    queued: dict[str, str] = {}  # id -> source of the documents this ingest will write
    for doc in _documents(paths, report, settings, private_urls):
        same = known[doc.id].source if doc.id in known else queued.get(doc.id)
        if same == doc.source:
            report.unchanged.append(doc.source)
            continue
        if same is not None:
            report.skipped.append(SkippedFile(doc.source, f"same text as {same}"))
            continue
        queued[doc.id] = doc.source
        if isinstance(doc, LargeText):
            if doc.kind == "html":
                note = f"larger than {LARGE_BYTES // 2**20} MB: streamed, all its visible text"
                report.notes.append(SkippedFile(doc.source, note))
            large.append((doc, by_source.get(doc.source)))
            continue
        note = _note(doc)
        if note:
            report.notes.append(SkippedFile(doc.source, note))
        pending.append(_Pending(doc, _split(doc, embedder, settings), by_source.get(doc.source)))
    _embed_and_write(pending, store, embedder, progress)
    written = [
        (p.doc.id, p.doc.source, p.replaces, len(p.split.chunks), len(p.split.units))
        for p in pending
    ]
    for big, replaces in large:
        try:
            chunks, units = _write_large(big, store, embedder, settings, progress)
        except Skip as why:
            report.skipped.append(SkippedFile(big.source, str(why)))
            continue
        written.append((big.id, big.source, replaces, chunks, units))
    for doc_id, source, old, chunks, units in written:
        if old is not None and old.id != doc_id:
            store.delete_document(old.id, bump=False)
            report.updated.append(source)
        else:
            report.added.append(source)
        report.chunks += chunks
        report.sentences += units
    if written:
        store.bump_revision()
    report.seconds = time.perf_counter() - started
    log.info("ingest: %s", report.summary())
    release_memory()  # the batches' pages back to the system (a server lives on)
    return report


def _documents(
    paths: list[str | Path], report: IngestReport, settings: Settings, private_urls: bool
) -> Iterator[Document | LargeText]:
    """Every document under ``paths`` (a news dump gives many), then those of the URLs;
    what cannot be read goes to ``report.skipped`` with its reason."""
    urls = list(dict.fromkeys(str(p).strip() for p in paths if is_url(str(p).strip())))
    files = [p for p in paths if not is_url(str(p).strip())]
    for item in iter_files(files):
        if isinstance(item, SkippedFile):
            report.skipped.append(item)
            continue
        if item.suffix.lower() == ".jsonl":
            for found in read_dump(item):
                if isinstance(found, SkippedFile):
                    report.skipped.append(found)
                else:
                    yield found
            continue
        try:
            yield scan(item) if is_large(item) else load(item)
        except Skip as why:
            log.info("skipped %s: %s", item, why)
            report.skipped.append(SkippedFile(str(item), str(why)))

    for url in urls:
        try:
            yield _fetched(url, settings, private_urls)
        except Skip as why:
            log.info("skipped %s: %s", url, why)
            report.skipped.append(SkippedFile(url, str(why)))


def _fetched(url: str, settings: Settings, private_urls: bool) -> Document:
    """The document at ``url``, its source the URL as given."""
    got = fetch(
        url,
        max_bytes=int(settings.url_max_mb * 2**20),
        timeout=settings.url_timeout,
        allow_private=private_urls,
    )
    name = urlsplit(got.url).path.rstrip("/").rsplit("/", 1)[-1] or urlsplit(got.url).netloc
    doc = parse(got.data, kind=got.kind, name=name, source=url, url=got.url)
    if got.kind == "pdf":  # kept for the page view: the source is a URL, not a file
        kept = pdf_copy(settings, doc.id)
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(got.data)
    return doc


def pdf_copy(settings: Settings, doc_id: str) -> Path:
    """Where the bytes of a PDF fetched by URL are kept (the page view renders them)."""
    return settings.data_dir / "pdf" / f"{doc_id}.pdf"


def _note(doc: Document) -> str:
    """What a user should know about how a document was read, or ""."""
    notes = []
    if doc.metadata.get("extraction") == "visible":
        notes.append("no article found in the page: indexed all its visible text")
    if doc.metadata.get("note"):
        notes.append(str(doc.metadata["note"]))
    return "; ".join(notes)


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
    vectors = embed_cached(texts, embedder, cache)
    offset = 0
    batch = []
    for item in group:
        n = len(item.split.units)
        unit_vectors = vectors[offset : offset + n]
        offset += n
        batch.append(
            Written(
                item.doc,
                item.split.chunks,
                chunk_vectors(item.split, unit_vectors),
                [(u.start, u.end) for u in item.split.units],
                unit_vectors,
            )
        )
    store.write_documents(batch)  # one call per collection for the group
    done += len(texts)
    if progress:
        progress(done, total)
    return done


def embed_cached(texts: list[str], embedder: Embedder, cache: dict[str, np.ndarray]) -> np.ndarray:
    """Vectors for ``texts``: each distinct text not in ``cache`` is embedded once and added
    to it (the cache is emptied first if it would pass CACHE_UNITS)."""
    new = list(dict.fromkeys(t for t in texts if t not in cache))
    if len(cache) + len(new) > CACHE_UNITS:
        cache.clear()
    if new:
        cache.update(zip(new, embedder.embed(new), strict=True))
    return np.stack([cache[t] for t in texts]) if texts else embedder.embed([])


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


def _split(doc: Document, embedder: Embedder, settings: Settings) -> Split:
    return split_document(
        doc,
        embedder,
        chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
    )


def _write_large(
    big: LargeText,
    store: Store,
    embedder: Embedder,
    settings: Settings,
    progress: Progress | None,
) -> tuple[int, int]:
    """Index a large file a section at a time; returns (chunks, units). Raises Skip if the
    file changed while it was read (what was written is removed)."""
    doc = Document(
        id=big.id,
        source=big.source,
        title=big.title,
        text="",
        metadata={
            "kind": big.kind,
            "name": big.path.name,
            "bytes": big.bytes,
            "streamed": True,
            **({"extraction": "visible"} if big.kind == "html" else {}),
        },
    )
    store.begin_document(doc.id)
    digest = IdDigest()
    units = chunks = parts = chars = 0
    held = ""  # text not yet stored as a whole part
    for offset, text in sections(big):
        digest.update(text)
        split = _split(replace(doc, text=text), embedder, settings)
        # a fresh cache per section: memory stays bounded by the section
        vectors = embed_cached([text[u.start : u.end] for u in split.units], embedder, {})
        store.add_units(
            doc.id, units, [(u.start + offset, u.end + offset) for u in split.units], vectors
        )
        shifted = [
            replace(
                c,
                id=f"{doc.id}:{chunks + c.index}",
                index=chunks + c.index,
                start=c.start + offset,
                end=c.end + offset,
                first_sentence=c.first_sentence + units,
                last_sentence=c.last_sentence + units,
            )
            for c in split.chunks
        ]
        store.add_chunks(doc, shifted, chunk_vectors(split, vectors))
        held += text
        whole = len(held) // TEXT_PART_CHARS
        if whole:
            store.add_text_parts(
                doc.id,
                parts,
                [held[i * TEXT_PART_CHARS : (i + 1) * TEXT_PART_CHARS] for i in range(whole)],
            )
            parts += whole
            held = held[whole * TEXT_PART_CHARS :]
        units += len(split.units)
        chunks += len(shifted)
        chars += len(text)
        store.touch_pending(doc.id)
        if progress:  # the total is estimated from the characters read so far
            progress(units, max(units, round(units * big.chars / max(chars, 1))))
    if held:
        store.add_text_parts(doc.id, parts, [held])
        parts += 1
    if chars != big.chars or digest.id != big.id:
        store.delete_document(doc.id, bump=False)
        raise Skip("the file changed while it was being read; ingest it again")
    store.finish_document(doc, chars=chars, chunks=chunks, units=units, parts=parts)
    return chunks, units
