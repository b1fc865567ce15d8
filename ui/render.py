"""HTML for the chat: answers with clickable ``[n]`` markers and their sources.

Pure functions over :class:`rag.Answer`. Every piece of document or model text passes
through :func:`escape` here, so a document holding ``<script>`` or markup is shown
as text and never runs (Gradio's own sanitizer is a second layer, not the first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from rag import Answer, Citation, ShortAnswer

#: Characters of context shown on each side of a quote inside its paragraph.
CONTEXT = 320

_MARKER = re.compile(r"\[(\d{1,3})\]")


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_ENTITIES |= {c: f"&#{ord(c)};" for c in "\\`*_{}[]#|~"}  # markdown's special characters
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")


def escape(text: str) -> str:
    """Text shown as text: HTML and markdown's special characters as entities (one pass, so
    an entity is never escaped twice)."""
    return _SPECIAL.sub(lambda m: _ENTITIES[m.group()], text)


def paragraph(text: str, start: int, end: int, limit: int = CONTEXT) -> tuple[str, str, str]:
    """(before, quote, after): the quote's paragraph, cut to ``limit`` characters a side."""
    para_start = text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = text.find("\n\n", end)
    para_end = len(text) if para_end < 0 else para_end
    before = text[para_start:start]
    after = text[end:para_end]
    if len(before) > limit:
        before = "…" + before[-limit:].split(" ", 1)[-1]
    if len(after) > limit:
        after = after[:limit].rsplit(" ", 1)[0] + "…"
    return before, text[start:end], after


#: (doc id, start, end) -> (offset, text around it); ``Assistant.passage``
Passage = Callable[[str, int, int], tuple[int, str]]


def answer_html(answer: Answer, uid: str, passage: Passage) -> str:
    """The answer with linked markers, then its sources; abstentions look different."""
    if answer.abstained:
        searched = (
            f'<div class="rag-note">searched as: {escape(answer.query)}</div>'
            if answer.query
            else ""
        )
        return (
            '<div class="rag-abstain"><span class="rag-badge">Not in the documents</span> '
            f"{escape(answer.text)}</div>{searched}"
        )
    body = _MARKER.sub(
        lambda m: _link(uid, int(m.group(1))) if _cited(answer, int(m.group(1))) else m.group(),
        escape(answer.text).replace("&#91;", "[").replace("&#93;", "]"),
    )
    if answer.kind != "answer" and "\n" in body:  # a briefing: its heading line set apart
        head, rest = body.split("\n", 1)
        body = f'<div class="rag-brief-head">{head}</div>{rest}'
    body = body.replace("\n", "<br>")
    parts = []
    short = answer.short_answer
    if short is not None:
        parts.append(f'<div class="rag-short">Answer: <b>{escape(short.text)}</b></div>')
    parts.append(f'<div class="rag-answer">{body}</div>')
    if answer.fallback:
        parts.append(f'<div class="rag-note">{escape(answer.reason)}</div>')
    else:
        parts.append(f'<div class="rag-note">answered by {escape(answer.backend)}</div>')
    if answer.query:
        parts.append(f'<div class="rag-note">searched as: {escape(answer.query)}</div>')
    parts.append('<div class="rag-sources">')
    for c in answer.citations:
        offset, text = passage(c.doc_id, c.start, c.end)
        parts.append(source_html(c, uid, text, offset, short=short))
    parts.append("</div>")
    if answer.alternatives:
        links = " ".join(_link(uid, c.number) for c in answer.alternatives)
        parts.append(
            '<div class="rag-unsure"><span class="rag-badge">Not sure</span> '
            f"Other passages that may answer: {links}</div>"
        )
        parts.append('<div class="rag-sources rag-alternatives">')
        for c in answer.alternatives:
            offset, text = passage(c.doc_id, c.start, c.end)
            parts.append(source_html(c, uid, text, offset))
        parts.append("</div>")
    if answer.revisions:
        items = "".join(
            f"<li><b>{escape(r.action)}</b>: “{escape(r.sentence)}” ({escape(r.reason)})</li>"
            for r in answer.revisions
        )
        parts.append(
            '<details class="rag-revisions"><summary>What verification changed '
            f"({len(answer.revisions)})</summary><ul>{items}</ul></details>"
        )
    return "".join(parts)


def source_html(
    citation: Citation,
    uid: str,
    text: str,
    offset: int = 0,
    *,
    short: ShortAnswer | None = None,
    pane: bool = False,
) -> str:
    """A source card: number, title, file, and the quote highlighted in its paragraph, the
    short answer in bold inside it when it lies in this quote.

    ``text`` is the document, or the stretch of it that starts at ``offset``."""
    before, quote, after = paragraph(text, citation.start - offset, citation.end - offset)
    marked = escape(quote)
    if (
        short is not None
        and short.doc_id == citation.doc_id
        and citation.start <= short.start < short.end <= citation.end
    ):
        a, b = short.start - citation.start, short.end - citation.start
        marked = (
            f'{escape(quote[:a])}<b class="rag-short-span">{escape(quote[a:b])}</b>'
            f"{escape(quote[b:])}"
        )
    origin = " · ".join(p for p in (citation.site, citation.published) if p)
    if citation.page:
        page = (
            f'<a class="rag-page" href="{page_url(citation)}" target="_blank" '
            f'rel="noopener" title="the page, with the passage highlighted">p. {citation.page}</a>'
        )
        origin_html = f"{escape(origin)} · {page}" if origin else page
    else:
        origin_html = escape(origin)
    where = (
        f'<a href="{escape(citation.url)}" target="_blank" rel="noopener noreferrer">'
        f"{escape(urlsplit(citation.url).netloc or citation.url)}</a>"
        if citation.url.startswith(("http://", "https://"))
        else escape(_name(citation.source))
    )
    return (
        f'<div class="rag-source" id="{_anchor(uid, citation.number, pane)}">'
        f'<div class="rag-source-head"><span class="rag-num">[{citation.number}]</span> '
        f"<b>{escape(citation.title)}</b> "
        + (f'<span class="rag-origin">{origin_html}</span> ' if origin_html else "")
        + f'<span class="rag-file">{where} · chars '
        f"{citation.start}–{citation.end}</span></div>"
        f'<div class="rag-context">{escape(before)}<mark>{marked}</mark>'
        f"{escape(after)}</div></div>"
    )


def page_url(citation: Citation) -> str:
    """The page view of a PDF citation: its page with the quote highlighted."""
    return (
        f"/rag/page/{citation.doc_id}?page={citation.page}"
        f"&amp;start={citation.start}&amp;end={citation.end}"
    )


def draft_html(text: str) -> str:
    """A draft as it streams in: plain text, marked as not yet checked."""
    return (
        f'<div class="rag-draft">{escape(text)}<span class="rag-cursor">▍</span></div>'
        '<div class="rag-note">checking the citations…</div>'
    )


def error_html(message: str) -> str:
    return f'<div class="rag-error"><span class="rag-badge">Error</span> {escape(message)}</div>'


def _cited(answer: Answer, number: int) -> bool:
    return any(c.number == number for c in answer.citations)


def _anchor(uid: str, number: int, pane: bool = False) -> str:
    """A source card's id: in the answer, or in the side panel (``pane``)."""
    return f"rag-{'pane' if pane else 'src'}-{uid}-{number}"


def sources_pane(answer: Answer, uid: str, passage: Passage) -> str:
    """An answer's sources for the side panel, under the question they answer."""
    cards = []
    for c in answer.citations:
        offset, text = passage(c.doc_id, c.start, c.end)
        cards.append(source_html(c, uid, text, offset, short=answer.short_answer, pane=True))
    if answer.alternatives:
        cards.append(
            '<div class="rag-unsure"><span class="rag-badge">Not sure</span> '
            "Other passages that may answer:</div>"
        )
        for c in answer.alternatives:
            offset, text = passage(c.doc_id, c.start, c.end)
            cards.append(
                f'<div class="rag-alternatives">{source_html(c, uid, text, offset, pane=True)}'
                "</div>"
            )
    return (
        f'<div class="rag-pane"><div class="rag-pane-q">{escape(answer.question)}</div>'
        f"{''.join(cards)}</div>"
    )


def panel_html(panes: list[str]) -> str:
    """The side panel: each answer's sources, newest first."""
    if not panes:
        return '<div class="rag-panel-empty">The sources of each answer appear here.</div>'
    return '<div class="rag-panel-title">Sources</div>' + "".join(panes)


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _link(uid: str, number: int) -> str:
    target = _anchor(uid, number)
    return f'<a class="rag-cite" href="#{target}" data-target="{target}">[{number}]</a>'


def _name(source: str) -> str:
    """The file name of a source path (the whole source if it is not a path)."""
    return source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or source
