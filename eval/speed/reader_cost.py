"""What a larger reader would cost per question: the shipped reader beside larger shapes,
and beside itself computed by transformers (as it was before ``rag.bert``).

The assistant reads ``read_candidates`` sentences per question with the reader. This times
that read (the real ``TransformerReader.read``: the same tokenizer, the same padding by
length, the same bfloat16 setting) for the shipped reader, then for the same reader with its
network swapped for a larger encoder shape (random weights: the cost depends on the shape
only, not on what was learned), each in the same run, medians and ratios against the
shipped reader.

The candidates are the seed documents' sentences (the first ``candidates``, the longest
ones first, so the padding is what a real question pays).

    rag bench-reader                       # about a minute on 2 cores
    rag bench-reader --rounds 30 --json out.json
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

#: (hidden size, layers, attention heads, feed-forward size) of the encoder shapes timed
SHAPES: dict[str, tuple[int, int, int, int]] = {
    "MiniLM-L12 (384 wide, 12 layers)": (384, 12, 12, 1536),
    "base (768 wide, 12 layers: BERT-base, mpnet-base)": (768, 12, 12, 3072),
}


def candidates(count: int, seeds: Path | None = None) -> list[Any]:
    """The longest ``count`` sentences of the seed documents (``seeds``: the packaged ones),
    each with the one before."""
    from rag.config import packaged_seeds_dir

    seeds = seeds or packaged_seeds_dir()
    if seeds is None:
        raise FileNotFoundError("no seed documents: neither seeds/ nor rag/_seeds")
    from rag.documents.loaders import load
    from rag.documents.sentences import split_sentences
    from rag.reader import Passage

    passages = []
    for path in sorted(seeds.iterdir()):
        if path.is_file():
            text = load(path).text
            spans = split_sentences(text)
            for i, span in enumerate(spans):
                before = text[spans[i - 1].start : spans[i - 1].end] if i else ""
                passages.append(Passage(text[span.start : span.end], before))
    passages.sort(key=lambda p: -len(p.text))
    return passages[:count]


def timed(read: Any, question: str, passages: list[Any], rounds: int) -> list[float]:
    read(question, passages)  # warm
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        read(question, passages)
        out.append((time.perf_counter() - start) * 1000)
    return out


def on_transformers(reader: Any) -> Any:
    """The shipped reader computed as it was before :mod:`rag.bert`: transformers'
    ``BertModel``, fp32 weights cast by autocast at every call, padded batches."""
    from rag.reader import READER_DIR
    from rag.reader.network import TransformerReader, load_trained

    return TransformerReader.wrap(load_trained(READER_DIR).eval(), reader.encoder, reader)


def larger(reader: Any, shape: tuple[int, int, int, int]) -> Any:
    """The shipped reader with its network swapped for a random-weight encoder of ``shape``."""
    from transformers import BertConfig, BertModel

    from rag.reader.network import ReaderNet, TransformerReader

    hidden, layers, heads, ffn = shape
    base = reader.net.encoder.config
    config = BertConfig(
        vocab_size=base.vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=ffn,
        max_position_embeddings=base.max_position_embeddings,
        type_vocab_size=base.type_vocab_size,
    )
    net = ReaderNet(BertModel(config, add_pooling_layer=False)).eval()
    return TransformerReader.wrap(net, reader.encoder, reader)


def run(rounds: int, count: int, question: str) -> dict[str, Any]:
    import torch

    from rag.reader import load_reader

    reader = load_reader()
    passages = candidates(count)
    rows: list[dict[str, Any]] = []
    base_ms = statistics.median(timed(reader.read, question, passages, rounds))
    rows.append({"reader": "shipped (MiniLM-L6: 384 wide, 6 layers)", "p50_ms": base_ms})
    ms = statistics.median(timed(on_transformers(reader).read, question, passages, rounds))
    rows.append({"reader": "shipped, on transformers' BertModel (before rag.bert)", "p50_ms": ms})
    for name, shape in SHAPES.items():
        ms = statistics.median(timed(larger(reader, shape).read, question, passages, rounds))
        rows.append({"reader": name, "p50_ms": ms})
    for row in rows:
        row["ratio"] = row["p50_ms"] / base_ms
    return {
        "candidates": len(passages),
        "rounds": rounds,
        "bf16": bool(getattr(reader, "bf16", False)),
        "threads": torch.get_num_threads(),
        "rows": rows,
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"reading {result['candidates']} candidates, median of {result['rounds']} rounds, "
        f"{result['threads']} threads, bf16 {'on' if result['bf16'] else 'off'}",
        "",
        "| reader | read p50 (ms) | vs shipped |",
        "|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(f"| {row['reader']} | {row['p50_ms']:.1f} | {row['ratio']:.2f}x |")
    return "\n".join(lines)
