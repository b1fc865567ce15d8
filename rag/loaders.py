"""Turn files into :class:`Document` records, or say why a file is skipped."""

from __future__ import annotations

import hashlib
import io
import itertools
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .htmltext import html_text
from .records import Document, SkippedFile

log = logging.getLogger(__name__)

SUPPORTED = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
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
        if kind == "pdf":  # read page by page from the file: its images never fill memory
            with path.open("rb") as fh:
                text, title = _pdf_text(fh)
            return _document(text, title, kind=kind, name=path.name, source=source, size=size)
        data = path.read_bytes()
    except OSError as exc:
        raise Skip(f"cannot read: {exc.strerror or exc}") from None
    return parse(data, kind=kind, name=path.name, source=source)


def parse(data: bytes, *, kind: str, name: str, source: str) -> Document:
    """Build a document from raw bytes of a known kind."""
    if kind == "pdf":
        text, title = _pdf_text(io.BytesIO(data))
    else:
        raw = _decode(data)
        if kind == "html":
            text, title = html_text(raw)
        else:
            text = _normalize_newlines(raw)
            title = _markdown_title(text) if kind == "markdown" else ""
    return _document(text, title, kind=kind, name=name, source=source, size=len(data))


def _document(text: str, title: str, *, kind: str, name: str, source: str, size: int) -> Document:
    if not text.strip():
        raise Skip("no text in file")
    title = title or _first_line_title(text) or name
    return Document(
        id=document_id(text),
        source=source,
        title=title,
        text=text,
        metadata={"kind": kind, "name": name, "bytes": size},
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


def _pdf_text(stream: BinaryIO) -> tuple[str, str]:
    """The text of each page, read from ``stream`` a page at a time. pypdf keeps every
    object it has read, images included, so the images a page read are dropped after it:
    memory holds one page's images, not the file's (fonts stay cached, for speed)."""
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
        meta = reader.metadata
        title = str(meta.title).strip() if meta and meta.title else ""
        pages, known = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            known = _forget_images(reader.resolved_objects, known)
    except Skip:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise Skip(f"unreadable PDF: {type(exc).__name__}: {exc}"[:200]) from None
    text = "\n\n".join(_normalize_newlines(p).strip() for p in pages if p.strip())
    return text, title[:200]
