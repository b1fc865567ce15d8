"""The documents side of the assistant: adding, listing, reading and removing documents
(:class:`Library`); :class:`rag.assistant.Assistant` adds the questions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from .documents.loaders import check_paths
from .errors import NotFoundError
from .index import scope
from .index.ingest import Progress, ingest, pdf_copy
from .records import DocumentInfo, IngestReport
from .wiring import Stages

_TEXT_CACHE = 32  # document texts kept for citations and the page view
#: guards every library's text cache (the web app reads texts from several threads)
_TEXTS_LOCK = threading.RLock()


class Library(Stages):
    """Documents in: ingest, list, read and delete them (the stages of :mod:`rag.wiring`)."""

    @property
    def _texts(self) -> OrderedDict[str, str]:
        """Document texts read for citations and the page view, newest last (each
        library's own, made on first use)."""
        with _TEXTS_LOCK:
            cache: OrderedDict[str, str] = self.__dict__.setdefault("_text_cache", OrderedDict())
        return cache

    def ingest(
        self,
        paths: Sequence[str | Path] | str | Path,
        *,
        progress: Progress | None = None,
        private_urls: bool = True,
    ) -> IngestReport:
        """Add files, folders, news dumps (``.jsonl``) and URLs; unchanged documents are
        left alone, changed ones replaced. ``private_urls=False`` refuses URLs of private,
        loopback and link-local addresses (what a web app open to others should do).

        A path that does not exist raises :class:`IngestError` naming it, and nothing is
        added; files that cannot be read inside a folder are skipped with their reasons."""
        if isinstance(paths, str | Path):
            paths = [paths]
        check_paths(list(paths))
        store = self.store
        with self.writing():
            return ingest(
                list(paths),
                store=store,
                embedder=self.embedder,
                settings=self.settings,
                progress=progress,
                private_urls=private_urls,
            )

    def documents(self) -> list[DocumentInfo]:
        return self.index.documents()

    def document(self, doc_id: str) -> DocumentInfo:
        info = self.index.document(doc_id)
        if info is None:
            raise NotFoundError(f"no document with id {doc_id!r}; `rag docs` lists them")
        return info

    def resolve_source(self, source: str) -> str:
        """The indexed source that ``source`` names: a document id, the source as stored
        (a path or URL), a path to the same file, or a file name that one document has.
        Read from the index alone (no model is loaded); see :func:`scope.resolve_source`."""
        return scope.resolve_source(self.documents(), source)

    def delete(self, doc_id: str) -> DocumentInfo:
        """Remove a document and all its chunks; returns what was removed."""
        info = self.document(doc_id)
        with self.writing():
            self.index.delete_document(doc_id)
            pdf_copy(self.settings, doc_id).unlink(missing_ok=True)
        with _TEXTS_LOCK:
            self._texts.pop(doc_id, None)
        return info

    def document_text(self, doc_id: str) -> str:
        """The full text that citation offsets index into."""
        text = self._texts.get(doc_id)
        if text is None:
            info = self.document(doc_id)
            text = self.index.document_text(doc_id, int(info.metadata.get("parts", 1)))
            with _TEXTS_LOCK:
                self._texts[doc_id] = text
                while len(self._texts) > _TEXT_CACHE:
                    self._texts.popitem(last=False)
        return text

    def passage(self, doc_id: str, start: int, end: int, margin: int = 5000) -> tuple[int, str]:
        """(offset, text): a stretch of the document around ``[start, end)``, at least
        ``margin`` characters either side where the document has them. Reads only the
        parts of a long document that it needs."""
        info = self.document(doc_id)
        if int(info.metadata.get("parts", 1)) <= 1:
            return 0, self.document_text(doc_id)
        return self.index.document_range(
            doc_id, max(0, start - margin), min(info.chars, end + margin)
        )
