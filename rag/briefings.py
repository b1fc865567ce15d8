"""Briefings: a summary of an article or of everything indexed, the latest on a topic, a
timeline, each sentence cited. What to say is chosen in :mod:`rag.answer.briefing`; this
module finds the sentences it chooses from (the store and the retriever) and writes the
cited answer. :meth:`rag.assistant.Assistant.stream` sends a request here when
:func:`rag.answer.request.request_of` says it is one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .answer import briefing
from .answer.briefing import Sentence
from .answer.cited import abstain
from .answer.question import previous_statement
from .answer.read import Found
from .answer.request import Request
from .index import scope
from .index.keyword import terms
from .index.retrieve import Query
from .index.rows import StoredUnit, unit_id, unit_ids
from .records import Answer, Chunk, Citation, DocumentInfo, ScoredChunk

if TYPE_CHECKING:
    from .wiring import Stages

#: chunks retrieved for a topic briefing or a timeline
TOPIC_CHUNKS = 16
#: documents a summary of everything covers (the newest)
DIGEST_DOCUMENTS = 5

WHICH_DOCUMENT = (
    "Which document should I summarize? Name it (\u201cSummarize <its title>\u201d), choose it "
    "under \u201cOnly this document\u201d, or give --source on the command line."
)


class Briefings:
    """The briefing answers over one assistant's stages (``text``: a document's full text
    by id, as citations index into it)."""

    def __init__(self, stages: Stages, text: Callable[[str], str]) -> None:
        self.stages = stages
        self.text = text
        #: the sentences the last briefing chose (a language model writes from them alone)
        self.chosen: list[Sentence] = []

    def _answer(
        self,
        question: str,
        kind: str,
        heading: str,
        groups: Sequence[Sequence[Sentence]],
        catalog: Mapping[str, DocumentInfo],
        *,
        labels: Sequence[str] | None = None,
    ) -> Answer:
        """A briefing as an answer: the heading (with the dates it covers), then each group's
        first sentence followed by a marker for each of its sentences; a timeline one event a
        line, with its day. Remembers its sentences (:meth:`sources`)."""
        self.chosen = [s for g in groups for s in g]
        if not groups:
            nothing = {
                "timeline": "No dated events on that in the indexed documents.",
                "latest": "Nothing on that in the indexed documents.",
            }.get(kind, "Nothing in the indexed documents to summarize on that.")
            return replace(abstain(question, f"nothing for a {kind}", nothing), kind=kind)
        citations: list[Citation] = []
        lines = []
        for n, group in enumerate(groups):
            markers = []
            for sent in group:
                u = sent.unit
                info = catalog[u.doc_id]
                number = len(citations) + 1
                citations.append(
                    Citation(
                        number, u.doc_id, info.source, info.title, sent.text, u.start, u.end, 1.0
                    )
                )
                markers.append(f"[{number}]")
            label = f"{labels[n]}: " if labels else ""
            lines.append(f"{label}{' '.join(group[0].text.split())} {' '.join(markers)}")
        docs = {s.unit.doc_id for g in groups for s in g}
        days = sorted(catalog[d].published for d in docs if catalog[d].published)
        span = (
            f"{days[0]} to {days[-1]}"
            if days and days[0] != days[-1]
            else (days[0] if days else "")
        )
        about = f"{len(docs)} document{'s' if len(docs) != 1 else ''}" + (
            f", {span}" if span else ""
        )
        if kind == "summary" and len(docs) == 1 and not span:
            about = ""
        head = f"{heading}" + (f" ({about})" if about else "") + ":"
        body = "\n".join(lines) if labels else " ".join(lines)
        return Answer(
            question=question,
            text=f"{head}\n{body}",
            citations=citations,
            abstained=False,
            kind=kind,
        )

    def sources(self) -> tuple[list[ScoredChunk], list[StoredUnit]]:
        """The last briefing's sentences as a language model's sources: each sentence a
        numbered source of its own (and the unit verification checks its claims against)."""
        catalog = self.stages.retriever.catalog()
        hits, units = [], []
        for s in self.chosen:
            u = s.unit
            info = catalog[u.doc_id]
            chunk = Chunk(
                id=f"{u.doc_id}:s{u.index}",
                doc_id=u.doc_id,
                index=u.index,
                start=u.start,
                end=u.end,
                text=s.text,
                first_sentence=u.index,
                last_sentence=u.index,
                tokens=0,
            )
            hits.append(ScoredChunk(chunk, info.source, info.title, 1.0, published=s.published))
            units.append(u)
        return hits, units

    def answer(
        self,
        question: str,
        request: Request,
        history: list[tuple[str, str]],
        *,
        source: str | None,
        doc_ids: frozenset[str] | None,
        asked_on: date | None,
    ) -> Answer:
        """The briefing ``request`` asks for (``question`` in the user's words), of the
        documents ``source`` and ``doc_ids`` allow that were published by ``asked_on``."""
        day = (asked_on or date.today()).isoformat()
        catalog = {  # as of the day asked: nothing published after it
            d: info
            for d, info in self.stages.retriever.catalog().items()
            if (doc_ids is None or d in doc_ids) and (not info.published or info.published <= day)
        }
        if source is not None:
            catalog = {d: info for d, info in catalog.items() if info.source == source}
        if not catalog:
            return replace(abstain(question, "no document to brief on"), kind=request.kind)
        if request.kind == "summary" and request.scope == "document":
            doc_id = self._document_at_hand(catalog, history)
            if doc_id is None:
                which = abstain(question, "no document named", WHICH_DOCUMENT + _some(catalog))
                return replace(which, kind="summary")
            return self.summary(question, catalog[doc_id])
        if request.kind == "summary" and request.scope == "topic" and request.topic:
            titled = _titled(catalog, request.topic)
            if titled is not None:
                return self.summary(question, catalog[titled])
        # a follow-up ("What happened next?", "What's the latest?" in a conversation) is
        # about what the question before it asked
        topic = request.topic or (history[-1][0] if history else "")
        if request.scope == "all" or not topic:
            return self.digest(question, catalog, latest=request.kind == "latest")
        named = topic if request.topic else f"\u201c{' '.join(topic.split())}\u201d"
        sentences = self._about(topic, catalog, source)
        if request.kind == "timeline":
            since = _since(request.since, asked_on) if request.since else None
            if since is None and not request.topic and not request.since:
                since = self._day_of_answer(catalog, history)  # next: from then on
            return self._timeline(question, named, sentences, catalog, since)
        groups = briefing.topic(sentences, latest=request.kind == "latest")
        heading = "The latest on" if request.kind == "latest" else "Briefing on"
        return self._answer(question, request.kind, f"{heading} {named}", groups, catalog)

    def summary(
        self, question: str, info: DocumentInfo, *, max_chars: int = briefing.SUMMARY_CHARS
    ) -> Answer:
        """An article's summary: its story's central sentences, in reading order, at most
        ``max_chars`` long."""
        sentences = self.sentences(info)
        title_vector = self.stages.embedder.embed([info.title])[0] if info.title else None
        chosen = briefing.summary(
            sentences, title=info.title, title_vector=title_vector, max_chars=max_chars
        )
        if not chosen:
            return abstain(question, "nothing in the document reads as a story sentence")
        name = info.title or info.source
        return self._answer(
            question,
            "summary",
            f"Summary of \u201c{name}\u201d",
            [[s] for s in chosen],
            {info.id: info},
        )

    def digest(self, question: str, catalog: Mapping[str, DocumentInfo], *, latest: bool) -> Answer:
        """Everything indexed, briefly: the lead fact of each of the newest documents
        (the most recently added where none is dated), oldest first."""
        newest = sorted(catalog.values(), key=lambda d: (d.published, d.id))[-DIGEST_DOCUMENTS:]
        if len(newest) == 1 and not latest:
            return self.summary(question, newest[0])
        each = max(1, briefing.SUMMARY_SENTENCES // len(newest))
        groups = []
        for info in newest:
            chosen = briefing.summary(self.sentences(info), title=info.title, max_sentences=each)
            groups += [[s] for s in chosen]
        kind = "latest" if latest else "summary"
        heading = "The latest in the documents" if latest else "Summary of the documents"
        return self._answer(question, kind, heading, groups, catalog)

    def _timeline(
        self,
        question: str,
        topic: str,
        sentences: list[Sentence],
        catalog: Mapping[str, DocumentInfo],
        since: date | None,
    ) -> Answer:
        events = briefing.timeline(sentences, since=since)
        groups = [group for _, group in events]
        labels = [dated.label() for dated, _ in events]
        return self._answer(
            question, "timeline", f"Timeline of {topic}", groups, catalog, labels=labels
        )

    # --- where the sentences come from ----------------------------------------------------

    def sentences(self, info: DocumentInfo) -> list[Sentence]:
        """Every sentence of a document, with its vector."""
        count = int(info.metadata.get("units", -1))
        if count <= 0:
            return []
        units = self.stages.store.units([unit_id(info.id, i) for i in range(count)])
        text = self.text(info.id)
        return [Sentence(u, text[u.start : u.end], info.published) for u in units]

    def _about(
        self, topic: str, catalog: Mapping[str, DocumentInfo], source: str | None
    ) -> list[Sentence]:
        """The sentences of the chunks retrieved for ``topic``, scored by the assistant's
        cheap relevance (cosine and word overlap)."""
        stages = self.stages
        found = stages.retriever.run(Query(topic, TOPIC_CHUNKS, source, doc_ids=frozenset(catalog)))
        index = found.index
        hits = scope.dated(found.hits, index.catalog)
        units = stages.store.units(unit_ids(hits))
        scored = stages.reads.score(Found(topic, found.vector, hits, units, index))
        return [Sentence(c.unit, c.text, c.hit.published, c.heuristic) for c in scored]

    def _day_of_answer(
        self, catalog: Mapping[str, DocumentInfo], history: list[tuple[str, str]]
    ) -> date | None:
        """The published day of the article the previous answer quoted first (None when
        it quoted none, or that article is undated)."""
        doc_id = self._quoted(catalog, history[-1:])
        published = catalog[doc_id].published if doc_id is not None else ""
        return date.fromisoformat(published) if published else None

    def _document_at_hand(
        self, catalog: Mapping[str, DocumentInfo], history: list[tuple[str, str]]
    ) -> str | None:
        """The document "the article" means: the only one, or the one the previous answer
        quoted first."""
        if len(catalog) == 1:
            return next(iter(catalog))
        return self._quoted(catalog, history)

    def _quoted(
        self, catalog: Mapping[str, DocumentInfo], history: list[tuple[str, str]]
    ) -> str | None:
        """The document the latest answer in ``history`` that quotes one quoted first."""
        for _, answer in reversed(history):
            statement = previous_statement(answer)
            if not statement:
                continue
            found = self.stages.retriever.run(Query(statement, 3, doc_ids=frozenset(catalog)))
            for hit in found.hits:
                if " ".join(statement.split()) in " ".join(hit.chunk.text.split()):
                    return hit.chunk.doc_id
        return None


def _some(catalog: Mapping[str, DocumentInfo]) -> str:
    newest = sorted(catalog.values(), key=lambda d: (d.published, d.id))[-3:]
    names = "; ".join(f"\u201c{d.title or d.source}\u201d" for d in reversed(newest))
    return f" {len(catalog)} documents are indexed, among them {names}."


_ARTICLE = re.compile(r"\b(?:article|story|document|piece|report|page|file)\b", re.I)
#: a title named without saying "article" must be named by at least this many words
TITLE_WORDS = 3


def _titled(catalog: Mapping[str, DocumentInfo], topic: str) -> str | None:
    """The one document whose title holds every content word of ``topic`` ("Summarize the
    Starship article"; without "article", "story" or the like, at least ``TITLE_WORDS``
    of them), if exactly one does."""
    wanted = set(terms(_ARTICLE.sub(" ", topic)))
    if not wanted or (len(wanted) < TITLE_WORDS and not _ARTICLE.search(topic)):
        return None
    found = [d for d, info in catalog.items() if wanted <= set(terms(info.title))]
    return found[0] if len(found) == 1 else None


_MONTH_ONLY = re.compile(r"^(?:early\s+|late\s+|mid-?)?([a-z]+)\.?(?:\s+((?:19|20)\d\d))?$", re.I)


def _since(text: str, asked_on: date | None) -> date | None:
    """The first day of "since May" ("May 2024", "2024-05-01", "last week")."""
    today = asked_on or date.today()
    text = text.strip().lower()
    if text in ("last week", "a week ago"):
        return today - timedelta(days=7)
    if text in ("yesterday",):
        return today - timedelta(days=1)
    if text in ("last month", "a month ago"):
        return today - timedelta(days=30)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    dated = briefing.event_day(text, today.isoformat())
    if dated is not None and dated.stated:
        return dated.day
    found = _MONTH_ONLY.match(text)
    if found is not None and found.group(1) in briefing.MONTHS:
        month = briefing.MONTHS[found.group(1)]
        year = int(found.group(2)) if found.group(2) else today.year
        day = date(year, month, 1)
        return day if found.group(2) or day <= today else day.replace(year=year - 1)
    return None
