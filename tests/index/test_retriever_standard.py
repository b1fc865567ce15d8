"""LangChain's standard retriever suite against ``assistant.as_retriever()``."""

from __future__ import annotations

import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

from helpers import FakeEmbedder
from langchain_tests.integration_tests import RetrieversIntegrationTests

from rag import Assistant, Settings
from rag.index.lcretriever import AssistantRetriever


class TestAssistantRetriever(RetrieversIntegrationTests):
    @cached_property
    def _assistant(self) -> Assistant:
        folder = Path(tempfile.mkdtemp())
        for i in range(6):
            (folder / f"d{i}.txt").write_text(
                f"Report {i}. The harbour reopened after storm number {i}."
            )
        assistant = Assistant(
            Settings(data_dir=folder / "data", seed=False), embedder=FakeEmbedder()
        )
        assistant.ingest([folder])
        return assistant

    @property
    def retriever_constructor(self) -> type[AssistantRetriever]:
        return AssistantRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"assistant": self._assistant}

    @property
    def retriever_query_example(self) -> str:
        return "When did the harbour reopen?"


def test_as_retriever_documents_carry_offsets(make_assistant, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nThe harbour reopened on Monday.")
    assistant = make_assistant()
    assistant.ingest([tmp_path / "a.txt"])
    [doc] = assistant.as_retriever(k=1).invoke("harbour")
    meta = doc.metadata
    assert assistant.document_text(meta["doc_id"])[meta["start"] : meta["end"]] == doc.page_content
