"""Large text, Markdown and HTML files, read and indexed a section at a time.

A file over :data:`LARGE_BYTES` is never held in memory whole. :func:`scan` reads it once to
learn its id (the same content hash :func:`rag.documents.loaders.document_id` gives), its
title and its length; :func:`sections` reads it again in sections of about
:data:`SECTION_CHARS` characters that end at a paragraph break, each with its offset into
the whole text. The ingest splits, embeds and stores one section at a time, so memory stays
bounded by the section size, and offsets stay exact: ``text[offset:offset + len(section)] ==
section``. An HTML file's visible text is extracted as it is read
(:class:`rag.documents.htmltext.VisibleText`).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .htmltext import VisibleText
from .loaders import (
    SUPPORTED,
    IdDigest,
    Skip,
    _first_line_title,
    _markdown_title,
    _normalize_newlines,
    check_decoded,
    check_not_binary,
)

#: Text, Markdown and HTML files above this size are streamed.
LARGE_BYTES = 8 * 2**20
#: About how many characters one section holds.
SECTION_CHARS = 250_000
_READ = 1 << 20
_TITLE_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class LargeText:
    """What one pass over a large file learned."""

    path: Path
    id: str
    source: str
    title: str
    chars: int
    kind: str
    bytes: int
    encoding: str


def is_large(path: Path) -> bool:
    kind = SUPPORTED.get(path.suffix.lower())
    try:
        return kind in ("text", "markdown", "html") and path.stat().st_size > LARGE_BYTES
    except OSError:
        return False


def scan(path: Path, *, source: str | None = None) -> LargeText:
    """Hash, measure and title a large file in one streaming pass; raises Skip."""
    kind = SUPPORTED[path.suffix.lower()]
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            check_not_binary(f.read(8192))
    except OSError as exc:
        raise Skip(f"cannot read: {exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "cp1252"):
        digest = IdDigest()
        head, chars, visible = "", 0, False
        decoded = [0, 0]  # characters decoded, and how many of them are U+FFFD
        html = VisibleText() if kind == "html" else None
        try:
            for piece in _text(_counted(_decoded(path, encoding), decoded), html):
                digest.update(piece)
                chars += len(piece)
                visible = visible or not piece.isspace()
                if len(head) < _TITLE_CHARS:
                    head += piece[: _TITLE_CHARS - len(head)]
        except UnicodeDecodeError:
            continue
        except OSError as exc:
            raise Skip(f"cannot read: {exc.strerror or exc}") from None
        if encoding == "cp1252":
            check_decoded(decoded[1], decoded[0])
        if not visible:
            raise Skip("no text in file")
        title = (
            (html.title if html else "")
            or (_markdown_title(head) if kind == "markdown" else "")
            or _first_line_title(head)
        )
        return LargeText(
            path=path,
            id=digest.id,
            source=source or str(path.resolve()),
            title=title or path.name,
            chars=chars,
            kind=kind,
            bytes=size,
            encoding=encoding,
        )
    raise AssertionError("cp1252 decodes any bytes")  # pragma: no cover


def sections(large: LargeText, size: int | None = None) -> Iterator[tuple[int, str]]:
    """(offset, text) of consecutive sections that together are the whole text.

    A section ends after the last paragraph break (else line break) in its window, so
    sentences are rarely cut; a window with neither is cut at ``size``.
    """
    size = size or SECTION_CHARS
    offset, buffer = 0, ""
    html = VisibleText() if large.kind == "html" else None
    for piece in _text(_decoded(large.path, large.encoding), html):
        buffer += piece
        while len(buffer) >= size * 2:
            cut = _cut(buffer, size)
            yield offset, buffer[:cut]
            offset += cut
            buffer = buffer[cut:]
    if buffer:
        yield offset, buffer


def _cut(buffer: str, size: int) -> int:
    for mark in ("\n\n", "\n"):
        at = buffer.rfind(mark, size // 2, size + size // 2)
        if at >= 0:
            return at + len(mark)
    return size


def _counted(pieces: Iterable[str], tally: list[int]) -> Iterator[str]:
    """``pieces``, adding their length to ``tally[0]`` and their U+FFFD to ``tally[1]``."""
    for piece in pieces:
        tally[0] += len(piece)
        tally[1] += piece.count("\ufffd")
        yield piece


def _text(decoded: Iterable[str], html: VisibleText | None) -> Iterator[str]:
    """The document's text in pieces: with ``html``, the visible text of the decoded HTML;
    otherwise the decoded text itself."""
    if html is None:
        yield from decoded
        return
    for piece in decoded:
        if text := html.feed(piece):
            yield text
    if text := html.close():
        yield text


def _decoded(path: Path, encoding: str) -> Iterator[str]:
    """The file decoded in pieces, with newlines normalised as the loaders do (``\\r\\n`` and
    ``\\r`` become ``\\n``, also across piece boundaries)."""
    decoder = codecs.getincrementaldecoder(encoding)(
        errors="replace" if encoding == "cp1252" else "strict"
    )
    held = ""
    with path.open("rb") as f:
        while block := f.read(_READ):
            text = held + decoder.decode(block)
            held = ""
            if text.endswith("\r"):
                text, held = text[:-1], "\r"
            yield _normalize_newlines(text)
        tail = held + decoder.decode(b"", final=True)
        if tail:
            yield _normalize_newlines(tail)
