"""The chat's HTML and the upload rules: pure functions, no server."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import Answer, Citation, Revision
from ui.documents import UploadRefused, store_upload
from ui.render import answer_html, draft_html, escape, paragraph

TEXT = (
    "Title\n\nFirst sentence here. The <b>quoted</b> sentence [x]. Last one.\n\nAnother paragraph."
)
START = TEXT.index("The <b>")
END = TEXT.index("[x].") + 4


def cited(text: str, numbers: list[int], **kwargs: object) -> Answer:
    citations = [
        Citation(n, "d1", "/data/news.txt", "A <i>title</i>", TEXT[START:END], START, END, 1.0)
        for n in numbers
    ]
    return Answer(question="q", text=text, citations=citations, abstained=False, **kwargs)


def test_paragraph_is_the_quotes_paragraph() -> None:
    before, quote, after = paragraph(TEXT, START, END)
    assert before == "First sentence here. "
    assert quote == "The <b>quoted</b> sentence [x]."
    assert after == " Last one."


def test_long_paragraphs_are_cut_at_words() -> None:
    text = "word " * 400 + "QUOTE." + " tail" * 400
    start = text.index("QUOTE")
    before, quote, after = paragraph(text, start, start + 6, limit=50)
    assert before.startswith("…") and len(before) <= 52
    assert after.endswith("…") and len(after) <= 52
    assert quote == "QUOTE."


def test_markers_link_to_their_sources_and_everything_is_escaped() -> None:
    html = answer_html(
        cited("The <b>quoted</b> sentence. [1] Made up [7]", [1]), "u1", lambda *_: (0, TEXT)
    )
    assert '<a class="rag-cite" href="#rag-src-u1-1"' in html
    assert 'id="rag-src-u1-1"' in html
    assert "[7]" in html and "rag-src-u1-7" not in html  # only real citations are links
    assert "<b>quoted" not in html and "&lt;b&gt;quoted&lt;/b&gt;" in html
    assert "<i>title" not in html
    assert "<mark>The &lt;b&gt;quoted&lt;/b&gt; sentence &#91;x&#93;.</mark>" in html
    assert "news.txt" in html and "/data/" not in html


def test_script_in_a_document_is_inert() -> None:
    text = 'Intro.\n\nBad <script>alert(1)</script> and <img src=x onerror="alert(2)"> here.'
    start = text.index("Bad")
    answer = Answer(
        question="q",
        text="Bad things here. [1]",
        citations=[Citation(1, "d", "s", "t", text[start:], start, len(text), 1.0)],
        abstained=False,
    )
    html = answer_html(answer, "u", lambda *_: (0, text))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_abstention_looks_different() -> None:
    answer = Answer(question="q", text="I can't answer that.", citations=[], abstained=True)
    html = answer_html(answer, "u", lambda *_: (0, ""))
    assert 'class="rag-abstain"' in html and "Not in the documents" in html
    assert "rag-source" not in html


def test_fallback_and_revisions_are_shown() -> None:
    answer = cited(
        "The quoted sentence. [1]",
        [1],
        fallback=True,
        reason="model: verification removed every sentence",
        revisions=[Revision("Paris is <b>big</b>.", "removed", "'paris' not in the source")],
    )
    html = answer_html(answer, "u", lambda *_: (0, TEXT))
    assert "verification removed every sentence" in html
    assert "What verification changed (1)" in html and "Paris is &lt;b&gt;big" in html


def test_draft_and_markdown_are_escaped() -> None:
    assert "<script>" not in draft_html("<script>x</script>")
    assert escape("*bold* _it_ `code` # h") == "&#42;bold&#42; &#95;it&#95; &#96;code&#96; &#35; h"
    assert escape("can't & <b>") == "can&#39;t &amp; &lt;b&gt;"  # each character once


# --- uploads ------------------------------------------------------------------------------


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "uploads"
    folder.mkdir(parents=True)
    return folder


def incoming(tmp_path: Path, name: str, data: bytes = b"Some text.") -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["..notes.txt", "a b/c.txt".replace("/", "_"), "ü.md", ".txt"])
def test_uploads_land_inside_the_uploads_folder(tmp_path: Path, uploads: Path, name: str) -> None:
    target = store_upload(incoming(tmp_path, name), uploads, 1)
    assert target.parent == uploads.resolve()
    assert target.read_bytes() == b"Some text."


def test_a_hostile_name_cannot_escape(tmp_path: Path, uploads: Path) -> None:
    source = incoming(tmp_path, "x.txt")
    evil = source.with_name("..%2f..%2fetc%2fpasswd.txt")
    source.rename(evil)
    target = store_upload(evil, uploads, 1)
    assert target.parent == uploads.resolve() and "/" not in target.name


def test_unsupported_and_oversize_uploads_are_refused(tmp_path: Path, uploads: Path) -> None:
    with pytest.raises(UploadRefused, match=r"unsupported type '\.exe'"):
        store_upload(incoming(tmp_path, "x.exe"), uploads, 1)
    with pytest.raises(UploadRefused, match=r"over the 0\.001 MB limit"):
        store_upload(incoming(tmp_path, "big.txt", b"x" * 5000), uploads, 0.001)
    assert list(uploads.iterdir()) == []


def test_same_name_other_content_is_kept_beside_not_over(tmp_path: Path, uploads: Path) -> None:
    first = store_upload(incoming(tmp_path, "n.txt", b"one"), uploads, 1)
    again = store_upload(incoming(tmp_path, "n.txt", b"one"), uploads, 1)
    other = store_upload(incoming(tmp_path, "n.txt", b"two"), uploads, 1)
    assert first == again
    assert other.name == "n (2).txt"
    assert first.read_bytes() == b"one" and other.read_bytes() == b"two"


def test_the_short_answer_is_bold_inside_the_highlighted_quote_and_escaped() -> None:
    from rag import ShortAnswer

    text = "Intro.\n\nMayor <Ortiz> said repairs cost 4.5 million euros. Then more."
    start = text.index("Mayor")
    end = text.index(" Then")
    at = text.index("4.5 million")
    short = ShortAnswer("4.5 million euros", "d", at, at + len("4.5 million euros"))
    answer = Answer(
        question="q",
        text=f"{text[start:end]} [1]",
        citations=[Citation(1, "d", "s", "t", text[start:end], start, end, 0.9)],
        abstained=False,
        short_answer=short,
    )
    html = answer_html(answer, "u", lambda *_: (0, text))
    assert "Answer: <b>4.5 million euros</b>" in html
    assert (
        "<mark>Mayor &lt;Ortiz&gt; said repairs cost "
        '<b class="rag-short-span">4.5 million euros</b>.</mark>' in html
    )


def test_a_short_answer_outside_a_quote_is_not_marked_in_it() -> None:
    from rag import ShortAnswer

    answer = cited("The quoted sentence. [1]", [1], short_answer=ShortAnswer("x", "d2", 0, 1))
    html = answer_html(answer, "u", lambda *_: (0, TEXT))
    assert "rag-short-span" not in html


def test_an_unsure_answers_other_passages_are_linked_and_in_the_side_panel() -> None:
    from ui.render import sources_pane

    other = Citation(2, "d1", "/data/news.txt", "t", "First sentence here.", 7, 27, 0.2)
    answer = cited("The <b>quoted</b> sentence. [1]", [1], alternatives=[other])
    html = answer_html(answer, "u1", lambda *_: (0, TEXT))
    unsure = html[html.index('class="rag-unsure"') :]
    assert '<a class="rag-cite" href="#rag-src-u1-2"' in unsure  # the marker in the chat
    assert 'id="rag-src-u1-2"' in html  # its card under the answer (narrow screens)
    pane = sources_pane(answer, "u1", lambda *_: (0, TEXT))
    assert 'id="rag-pane-u1-1"' in pane and 'id="rag-pane-u1-2"' in pane
    assert pane.index('id="rag-pane-u1-1"') < pane.index("Not sure") < pane.index("rag-pane-u1-2")
    assert "<mark>First sentence here.</mark>" in pane
    sure = sources_pane(cited("The <b>quoted</b> sentence. [1]", [1]), "u1", lambda *_: (0, TEXT))
    assert "Not sure" not in sure and "rag-pane-u1-2" not in sure


def test_a_briefings_heading_line_is_set_apart() -> None:
    answer = cited(
        "Summary of \u201cA <i>title</i>\u201d:\nThe <b>quoted</b> sentence. [1]",
        [1],
        kind="summary",
    )
    html = answer_html(answer, "u1", lambda *_: (0, TEXT))
    assert (
        '<div class="rag-brief-head">Summary of \u201cA &lt;i&gt;title&lt;/i&gt;\u201d:</div>'
        in html
    )
    plain = answer_html(cited("First.\nSecond. [1]", [1]), "u1", lambda *_: (0, TEXT))
    assert "rag-brief-head" not in plain and "First.<br>Second." in plain
