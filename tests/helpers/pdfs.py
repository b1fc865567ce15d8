"""Tiny hand-built PDFs for the loader tests (no PDF writer with text in the dependencies)."""

from __future__ import annotations

import os
from pathlib import Path


def text_pdf(lines: list[str], title: str = "") -> bytes:
    return pages_pdf([lines], title=title)


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pages_pdf(
    pages: list[list[str]], *, title: str = "", author: str = "", created: str = ""
) -> bytes:
    """A PDF with one page of Helvetica lines per item of ``pages`` (14 pt apart from the
    top left), and the given /Title, /Author and /CreationDate (``D:YYYYMMDD...``)."""
    n = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        content = (
            "BT /F1 12 Tf 72 720 Td 14 TL "
            + " ".join("(" + _escape(line) + ") '" for line in lines)
            + " ET"
        )
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>"
        )
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
    info = {"Title": title, "Author": author, "CreationDate": created}
    fields = " ".join(f"/{k} ({_escape(v)})" for k, v in info.items() if v)
    if fields:
        objects.append(f"<< {fields} >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f" /Info {len(objects)} 0 R" if fields else ""
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{trailer} >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return out


def image_pdf(path: Path, pages: list[list[str]], image_bytes: int) -> Path:
    """A PDF written straight to ``path`` with text lines and its own RGB image of about
    ``image_bytes`` (random, uncompressed) on every page: large on disk, little text."""
    side = max(1, int((image_bytes / 3) ** 0.5))
    offsets: list[int] = []
    font = 3
    with path.open("wb") as out:

        def put(body: bytes) -> None:
            offsets.append(out.tell())
            out.write(f"{len(offsets)} 0 obj\n".encode() + body + b"\nendobj\n")

        out.write(b"%PDF-1.4\n")
        kids = " ".join(f"{4 + 3 * n + 1} 0 R" for n in range(len(pages)))
        put(b"<< /Type /Catalog /Pages 2 0 R >>")
        put(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
        put(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        for lines in pages:
            image = len(offsets) + 1
            pixels = os.urandom(side * side * 3)
            put(
                f"<< /Type /XObject /Subtype /Image /Width {side} /Height {side} "
                f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Length {len(pixels)} >>\n"
                "stream\n".encode()
                + pixels
                + b"\nendstream"
            )
            put(
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {image + 2} 0 R "
                f"/Resources << /Font << /F1 {font} 0 R >> /XObject << /Im1 {image} 0 R >> >> >>".encode()
            )
            text = " ".join("(" + line + ") '" for line in lines)
            content = f"q 100 0 0 100 0 0 cm /Im1 Do Q BT /F1 12 Tf 72 720 Td 14 TL {text} ET"
            put(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream".encode("latin-1"))
        xref = out.tell()
        out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
        out.write(
            f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        )
    return path
