"""``rag train-reader``: build the training data, train, calibrate, evaluate, write the model.

Data (files looked for in ``--data``; see ``shared/data/README.md`` and ``eval/quality/splits.py``
for what is held out): news quizzes (``news``), SQuAD 1.1 and 2.0 (``squad``), ClapNQ and
QED (``nq``), TrecQA (``trecqa``). The built groups are cached beside the output
(``.data-<key>.pkl``) so a resumed run does not build them again.

Calibration (Platt scaling) and the reader-only threshold are fitted on the news
validation weeks; the answering threshold (the assistant's fused confidence over what it
retrieves) on the same weeks, asked through the assistant as ``rag eval`` does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from eval.quality.pooled import read_pools
from eval.quality.splits import SQUAD_DEV_PARTS, clapnq_part
from rag.config import packaged_seeds_dir
from rag.errors import ConfigError
from rag.hardware import use_bf16
from rag.reader import bases
from rag.reader.network import (
    WEIGHTS,
    ReaderNet,
    TransformerReader,
    base_model_path,
)
from rag.reader.weights import pack_to_ship

from . import news, nq, squad, statements, trecqa
from .data import CachedEmbed, Embed, Group, Splits
from .evaluation import calibrate, evaluate_groups, group_logits, ranking_metrics
from .pools import pool_files, pool_groups
from .trainer import CHECKPOINT, TrainConfig, depth, groups_by_source, starting_base, train

log = logging.getLogger(__name__)

#: The answerability threshold keeps this share of validation answerable questions answered.
KEEP_ANSWERED = 0.93
#: The heuristic score's weight on the reader's logit (``protocol.fuse``).
HEURISTIC_WEIGHT = 2.0
NEWS_VALIDATION = "news-train validation weeks"
#: training sources whose terms allow research use only: left out of a model that ships
#: (WikiQA, under the same kind of licence, is not read at all; MODEL_CARD.md)
RESEARCH_ONLY = frozenset({"trecqa"})
TRECQA_TEST = "trecqa-dev"


#: training questions drawn from these SQuAD files (None: every question, for a quick run)
_SQUAD_TRAIN_FILES = ((squad.SQUAD11, "squad11"), (squad.SQUAD_TRAIN, "squad2-train"))


def test_parts(folder: Path, limit: int | None) -> dict[str, list[Group]]:
    """The held-out parts that need no embedding model: SQuAD dev-a articles 5-7, ClapNQ's
    held-out half and TrecQA dev (every candidate of each question)."""
    test: dict[str, list[Group]] = {}
    if (folder / squad.SQUAD_DEV).is_file():
        dev = squad.squad_articles(folder / squad.SQUAD_DEV)
        test["squad2-dev-a articles 5-7"] = squad.squad_groups(
            [dev[i] for i in SQUAD_DEV_PARTS["test"] if i < len(dev)],
            None,
            random.Random(0),  # whole paragraphs: nothing is drawn
            full_paragraphs=True,
            limit=limit,
            source="squad-dev-test",
        )
    rows = nq.clapnq_rows(folder)
    if rows:
        test["clapnq-dev-a held-out half"] = nq.clapnq_groups(
            [r for r in rows if clapnq_part(str(r["id"])) == "test"], None, full=True, limit=limit
        )
    if (folder / trecqa.TRECQA_DEV).is_file():
        test[TRECQA_TEST] = trecqa.trecqa_groups(folder / trecqa.TRECQA_DEV, full=True, limit=limit)
    return test


def build_splits(folder: Path, embed: Embed, config: TrainConfig) -> Splits:
    """Train, validation and test groups from the files in ``folder``."""
    rng = random.Random(config.seed)
    limit = config.limit
    train_groups: list[Group] = []
    validation: list[Group] = []
    found = False
    if (folder / news.NEWS_TRAIN).is_file():
        found = True
        raw = news.load_news_train(folder / news.NEWS_TRAIN)
        got, held = news.news_groups(raw, embed, rng, limit=limit)
        train_groups += got
        validation += held
    if (folder / news.NEWS_EVIDENCE).is_file():
        found = True
        train_groups += news.evidence_groups(folder / news.NEWS_EVIDENCE, embed, rng, limit=limit)
    samples = {"squad11": config.squad11, "squad2-train": config.squad2}
    for name, source in _SQUAD_TRAIN_FILES:
        if (folder / name).is_file():
            found = True
            train_groups += squad.squad_groups(
                squad.squad_articles(folder / name),
                embed,
                rng,
                full_paragraphs=False,
                limit=limit,
                source=source,
                sample=samples[source] if limit is None else None,
            )
    if (folder / squad.SQUAD_DEV).is_file():
        found = True
        # articles 0-3 train; article 4 stays out (news is the validation now); 5-7 test
        dev = squad.squad_articles(folder / squad.SQUAD_DEV)
        train_groups += squad.squad_groups(
            [dev[i] for i in SQUAD_DEV_PARTS["train"] if i < len(dev)],
            embed,
            rng,
            full_paragraphs=False,
            limit=limit,
            source="squad-dev-train",
        )
    rows = nq.clapnq_rows(folder)
    if rows:
        found = True
        train_groups += nq.clapnq_groups(
            [r for r in rows if clapnq_part(str(r["id"])) == "train"],
            embed,
            full=False,
            limit=limit,
        )
    if (folder / nq.QED).is_file():
        found = True
        train_groups += nq.qed_groups(folder / nq.QED, embed, limit=limit)
    if (folder / trecqa.TRECQA_TRAIN).is_file():
        found = True
        train_groups += trecqa.trecqa_groups(folder / trecqa.TRECQA_TRAIN, full=False, limit=limit)
    if not found:
        raise ConfigError(
            f"no training data in {folder}: expected {news.NEWS_TRAIN}, {squad.SQUAD11}, "
            f"{squad.SQUAD_DEV} or {nq.CLAPNQ[0]} (see shared/data/README.md)"
        )
    if not train_groups:
        raise ConfigError(f"no training questions could be built from {folder}")
    test = test_parts(folder, limit)
    if validation:
        test[NEWS_VALIDATION] = validation
    return Splits(train_groups, validation, test)


def held_out(folder: Path, config: TrainConfig) -> dict[str, list[Group]]:
    """The test groups alone (no training data built): what :func:`evaluate_reader` reads.
    The news validation's negatives are ranked by word overlap only (no embedding model),
    so its figures differ a little from those ``rag train-reader`` writes."""
    test = test_parts(folder, config.limit)
    if (folder / news.NEWS_TRAIN).is_file():
        raw = news.load_news_train(folder / news.NEWS_TRAIN)
        rng = random.Random(config.seed)
        _, held = news.news_groups(raw, None, rng, limit=config.limit, validation_only=True)
        test[NEWS_VALIDATION] = held
    if not test:
        raise ConfigError(f"no held-out data in {folder} (see shared/data/README.md)")
    return test


def evaluate_reader(reader: TransformerReader, test: dict[str, list[Group]]) -> dict[str, Any]:
    """Sentence-level figures of a reader on each held-out part (its own calibration)."""
    results: dict[str, Any] = {}
    for name, groups in test.items():
        logits = group_logits(reader, groups)
        results[name] = evaluate_groups(
            groups,
            logits,
            None,
            temperature=reader.temperature,
            bias=reader.bias,
            threshold=reader.reader_only_threshold,
        )
        if name == TRECQA_TEST:
            results[name] |= ranking_metrics(groups, logits)
    return results


def _data_key(folder: Path, config: TrainConfig) -> str:
    files = sorted((p.name, p.stat().st_size) for p in folder.iterdir() if p.is_file())
    payload = json.dumps(
        [files, config.seed, config.limit, config.squad11, config.squad2, 4], sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def cached_splits(folder: Path, out: Path, embed: Embed, config: TrainConfig) -> Splits:
    """:func:`build_splits`, kept in ``out`` for a resumed run."""
    path = out / f".data-{_data_key(folder, config)}.pkl"
    if path.is_file():
        with path.open("rb") as f:
            splits: Splits = pickle.load(f)  # written by this command, in its own folder
        return splits
    splits = build_splits(folder, embed, config)
    out.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump(splits, f)
    tmp.replace(path)
    return splits


def pool_training_groups(folder: Path) -> list[Group]:
    """Groups from the pools files in ``folder`` (the news training weeks only)."""
    files = pool_files(folder)
    if not files:
        raise ConfigError(f"--pools {str(folder)!r}: no training pools (train-*.jsonl) there")
    return pool_groups(row for f in files for row in read_pools(f))


def statement_training_groups(folder: Path, config: TrainConfig) -> list[Group]:
    """``config.statements`` open-question groups from the news training articles; an
    article holding a sentence of the seed documents (whose questions test the product)
    is never read."""
    path = folder / news.NEWS_TRAIN
    if config.statements <= 0 or not path.is_file():
        return []
    seeds = packaged_seeds_dir()
    exclude = [
        s
        for f in (sorted(seeds.glob("*.txt")) if seeds is not None else [])
        for s in news.sentence_texts(f.read_text(encoding="utf-8"))
        if len(s) >= 40
    ]
    count = config.statements if config.limit is None else min(config.statements, config.limit)
    return statements.statement_groups(
        news.load_news_train(path),
        random.Random(config.seed),
        news.sentence_texts,
        count=count,
        exclude_texts=exclude,
    )


def save(net: ReaderNet, out: Path, config: dict[str, Any]) -> None:
    """``reader.safetensors`` as shipped (fp16, or int8 matrices over ``SHIP_BYTES``) and
    ``config.json``; ``config["weights"]`` is set to say which."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    tensors, config["weights"] = pack_to_ship(net.trained_state())
    save_file(tensors, str(out / WEIGHTS))
    write_config(out, config)


def write_config(out: Path, config: dict[str, Any]) -> None:
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def assistant_embed(precision: str = "off") -> Embed:
    """The assistant's embedding model, for choosing negatives as it ranks sentences (each
    text embedded once); ``precision`` "auto": bf16 where the CPU has it natively (about 3x
    fp32 here, vectors ≥ 0.9999 cosine to fp32's), as the GPU pack is built."""
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(base_model_path()), device="cpu", local_files_only=True)
    bf16 = use_bf16(precision)

    def encode(texts: list[str]) -> np.ndarray:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            vectors = st.encode(
                texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)

    return CachedEmbed(encode)


def training_groups(
    splits: Splits, data: Path, config: TrainConfig, pooled: Sequence[Group] = ()
) -> list[Group]:
    """What is trained on: the built training groups less research-only sources (unless
    ``research_data``), the pools' groups, and ``config.statements`` open-question groups."""
    train = [g for g in splits.train if config.research_data or g.source not in RESEARCH_ONLY]
    return train + list(pooled) + statement_training_groups(data, config)


def run(
    data: Path,
    out: Path,
    config: TrainConfig,
    *,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build the data, train (resuming a checkpoint in ``out``), calibrate on the news
    validation weeks, evaluate on the test parts; write the model to ``out``."""
    if not data.is_dir():
        raise ConfigError(f"--data {str(data)!r} is not a folder")
    if config.init and not (Path(config.init) / WEIGHTS).is_file():
        raise ConfigError(f"--init {config.init!r}: no reader weights there")
    # a wrong --pools folder is refused before minutes of data building
    pooled = pool_training_groups(Path(config.pools))[: config.limit] if config.pools else []
    started = time.monotonic()
    embed = assistant_embed()
    echo(f"building training data from {data} ...")
    splits = cached_splits(data, out, embed, config)
    splits.train = training_groups(splits, data, config, pooled)
    by_source = groups_by_source(splits.train)
    echo(
        f"{len(splits.train)} training questions "
        f"({sum(len(g.candidates) for g in splits.train)} pairs: "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_source.items()))
        + f"), {len(splits.validation)} validation, "
        + ", ".join(f"{len(v)} test ({k})" for k, v in splits.test.items())
    )
    data_seconds = time.monotonic() - started
    net, _, record = train(
        splits.train, config, checkpoint=out / CHECKPOINT, progress=progress, log_line=echo
    )
    record["data_seconds"] = round(data_seconds, 1)
    return finish(net, out, new_config(net, config, record), splits, embed, echo=echo)


def new_config(net: ReaderNet, config: TrainConfig, record: dict[str, Any]) -> dict[str, Any]:
    """A trained reader's ``config.json`` before calibration."""
    base = starting_base(config)
    return {
        "base": base,
        "base_model": bases.DESCRIPTIONS[base],
        "max_length": config.max_length,
        "max_question": config.max_question,
        "question_ends": True,
        "age_words": config.age_words,
        "layers": depth(net),
        "temperature": 1.0,
        "bias": 0.0,
        "threshold": 0.5,
        "train_config": asdict(config),
        "training": record,
    }


def finish(
    net: ReaderNet,
    out: Path,
    cfg: dict[str, Any],
    splits: Splits,
    embed: Embed,
    *,
    echo: Callable[[str], None] = print,
    test: bool = True,
) -> dict[str, Any]:
    """Save a trained network to ``out`` as shipped, calibrate it on the news validation
    weeks and measure it on the test parts (``config.json``, ``evaluation.json``; without
    ``test``, calibrated only)."""
    record = cfg["training"]
    save(net, out, cfg)  # as shipped; everything below is measured on what ships
    reader = TransformerReader(out)
    kinds = {g.answerable for g in splits.validation}
    if len(splits.validation) >= 20 and kinds == {True, False}:
        echo("calibrating on the news validation weeks ...")
        val_logits = group_logits(reader, splits.validation)
        temperature, bias, threshold = calibrate(splits.validation, val_logits, KEEP_ANSWERED)
        cfg |= {"temperature": temperature, "bias": bias, "threshold": threshold}
    echo("evaluating on the test parts ...")
    results: dict[str, Any] = {}
    for name, groups in splits.test.items() if test else ():
        logits = group_logits(reader, groups)
        results[name] = evaluate_groups(
            groups,
            logits,
            embed,
            temperature=cfg["temperature"],
            bias=cfg["bias"],
            threshold=cfg["threshold"],
        )
        if name == TRECQA_TEST:
            results[name] |= ranking_metrics(groups, logits)
    cfg["test"] = results
    cfg["heuristic_weight"] = HEURISTIC_WEIGHT
    cfg["reader_only_threshold"] = cfg["threshold"]
    save(net, out, cfg)
    (out / "evaluation.json").write_text(
        json.dumps({"test": results, "training": record}, indent=2) + "\n", encoding="utf-8"
    )
    return cfg
