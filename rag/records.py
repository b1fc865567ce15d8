"""The records that flow through the pipeline, one per stage.

``path → Document → Chunk → ScoredChunk → Answer(text, citations)``. All are frozen;
offsets are character offsets into ``Document.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, overload


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence (or a piece of an over-long one) inside a document's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """A source document with its full extracted text."""

    id: str
    source: str
    title: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    #: section headings (Markdown ``#``, HTML ``<h1>``-``<h6>``): context, never an answer
    headings: tuple[Span, ...] = ()


class _Said:
    """A document's metadata field of the same name, as text ("" when unknown)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    def __repr__(self) -> str:
        return f"metadata[{self.key!r}] as text"

    @overload
    def __get__(self, info: None, owner: type) -> _Said: ...
    @overload
    def __get__(self, info: DocumentInfo, owner: type | None = None) -> str: ...
    def __get__(self, info: DocumentInfo | None, owner: type | None = None) -> str | _Said:
        if info is None:  # read on the class (help(), docs)
            return self
        return str(info.metadata.get(self.key) or "")


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the index knows about a document, without its text."""

    id: str
    source: str
    title: str
    chars: int
    chunks: int
    metadata: dict[str, Any] = field(default_factory=dict)

    #: the outlet that published it, its author, its published date (``YYYY-MM-DD``) and
    #: its canonical URL ("" where unknown)
    site = _Said()
    author = _Said()
    published = _Said()
    url = _Said()

    @property
    def pages(self) -> list[int]:
        """Where each page starts in the text (PDFs; empty for other documents)."""
        return [int(p) for p in self.metadata.get("pages") or []]


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of whole sentences of one document: ``text == document.text[start:end]``.

    ``first_sentence``/``last_sentence`` index into the document's sentence list.
    """

    id: str
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    first_sentence: int
    last_sentence: int
    tokens: int


@dataclass(frozen=True, slots=True)
class ScoredChunk:
    """A retrieved chunk with its fused score and the ranks it had in each retriever."""

    chunk: Chunk
    source: str
    title: str
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None
    similarity: float | None = None  # cosine to the query, when the dense search found it
    #: the document's published date (YYYY-MM-DD), "" when unknown
    published: str = ""


@dataclass(frozen=True, slots=True)
class Citation:
    """One cited passage: ``document_text(doc_id)[start:end] == quote``."""

    number: int
    doc_id: str
    source: str
    title: str
    quote: str
    start: int
    end: int
    score: float
    #: the document's outlet, author, published date (YYYY-MM-DD) and URL, where known
    site: str = ""
    author: str = ""
    published: str = ""
    url: str = ""
    #: the 1-based PDF page the quote starts on (None for other documents)
    page: int | None = None

    def origin(self) -> str:
        """Where the quote comes from, for people: "Reuters · 2024-03-01 · p. 12"."""
        parts = [self.site, self.published, f"p. {self.page}" if self.page else ""]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class ShortAnswer:
    """The words that answer the question: ``document_text(doc_id)[start:end] == text``,
    always inside one of the answer's cited sentences."""

    text: str
    doc_id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Revision:
    """What verification did to one sentence of a model's draft.

    ``action`` is ``removed`` (no source supports it), ``recited`` (its own citation was
    wrong, another source supports it) or ``attributed`` (it cited nothing; a source
    supports it).
    """

    sentence: str
    action: str
    reason: str


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer whose ``[n]`` markers are exactly the numbers of ``citations``.

    ``backend`` names what wrote ``text`` ("extractive", "openai:gpt-4o-mini", ...);
    ``fallback`` is true when a language model was asked but its answer was replaced by the
    extractive one (the model failed, or verification removed every claim). ``draft`` is
    the model's unverified text and ``revisions`` what verification changed in it.
    ``query`` is the stand-alone question that was searched, when it differs.
    ``short_answer`` is the exact answer span the reader marked inside a cited sentence, and
    ``confidence`` the reader's probability that the best sentence answers the question
    (None without the reader). ``sure`` is true when that confidence reaches the reader's
    calibrated ``sure_threshold`` (on the news validation weeks, sure answers held the
    answer at least 90% of the time); an answer that is not sure carries up to two
    ``alternatives``: the next-best sentences the reader read, each an exact span like a
    citation (numbered after the answer's own), which may answer instead.
    """

    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    backend: str = "extractive"
    reason: str = ""
    fallback: bool = False
    query: str = ""
    draft: str = ""
    revisions: list[Revision] = field(default_factory=list)
    short_answer: ShortAnswer | None = None
    confidence: float | None = None
    sure: bool = False
    alternatives: list[Citation] = field(default_factory=list)
    #: what was asked for: "answer" (a question), "summary", "latest" or "timeline" (a
    #: briefing, whose text opens with a line saying what it is); "disagreement" when the
    #: best sentences of two documents answer a question with different values (each cited,
    #: on its own line after its outlet and date)
    kind: str = "answer"

    def to_dict(self) -> dict[str, Any]:
        short = self.short_answer
        return {
            "question": self.question,
            "kind": self.kind,
            "text": self.text,
            "short_answer": None
            if short is None
            else {
                "text": short.text,
                "doc_id": short.doc_id,
                "start": short.start,
                "end": short.end,
            },
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "sure": self.sure,
            "alternatives": [_citation_dict(c) for c in self.alternatives],
            "abstained": self.abstained,
            "backend": self.backend,
            "reason": self.reason,
            "fallback": self.fallback,
            "query": self.query,
            "draft": self.draft,
            "revisions": [
                {"sentence": r.sentence, "action": r.action, "reason": r.reason}
                for r in self.revisions
            ],
            "citations": [_citation_dict(c) for c in self.citations],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        """The answer that :meth:`to_dict` gave (``rag ask`` through a running server)."""
        short = d.get("short_answer")
        return cls(
            question=d["question"],
            text=d["text"],
            citations=[Citation(**c) for c in d.get("citations", [])],
            abstained=bool(d["abstained"]),
            backend=d.get("backend", "extractive"),
            reason=d.get("reason", ""),
            fallback=bool(d.get("fallback", False)),
            query=d.get("query", ""),
            draft=d.get("draft", ""),
            revisions=[Revision(**r) for r in d.get("revisions", [])],
            short_answer=None if short is None else ShortAnswer(**short),
            confidence=d.get("confidence"),
            sure=bool(d.get("sure", False)),
            alternatives=[Citation(**c) for c in d.get("alternatives", [])],
            kind=d.get("kind", "answer"),
        )


def _citation_dict(c: Citation) -> dict[str, Any]:
    return {
        "number": c.number,
        "doc_id": c.doc_id,
        "source": c.source,
        "title": c.title,
        "quote": c.quote,
        "start": c.start,
        "end": c.end,
        "score": round(c.score, 4),
        "site": c.site,
        "author": c.author,
        "published": c.published,
        "url": c.url,
        "page": c.page,
    }


@dataclass(frozen=True, slots=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(slots=True)
class IngestReport:
    """What an ingest did. Lists hold document sources (``skipped`` holds reasons too)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    #: documents indexed with something to know (``reason`` holds it): a web page where no
    #: article was found, so all its visible text was indexed; a date not understood
    notes: list[SkippedFile] = field(default_factory=list)
    #: ids of documents whose interrupted earlier write was cleaned up
    repaired: list[str] = field(default_factory=list)
    chunks: int = 0
    sentences: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped; "
            f"{self.chunks} chunks in {self.seconds:.1f}s"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "notes": [{"path": s.path, "note": s.reason} for s in self.notes],
            "repaired": self.repaired,
            "chunks": self.chunks,
            "sentences": self.sentences,
            "seconds": round(self.seconds, 3),
        }
