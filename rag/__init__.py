"""Answer questions about documents, every claim cited to the exact passage it came from."""

from .assistant import Assistant
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

__version__ = "0.1.0"

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
