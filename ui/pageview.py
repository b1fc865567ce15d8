"""The page view: a cited PDF page rendered on the server, the quoted passage highlighted.

``GET /rag/page/{doc_id}?page=N&start=S&end=E`` answers an HTML page with the rendered page
as an image and the quote's boxes drawn on it (and marked up as ``.rag-hl`` elements over
the image, so a browser and a test can see where they are). The quote is read from the
index, never from the request; only documents in the index can be shown.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

from rag import Assistant, RagError
from rag.documents.pdfpage import PageView, render
from rag.index.ingest import pdf_copy

PAGE_CSS = """
body { font-family: ui-sans-serif, system-ui, sans-serif; margin: 1em auto; max-width: 960px;
  color: #111; background: #f3f4f6; }
header { margin-bottom: .6em; } header .rag-quote { color: #374151; font-size: .95em; }
nav a { margin-right: 1em; }
.rag-sheet { position: relative; display: inline-block; box-shadow: 0 1px 6px #0003; }
.rag-sheet img { display: block; max-width: 100%; height: auto; }
.rag-hl { position: absolute; outline: 2px solid #f59e0b; border-radius: 2px; }
.rag-missing { color: #b45309; }
"""


def pdf_file(assistant: Assistant, doc_id: str) -> Path:
    """Where the PDF of an indexed document is: a copy kept at ingest (PDFs fetched by URL)
    or its source path."""
    kept = pdf_copy(assistant.settings, doc_id)
    return kept if kept.is_file() else Path(assistant.document(doc_id).source)


def page_html(assistant: Assistant, doc_id: str, page: int, start: int, end: int) -> str:
    """The page view; a RagError (unknown document, page, moved file) becomes its message."""
    try:
        info = assistant.document(doc_id)
        if not info.pages:
            raise RagError(f"{info.title} is not a PDF: it has no pages to show")
        start, end = max(0, min(start, info.chars)), max(0, min(end, info.chars))
        offset, text = assistant.passage(doc_id, start, max(start, end), margin=0)
        quote = text[start - offset : end - offset]
        view = render(pdf_file(assistant, doc_id), page, quote)
    except RagError as exc:
        return _document("Page not available", f'<p class="rag-missing">{escape(str(exc))}</p>')
    return _document(
        f"{info.title}: p. {page}", _body(info.title, doc_id, page, start, end, quote, view)
    )


def _body(
    title: str, doc_id: str, page: int, start: int, end: int, quote: str, view: PageView
) -> str:
    link = f"/rag/page/{doc_id}?start={start}&amp;end={end}&amp;page="
    nav = []
    if page > 1:
        nav.append(f'<a href="{link}{page - 1}">← p. {page - 1}</a>')
    if page < view.pages:
        nav.append(f'<a href="{link}{page + 1}">p. {page + 1} →</a>')
    boxes = "".join(
        '<div class="rag-hl" style="'
        f"left:{100 * b.left / view.width:.3f}%;top:{100 * b.top / view.height:.3f}%;"
        f"width:{100 * (b.right - b.left) / view.width:.3f}%;"
        f'height:{100 * (b.bottom - b.top) / view.height:.3f}%"></div>'
        for b in view.boxes
    )
    found = "" if view.boxes else '<p class="rag-missing">The passage is not on this page.</p>'
    image = base64.b64encode(view.png).decode("ascii")
    return (
        f"<header><b>{escape(title)}</b> · p. {page} of {view.pages}"
        f'<div class="rag-quote">“{escape(" ".join(quote.split()))}”</div>'
        f"<nav>{''.join(nav)}</nav>{found}</header>"
        f'<div class="rag-sheet"><img alt="page {page}" width="{view.width}" '
        f'height="{view.height}" src="data:image/png;base64,{image}">{boxes}</div>'
    )


def _document(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{PAGE_CSS}</style></head><body>{body}</body></html>"
    )


def page_route(assistant: Assistant) -> Any:
    """The page view's route (``GET /rag/page/{doc_id}``), behind the web app's login when it
    has one: made before the server starts, so it answers from the server's first request."""
    from fastapi import Request
    from fastapi.responses import HTMLResponse
    from fastapi.routing import APIRoute

    def view(
        request: Request, doc_id: str, page: int = 1, start: int = 0, end: int = 0
    ) -> HTMLResponse:
        if not logged_in(request.app, request):
            return HTMLResponse(
                _document(
                    "Log in first",
                    '<p class="rag-missing">Log in to the chat first: '
                    '<a href="/">the chat</a>.</p>',
                ),
                status_code=401,
            )
        return HTMLResponse(page_html(assistant, doc_id, page, start, end))

    # FastAPI reads the annotations to pass the request; postponed ones are strings that
    # name a class imported here, not at the module's top
    view.__annotations__["request"] = Request

    return APIRoute("/rag/page/{doc_id}", view, methods=["GET"])


def logged_in(app: object, request: object) -> bool:
    """Whether ``request`` carries a login Gradio accepted (always, without a login)."""
    if getattr(app, "auth", None) is None:
        return True
    cookie_id = getattr(app, "cookie_id", "")
    cookies = getattr(request, "cookies", {})
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(
        f"access-token-unsecure-{cookie_id}"
    )
    return token is not None and token in getattr(app, "tokens", {})
