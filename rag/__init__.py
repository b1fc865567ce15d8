"""Answer questions about documents, every claim cited to the exact passage it came from.

``Assistant`` is imported on first use (it brings in LangChain and Chroma), so that
``import rag`` and the ``rag`` command's help and argument errors stay fast.
"""

from typing import TYPE_CHECKING, Any

from .config import Settings
from .errors import (
    BackendError,
    ConfigError,
    IngestError,
    NotFoundError,
    QuestionError,
    RagError,
    StoreError,
)
from .records import (
    Answer,
    Chunk,
    Citation,
    Document,
    DocumentInfo,
    IngestReport,
    Revision,
    ScoredChunk,
    ShortAnswer,
    SkippedFile,
)

if TYPE_CHECKING:
    from .assistant import Assistant

__version__ = "0.4.0"


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    raise AttributeError(f"module 'rag' has no attribute {name!r}")


__all__ = [
    "Answer",
    "Assistant",
    "BackendError",
    "Chunk",
    "Citation",
    "ConfigError",
    "Document",
    "DocumentInfo",
    "IngestError",
    "IngestReport",
    "NotFoundError",
    "QuestionError",
    "RagError",
    "Revision",
    "ScoredChunk",
    "Settings",
    "ShortAnswer",
    "SkippedFile",
    "StoreError",
    "__version__",
]
