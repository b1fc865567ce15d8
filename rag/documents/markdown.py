"""Markdown read as text: what a reader of the rendered page sees, with its headings marked.

The Markdown is parsed by markdown-it-py (CommonMark, with GitHub's tables and
strikethrough); the indexed text is each block's plain text (emphasis, link and list
marks gone, a link's text kept, an image's alt text kept, inline HTML dropped, code kept
as written), blocks separated by a blank line. Citation offsets index into this text.
Headings are returned as spans: they are section titles, read as the context of the
sentences under them and never cited as an answer on their own (``answer.py``).
"""

from __future__ import annotations

from typing import Any

from ..records import Span


def markdown_text(source: str) -> tuple[str, list[Span], str]:
    """(plain text, heading spans in it, title: the first level-1 heading, else the first
    heading, else "")."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    blocks: list[tuple[str, int]] = []  # (text, heading level or 0)
    tokens = parser.parse(source)
    row: list[str] | None = None
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "inline":
            text = _inline(token.children or [])
            opener = tokens[i - 1]
            if row is not None:
                row.append(text)
            elif opener.type == "heading_open":
                blocks.append((text, int(opener.tag[1:])))
            else:
                blocks.append((text, 0))
        elif kind in ("fence", "code_block"):
            blocks.append((token.content.rstrip("\n"), 0))
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            blocks.append((" | ".join(cell for cell in row if cell), 0))
            row = None
    parts: list[str] = []
    headings: list[Span] = []
    title = ""
    first_heading = ""
    at = 0
    for text, level in blocks:
        text = text.strip()
        if not text:
            continue
        if parts:
            at += 2  # the blank line between blocks
        if level:
            headings.append(Span(at, at + len(text)))
            if level == 1 and not title:
                title = text
            first_heading = first_heading or text
        parts.append(text)
        at += len(text)
    return "\n\n".join(parts), headings, title or first_heading


def _inline(children: list[Any]) -> str:
    """The text of an inline run: marks dropped, breaks kept as spaces or new lines."""
    out: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            out.append(child.content)
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "image":
            out.append(_inline(child.children or []) or child.content)
    return "".join(out)
