"""Markdown and HTML read as text: no marks in what is indexed or quoted, exact offsets,
and headings as section titles that are never an answer on their own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import ROOT

from rag.documents.htmltext import heading_spans, read_page
from rag.documents.loaders import load
from rag.documents.markdown import markdown_text

LIBRARY = """# Riverside Library: new opening hours

From **March 3** the library opens at *8 am* on weekdays, see [the plan](https://example.org/plan).

## Who pays for the new opening hours at Riverside Library

- The town council pays for the extra hours.
- Volunteers run the **reading room** on Sundays.

| day | opens |
|---|---|
| Monday | 8 am |

```
opening_hours = "8-20"
```
"""


def test_marks_are_gone_links_keep_their_text_code_stays() -> None:
    text, headings, title = markdown_text(LIBRARY)
    assert title == "Riverside Library: new opening hours"
    assert "**" not in text and "](" not in text and "\n#" not in text and not text.startswith("#")
    assert "From March 3 the library opens at 8 am on weekdays, see the plan." in text
    assert "The town council pays for the extra hours." in text
    assert "\n- " not in text
    assert "Monday | 8 am" in text
    assert 'opening_hours = "8-20"' in text
    assert [text[h.start : h.end] for h in headings] == [
        "Riverside Library: new opening hours",
        "Who pays for the new opening hours at Riverside Library",
    ]


@pytest.mark.parametrize("name", ["README.md", "CHANGELOG.md"])
def test_real_markdown_reads_as_text(name: str) -> None:
    source = (ROOT / name).read_text()
    text, headings, title = markdown_text(source)
    assert title and "#" not in title
    prose = re.sub(r"```.*?```", "", source, flags=re.S)
    wanted = [
        m.group(2).strip()
        for m in re.finditer(r"(?m)^(#{1,6}) (.+)$", prose)
        if "`" not in m.group(2) and "*" not in m.group(2) and "[" not in m.group(2)
    ]
    found = [text[h.start : h.end] for h in headings]
    assert wanted and all(w in found for w in wanted)
    # emphasis marks are gone; ``**`` written as code stays, as code does
    assert text.count("**") == prose.count("`**`") and "](" not in text
    for h in headings:  # each heading is a block of its own
        assert text[h.start : h.end].strip() == text[h.start : h.end]
        assert h.start == 0 or text[h.start - 2 : h.start] == "\n\n"


def test_a_markdown_file_is_indexed_as_text_and_quoted_exactly(
    make_assistant, tmp_path: Path
) -> None:
    from rag.reader import load_reader

    (tmp_path / "library.md").write_text(LIBRARY)
    assistant = make_assistant(reader=load_reader())  # it would cite the heading (0.96)
    assistant.ingest([tmp_path / "library.md"])
    [doc] = assistant.documents()
    assert doc.title == "Riverside Library: new opening hours"
    answer = assistant.ask("Who pays for the new opening hours at Riverside Library?")
    assert answer.citations, answer.text
    for c in answer.citations:
        assert assistant.document_text(c.doc_id)[c.start : c.end] == c.quote
        assert "#" not in c.quote and "**" not in c.quote
        assert "Who pays" not in c.quote  # the heading that repeats the question is no answer
        assert c.quote != "Riverside Library: new opening hours"
    assert answer.citations[0].quote == "The town council pays for the extra hours."


def test_html_headings_are_marked_in_the_extracted_text(tmp_path: Path) -> None:
    page = tmp_path / "library.html"
    page.write_text(
        "<html><head><title>Library</title></head><body>"
        "<h1>Riverside Library: new opening hours</h1>"
        "<p>From March 3 the library opens at 8 am on weekdays.</p>"
        "<h2>Who pays   for the new opening hours</h2>"
        "<p>The town council pays for the extra hours.</p></body></html>"
    )
    doc = load(page)
    marked = [doc.text[h.start : h.end] for h in doc.headings]
    assert marked[0] == "Riverside Library: new opening hours"
    kept = [
        h
        for h in ("Riverside Library: new opening hours", "Who pays for the new opening hours")
        if h in doc.text.split("\n")
    ]
    assert marked == kept  # the article extractor may leave a heading out; kept ones are marked
    text = "Intro\n\n  Who pays for the new opening hours\n\nThe council pays."
    page = read_page("<h3>Who pays for the new <b>opening</b> hours</h3>")[1]
    [span] = heading_spans(text, page.headings)
    assert text[span.start : span.end] == "Who pays for the new opening hours"
    assert heading_spans("no headings", read_page("<p>no headings</p>")[1].headings) == []


def test_an_html_heading_is_never_the_answer(make_assistant, tmp_path: Path) -> None:
    (tmp_path / "library.html").write_text(
        "<html><body><h1>Riverside Library: new opening hours</h1>"
        "<p>From March 3 the library opens at 8 am on weekdays.</p>"
        "<h2>Who pays for the new opening hours at Riverside Library</h2>"
        "<p>The town council pays for the extra hours.</p></body></html>"
    )
    assistant = make_assistant()
    assistant.ingest([tmp_path / "library.html"])
    answer = assistant.ask("Who pays for the new opening hours at Riverside Library?")
    quotes = [c.quote for c in answer.citations]
    assert quotes and not any("Who pays for the new opening hours" in q for q in quotes)
