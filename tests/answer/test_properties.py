"""Property-based tests (hypothesis) for the parsers and the splitter: whatever the input,
offsets are exact, nothing is lost, and the only failure is a Skip with a reason."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import FakeEmbedder
from hypothesis import example, given
from hypothesis import strategies as st

from rag.documents.chunking import split_document
from rag.documents.htmltext import VisibleText, _VisibleText, html_text
from rag.documents.large import LargeText, _cut, sections
from rag.documents.loaders import Skip, document_id, parse
from rag.documents.sentences import split_sentences
from rag.llm.citations import marker_numbers, parse_draft, strip_markers
from rag.records import Document

#: Text that looks like news: words, punctuation, quotes, numbers, blank lines, odd spaces.
PIECES = st.sampled_from(
    [
        "The", "harbour", "reopened", "on", "Monday", "Mr.", "U.S.", "6,000", "3.5", "said",
        "“Yes.”", "\"No!\"", "(see", "below)", "Ortiz", "F.", "Jan.", "…", ".", "!", "?", ",",
        " ", " ", " ", "\n", "\n\n", "\t", "\u00a0", "é", "日本", "[1]", "#", "-", "—", "'",
    ]
)  # fmt: skip
NEWS = st.lists(PIECES, max_size=120).map(" ".join) | st.text(max_size=300)


@given(NEWS)
@example("A. B. C.")
@example("“Quote. Inside.” Then out.")
def test_sentences_are_exact_ordered_trimmed_and_cover_every_word(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for span in spans:
        piece = text[span.start : span.end]
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= previous_end  # ordered, no overlap
        assert piece == piece.strip() and piece  # trimmed, never empty
        previous_end = span.end
    covered = set()
    for span in spans:
        covered.update(range(span.start, span.end))
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert i in covered, (i, ch)


@given(NEWS, st.integers(16, 60), st.integers(0, 8))
@example("The The The The The The The The The The The The “Yes.” The … “Yes.” The", 16, 3)
def test_chunks_are_exact_spans_of_whole_units(text: str, limit: int, overlap: int) -> None:
    doc = Document(id="d", source="s", title="t", text=text)
    embedder = FakeEmbedder(max_tokens=limit)
    split = split_document(doc, embedder, chunk_tokens=limit, overlap_tokens=overlap)
    assert len(split.units) == len(split.unit_tokens)
    for unit, tokens in zip(split.units, split.unit_tokens, strict=True):
        assert 0 <= unit.start < unit.end <= len(text)
        assert tokens <= limit
    reached, first = -1, -1
    for n, chunk in enumerate(split.chunks):
        assert chunk.index == n and chunk.id == f"d:{n}"
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.start == split.units[chunk.first_sentence].start
        assert chunk.end == split.units[chunk.last_sentence].end
        assert chunk.first_sentence > first  # moves forward
        assert chunk.last_sentence > reached  # adds at least one new unit
        assert chunk.first_sentence <= reached + 1  # leaves no unit out
        carried = split.unit_tokens[chunk.first_sentence : reached + 1]
        assert sum(carried) <= overlap  # the overlap stays within its budget
        first, reached = chunk.first_sentence, chunk.last_sentence
    assert reached == len(split.units) - 1


@given(
    st.lists(
        st.one_of(
            NEWS,
            st.sampled_from(
                ["[1]", "[2, 3]", "[1-3]", "[Source 2]", "[^4]", "【1†source】", "[99]"]
            ),
            st.sampled_from(["\nSources:\n[1] A", "(Source 1)", "- ", "1. "]),
        ),
        max_size=12,
    ).map(" ".join),
    st.integers(0, 6),
)
def test_any_draft_parses_into_claims_citing_only_real_sources(draft: str, n: int) -> None:
    claims = parse_draft(draft, n)
    for claim in claims:
        assert all(1 <= c <= n for c in claim.cited)
        assert all(c > n or c < 1 for c in claim.invalid)
        assert not re.search(r"\[\d+\]", claim.text)
    assert isinstance(strip_markers(draft), str)


@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 60))),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from([",", ", ", ";", " ; "]),
    st.sampled_from(["-", "–", " - "]),
)
def test_marker_numbers_are_what_the_marker_names(
    pieces: list[tuple[int, int | None]], comma: str, dash: str
) -> None:
    from rag.llm.citations import MAX_RANGE

    marker = "[" + comma.join(f"{a}{dash}{b}" if b is not None else str(a) for a, b in pieces)
    marker += "]"
    expected: list[int] = []
    for a, b in pieces:
        if b is None:
            named = [a]
        elif a <= b and b - a <= MAX_RANGE:
            named = list(range(a, b + 1))  # a range short enough is every number in it
        else:
            named = [a, b]  # "[9-3]" or "[1-300]": the two numbers, not a range
        expected += [n for n in named if n not in expected]
    assert marker_numbers(marker) == expected


@given(st.binary(max_size=600), st.sampled_from(["text", "markdown", "html", "pdf"]))
@example(b"%PDF-1.4 garbage", "pdf")
@example(b"<html><script>x</script></html>", "html")
@example(b"\xef\xbb\xbf# Title\r\n\r\nBody.", "markdown")
def test_parse_any_bytes_gives_a_document_or_a_skip(data: bytes, kind: str) -> None:
    try:
        doc = parse(data, kind=kind, name="f", source="/f")
    except Skip as why:
        assert str(why)
        return
    assert doc.text.strip() and "\r" not in doc.text
    assert doc.id == document_id(doc.text) and len(doc.title) <= 200


@given(st.text(alphabet=st.sampled_from("ab .\n\r\n\tü€"), max_size=3000), st.integers(4, 400))
def test_large_sections_tile_the_normalised_text(text: str, size: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.txt"
        path.write_bytes(text.encode("utf-8"))
        normalised = text.replace("\r\n", "\n").replace("\r", "\n")
        big = LargeText(path, "x", "s", "t", len(normalised), "text", len(text), "utf-8-sig")
        got = list(sections(big, size))
        assert "".join(t for _, t in got) == normalised
        offset = 0
        for at, t in got:
            assert at == offset and t
            offset += len(t)
        assert all(len(t) < 2 * size + size for _, t in got)


@given(st.text(max_size=200), st.integers(1, 50))
def test_cut_is_inside_the_buffer(buffer: str, size: int) -> None:
    assert 0 < _cut(buffer + "x" * (2 * size), size) <= len(buffer) + 2 * size


@given(st.text(min_size=1, max_size=80).filter(lambda s: "\x00" not in s and "/" not in s))
def test_upload_names_never_leave_the_uploads_folder(name: str) -> None:
    import tempfile

    from ui.documents import UploadRefused, store_upload

    with tempfile.TemporaryDirectory() as folder:
        incoming = Path(folder) / "in"
        incoming.mkdir()
        uploads = Path(folder) / "uploads"
        uploads.mkdir()
        hostile = ("../" * 3) + name + ".txt"
        source = incoming / "file.txt"
        source.write_text("Some text.")
        renamed = source.with_name("x")
        try:
            renamed = incoming / hostile.replace("/", "_")
            source.rename(renamed)
        except OSError:
            return  # the file system refuses this name
        try:
            target = store_upload(renamed, uploads, 1.0)
        except UploadRefused:
            return
        assert target.resolve().parent == uploads.resolve()
        assert target.read_text() == "Some text."


#: HTML-ish text: tags that show, hide and break text, entities, odd spaces, a title.
HTML = st.lists(
    st.sampled_from(
        [
            "<p>", "</p>", "<div>", "</div>", "<br>", "<br/>", "<h2>", "</h2>", "<li>",
            "<script>var a = '<p>';</script>", "<style>p{}</style>", "<title>", "</title>",
            "&amp;", "&nbsp;", "&#10;", "&lt;b&gt;", " ", "  ", "\n", "\r\n", "\t", "\u00a0",
            "harbour", "Monday", "“Yes.”", "6,000", "é", "<!-- note -->", "<b>", "</b>", "<",
        ]
    ),
    max_size=80,
).map("".join)  # fmt: skip


def _reference_html_text(raw: str) -> tuple[str, str]:
    """How the whole text was made before it could be streamed: regexes on the whole."""
    parser = _VisibleText(facts=False)
    parser.feed(raw)
    parser.close()
    text = re.sub(r"[ \t]*\n[ \t\n]*\n[ \t]*", "\n\n", "".join(parser.parts))
    return re.sub(r" {2,}", " ", text).strip(), re.sub(r"\s+", " ", parser.title).strip()[:200]


@given(HTML, st.lists(st.integers(0, 400), max_size=12))
@example("<p> a </p>\n<div>  b</div>  ", [5, 6, 17])
def test_html_fed_in_any_pieces_gives_the_whole_documents_text(html: str, cuts: list[int]) -> None:
    whole = html_text(html)
    assert whole == _reference_html_text(html)
    reader, got, previous = VisibleText(), [], 0
    for cut in [*sorted(min(c, len(html)) for c in cuts), len(html)]:
        got.append(reader.feed(html[previous:cut]))
        previous = cut
    got.append(reader.close())
    assert ("".join(got), reader.title) == whole
