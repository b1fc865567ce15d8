"""The GPU pack: everything a reader's training needs, in one folder of ≤ 60 MB.

``python -m training.pack --data ../shared/data --out .gpu/pack`` builds the groups as
``rag train-reader`` does (the same sources, negatives and held-out splits;
``training/command.py``), but from all of SQuAD 1.1 and the SQuAD 2.0 part, and writes:

- ``data.npz``: every distinct text once, as token ids (uint16), and the groups as indices
  into them: question, candidates (sentence, sentence before, label, the short answer's
  first and last token in the sentence), answerable, source, part (train, validation, the
  test parts);
- ``embeddings.safetensors``: the base's frozen embedding layers (fp16): a GPU machine has
  not the base's package, and a reader ships without them;
- ``pack.json``: the encoder's BERT shape, the special token ids, how rows are laid out
  (``network.Encoder``), the parts and sources, and the sha256 of the reader the trainer
  starts from (the shipped one: it travels with the checkout).

Texts of the news sets are in the pack (tokenized): it is a build product kept in an
ignored folder (``.gpu/``), never committed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ConfigError, RagError
from rag.reader import bases
from rag.reader.context import AGE_PHRASES
from rag.reader.network import WEIGHTS, Encoder, encoder_for
from rag.reader.protocol import READER_DIR, reader_config

from .data import Group
from .trainer import TrainConfig

PACK_VERSION = 2
#: ``c_age`` of a candidate without an age (undated, or no day asked)
NO_AGE = -(1 << 30)
DATA = "data.npz"
EMBEDDINGS = "embeddings.safetensors"
MANIFEST = "pack.json"
#: the most a pack may take: it travels with the checkout (≤ 64 MiB in all)
PACK_BYTES = 60_000_000
#: what the trainer needs of the base's BERT configuration to build its encoder
BERT_SHAPE = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
    "type_vocab_size",
    "layer_norm_eps",
    "hidden_act",
    "pad_token_id",
)
TRAIN = "train"
VALIDATION = "validation"


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class _Texts:
    """Distinct texts, numbered in order of first use."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if not text:
            return -1
        return self.index.setdefault(text, len(self.index))


def span_tokens(
    offsets: Sequence[tuple[int, int]], span: tuple[int, int] | None
) -> tuple[int, int]:
    """The first and last token of ``span`` among a sentence's token ``offsets``; (-1, -1)
    when there is none or the tokens do not cover it (as ``training._span_targets``)."""
    if span is None:
        return -1, -1
    lo, hi = span
    toks = [i for i, (a, b) in enumerate(offsets) if b > lo and a < hi]
    if not toks or offsets[toks[-1]][1] < hi:
        return -1, -1
    return toks[0], toks[-1]


def pack_arrays(parts: dict[str, list[Group]], encoder: Encoder) -> dict[str, np.ndarray]:
    """The groups of each part as flat arrays over the distinct texts' token ids."""
    texts = _Texts()
    sources: dict[str, int] = {}
    names = (
        "g_question g_first g_part g_source g_answerable c_sentence c_before c_label c_span c_age"
    )
    rows: dict[str, list[Any]] = {k: [] for k in names.split()}
    spans_wanted: list[tuple[int, tuple[int, int]]] = []  # (candidate, char span)
    for p, (_, groups) in enumerate(parts.items()):
        for g in groups:
            rows["g_question"].append(texts(g.question))
            rows["g_first"].append(len(rows["c_sentence"]))
            rows["g_part"].append(p)
            rows["g_source"].append(sources.setdefault(g.source, len(sources)))
            rows["g_answerable"].append(g.answerable)
            for c in g.candidates:
                if c.label > 0.5 and c.span is not None:
                    spans_wanted.append((len(rows["c_sentence"]), c.span))
                rows["c_sentence"].append(texts(c.passage.text))
                rows["c_before"].append(texts(c.passage.before))
                rows["c_label"].append(c.label)
                rows["c_age"].append(NO_AGE if c.passage.age is None else c.passage.age)
                # -1: no span known (ignored); -2: a negative ("no answer": position 0)
                rows["c_span"].append((-1, -1) if c.label > 0.5 else (-2, -2))
    ordered = list(texts.index)
    enc = encoder.tokenizer(
        ordered, add_special_tokens=False, return_offsets_mapping=True, truncation=False
    )
    ids: list[list[int]] = enc["input_ids"]
    for at, span in spans_wanted:
        sentence = rows["c_sentence"][at]
        rows["c_span"][at] = span_tokens([tuple(o) for o in enc["offset_mapping"][sentence]], span)
    lengths = np.array([len(t) for t in ids], dtype=np.int64)
    if max((max(t) for t in ids if t), default=0) >= 1 << 16:
        raise ConfigError("the base's vocabulary does not fit uint16 token ids")
    return {
        "tokens": np.fromiter((i for t in ids for i in t), dtype=np.uint16),
        "token_starts": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "g_question": np.array(rows["g_question"], dtype=np.int32),
        "g_first": np.array([*rows["g_first"], len(rows["c_sentence"])], dtype=np.int64),
        "g_part": np.array(rows["g_part"], dtype=np.int8),
        "g_source": np.array(rows["g_source"], dtype=np.int16),
        "g_answerable": np.array(rows["g_answerable"], dtype=bool),
        "c_sentence": np.array(rows["c_sentence"], dtype=np.int32),
        "c_before": np.array(rows["c_before"], dtype=np.int32),
        "c_label": np.array(rows["c_label"], dtype=np.float16),
        "c_age": np.array(rows["c_age"], dtype=np.int32),
        "c_span": np.array(rows["c_span"], dtype=np.int16).reshape(-1, 2),
        "sources": np.array(list(sources), dtype=object).astype(str),
    }


def write_pack(
    parts: dict[str, list[Group]],
    out: Path,
    *,
    base: str,
    config: TrainConfig,
    init: Path | None,
) -> dict[str, Any]:
    """Write the pack of ``parts`` (``train`` first) to ``out``; its manifest."""
    from safetensors.torch import save_file

    if TRAIN not in parts or not parts[TRAIN]:
        raise ConfigError("a pack needs training groups")
    encoder = encoder_for(base, max_length=config.max_length, max_question=config.max_question)
    arrays = pack_arrays(parts, encoder)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / DATA, **arrays)  # type: ignore[arg-type]
    model = bases.encoder(base)
    embeddings = {
        k: v.detach().half().contiguous() for k, v in model.embeddings.state_dict().items()
    }
    save_file(embeddings, str(out / EMBEDDINGS))
    shape = {k: getattr(model.config, k) for k in BERT_SHAPE}
    manifest: dict[str, Any] = {
        "version": PACK_VERSION,
        "base": base,
        "bert": shape,
        "layout": {
            "cls": encoder.cls,
            "sep": encoder.sep,
            "pad": encoder.pad,
            "max_length": encoder.max_length,
            "max_before": encoder.max_before,
            "max_question": encoder.max_question,
            "question_ends": encoder.question_ends,
            "segments": encoder.segments,
            # what a run with --age-words appends to a candidate's context: each bucket's
            # words (rag.reader.context.AGE_PHRASES) as tokens, and the buckets' upper ages
            "age_phrases": [
                encoder.tokenizer(f" ({p})", add_special_tokens=False)["input_ids"]
                for p in AGE_PHRASES
            ],
        },
        "parts": list(parts),
        "sources": [str(s) for s in arrays["sources"]],
        "groups": {name: len(groups) for name, groups in parts.items()},
        "pairs": {name: sum(len(g.candidates) for g in gs) for name, gs in parts.items()},
        "train_config": asdict(config),
        "init": None,
    }
    if init is not None:
        manifest["init"] = {
            "sha256": sha256(init / WEIGHTS),
            "layers": int(reader_config(init).get("layers") or shape["num_hidden_layers"]),
        }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    manifest["bytes"] = size
    if size > PACK_BYTES:
        raise ConfigError(f"the pack is {size / 1e6:.1f} MB, over {PACK_BYTES / 1e6:.0f} MB")
    return manifest


def build(
    data: Path,
    out: Path,
    config: TrainConfig,
    *,
    cache: Path,
    init: Path | None = READER_DIR,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build the groups from ``data`` (cached in ``cache``) and write their pack to ``out``."""
    from .command import (
        NEWS_VALIDATION,
        assistant_embed,
        cached_splits,
        training_groups,
    )

    if not data.is_dir():
        raise ConfigError(f"--data {str(data)!r} is not a folder")
    if init is not None and not (init / WEIGHTS).is_file():
        raise ConfigError(f"--init {str(init)!r}: no reader weights there")
    echo(f"building the groups from {data} (cached in {cache}) ...")
    splits = cached_splits(data, cache, assistant_embed("auto"), config)
    parts = {TRAIN: training_groups(splits, data, config), VALIDATION: splits.validation}
    # the validation weeks are a test part of `rag train-reader`'s too: once here
    parts |= {k: v for k, v in splits.test.items() if k != NEWS_VALIDATION}
    base = bases.check_base(config.base)
    manifest = write_pack(parts, out, base=base, config=config, init=init)
    echo(
        f"pack in {out}: {manifest['bytes'] / 1e6:.1f} MB; "
        + ", ".join(f"{k} {v} groups" for k, v in manifest["groups"].items())
    )
    return manifest


def default_cache() -> Path:
    """Where built groups are kept between runs: outside the checkout."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag" / "groups"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.pack", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--out", type=Path, required=True, help="the pack folder (ignored)")
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="where the built groups are cached (default: $XDG_CACHE_HOME/rag/groups, "
        "outside the checkout, so a later session may find them)",
    )
    parser.add_argument("--limit", type=int, default=None, help="questions per source (tests)")
    parser.add_argument(
        "--squad11", type=int, default=None, help="SQuAD 1.1 questions drawn (default: all)"
    )
    parser.add_argument(
        "--statements",
        type=int,
        default=0,
        help="open-question groups from the news training articles (training/statements.py)",
    )
    parser.add_argument("--no-init", action="store_true", help="record no starting reader")
    args = parser.parse_args(argv)
    config = replace(
        TrainConfig(),
        limit=args.limit,
        squad11=args.squad11,
        squad2=None,
        statements=args.statements,
    )
    cache = args.cache or default_cache()
    try:
        build(
            args.data,
            args.out,
            config,
            cache=cache,
            init=None if args.no_init else READER_DIR,
        )
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
