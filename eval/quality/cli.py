"""The answer-quality room's ``rag`` commands: ``eval``, ``eval-errors``, ``eval-extraction``,
``eval-compound``, ``eval-relevance``, ``eval-backends``.

Each function adds one command to ``rag``'s parser; they register themselves as entry
points of ``rag_cite.commands`` (pyproject.toml, :mod:`rag.cli.plugins`). All take settings
only (each builds the assistants it measures), so ``rag`` hands them the settings instead
of an assistant.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import ConfigError, RagError

from ..stats import show
from .splits import PARTS


def eval_command(sub: Any) -> None:
    """``rag eval``."""
    p = sub.add_parser(
        "eval",
        help="score answers, citations and abstentions on a question set (and a baseline)",
        description="Index a dataset's documents in a temporary store, answer every question, "
        "score it, and write run.json, report.md and plots. JSONL datasets need --docs; "
        "SQuAD 2.0 .json, news-quiz .json and ClapNQ .jsonl files carry their own documents. "
        "Runs the assistant with the reader, with the old heuristic, and the LangChain "
        "tutorial pipeline, on one index.",
    )
    p.add_argument(
        "dataset",
        nargs="?",
        type=Path,
        help="a .jsonl dataset, SQuAD 2.0 .json, news-quiz .json or clapnq-*.jsonl",
    )
    p.add_argument(
        "--part",
        choices=PARTS,
        default="all",
        help="the reader's held-out part of squad2-dev-a / ClapNQ: test, validation (or train)",
    )
    p.add_argument(
        "--no-heuristic", action="store_true", help="skip the old heuristic (no reader) run"
    )
    p.add_argument(
        "--previous-reader",
        type=Path,
        help="also run another reader folder (e.g. the last release's) on the same index",
    )
    p.add_argument("--docs", type=Path, help="files or folder the JSONL questions are about")
    p.add_argument("--limit", type=int, help="a random sample of this many questions")
    p.add_argument("--seed", type=int, default=0, help="the sample's random seed")
    p.add_argument("-k", type=int, default=None, help="chunks to read (default: settings)")
    p.add_argument("--no-baseline", action="store_true", help="skip the LangChain baseline")
    p.add_argument("--out", type=Path, help="results folder (default: eval-results/NAME-TIME)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument(
        "--compare", nargs=2, type=Path, metavar=("A", "B"), help="two results side by side"
    )
    p.set_defaults(run=_eval, settings_only=True)


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    from . import report
    from .datasets import load
    from .runner import evaluate

    if args.compare:
        a, b = (report.load(p) for p in args.compare)
        print(report.compare(a, b, (str(args.compare[0]), str(args.compare[1]))))
        return 0
    if args.dataset is None:
        raise RagError("give a dataset (e.g. eval/datasets/seed_qa.jsonl) or --compare A B")
    if args.limit is not None and args.limit < 1:
        raise RagError("--limit must be at least 1")
    k = args.k or settings.top_k
    if not 1 <= k <= 100:
        raise RagError("-k must be 1-100")
    import tempfile
    import time

    with tempfile.TemporaryDirectory(prefix="rag-eval-data-") as work:
        dataset = load(
            args.dataset,
            docs=args.docs,
            work=Path(work),
            limit=args.limit,
            seed=args.seed,
            part=args.part,
        )
        runs = evaluate(
            dataset,
            settings,
            k=k,
            baseline=not args.no_baseline,
            heuristic=not args.no_heuristic,
            progress=not args.no_progress,
            previous_reader=_reader_folder(args.previous_reader),
        )
    results = [r.to_dict() for r in runs]
    out = args.out or Path("eval-results") / f"{dataset.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    path = report.write(results, out, f"Evaluation: {dataset.name}")
    print(report.console(results))
    print(f"\nreport: {path}\nper-question rows: {out / 'run.json'}")
    return 0


def _reader_folder(path: Path | None) -> str | None:
    if path is None:
        return None
    if not (path / "config.json").is_file():
        raise RagError(f"--previous-reader {str(path)!r}: no reader there (config.json)")
    return str(path.resolve())


def eval_errors(sub: Any) -> None:
    """``rag eval-errors``."""
    p = sub.add_parser(
        "eval-errors",
        help="where answers are lost: each question's retrieval and reading replayed by stage",
        description="Index a dataset once, pool every question's candidate sentences as the "
        "assistant retrieves them, and read them with each --reader: which stage lost each "
        "answerable question (retrieval, candidates, ranking, threshold, worded otherwise), "
        "and what-ifs (top-2/3/5 sentences, answers aggregated across sentences). The pools "
        "are kept (pools.jsonl) and --pools replays them without indexing again.",
    )
    p.add_argument("dataset", nargs="?", type=Path, help="as for `rag eval`")
    p.add_argument("--docs", type=Path, help="files or folder the JSONL questions are about")
    p.add_argument("--part", choices=PARTS, default="all", help="as for `rag eval`")
    p.add_argument("--pools", type=Path, help="replay the pools.jsonl of an earlier run")
    p.add_argument(
        "--reader",
        action="append",
        help="a reader folder, or 'default' (repeat to compare; default: the shipped one)",
    )
    p.add_argument("--pool", type=int, default=32, help="sentences pooled per question")
    p.add_argument("-k", type=int, default=None, help="chunks retrieved (default: settings)")
    p.add_argument("--out", type=Path, help="results folder (default: eval-results/errors-NAME)")
    p.set_defaults(run=_eval_errors, settings_only=True)


def _eval_errors(settings: Settings, args: argparse.Namespace) -> int:
    import tempfile

    from rag.reader import load_reader

    from . import analysis
    from .datasets import load
    from .pooled import read_pools, write_pools
    from .runner import threshold_in_use

    if (args.dataset is None) == (args.pools is None):
        raise RagError("give a dataset or --pools FILE (one of them)")
    if not 1 <= args.pool <= 200:
        raise RagError("--pool must be 1-200")
    if args.pools is not None:
        if not args.pools.is_file():
            raise RagError(f"no pools file at {str(args.pools)!r}")
        pools = read_pools(args.pools)
        name = args.pools.parent.name
    else:
        with tempfile.TemporaryDirectory(prefix="rag-errors-data-") as work:
            dataset = load(
                args.dataset, docs=args.docs, work=Path(work), limit=None, seed=0, part=args.part
            )
            pools = analysis.collect(dataset, settings, pool=args.pool, k=args.k or settings.top_k)
        name = f"errors-{dataset.name}"
    out = args.out or Path("eval-results") / name
    if args.pools is None:
        write_pools(pools, out / "pools.jsonl")
    results = {}
    text = ""
    for folder in args.reader or ["default"]:
        reader = load_reader(None if folder == "default" else folder)
        scored = analysis.score(pools, reader, read=settings.read_candidates)
        results[folder] = analysis.report(scored, threshold_in_use(settings, reader))
        text += analysis.markdown(f"{name}, reader {folder}", results[folder]) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    (out / "errors.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "errors.md").write_text(text)
    print(text + f"pools: {out / 'pools.jsonl'}")
    return 0


def eval_extraction(sub: Any) -> None:
    """``rag eval-extraction``."""
    p = sub.add_parser(
        "eval-extraction",
        help="how much of what is indexed from news pages is the article (shingle F1)",
        description="Score the HTML loader on pages with a known article body (a folder of "
        "*.html.gz and ground-truth.json, e.g. ../shared/data/article-pages) with the "
        "article-extraction benchmark's metric, beside the old all-visible-text loader.",
    )
    p.add_argument("pages", type=Path, help="folder with *.html.gz and ground-truth.json")
    p.add_argument("--limit", type=int, help="only the first N pages (by key)")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(run=_eval_extraction, settings_only=True)


def _eval_extraction(settings: Settings, args: argparse.Namespace) -> int:
    from . import extraction

    if not args.pages.is_dir():
        raise ConfigError(f"no folder at {str(args.pages)!r}")
    scores = extraction.run(args.pages, args.limit)
    found = extraction.dates(args.pages, args.limit)
    if args.json:
        print(json.dumps({"extraction": [s.to_dict() for s in scores], "dates": found}, indent=2))
    else:
        print(extraction.table(scores))
        print()
        print(extraction.dates_table(found))
    return 0


def eval_compound(sub: Any) -> None:
    """``rag eval-compound``."""
    p = sub.add_parser(
        "eval-compound",
        help="compound questions (two SQuAD questions joined) read part by part and whole",
        description="Two held-out SQuAD questions about one article joined into one "
        "('Q1, and q2?'), asked with each part read alone (RAG_COMPOUND_QUESTIONS, the "
        "default) and read as one question, on the same index.",
    )
    p.add_argument("--data", type=Path, required=True, help="folder with squad2-dev-a.json")
    p.add_argument("--pairs", type=int, default=150, help="compound questions asked")
    p.add_argument("--seed", type=int, default=0, help="which pairs (random seed)")
    p.add_argument("--out", type=Path, help="write compound.json and compound.md here")
    p.set_defaults(run=_eval_compound, settings_only=True)


def _eval_compound(settings: Settings, args: argparse.Namespace) -> int:
    from . import compound

    if not (args.data / "squad2-dev-a.json").is_file():
        raise RagError(f"no squad2-dev-a.json in {str(args.data)!r}")
    if args.pairs < 1:
        raise RagError("--pairs must be at least 1")
    results = compound.run(args.data, args.pairs, args.seed)
    show(results, compound.table(results), args.out, "compound")
    return 0


def eval_relevance(sub: Any) -> None:
    """``rag eval-relevance``."""
    p = sub.add_parser(
        "eval-relevance",
        help="the LLM path's relevance filter on real answers: right and wrong drops",
        description="For every answerable question, the sentences the assistant reads best "
        "go through the filter that drops a model's supported sentences that do not answer: "
        "how many that hold the gold it drops, and how many others.",
    )
    p.add_argument("dataset", type=Path, help="as for `rag eval`")
    p.add_argument("--docs", type=Path, help="files or folder the JSONL questions are about")
    p.add_argument("--part", choices=PARTS, default="all", help="as for `rag eval`")
    p.set_defaults(run=_eval_relevance, settings_only=True)


def _eval_relevance(settings: Settings, args: argparse.Namespace) -> int:
    import tempfile

    from . import relevance
    from .datasets import load

    with tempfile.TemporaryDirectory(prefix="rag-relevance-") as work:
        dataset = load(
            args.dataset, docs=args.docs, work=Path(work), limit=None, seed=0, part=args.part
        )
        counts = relevance.measure(dataset, settings)
    print(json.dumps(counts, indent=1))
    for mode, c in counts.items():
        print(
            f"{mode}: gold sentences dropped {c['gold_dropped']} of {c['gold_claims']}, "
            f"others dropped {c['other_dropped']} of {c['other_claims']}"
        )
    return 0


def eval_backends(sub: Any) -> None:
    """``rag eval-backends``."""
    p = sub.add_parser(
        "eval-backends",
        help="the seed questions answered extractively and by a language model, side by side",
        description="What verification removed, re-cited or attributed in each model answer "
        "(a Markdown report; the index is built from the seed documents in a temporary "
        "folder). The model is rag's own --backend, --model and --base-url (or their "
        "RAG_ variables): rag --backend llamacpp --model MODEL.gguf eval-backends",
    )
    p.add_argument("--max-tokens", type=int, default=200)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--out", type=Path, help="write the report here (default: print it)")
    p.add_argument("--json", type=Path, dest="json_out", help="every answer as JSON")
    p.set_defaults(run=_eval_backends, settings_only=True)


def _eval_backends(settings: Settings, args: argparse.Namespace) -> int:
    from . import compare_backends

    if settings.backend == "extractive":
        raise RagError("name the model: rag --backend openai|ollama|llamacpp ... eval-backends")
    return compare_backends.run(settings, args)
