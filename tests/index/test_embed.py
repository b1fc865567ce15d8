"""The embedding model: run with transformers directly, the vectors are sentence-transformers'
own (the index must not change with the code path)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.index.embed import (
    SentenceTransformerEmbedder,
    TransformerEmbedder,
    _mean_pooled,
    default_model_path,
    load_embedder,
)

pytestmark = pytest.mark.slow

TEXTS = [
    "  Leading and trailing blanks.  ",
    "The council approved the bridge by nine votes to two.",
    "x",
    "",
    "Ünïcödé — “quotes”, 6,000 soldiers and 3.5% of GDP",
    " ".join(["word"] * 600),  # past the 256-token window: truncated the same way
    "\n\nTabs\tand\nnewlines\n",
]


def test_the_default_model_gives_sentence_transformers_vectors() -> None:
    ours = load_embedder(precision="fp32")
    assert isinstance(ours, TransformerEmbedder)
    reference = SentenceTransformerEmbedder(precision="fp32")
    assert (ours.name, ours.dim, ours.max_tokens) == (
        reference.name,
        reference.dim,
        reference.max_tokens,
    )
    many = TEXTS * 20  # several batches, sorted by length inside
    mine, theirs = ours.embed(many), reference.embed(many)
    assert mine.shape == theirs.shape == (len(many), 384)
    assert np.abs(mine - theirs).max() < 1e-5
    assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
    assert ours.count_tokens(TEXTS) == reference.count_tokens(TEXTS)
    assert ours.token_spans(TEXTS[4]) == reference.token_spans(TEXTS[4])


def test_bf16_vectors_are_fp32_vectors_to_four_nines() -> None:
    """What "auto" runs on these CPUs: the same neighbours, to a cosine of 0.9999."""
    fp32, bf16 = load_embedder(precision="fp32"), load_embedder(precision="bf16")
    assert (fp32.bf16, bf16.bf16) == (False, True)  # type: ignore[attr-defined]
    many = TEXTS * 10
    a, b = fp32.embed(many), bf16.embed(many)
    assert b.dtype == np.float32 and b.shape == a.shape
    assert float((a * b).sum(axis=1).min()) > 0.9999
    assert not np.array_equal(a, b)  # bf16 really ran
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)


def test_other_model_folders_go_to_sentence_transformers(tmp_path: Path) -> None:
    assert _mean_pooled(default_model_path())
    folder = tmp_path / "cls-model"
    folder.mkdir()
    (folder / "modules.json").write_text(
        json.dumps(
            [
                {"type": "sentence_transformers.models.Transformer"},
                {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"},
            ]
        )
    )
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    (folder / "sentence_bert_config.json").write_text("{}")
    assert not _mean_pooled(folder)  # CLS pooling: not what TransformerEmbedder computes
    (folder / "modules.json").write_text("not json")
    assert not _mean_pooled(folder)
