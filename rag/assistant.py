"""The one place where the stages are wired together: documents in, questions answered.

The stages themselves are built and opened in :mod:`rag.wiring`; a question's path reads
top to bottom in :meth:`Assistant.stream`: clean -> scope -> understand (a compound
question: part by part) -> retrieve -> read -> compose, or draft and verify with a
language model.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, TypedDict, Unpack

from .answer.cited import Reading, abstain
from .answer.disagree import side_by_side
from .answer.question import (
    INSTRUCTION_TEXT,
    check_history,
    clean_question,
    question_parts,
    understand,
)
from .answer.read import Found
from .answer.request import Request, request_of
from .briefings import Briefings
from .dates import DateLike, as_date
from .errors import QuestionError
from .index import scope
from .index.retrieve import Query
from .index.rows import unit_ids
from .library import Library
from .records import Answer, ScoredChunk

if TYPE_CHECKING:
    from .index.lcretriever import AssistantRetriever
    from .llm.generate import LLMAnswerer

log = logging.getLogger(__name__)

_AFTER_MARKER = re.compile(r"(?<=\])\s+")

History = list[tuple[str, str]]


class AskOptions(TypedDict, total=False):
    """What :meth:`Assistant.ask` and :meth:`Assistant.stream` take besides the question.

    ``k``: chunks retrieved (default: the settings'). ``source`` keeps one document: its
    id, file name or path (:meth:`Assistant.resolve_source`). ``since``/``until`` (dates or
    ``YYYY-MM-DD``, both ends included) keep documents published in that period; documents
    without a date are kept unless ``undated`` is False. ``extractive=True`` answers
    without the language model even when one is set. ``asked_on`` (a date or
    ``YYYY-MM-DD``; default today) is the day the question is asked as of: the reader
    prefers passages published nearest it (a news quiz's "this week").
    """

    k: int | None
    source: str | None
    since: DateLike
    until: DateLike
    undated: bool
    extractive: bool
    asked_on: DateLike


class Assistant(Library):
    """Ingest documents, then ask questions answered with exact-span citations.

    Answers come from the extractive answerer, or from a language model (``llm=`` any
    LangChain chat model, or ``settings.backend``) whose citations are verified in code.

    >>> assistant = Assistant(Settings(data_dir="/tmp/x"))          # doctest: +SKIP
    >>> assistant.ask("What did Russia offer?").citations[0].quote  # doctest: +SKIP
    """

    # --- questions ------------------------------------------------------------------------

    def retrieve(
        self,
        question: str,
        k: int = 8,
        *,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
        undated: bool = True,
    ) -> list[ScoredChunk]:
        """The k best chunks for a question (dense and keyword rankings fused)."""
        question = self.clean_question(question)
        if not 1 <= k <= 1000:
            raise QuestionError(f"k must be 1-1000, not {k}")
        doc_ids = self._in_period(since, until, undated)
        if source is not None:
            source = self.resolve_source(source)
        found = self.retriever.run(Query(question, k, source=source, doc_ids=doc_ids))
        return scope.dated(found.hits, found.index.catalog)

    def ask(
        self, question: str, history: History | None = None, **options: Unpack[AskOptions]
    ) -> Answer:
        """Answer from the documents, every sentence cited, or abstain (the ``options``:
        :class:`AskOptions`)."""
        answer = None
        for item in self.stream(question, history, **options):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(
        self, question: str, history: History | None = None, **options: Unpack[AskOptions]
    ) -> Iterator[str | Answer]:
        """Text as it is written, then the final :class:`Answer` (always the last item).

        With a language model the text is its unverified draft; the answer that follows is
        the verified version, which a consumer should show in its place. The extractive
        backend yields its answer a sentence at a time. The other arguments are
        :meth:`ask`'s (an unknown one is a TypeError at once, as for any call).
        """
        unknown = set(options) - set(AskOptions.__annotations__)
        if unknown:
            raise TypeError(f"unexpected options {sorted(unknown)}")
        return self._answered(question, history, options)

    def _answered(
        self, question: str, history: History | None, options: AskOptions
    ) -> Iterator[str | Answer]:
        question = self.clean_question(question)  # the question first, then its scope
        source = options.get("source")
        if source is not None:
            source = self.resolve_source(source)
        day = as_date(options.get("asked_on"), "asked_on") or date.today()
        doc_ids = self._in_period(
            options.get("since"), options.get("until"), options.get("undated", True)
        )
        k, extractive = options.get("k"), options.get("extractive", False)
        for item in self._stream(question, history, k, source, doc_ids, extractive, day):
            yield self._sourced(item) if isinstance(item, Answer) else item

    def _stream(
        self,
        question: str,
        history: History | None,
        k: int | None,
        source: str | None,
        doc_ids: frozenset[str] | None,
        extractive: bool,
        asked_on: date | None = None,
    ) -> Iterator[str | Answer]:
        question = self.clean_question(question)
        history = check_history(history)
        if doc_ids is not None and not doc_ids:
            yield abstain(question, "no indexed document was published in that period")
            return
        writer = None if extractive else self.writer
        understood = understand(question, history)
        if understood.instruction:
            yield abstain(question, "instruction-like input", INSTRUCTION_TEXT)
            return
        request = request_of(question)
        if request.kind != "question":  # "Summarize the article.", "What's the latest on X?"
            yield from self._briefing(question, request, history, source, doc_ids, asked_on, writer)
            return
        split = writer is None and self.reader is not None and self.settings.compound_questions
        parts = question_parts(question) if split else (question,)
        if len(parts) > 1:  # "What did X say, and what did Y do?": each part read alone
            yield from _in_pieces(
                self._compound(question, parts, history, k, source, doc_ids, asked_on)
            )
            return
        queries = understood.queries
        if writer is not None and history and self.settings.rewrite_followups:
            rewritten = writer.rewrite(question, history)
            queries = (rewritten,) if rewritten else queries
        read = partial(
            self.reading, question, k=k, source=source, doc_ids=doc_ids, asked_on=asked_on
        )
        plain = None
        if understood.statement and writer is None:
            # "Who said that?": asked of the previous answer's sentence first; kept only if
            # it finds that sentence (else it found someone saying something else)
            reading, hits = read(queries[:1])
            plain = self.answerer.attribute(question, reading, understood.statement, queries[0])
            if plain is None:
                reading, hits = read(queries[1:])
                plain = self.answerer.attribute(question, reading, understood.statement, queries[0])
        else:
            reading, hits = read(queries)
        query = reading.query
        if plain is None:
            plain = self.answerer.compose(reading)
        if query != question:
            plain = replace(plain, query=query)
        if writer is None or plain.abstained:
            # Nothing relevant was retrieved: a model would only answer from its own knowledge.
            yield from _in_pieces(plain)
            return
        assert reading.index is not None
        from .llm.generate import Sources  # imported with the writer, never for extractive

        yield from writer.run(Sources(question, query, hits, reading.units, reading.index, plain))

    def _briefing(
        self,
        question: str,
        request: Request,
        history: History,
        source: str | None,
        doc_ids: frozenset[str] | None,
        asked_on: date | None,
        writer: LLMAnswerer | None,
    ) -> Iterator[str | Answer]:
        """A briefing: the sentences chosen and cited; with a language model (``writer``),
        its summary of those sentences alone, verified like any answer (the heading kept)."""
        briefings = Briefings(self, self.document_text)
        plain = briefings.answer(
            question, request, history, source=source, doc_ids=doc_ids, asked_on=asked_on
        )
        if writer is None or plain.abstained:
            yield from _in_pieces(plain)
            return
        hits, units = briefings.sources()
        heading = plain.text.split("\n", 1)[0]
        index = self.retriever.keyword_index()
        from .llm.generate import Sources

        sources = Sources(question, question, hits, units, index, plain, answers_only=False)
        for item in writer.run(sources):
            if isinstance(item, Answer) and not item.fallback:
                item = replace(item, text=f"{heading}\n{item.text}", kind=plain.kind)
            yield item

    def _compound(
        self,
        question: str,
        parts: tuple[str, ...],
        history: History,
        k: int | None,
        source: str | None,
        doc_ids: frozenset[str] | None,
        asked_on: date | None = None,
    ) -> Answer:
        """A compound question's answer: each part retrieved and read as a question of its
        own (a later part's "he" read with the part before), the answers cited together."""
        readings = []
        context = list(history)
        for part in parts:
            queries = understand(part, context).queries
            read = self.reading(
                part, queries, k=k, source=source, doc_ids=doc_ids, asked_on=asked_on
            )
            readings.append(read[0])
            context = [*history, (part, "")]
        return self.answerer.compose_parts(question, readings)

    def reading(
        self,
        question: str,
        queries: Sequence[str],
        *,
        k: int | None = None,
        source: str | None = None,
        doc_ids: frozenset[str] | None = None,
        asked_on: date | None = None,
    ) -> tuple[Reading, list[ScoredChunk]]:
        """Retrieve and read each query; the best-answered reading and its hits (a
        follow-up's joined reading must beat the question alone by ``FOLLOWUP_MARGIN``).
        ``asked_on``: the day asked, which dates the passages' ages (None: ages unknown)."""
        answerer = self.answerer
        if answerer.reader is None:
            queries = queries[:1]  # only the reader can tell which reading is answered
        best: tuple[Reading, list[ScoredChunk]] | None = None
        for query in queries:
            retrieved = self.retriever.run(
                Query(query, k or self.settings.top_k, source, doc_ids=doc_ids)
            )
            hits, index, vector = retrieved.hits, retrieved.index, retrieved.vector
            hits = scope.dated(hits, index.catalog)  # the documents of the same snapshot
            units = self.store.units(unit_ids(hits))
            found = Found(query, vector, hits, units, index, asked_on, question)
            reading = self.reads.run(found)
            if best is None or _better(reading, best[0], question):
                best = (reading, hits)
        assert best is not None
        return best

    def _in_period(self, since: DateLike, until: DateLike, undated: bool) -> frozenset[str] | None:
        """Ids of the documents a date filter keeps (None: no filter)."""
        if as_date(since, "since") is None and as_date(until, "until") is None and undated:
            return None  # no filter: the catalog is not even read
        return scope.in_period(self.retriever.catalog(), since, until, undated)

    def _sourced(self, answer: Answer) -> Answer:
        """The answer with each citation's outlet, author, date, URL and PDF page."""
        if not answer.citations and not answer.alternatives:
            return answer
        # the documents as of the last search, the answer's (not asking the store again;
        # a document it does not hold is looked up)
        catalog = self.retriever.catalog(latest=False)
        sourced = scope.sourced(answer, catalog, self.store.document)
        return side_by_side(sourced)  # sources that disagree: each with its outlet and date

    def as_retriever(self, *, k: int = 4, source: str | None = None) -> AssistantRetriever:
        """Hybrid retrieval as a LangChain ``BaseRetriever``."""
        from .index.lcretriever import AssistantRetriever

        return AssistantRetriever(assistant=self, k=k, source=source)

    def clean_question(self, question: str) -> str:
        """The question as it will be asked (control characters blanked, trimmed); a
        QuestionError if it is not text, empty or too long. Needs no model or index."""
        return clean_question(question, self.settings.max_question_chars)


def _in_pieces(answer: Answer) -> Iterator[str | Answer]:
    """An extractive answer as it is streamed: a sentence (up to its marker) at a time,
    then the answer itself."""
    if not answer.abstained:
        pieces = _AFTER_MARKER.split(answer.text)
        yield from (p + " " for p in pieces[:-1])
        yield pieces[-1]
    yield answer


#: A follow-up read with the previous question must beat the question alone by this much.
FOLLOWUP_MARGIN = 0.05


def _better(reading: Reading, than: Reading, question: str) -> bool:
    """Is ``reading`` the better-answered one? The question alone wins near-ties."""
    if reading.query == question:
        return reading.best + FOLLOWUP_MARGIN >= than.best
    return reading.best > than.best + FOLLOWUP_MARGIN
