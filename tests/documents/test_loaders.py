from __future__ import annotations

from pathlib import Path

import pytest
from helpers.pdfs import pages_pdf, text_pdf

from rag.documents.loaders import Skip, document_id, iter_files, load, page_of
from rag.records import SkippedFile


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_text_file_keeps_its_text_and_first_line_title(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "a.txt", "Big News Today\r\n\r\nSomething happened. Then more."))
    assert doc.text == "Big News Today\n\nSomething happened. Then more."
    assert doc.title == "Big News Today"
    assert doc.id == document_id(doc.text)
    assert doc.source == str((tmp_path / "a.txt").resolve())


def test_markdown_title_is_its_heading(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "n.md", "Intro line\n\n# The Real Title\n\nBody."))
    assert doc.title == "The Real Title"


def test_html_keeps_the_article_without_scripts(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Page T</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script><p>Visible one.</p><p>Visible &amp; two.</p>"
        "<noscript>hidden</noscript></body></html>"
    )
    doc = load(write(tmp_path, "p.html", html))
    assert doc.title == "Page T"
    assert doc.text == "Page T\n\nVisible one.\n\nVisible & two."  # headline, then body


def test_pdf_text_and_title(tmp_path: Path) -> None:
    doc = load(
        write(tmp_path, "r.pdf", text_pdf(["Ceasefire talks resumed.", "Both sides met."], "PDF T"))
    )
    assert "Ceasefire talks resumed." in doc.text and "Both sides met." in doc.text
    assert doc.title == "PDF T"


def test_encrypted_pdf_is_skipped_with_reason(tmp_path: Path) -> None:
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(text_pdf(["Secret."]))))
    writer.encrypt("pw")
    buf = BytesIO()
    writer.write(buf)
    with pytest.raises(Skip, match="encrypted"):
        load(write(tmp_path, "e.pdf", buf.getvalue()))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("x.docx", b"PK..", "unsupported file type"),
        ("empty.txt", b"", "no text"),
        ("blank.md", b"   \n\n  ", "no text"),
        ("bin.txt", b"\x00\x01\x02binary\x00", "binary"),
        ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
        ("bad.txt", bytes(range(128, 256)) * 50, "not UTF-8"),
    ],
)
def test_unusable_files_are_skipped_with_a_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    with pytest.raises(Skip, match=reason):
        load(write(tmp_path, name, data))


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "l.txt", "Café crème in Zürich.".encode("cp1252")))
    assert doc.text == "Café crème in Zürich."


def test_folders_are_walked_sorted_and_missing_paths_reported(tmp_path: Path) -> None:
    write(tmp_path, "b.txt", "B.")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "a.md", "A.")
    write(tmp_path, ".hidden.txt", "H.")
    items = list(iter_files([tmp_path, tmp_path / "b.txt", tmp_path / "nope"]))
    files = [i for i in items if isinstance(i, Path)]
    assert [f.name for f in files] == ["b.txt", "a.md"]  # b.txt once, no hidden file
    assert [i.reason for i in items if isinstance(i, SkippedFile)] == ["no such file or folder"]


def test_pdf_page_map_and_metadata(tmp_path: Path) -> None:
    pages = [["Page one opens."], [], ["Page three has the vote.", "It passed."]]
    doc = load(
        write(
            tmp_path,
            "report.pdf",
            pages_pdf(pages, title="Report", author="Jo Park", created="D:20240305101500Z"),
        )
    )
    assert doc.metadata["author"] == "Jo Park" and doc.metadata["published"] == "2024-03-05"
    starts = doc.metadata["pages"]
    assert len(starts) == 3
    for needle, page in (("Page one", 1), ("Page three", 3), ("It passed", 3)):
        assert page_of(starts, doc.text.index(needle)) == page, needle
