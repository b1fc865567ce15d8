"""A PDF page rendered as an image with a quoted passage's text boxes highlighted.

The text a citation quotes was extracted with pypdf; pdfium (pypdfium2) renders the page
and knows where each character is drawn. The two libraries agree on the characters but not
always on the blanks between them, so the quote is found in pdfium's text of the page with
all whitespace ignored, and the boxes of the characters found are highlighted.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotFoundError

_SPACE = re.compile(r"\s+")
#: pixels per PDF point in the rendered image (72 points an inch: 1.5 gives 108 dpi)
SCALE = 1.5
HIGHLIGHT = (255, 213, 0, 110)


@dataclass(frozen=True, slots=True)
class Box:
    """A highlighted rectangle in image pixels (origin top left)."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True, slots=True)
class PageView:
    png: bytes
    width: int
    height: int
    pages: int
    #: where the quote was found (empty if it could not be found on the page)
    boxes: list[Box]


def render(path: Path, page: int, quote: str, *, scale: float = SCALE) -> PageView:
    """Page ``page`` (1-based) of the PDF at ``path`` with ``quote`` highlighted."""
    import pypdfium2 as pdfium

    if not path.is_file():
        raise NotFoundError(f"the PDF is no longer at {path}; ingest it again to see its pages")
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise NotFoundError(f"cannot open {path.name} as a PDF: {exc}") from None
    try:
        if not 1 <= page <= len(pdf):
            raise NotFoundError(f"{path.name} has no page {page} (it has {len(pdf)})")
        sheet = pdf[page - 1]
        height = sheet.get_height()
        boxes = [
            Box(left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
            for left, bottom, right, top in _quote_rects(sheet, quote)
        ]
        image = sheet.render(scale=scale).to_pil().convert("RGBA")
        overlay = _overlay(image.size, boxes)
        image.alpha_composite(overlay)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG")
        return PageView(out.getvalue(), image.width, image.height, len(pdf), boxes)
    finally:
        pdf.close()


def _quote_rects(sheet: object, quote: str) -> list[tuple[float, float, float, float]]:
    """(left, bottom, right, top) in PDF points of the lines of the quote on the page."""
    text_page = sheet.get_textpage()  # type: ignore[attr-defined]
    count = text_page.count_chars()
    chars = [text_page.get_text_range(i, 1) for i in range(count)]
    kept = [i for i, c in enumerate(chars) if c and not c.isspace()]
    haystack = "".join(chars[i][0] for i in kept).casefold()
    needle = _SPACE.sub("", quote).casefold()
    if not needle:
        return []
    at = haystack.find(needle)
    if at < 0:  # a hyphenated line end or a ligature differs: mark the longest end found
        at, needle = _partial(haystack, needle)
        if at < 0:
            return []
    first, last = kept[at], kept[at + len(needle) - 1]
    n = text_page.count_rects(first, last - first + 1)
    return [tuple(text_page.get_rect(i)) for i in range(n)]


def _partial(haystack: str, needle: str) -> tuple[int, str]:
    """Where the longest start or end of ``needle`` (at least 20 characters) occurs."""
    for size in range(len(needle) - 1, 19, -max(1, len(needle) // 20)):
        for piece in (needle[:size], needle[-size:]):
            at = haystack.find(piece)
            if at >= 0:
                return at, piece
    return -1, needle


def _overlay(size: tuple[int, int], boxes: list[Box]) -> object:
    from PIL import Image, ImageDraw

    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for box in boxes:
        draw.rectangle((box.left - 2, box.top - 2, box.right + 2, box.bottom + 2), fill=HIGHLIGHT)
    return layer
