"""What a question may read, and what its hits and citations say of their documents.

A question can be kept to one document (named by its id, its file name or its path) and
to a published period; hits carry their document's published date, and citations their
outlet, author, date, URL and PDF page. All of it is read from the catalog of indexed
documents (``HybridRetriever.catalog``), without a model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

from ..dates import DateLike, as_date
from ..documents.fetch import is_url
from ..documents.loaders import page_of
from ..errors import NotFoundError, QuestionError, RagError
from ..records import Answer, Citation, DocumentInfo, ScoredChunk


def resolve_source(docs: list[DocumentInfo], source: str) -> str:
    """The indexed source that ``source`` names: a document id, the source as stored (a
    path or URL), a path to the same file, or a file name that one document has. A name
    several documents share, or one no document has, is an error that lists what matches."""
    wanted = source.strip()
    if not wanted:
        raise QuestionError("the source is empty: give a document id, file name or path")
    for d in docs:
        if wanted in (d.id, d.source):
            return d.source
    if not is_url(wanted):
        path = Path(wanted).expanduser()
        resolved = str(path.resolve()) if path.exists() else None
        for d in docs:
            if d.source == resolved:
                return d.source
        named = [d for d in docs if not is_url(d.source) and Path(d.source).name == wanted]
        if len(named) == 1:
            return named[0].source
        if named:
            listed = "; ".join(f"{d.id} {d.source}" for d in named[:10])
            more = f" and {len(named) - 10} more" if len(named) > 10 else ""
            raise RagError(
                f"{len(named)} indexed documents are named {wanted!r}: {listed}{more}; "
                "give the id or the full path"
            )
    raise NotFoundError(
        f"no indexed document has the id, file name or source {wanted!r}; `rag docs` lists them"
    )


def in_period(
    catalog: Mapping[str, DocumentInfo], since: DateLike, until: DateLike, undated: bool
) -> frozenset[str] | None:
    """Ids of the documents a date filter keeps (None: no filter)."""
    first, last = as_date(since, "since"), as_date(until, "until")
    if first is None and last is None and undated:
        return None
    if first is not None and last is not None and first > last:
        raise QuestionError(f"since ({first}) is after until ({last})")
    keep = set()
    for doc_id, info in catalog.items():
        if not info.published:
            if undated:
                keep.add(doc_id)
            continue
        day = as_date(info.published, "published") or date.min
        if (first or date.min) <= day <= (last or date.max):
            keep.add(doc_id)
    return frozenset(keep)


def dated(hits: list[ScoredChunk], catalog: Mapping[str, DocumentInfo]) -> list[ScoredChunk]:
    """The hits with their documents' published dates."""
    return [
        replace(h, published=info.published)
        if (info := catalog.get(h.chunk.doc_id)) is not None and info.published
        else h
        for h in hits
    ]


def sourced(
    answer: Answer,
    catalog: Mapping[str, DocumentInfo],
    lookup: Callable[[str], DocumentInfo | None],
) -> Answer:
    """The answer with each citation's (and alternative's) outlet, author, date, URL and PDF
    page (``lookup``: a document the catalog does not hold yet)."""
    if not answer.citations and not answer.alternatives:
        return answer

    def source(c: Citation) -> Citation:
        info = catalog.get(c.doc_id) or lookup(c.doc_id)
        if info is None:
            return c
        pages = info.pages
        return replace(
            c,
            site=info.site,
            author=info.author,
            published=info.published,
            url=info.url,
            page=page_of(pages, c.start) if pages else None,
        )

    return replace(
        answer,
        citations=[source(c) for c in answer.citations],
        alternatives=[source(c) for c in answer.alternatives],
    )
