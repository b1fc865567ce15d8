"""The assistant's hybrid retrieval as a LangChain ``BaseRetriever`` (imported only by
``Assistant.as_retriever``: answering questions does not need LangChain)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class AssistantRetriever(BaseRetriever):
    """The assistant's hybrid retrieval as a LangChain retriever.

    ``k`` results, optionally only from one ``source``; each ``Document`` carries the chunk's
    ``doc_id``, ``source``, ``title``, ``start``, ``end`` and fused ``score`` as metadata.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any
    k: int = 4
    source: str | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[LCDocument]:
        k = int(kwargs.get("k", self.k))
        hits = self.assistant.retrieve(query, k=k, source=kwargs.get("source", self.source))
        return [
            LCDocument(
                id=hit.chunk.id,
                page_content=hit.chunk.text,
                metadata={
                    "doc_id": hit.chunk.doc_id,
                    "source": hit.source,
                    "title": hit.title,
                    "start": hit.chunk.start,
                    "end": hit.chunk.end,
                    "score": hit.score,
                },
            )
            for hit in hits
        ]
