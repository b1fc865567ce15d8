"""Turn files into :class:`Document` records, or say why a file is skipped."""

from __future__ import annotations

import bisect
import hashlib
import io
import itertools
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import IngestError
from ..records import Document, SkippedFile, Span
from .article import read_article
from .htmltext import heading_spans
from .markdown import markdown_text

log = logging.getLogger(__name__)

SUPPORTED = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".jsonl": "jsonl",
}
MAX_FILE_BYTES = 200 * 1024 * 1024


class Skip(Exception):
    """A file that cannot be ingested; the message is the reason."""


def document_id(text: str) -> str:
    """A stable id derived from the content."""
    digest = IdDigest()
    digest.update(text)
    return digest.id


class IdDigest:
    """:func:`document_id` of a text given in pieces (``document_id("".join(pieces))``)."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()

    def update(self, piece: str) -> None:
        self._sha.update(piece.encode("utf-8"))

    @property
    def id(self) -> str:
        return self._sha.hexdigest()[:16]


def check_paths(paths: list[str | Path]) -> None:
    """Every path given exists, or :class:`IngestError` names those that don't (URLs are
    checked when fetched; a broken link exists, and is skipped with its reason)."""
    from .fetch import is_url

    missing = [
        str(p)
        for p in paths
        if not is_url(str(p).strip())
        and not Path(p).expanduser().exists()
        and not Path(p).expanduser().is_symlink()
    ]
    if missing:
        names = ", ".join(missing)
        raise IngestError(f"no such file or folder: {names}; nothing was added (check the path)")


def iter_files(paths: list[str | Path]) -> Iterator[Path | SkippedFile]:
    """Files under ``paths`` (folders recursively, sorted), or why a path is unusable.

    Symlinked folders are followed once; a link back to a folder already being walked is
    a loop and is skipped with that reason, as is a link that leads nowhere.
    """
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_symlink() and not path.exists():
            yield SkippedFile(str(raw), _broken_link(path))
        elif not path.exists():
            yield SkippedFile(str(raw), "no such file or folder")
        elif path.is_dir():
            yield from _walk(path, seen)
        else:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path


def _walk(top: Path, seen: set[Path]) -> Iterator[Path | SkippedFile]:
    walked: set[Path] = set()
    for root, dirs, files in os.walk(top, followlinks=True):
        here = Path(root)
        real = here.resolve()
        if real in walked:  # reached again through a symlink
            dirs[:] = []
            yield SkippedFile(str(here), f"symlink loop or second link: {real} was already read")
            continue
        walked.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            file = here / name
            if file.is_symlink() and not file.exists():
                yield SkippedFile(str(file), _broken_link(file))
                continue
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                yield file


def _broken_link(path: Path) -> str:
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return "symlink loop"
    except OSError as exc:
        if "Too many levels" in str(exc) or getattr(exc, "errno", None) == 40:
            return "symlink loop"
    return "broken symlink (its target does not exist)"


def load(path: Path, *, source: str | None = None) -> Document:
    """Read one file. Raises :class:`Skip` with a reason for anything unusable."""
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise Skip(f"unsupported file type {path.suffix or '(none)'!r}")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Skip(f"larger than {MAX_FILE_BYTES // 2**20} MB")
        source = source or str(path.resolve())
        if kind == "jsonl":
            raise Skip("a news dump holds many documents: read it with rag.documents.newsdump")
        if kind == "pdf":  # read page by page from the file: its images never fill memory
            with path.open("rb") as fh:
                text, title, meta = _pdf_text(fh)
            return _document(
                text, title, kind=kind, name=path.name, source=source, size=size, meta=meta
            )
        data = path.read_bytes()
    except OSError as exc:
        raise Skip(f"cannot read: {exc.strerror or exc}") from None
    return parse(data, kind=kind, name=path.name, source=source)


def parse(data: bytes, *, kind: str, name: str, source: str, url: str | None = None) -> Document:
    """Build a document from raw bytes of a known kind (``url``: where a page came from)."""
    meta: dict[str, Any] = {}
    headings: list[Span] = []
    if kind == "pdf":
        text, title, meta = _pdf_text(io.BytesIO(data))
    else:
        raw = _decode(data)
        if kind == "html":
            article = read_article(raw, url=url)
            text, title = article.text, article.title
            headings = heading_spans(text, article.headings)
            meta = {**article.meta, "extraction": "article" if article.extracted else "visible"}
        elif kind == "markdown":
            text, headings, title = markdown_text(_normalize_newlines(raw))
        else:
            text = _normalize_newlines(raw)
            title = ""
    if url:
        meta.setdefault("url", url)
    doc = _document(text, title, kind=kind, name=name, source=source, size=len(data), meta=meta)
    return replace(doc, headings=tuple(headings))


def _document(
    text: str,
    title: str,
    *,
    kind: str,
    name: str,
    source: str,
    size: int,
    meta: dict[str, Any] | None = None,
) -> Document:
    if not text.strip():
        raise Skip("no text in file")
    title = title or _first_line_title(text) or name
    return Document(
        id=document_id(text),
        source=source,
        title=title,
        text=text,
        metadata={"kind": kind, "name": name, "bytes": size, **(meta or {})},
    )


def check_not_binary(head: bytes) -> None:
    """Raise Skip if the first bytes of a file hold a NUL (binary data)."""
    if b"\x00" in head[:8192]:
        raise Skip("binary data, not text")


def check_decoded(replaced: int, chars: int) -> None:
    """Raise Skip if a cp1252 decoding needed too many replacement characters."""
    if replaced > max(3, chars // 1000):
        raise Skip("not UTF-8 text (and not a single-byte Western encoding either)")


def _decode(data: bytes) -> str:
    check_not_binary(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    check_decoded(text.count("\ufffd"), len(text))
    return text


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _first_line_title(text: str) -> str:
    for line in text.split("\n", 20)[:20]:
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200] if len(line) <= 200 else ""
    return ""


def _markdown_title(text: str) -> str:
    m = re.search(r"^#\s+(.+)$", text[:20000], re.MULTILINE)
    return m.group(1).strip()[:200] if m else ""


def _forget_images(cache: dict[Any, Any], known: int) -> int:
    """Drop image objects that entered pypdf's object cache after its first ``known``
    entries (the cache keeps insertion order); returns the new number of entries."""
    images = [
        key
        for key, obj in itertools.islice(cache.items(), known, None)
        if isinstance(obj, dict) and obj.get("/Subtype") == "/Image"
    ]
    for key in images:
        del cache[key]
    return len(cache)


def _pdf_text(stream: BinaryIO) -> tuple[str, str, dict[str, Any]]:
    """(text, title, metadata) of a PDF, read from ``stream`` a page at a time.

    Pages are joined by a blank line; ``metadata["pages"]`` holds the offset in the text
    where each page starts (a page without text holds no characters), and
    ``author``/``published`` come from the PDF's own metadata where it has them. pypdf
    keeps every object it has read, images included, so the images a page read are
    dropped after it: memory holds one page's images, not the file's (fonts stay cached).
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise Skip("encrypted PDF (needs a password)")
            except (NotImplementedError, PdfReadError):
                raise Skip("encrypted PDF (needs a password)") from None
        info = reader.metadata
        title = str(info.title).strip() if info and info.title else ""
        meta = _pdf_metadata(info)
        pages, known = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            known = _forget_images(reader.resolved_objects, known)
    except Skip:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise Skip(f"unreadable PDF: {type(exc).__name__}: {exc}"[:200]) from None
    parts: list[str] = []
    starts: list[int] = []
    at = 0
    for page_text in pages:
        body = _normalize_newlines(page_text).strip()
        if parts and body:
            at += 2  # the blank line before this page
        starts.append(at)
        if body:
            parts.append(body)
            at += len(body)
    meta["pages"] = starts
    return "\n\n".join(parts), title[:200], meta


def _pdf_metadata(info: Any) -> dict[str, Any]:
    """author and published (ISO date, from /CreationDate) of a PDF, where present."""
    meta: dict[str, Any] = {}
    if not info:
        return meta
    try:
        author = info.author
    except Exception:  # damaged metadata is only left out
        author = None
    if author and str(author).strip():
        meta["author"] = " ".join(str(author).split())[:300]
    raw = str(info.get("/CreationDate") or "")
    found = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", raw)
    if found and 1 <= int(found.group(2)) <= 12 and 1 <= int(found.group(3)) <= 31:
        meta["published"] = "-".join(found.groups())
    return meta


def page_of(starts: list[int], offset: int) -> int:
    """The 1-based page holding character ``offset``, given each page's start offset."""
    return max(1, bisect.bisect_right(starts, offset))
