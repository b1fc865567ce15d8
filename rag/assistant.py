"""The one place where the stages are wired together."""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .answer.compose import ExtractiveAnswerer, Reading, abstain
from .answer.question import INSTRUCTION_TEXT, check_history, clean_question, understand
from .config import Settings
from .dates import DateLike, as_date
from .documents.loaders import check_paths
from .errors import NotFoundError, QuestionError
from .index import scope
from .index.chroma import make_client
from .index.embed import Embedder, as_langchain, load_embedder
from .index.ingest import Progress, ingest, pdf_copy
from .index.retrieve import HybridRetriever
from .index.store import Store, unit_id
from .llm.backends import backend_name, make_chat_model
from .reader import Passage, Reader
from .records import Answer, DocumentInfo, IngestReport, ScoredChunk

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.language_models import BaseChatModel

    from .index.lcretriever import AssistantRetriever
    from .llm.generate import LLMAnswerer

log = logging.getLogger(__name__)

_AFTER_MARKER = re.compile(r"(?<=\])\s+")
_TEXT_CACHE = 32

History = list[tuple[str, str]]


class Assistant:
    """Ingest documents, then ask questions answered with exact-span citations.

    Answers come from the extractive answerer, or from a language model (``llm=`` any
    LangChain chat model, or ``settings.backend``) whose citations are verified in code.

    >>> assistant = Assistant(Settings(data_dir="/tmp/x"))          # doctest: +SKIP
    >>> assistant.ask("What did Russia offer?").citations[0].quote  # doctest: +SKIP
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        client: Any = None,
        llm: BaseChatModel | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.settings = settings if settings is not None else Settings.from_env()
        self._embedder = embedder
        self._client = client
        self._llm = llm
        self._llm_answerer: LLMAnswerer | None = None
        self._store: Store | None = None
        self._retriever: HybridRetriever | None = None
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._open_lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._reader = reader
        self._answerer: ExtractiveAnswerer | None = None

    # --- wiring ---------------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        with self._open_lock:
            if self._embedder is None:
                self._embedder = load_embedder(
                    self.settings.embedding_model, batch_size=self.settings.batch_size
                )
            return self._embedder

    @property
    def reader(self) -> Reader | None:
        """The trained reader that ranks answer sentences (None with ``reader="off"``)."""
        with self._open_lock:
            if self._reader is None and self.settings.reader != "off":
                from .reader import load_reader

                name = self.settings.reader
                self._reader = load_reader(None if name == "default" else name)
            return self._reader

    @property
    def answerer(self) -> ExtractiveAnswerer:
        """The extractive answerer (with the reader unless it is off)."""
        reader = self.reader
        with self._open_lock:
            if self._answerer is None:
                self._answerer = ExtractiveAnswerer(
                    min_score=self.settings.min_score,
                    max_sentences=self.settings.max_answer_sentences,
                    reader=reader,
                    read_candidates=self.settings.read_candidates,
                    threshold=self.settings.reader_threshold,
                )
            return self._answerer

    @property
    def store(self) -> Store:
        """The store, opened on first use and checked against the embedding model (which
        is loaded); a fresh one gets the seed documents."""
        with self._open_lock:
            if self._retriever is None:
                store = self._opened()
                embedder = self.embedder
                fresh = store.check_or_init(embedder.name, embedder.dim)
                if not store.remote:  # one process owns an embedded store: clean up now
                    store.repair()
                self._retriever = HybridRetriever(store, embedder)
                seeds = self.settings.resolved_seeds_dir
                if fresh and self.settings.seed and seeds is not None:
                    log.info("new index: adding the seed documents from %s", seeds)
                    self.ingest([seeds])
            assert self._store is not None
            return self._store

    @property
    def seeds_pending(self) -> bool:
        """Whether opening the index will add the seed documents: it does not exist yet and
        seeding is on (checked without loading a model)."""
        if not self.settings.seed or self.settings.resolved_seeds_dir is None:
            return False
        with self._open_lock:
            return self._retriever is None and self._opened().meta() is None

    def warm_up(self) -> None:
        """Load the models and open the index now, and run each model once, so that the
        first question does not wait for them (``rag serve`` does this before it listens)."""
        self.store  # noqa: B018 - the embedding model and the index (seeds on a new one)
        self.embedder.embed(["warm up"])
        answerer = self.answerer
        if answerer.reader is not None:
            answerer.reader.read("warm up?", [Passage("Warm up.", "")])

    @property
    def index(self) -> Store:
        """The store for listing and deleting documents: an index that exists is opened
        without loading the embedding model; a new one is set up as :attr:`store` does."""
        with self._open_lock:
            if self._retriever is not None:
                return self._store  # type: ignore[return-value]
            store = self._opened()
            return store if store.meta() is not None else self.store

    def _opened(self) -> Store:
        """The Store object (its model loaded only when something is embedded)."""
        if self._store is None:
            client = self._client if self._client is not None else make_client(self.settings)
            self._store = Store(client, self.settings, as_langchain(lambda: self.embedder))
        return self._store

    @property
    def where(self) -> str:
        """Where the index is: its data dir, or the Chroma server's address."""
        settings = self.settings
        if settings.chroma_host:
            return f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
        return str(settings.data_dir)

    @property
    def retriever(self) -> HybridRetriever:
        self.store  # noqa: B018 - opens the store
        assert self._retriever is not None
        return self._retriever

    @property
    def llm(self) -> BaseChatModel | None:
        """The chat model answers are drafted with; None for the extractive backend."""
        with self._open_lock:
            if self._llm is None:
                self._llm = make_chat_model(self.settings)
            return self._llm

    @property
    def backend(self) -> str:
        """What writes the answers: "extractive", or the model's name."""
        llm = self.llm
        return "extractive" if llm is None else backend_name(llm, self.settings)

    def _llm_writer(self) -> LLMAnswerer | None:
        llm = self.llm
        if llm is None:
            return None
        with self._open_lock:
            if self._llm_answerer is None:
                from .llm.generate import LLMAnswerer

                self._llm_answerer = LLMAnswerer(
                    llm,
                    name=backend_name(llm, self.settings),
                    settings=self.settings,
                    embed=self.embedder.embed,
                    reader=self.reader,
                )
            return self._llm_answerer

    @property
    def vectorstore(self) -> Chroma:
        """The chunk collection as a ``langchain_chroma.Chroma`` vector store."""
        return self.store.chunks_view

    # --- documents ------------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[str | Path] | str | Path,
        *,
        progress: Progress | None = None,
        private_urls: bool = True,
    ) -> IngestReport:
        """Add files, folders, news dumps (``.jsonl``) and URLs; unchanged documents are
        left alone, changed ones replaced. ``private_urls=False`` refuses URLs of private,
        loopback and link-local addresses (what a web app open to others should do).

        A path that does not exist raises :class:`IngestError` naming it, and nothing is
        added; files that cannot be read inside a folder are skipped with their reasons."""
        if isinstance(paths, str | Path):
            paths = [paths]
        check_paths(list(paths))
        store = self.store
        with self._write_lock:
            return ingest(
                list(paths),
                store=store,
                embedder=self.embedder,
                settings=self.settings,
                progress=progress,
                private_urls=private_urls,
            )

    def documents(self) -> list[DocumentInfo]:
        return self.index.documents()

    def document(self, doc_id: str) -> DocumentInfo:
        info = self.index.document(doc_id)
        if info is None:
            raise NotFoundError(f"no document with id {doc_id!r}; `rag docs` lists them")
        return info

    def resolve_source(self, source: str) -> str:
        """The indexed source that ``source`` names: a document id, the source as stored
        (a path or URL), a path to the same file, or a file name that one document has.
        Read from the index alone (no model is loaded); see :func:`scope.resolve_source`."""
        return scope.resolve_source(self.documents(), source)

    def delete(self, doc_id: str) -> DocumentInfo:
        """Remove a document and all its chunks; returns what was removed."""
        info = self.document(doc_id)
        with self._write_lock:
            self.index.delete_document(doc_id)
            pdf_copy(self.settings, doc_id).unlink(missing_ok=True)
        with self._open_lock:
            self._texts.pop(doc_id, None)
        return info

    def document_text(self, doc_id: str) -> str:
        """The full text that citation offsets index into."""
        text = self._texts.get(doc_id)
        if text is None:
            info = self.document(doc_id)
            text = self.index.document_text(doc_id, int(info.metadata.get("parts", 1)))
            with self._open_lock:  # the web app calls this from several threads
                self._texts[doc_id] = text
                while len(self._texts) > _TEXT_CACHE:
                    self._texts.popitem(last=False)
        return text

    def passage(self, doc_id: str, start: int, end: int, margin: int = 5000) -> tuple[int, str]:
        """(offset, text): a stretch of the document around ``[start, end)``, at least
        ``margin`` characters either side where the document has them. Reads only the
        parts of a long document that it needs."""
        info = self.document(doc_id)
        if int(info.metadata.get("parts", 1)) <= 1:
            return 0, self.document_text(doc_id)
        return self.index.document_range(
            doc_id, max(0, start - margin), min(info.chars, end + margin)
        )

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
        return self._dated(self.retriever.search(question, k, source=source, doc_ids=doc_ids))

    def ask(
        self,
        question: str,
        history: History | None = None,
        *,
        k: int | None = None,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
        undated: bool = True,
        extractive: bool = False,
    ) -> Answer:
        """Answer from the documents, every sentence cited, or abstain.

        ``since``/``until`` (dates or ``YYYY-MM-DD``, both ends included) keep documents
        published in that period; documents without a date are kept unless ``undated`` is
        False. ``extractive=True`` answers without the language model even when one is set.
        ``source`` keeps one document: its id, file name or path (:meth:`resolve_source`).
        """
        answer = None
        for item in self.stream(
            question,
            history,
            k=k,
            source=source,
            since=since,
            until=until,
            undated=undated,
            extractive=extractive,
        ):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        history: History | None = None,
        *,
        k: int | None = None,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
        undated: bool = True,
        extractive: bool = False,
    ) -> Iterator[str | Answer]:
        """Text as it is written, then the final :class:`Answer` (always the last item).

        With a language model the text is its unverified draft; the answer that follows is
        the verified version, which a consumer should show in its place. The extractive
        backend yields its answer a sentence at a time. The other arguments are
        :meth:`ask`'s.
        """
        question = self.clean_question(question)  # the question first, then its scope
        if source is not None:
            source = self.resolve_source(source)
        for item in self._stream(
            question, history, k, source, self._in_period(since, until, undated), extractive
        ):
            yield self._sourced(item) if isinstance(item, Answer) else item

    def _stream(
        self,
        question: str,
        history: History | None,
        k: int | None,
        source: str | None,
        doc_ids: frozenset[str] | None,
        extractive: bool,
    ) -> Iterator[str | Answer]:
        question = self.clean_question(question)
        history = check_history(history)
        if doc_ids is not None and not doc_ids:
            yield abstain(question, "no indexed document was published in that period")
            return
        writer = None if extractive else self._llm_writer()
        understood = understand(question, history)
        if understood.instruction:
            yield abstain(question, "instruction-like input", INSTRUCTION_TEXT)
            return
        queries = understood.queries
        if writer is not None and history and self.settings.rewrite_followups:
            rewritten = writer.rewrite(question, history)
            queries = (rewritten,) if rewritten else queries
        reading, hits = self.reading(question, queries, k=k, source=source, doc_ids=doc_ids)
        query = reading.query
        plain = self.answerer.compose(question, reading)
        if query != question:
            plain = replace(plain, query=query)
        if writer is None or plain.abstained:
            # Nothing relevant was retrieved: a model would only answer from its own knowledge.
            if not plain.abstained:
                pieces = _AFTER_MARKER.split(plain.text)
                yield from (p + " " for p in pieces[:-1])
                yield pieces[-1]
            yield plain
            return
        assert reading.index is not None
        yield from writer.run(question, query, hits, reading.units, reading.index, plain)

    def reading(
        self,
        question: str,
        queries: Sequence[str],
        *,
        k: int | None = None,
        source: str | None = None,
        doc_ids: frozenset[str] | None = None,
    ) -> tuple[Reading, list[ScoredChunk]]:
        """Retrieve and read each query; the best-answered reading and its hits (a
        follow-up's joined reading must beat the question alone by ``FOLLOWUP_MARGIN``)."""
        answerer = self.answerer
        if answerer.reader is None:
            queries = queries[:1]  # only the reader can tell which reading is answered
        best: tuple[Reading, list[ScoredChunk]] | None = None
        for query in queries:
            vector = self.embedder.embed([query])[0]
            hits, index = self.retriever.search_with_index(
                query, k or self.settings.top_k, source=source, vector=vector, doc_ids=doc_ids
            )
            hits = self._dated(hits)
            unit_ids = [
                unit_id(h.chunk.doc_id, i)
                for h in hits
                for i in range(h.chunk.first_sentence, h.chunk.last_sentence + 1)
            ]
            units = self.store.units(list(dict.fromkeys(unit_ids)))
            reading = answerer.read(query, vector, hits, units, index)
            if best is None or _better(reading, best[0], question):
                best = (reading, hits)
        assert best is not None
        return best

    def _in_period(self, since: DateLike, until: DateLike, undated: bool) -> frozenset[str] | None:
        """Ids of the documents a date filter keeps (None: no filter)."""
        if as_date(since, "since") is None and as_date(until, "until") is None and undated:
            return None  # no filter: the catalog is not even read
        return scope.in_period(self.retriever.catalog(), since, until, undated)

    def _dated(self, hits: list[ScoredChunk]) -> list[ScoredChunk]:
        return scope.dated(hits, self.retriever.catalog())

    def _sourced(self, answer: Answer) -> Answer:
        """The answer with each citation's outlet, author, date, URL and PDF page."""
        if not answer.citations:
            return answer
        return scope.sourced(answer, self.retriever.catalog(), self.store.document)

    def as_retriever(self, *, k: int = 4, source: str | None = None) -> AssistantRetriever:
        """Hybrid retrieval as a LangChain ``BaseRetriever``."""
        from .index.lcretriever import AssistantRetriever

        return AssistantRetriever(assistant=self, k=k, source=source)

    def clean_question(self, question: str) -> str:
        """The question as it will be asked (control characters blanked, trimmed); a
        QuestionError if it is not text, empty or too long. Needs no model or index."""
        return clean_question(question, self.settings.max_question_chars)


#: A follow-up read with the previous question must beat the question alone by this much.
FOLLOWUP_MARGIN = 0.05


def _better(reading: Reading, than: Reading, question: str) -> bool:
    """Is ``reading`` the better-answered one? The question alone wins near-ties."""
    if reading.query == question:
        return reading.best + FOLLOWUP_MARGIN >= than.best
    return reading.best > than.best + FOLLOWUP_MARGIN
