"""Large files are indexed a section at a time, with offsets into the whole text."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from helpers import STORY
from helpers.pdfs import image_pdf, text_pdf

from rag.documents import large
from rag.documents.htmltext import html_text
from rag.documents.large import LargeText, scan, sections
from rag.documents.loaders import document_id, load, parse
from rag.index import store
from rag.index.rows import chunk_place
from rag.records import Document

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a few kilobytes "large": 2 KB threshold, 1,500-character sections, 700-char parts."""
    monkeypatch.setattr(large, "LARGE_BYTES", 2000)
    monkeypatch.setattr(large, "SECTION_CHARS", 1500)
    monkeypatch.setattr(large, "_READ", 333)  # pieces end mid-character and mid-"\r\n"
    monkeypatch.setattr(store, "TEXT_PART_CHARS", 700)
    monkeypatch.setattr("rag.index.ingest.TEXT_PART_CHARS", 700)


def story_file(path: Path, copies: int = 12, newline: str = "\r\n") -> Path:
    paragraphs = [
        f"Edition {i}: the harbour café “Ørsted” reopened on day {i}. " + STORY.split("\n\n", 1)[1]
        for i in range(copies)
    ]
    text = "\ufeffHarbour Diary\n\n" + "\n\n".join(paragraphs)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def test_scan_gives_the_id_length_and_title_that_loading_whole_gives(tmp_path: Path) -> None:
    for i, newline in enumerate(("\n", "\r\n", "\r")):
        path = story_file(tmp_path / f"s{i}.txt", newline=newline)
        whole = load(path)
        scanned = scan(path)
        assert (scanned.id, scanned.chars, scanned.title) == (
            whole.id,
            len(whole.text),
            whole.title,
        )


def test_sections_tile_the_text_and_end_at_paragraphs(tmp_path: Path, small_sections) -> None:
    path = story_file(tmp_path / "s.txt", copies=30)
    whole = load(path).text
    got = list(sections(scan(path)))
    assert len(got) > 3
    assert "".join(text for _, text in got) == whole
    for offset, text in got:
        assert whole[offset : offset + len(text)] == text
    assert all(text.endswith("\n\n") for _, text in got[:-1])


def test_cp1252_and_refusals(tmp_path: Path) -> None:
    (tmp_path / "w.txt").write_bytes(("Caf\xe9 news\n\n" + "Prices fell. " * 50).encode("cp1252"))
    assert scan(tmp_path / "w.txt").title == "Café news"
    (tmp_path / "b.txt").write_bytes(b"\x00\x01" * 100)
    with pytest.raises(large.Skip, match="binary"):
        scan(tmp_path / "b.txt")
    (tmp_path / "e.txt").write_text(" \n\n \t" * 100)
    with pytest.raises(large.Skip, match="no text"):
        scan(tmp_path / "e.txt")


def test_streamed_ingest_keeps_exact_offsets(
    tmp_path: Path, make_assistant, small_sections
) -> None:
    path = story_file(tmp_path / "diary.txt", copies=20)
    whole = load(path)
    assistant = make_assistant(min_score=0.2)
    report = assistant.ingest([path])
    assert report.added == [whole.source] and report.chunks > 5
    [info] = assistant.documents()
    assert (info.id, info.chars, info.metadata["streamed"]) == (whole.id, len(whole.text), True)
    assert info.metadata["parts"] == -(-len(whole.text) // 700)
    assert assistant.document_text(info.id) == whole.text
    assert assistant.store.check() == []
    indexes = []
    for _, text, meta in assistant.store.iter_chunks():
        assert whole.text[meta["start"] : meta["end"]] == text
        indexes.append(chunk_place(meta)[0])
    assert sorted(indexes) == list(range(len(indexes)))
    answer = assistant.ask("What reopened on day 17?")
    assert "day 17" in answer.text
    for c in answer.citations:
        assert whole.text[c.start : c.end] == c.quote
        offset, text = assistant.passage(c.doc_id, c.start, c.end, margin=100)
        assert text[c.start - offset : c.end - offset] == c.quote and len(text) < len(whole.text)
    # unchanged on a second ingest; a copy under another name is a duplicate
    (tmp_path / "copy.txt").write_bytes(path.read_bytes())
    again = assistant.ingest([path, tmp_path / "copy.txt"])
    assert again.unchanged == [whole.source]
    assert [s.reason for s in again.skipped] == [f"same text as {whole.source}"]


def story_html(path: Path, copies: int = 20) -> Path:
    stories = "\r\n".join(
        f'<div class="story">\r\n  <h2>Edition {i}</h2>\r\n  <p>The harbour caf&eacute; '
        f"reopened on day {i}.   Its pier   was\r\n repaired.</p><script>var day = {i};</script>"
        "<p>Fishermen welcomed the decision.</p></div>"
        for i in range(copies)
    )
    html = (
        "<html><head><title>Harbour\r\n Diary</title><style>p { color: red }</style></head>"
        f"<body>\r\n{stories}\r\n</body></html>"
    )
    path.write_bytes(html.encode("utf-8"))
    return path


def test_a_large_html_file_is_streamed_with_the_text_reading_it_whole_gives(
    tmp_path: Path, make_assistant, small_sections
) -> None:
    path = story_html(tmp_path / "diary.html")
    # a large page is streamed as its visible text (article extraction needs the whole page)
    text, title = html_text(path.read_text(encoding="utf-8"))
    whole = Document(document_id(text), str(path.resolve()), title, text)
    scanned = scan(path)
    assert (scanned.id, scanned.chars, scanned.title) == (whole.id, len(whole.text), whole.title)
    assert "".join(text for _, text in sections(scanned)) == whole.text
    assert (
        "var day" not in whole.text
        and "café reopened on day 7. Its pier was repaired." in whole.text
    )
    assistant = make_assistant(min_score=0.2)
    report = assistant.ingest([path])
    assert report.added == [whole.source]
    assert "all its visible text" in report.notes[0].reason
    [info] = assistant.documents()
    assert (info.id, info.metadata["streamed"], info.title) == (whole.id, True, "Harbour Diary")
    assert assistant.document_text(info.id) == whole.text
    answer = assistant.ask("What reopened on day 17?")
    assert "day 17" in answer.text
    for c in answer.citations:
        assert whole.text[c.start : c.end] == c.quote


def test_a_file_that_changes_while_read_is_skipped(
    tmp_path: Path, make_assistant, small_sections, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = story_file(tmp_path / "diary.txt")
    real_scan = scan

    def stale_scan(p: Path, **kw: object) -> LargeText:
        found = real_scan(p, **kw)  # type: ignore[arg-type]
        p.write_bytes(p.read_bytes().replace(b"Edition 3", b"Edition 9"))
        return found

    monkeypatch.setattr("rag.index.ingest.scan", stale_scan)
    assistant = make_assistant()
    report = assistant.ingest([path])
    assert report.added == [] and "changed while" in report.skipped[0].reason
    assert assistant.documents() == [] and list(assistant.store.iter_chunks()) == []


MEASURE = r"""
import json, resource, sys, time, tracemalloc
sys.path.insert(0, "tests")
from helpers import FakeEmbedder
from rag import Assistant, Settings
assistant = Assistant(Settings(data_dir=sys.argv[2], seed=False), embedder=FakeEmbedder())
assistant.documents()  # open the store first: its memory is not the document's
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
started = time.perf_counter()
report = assistant.ingest([sys.argv[1]])
seconds = time.perf_counter() - started
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
[info] = assistant.documents()
print(json.dumps({"peak_python": peak, "rss_before": before * 1024,
    "rss_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "seconds": seconds, "chunks": report.chunks, "chars": info.chars, "id": info.id,
    "added": report.added}))
"""


def fifty_megabytes(
    path: Path,
    head: str = "The Collected Articles\n\n",
    paragraph: str = "Edition {edition}. {text}\n\n",
    tail: str = "",
) -> Path:
    """About 50 MB of SQuAD paragraphs, repeated in numbered editions, between head and tail."""
    squad = ROOT.parent / "shared" / "data" / "squad2-dev-a.json"
    if not squad.is_file():
        pytest.skip(f"needs {squad}")
    paragraphs = [
        p["context"] for a in json.loads(squad.read_text("utf-8"))["data"] for p in a["paragraphs"]
    ]
    with path.open("w", encoding="utf-8") as f:
        f.write(head)
        edition = 0
        while f.tell() < 50 * 2**20:
            edition += 1
            for text in paragraphs:
                f.write(paragraph.format(edition=edition, text=text))
        f.write(tail)
    return path


@pytest.mark.slow
def test_a_50_mb_document_is_never_held_in_memory_whole(tmp_path: Path) -> None:
    path = fifty_megabytes(tmp_path / "big.txt")
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(tmp_path / "data")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1500,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    print(got)
    size = path.stat().st_size
    whole = load(path)
    assert (got["chars"], got["id"]) == (len(whole.text), whole.id)
    # Python's heap never held the text (50 MB) at once: a section is at most 500k chars.
    assert got["peak_python"] < size / 3, got


def test_a_50_mb_pdf_of_images_is_read_a_page_at_a_time(tmp_path: Path, make_assistant) -> None:
    """Each page has its own 1 MB image: the loader never holds more than a page of them."""
    pages = [
        [f"Page {n}: pier {n} of the harbour reopened after {n + 2} days of repairs."]
        for n in range(50)
    ]
    path = image_pdf(tmp_path / "scans.pdf", pages, 2**20)
    size = path.stat().st_size
    assert size > 50 * 10**6
    parse(text_pdf(["Warm-up."]), kind="pdf", name="w", source="w")  # imports pypdf first
    tracemalloc.start()
    try:
        doc = load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size / 10, f"peak {peak / 2**20:.1f} MB for a {size / 2**20:.0f} MB file"
    assert doc.text == parse(path.read_bytes(), kind="pdf", name="x", source="x").text
    assert [doc.text.count(f"Page {n}:") for n in range(50)] == [1] * 50
    assert doc.metadata["bytes"] == size

    assistant = make_assistant()
    assert assistant.ingest([path]).added == [str(path.resolve())]
    answer = assistant.ask("How many days of repairs did pier 37 need?")
    quotes = [c.quote for c in answer.citations]
    assert any("pier 37 " in q and "39 days" in q for q in quotes), answer.text


@pytest.mark.slow
def test_a_50_mb_html_file_is_read_a_section_at_a_time(tmp_path: Path) -> None:
    """Scanning and sectioning a 50 MB HTML file holds a section, never the whole text."""
    path = fifty_megabytes(
        tmp_path / "big.html",
        "<html><head><title>The Collected Articles</title></head><body>\n",
        "<div><h2>Edition {edition}</h2><p>{text}</p><script>n={edition}</script>\n",
        "</body></html>",
    )
    size = path.stat().st_size
    tracemalloc.start()
    try:
        big = scan(path)
        longest = chars = 0
        for offset, text in sections(big):
            assert offset == chars
            chars += len(text)
            longest = max(longest, len(text))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print({"bytes": size, "chars": chars, "peak_python": peak, "longest_section": longest})
    assert chars == big.chars > 40 * 2**20
    # reading it whole peaks near 500 MB (the bytes, the decoded page, the parser's pieces)
    assert peak < size / 3, f"peak {peak / 2**20:.1f} MB for a {size / 2**20:.0f} MB file"
    # the same id, length and title as reading its visible text whole
    text, title = html_text(path.read_text(encoding="utf-8"))
    assert (big.id, big.chars, big.title) == (document_id(text), len(text), title)
