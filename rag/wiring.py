"""Each stage built once, on first use, from the settings: the embedding model, the index,
the reader, the extractive answerer and the language model.

:class:`Stages` holds them for :class:`rag.assistant.Assistant`, which asks them questions.
Loading is lazy (a command that only lists documents loads no model) and thread-safe (the
web app opens the index from several threads at once).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .answer.compose import ExtractiveAnswerer
from .answer.read import SentenceReader
from .config import Settings
from .errors import RagError
from .index.chroma import make_client
from .index.embed import Embedder, as_langchain, load_embedder
from .index.ingest import ingest
from .index.retrieve import HybridRetriever
from .index.store import Store
from .llm.backends import backend_name, make_chat_model
from .reader import Passage, Reader

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.language_models import BaseChatModel

    from .llm.generate import LLMAnswerer

log = logging.getLogger(__name__)


class Stages:
    """The stages a question goes through, each opened once, when first needed.

    ``settings`` default to the environment's (:meth:`Settings.from_env`); ``embedder``,
    ``client`` (a Chroma client), ``llm`` and ``reader`` replace what the settings would
    build (a notebook's own model, a test's fake).
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
        self._open_lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._reader = reader

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Held while this process writes the index: one write at a time (another process's
        writes are the store's to keep consistent, :mod:`rag.index.recovery`)."""
        with self._write_lock:
            yield

    @property
    def embedder(self) -> Embedder:
        with self._open_lock:
            if self._embedder is None:
                self._embedder = load_embedder(
                    self.settings.embedding_model,
                    batch_size=self.settings.batch_size,
                    precision=self.settings.embed_precision,
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

    # the two stages below load nothing of their own (the reader is loaded under the lock
    # above): made once on first use, two threads making one at once would make the same

    @functools.cached_property
    def answerer(self) -> ExtractiveAnswerer:
        """The extractive answerer (with the reader unless it is off)."""
        return ExtractiveAnswerer(
            min_score=self.settings.min_score,
            max_sentences=self.settings.max_answer_sentences,
            reader=self.reader,
            threshold=self.settings.reader_threshold,
        )

    @functools.cached_property
    def reads(self) -> SentenceReader:
        """The read stage: the retrieved sentences ranked (by the reader unless it is off)."""
        return SentenceReader(self.reader, read_candidates=self.settings.read_candidates)

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
                    with self.writing():
                        ingest([seeds], store=store, embedder=embedder, settings=self.settings)
            assert self._store is not None
            return self._store

    @property
    def seeds_pending(self) -> bool:
        """Whether opening the index will add the seed documents: it does not exist yet and
        seeding is on (checked without loading a model)."""
        if not self._seeding:
            return False
        with self._open_lock:
            return self._retriever is None and self._opened().meta() is None

    @property
    def _seeding(self) -> bool:
        """Whether a new index gets the seed documents."""
        return self.settings.seed and self.settings.resolved_seeds_dir is not None

    def from_seeds(self, source: str) -> bool:
        """Whether a document's source is one of the seed documents (the seeds folder's)."""
        seeds = self.settings.resolved_seeds_dir
        if seeds is None or "://" in source:
            return False
        try:
            return Path(source).resolve().parent == seeds.resolve()
        except (OSError, ValueError):
            return False

    @property
    def empty(self) -> bool:
        """Whether the index holds no document and none is on its way (no seed pending):
        read without loading a model, so that a question to an empty index is told so at
        once."""
        with self._open_lock:
            store = self._opened()
            if self._retriever is None and store.meta() is None:
                return not self._seeding
            return not store.has_documents()

    def check_not_empty(self) -> None:
        """RagError (naming the fix) when the index is :attr:`empty`."""
        if self.empty:
            raise RagError(
                f"no documents in {self.where} yet: add some with `rag ingest PATH` "
                "(`rag --seed ...` adds the seed documents to a new index)"
            )

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

    @property
    def writer(self) -> LLMAnswerer | None:
        """The draft-and-verify stage: the language model's answer, its citations checked
        (None for the extractive backend)."""
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
