from __future__ import annotations

from pathlib import Path

import pytest

from rag import ConfigError, Settings


def test_from_env_reads_rag_variables() -> None:
    s = Settings.from_env(
        {
            "RAG_DATA_DIR": "/tmp/d",
            "RAG_CHROMA_HOST": "127.0.0.1",
            "RAG_CHROMA_PORT": "9000",
            "RAG_SEED": "false",
            "RAG_TOP_K": "3",
            "RAG_MIN_SCORE": "0.5",
        }
    )
    assert (s.data_dir, s.chroma_host, s.chroma_port, s.seed, s.top_k, s.min_score) == (
        Path("/tmp/d"),
        "127.0.0.1",
        9000,
        False,
        3,
        0.5,
    )


def test_overrides_beat_the_environment() -> None:
    assert Settings.from_env({"RAG_TOP_K": "3"}, top_k=5).top_k == 5


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({"RAG_CHROMA_PORT": "abc"}, "RAG_CHROMA_PORT"),
        ({"RAG_SEED": "maybe"}, "RAG_SEED"),
        ({"RAG_CHUNK_TOKENS": "1000"}, "256"),
        ({"RAG_COLLECTION": "a"}, "collection"),
        ({"RAG_CHUNK_OVERLAP_TOKENS": "150"}, "overlap"),
        ({"RAG_EMBED_PRECISION": "fp8"}, "auto, bf16, fp32"),
    ],
)
def test_bad_values_are_clear_errors(env: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Settings.from_env(env)


def test_the_embedder_precision_is_a_choice() -> None:
    assert Settings().embed_precision == "auto"
    assert Settings.from_env({"RAG_EMBED_PRECISION": " FP32 "}).embed_precision == "fp32"


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().top_k = 2  # type: ignore[misc]
