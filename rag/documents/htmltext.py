"""The text a browser would show of an HTML document, read whole or fed in pieces.

:class:`VisibleText` gives the same text whichever way the document is cut into pieces,
so a large file can be read a piece at a time (``rag.documents.large``) and still have the offsets
and id that reading it whole gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

from ..records import Span

#: Blank space holding a line break becomes one paragraph break; runs of spaces one space.
_BLANK_RUN = re.compile(r"[ \t]*\n[ \t\n]*\n[ \t]*")
_SPACE_RUN = re.compile(r" {2,}")
_TITLE_CHARS = 10_000


class _VisibleText(HTMLParser):
    """Collects the text a browser would show; drops scripts, styles and the like."""

    HIDDEN = frozenset(
        {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
    )
    BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "ul",
            "ol",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "tr",
            "table",
            "section",
            "article",
            "header",
            "footer",
            "blockquote",
            "pre",
            "hr",
            "title",
            "dd",
            "dt",
            "figcaption",
            "main",
            "nav",
            "aside",
        }
    )

    HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self, facts: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.in_title = False
        self.title = ""
        #: collect headings and <meta> (a whole page); not while streaming a large file,
        #: whose memory must stay bounded by the section size
        self.facts = facts
        #: the text of each <h1>-<h6>, whitespace squeezed
        self.headings: list[str] = []
        self._heading: list[str] | None = None
        #: <meta> content by its property, itemprop or name (lower case; the first wins)
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.HEADINGS and self.facts:
            self._heading = []
        elif tag == "meta" and self.facts:
            self._meta(attrs)
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta" and self.facts:
            self._meta(attrs)
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in self.HIDDEN and self.hidden:
            self.hidden -= 1
        elif tag in self.HEADINGS and self._heading is not None:
            heading = " ".join("".join(self._heading).split())
            if heading:
                self.headings.append(heading)
            self._heading = None
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def _meta(self, attrs: list[tuple[str, str | None]]) -> None:
        at = {k.lower(): (v or "") for k, v in attrs}
        name = (at.get("property") or at.get("itemprop") or at.get("name") or "").lower()
        content = (at.get("content") or at.get("datetime") or "").strip()
        if name and content:
            self.meta.setdefault(name, content)

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if self.in_title:
            if len(self.title) < _TITLE_CHARS:  # an unclosed <title> must not swallow the page
                self.title += data
        elif not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


class VisibleText:
    """Feed HTML in pieces; each call returns the visible text that is now settled.

    Whitespace at the end of what was fed is held back until the next non-blank text, so
    a run of blanks cut between two pieces is squeezed exactly as if it were whole.
    """

    def __init__(self, *, facts: bool = False) -> None:
        """``facts``: also keep the page's headings and ``<meta>`` tags (a whole page)."""
        self._parser = _VisibleText(facts)
        self._held = ""  # blank space at the end so far: "", " " or "\n\n"
        self._started = False

    def feed(self, html: str) -> str:
        self._parser.feed(html)
        return self._settled()

    def close(self) -> str:
        self._parser.close()
        text = self._settled()
        self._held = ""  # the text is stripped at the end
        return text

    @property
    def title(self) -> str:
        return re.sub(r"\s+", " ", self._parser.title).strip()[:200]

    @property
    def headings(self) -> list[str]:
        """The text of each ``<h1>``-``<h6>`` read so far."""
        return self._parser.headings

    @property
    def meta(self) -> dict[str, str]:
        """``<meta>`` content by property, itemprop or name (lower case), read so far."""
        return self._parser.meta

    def _settled(self) -> str:
        text = self._held + "".join(self._parser.parts)
        self._parser.parts.clear()
        body = text.rstrip(" \n")
        tail = text[len(body) :]
        self._held = ("\n\n" if "\n" in tail else " ") if tail else ""
        if not self._started:
            body = body.lstrip(" \n")
            self._started = bool(body)
        return _SPACE_RUN.sub(" ", _BLANK_RUN.sub("\n\n", body))


def read_page(html: str, *, facts: bool = True) -> tuple[str, VisibleText]:
    """A whole HTML document read once: its visible text, and the reader that knows its
    title (and, with ``facts``, its headings and ``<meta>`` tags)."""
    reader = VisibleText(facts=facts)
    text = reader.feed(html) + reader.close()
    return text, reader


def html_text(html: str) -> tuple[str, str]:
    """(visible text, title) of a whole HTML document."""
    text, reader = read_page(html, facts=False)
    return text, reader.title


def heading_spans(text: str, headings: Iterable[str]) -> list[Span]:
    """The lines of ``text`` that are one of the page's ``headings`` (its ``<h1>``-``<h6>``,
    :attr:`VisibleText.headings`), word for word: section titles, never an answer on their
    own."""
    wanted = set(headings)
    spans = []
    at = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and " ".join(stripped.split()) in wanted:
            lead = len(line) - len(line.lstrip())
            spans.append(Span(at + lead, at + lead + len(stripped)))
        at += len(line) + 1
    return spans
