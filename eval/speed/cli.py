"""The speed room's ``rag`` commands: ``bench``, ``load``, ``bench-reader``.

Registered as :mod:`eval.quality.cli`'s are (entry points of ``rag_cite.commands``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import RagError

from ..stats import show


def bench_command(sub: Any) -> None:
    """``rag bench``."""
    p = sub.add_parser(
        "bench",
        help="ingest throughput, ask latency at several corpus sizes, memory, cold start",
        description="Every figure beside the LangChain tutorial pipeline measured in the same "
        "run. Corpora are built from the SQuAD articles and the seed (with variants).",
    )
    p.add_argument("--sizes", default="1000,10000", help="corpus sizes in chunks, comma-separated")
    p.add_argument("--questions", type=int, default=100, help="questions per round")
    p.add_argument("--rounds", type=int, default=3, help="rounds over the questions")
    p.add_argument("--no-server", action="store_true", help="skip the Chroma server comparison")
    p.add_argument(
        "--cold-only",
        action="store_true",
        help="only the cold starts: `rag ask` and the quick commands in new processes",
    )
    p.add_argument("--squad", type=Path, help="SQuAD 2.0 JSON (default: ../shared/data/...)")
    p.add_argument("--out", type=Path, help="write bench.json and bench.md here")
    p.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="only `ask` at the first size: this code beside the code of the checkout DIR "
        "(e.g. `git worktree add /tmp/before REV`), alternated in one run",
    )
    p.set_defaults(run=_bench, settings_only=True)


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    from . import bench, benchtable, coldstart

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise RagError(f"--sizes {args.sizes!r}: give numbers like 1000,10000") from None
    if not sizes or any(not 100 <= s <= 1_000_000 for s in sizes):
        raise RagError("--sizes: each between 100 and 1,000,000 chunks")
    if not 1 <= args.questions <= 10_000 or not 1 <= args.rounds <= 100:
        raise RagError("--questions must be 1-10000 and --rounds 1-100")
    if args.against is not None:
        return _against(args, sizes[0])
    if args.cold_only:
        results, table = coldstart.cold_table(args.rounds)
        show(results, table, args.out, "bench")
        return 0
    squad = args.squad or bench.SQUAD
    if not squad.is_file():
        raise RagError(f"no SQuAD file at {str(squad)!r}: give --squad PATH")
    results = bench.run(sizes, args.questions, args.rounds, not args.no_server, squad)
    show(results, benchtable.table(results), args.out, "bench")
    return 0


#: runs of each code in `rag bench --against`, alternated
RUNS = 2


def _against(args: argparse.Namespace, size: int) -> int:
    from . import against, bench

    other = against.package_root(args.against.expanduser().resolve())
    if other is None:
        raise RagError(
            f"--against {str(args.against)!r}: no rag package there (make a checkout of "
            "another revision with `git worktree add DIR REV`)"
        )
    squad = args.squad or bench.SQUAD
    if not squad.is_file():
        raise RagError(f"no SQuAD file at {str(squad)!r}: give --squad PATH")
    result = against.run(other, size, args.questions, args.rounds, RUNS, squad)
    show(result, against.table(result), args.out, "against")
    return 0


def load_command(sub: Any) -> None:
    """``rag load``."""
    p = sub.add_parser(
        "load",
        help="load test: many chat sessions at once against the web app, with ingest going on",
        description="Starts `rag serve` on a fresh data dir (or uses --url), measures one "
        "session alone, then SESSIONS at once while documents are uploaded; checks that no "
        "history crosses between sessions.",
    )
    p.add_argument("--sessions", type=int, default=16, help="chat sessions at once")
    p.add_argument("--seconds", type=float, default=60.0, help="length of the load phase")
    p.add_argument("--ingest-every", type=float, default=5.0, help="seconds between uploads")
    p.add_argument("--workers", type=int, help="answers the started server works on at once")
    p.add_argument("--url", help="test this running web app instead of starting one")
    p.add_argument("--out", type=Path, help="write load.json and load.md here")
    p.set_defaults(run=_load, settings_only=True)


def _load(settings: Settings, args: argparse.Namespace) -> int:
    from . import load

    if not 1 <= args.sessions <= 256 or not 5 <= args.seconds <= 3600:
        raise RagError("--sessions must be 1-256 and --seconds 5-3600")
    if not 1 <= args.ingest_every <= 600 or (args.workers is not None and args.workers < 1):
        raise RagError("--ingest-every must be 1-600 seconds and --workers at least 1")
    result = load.run(
        args.sessions,
        args.seconds,
        ingest_every=args.ingest_every,
        workers=args.workers,
        url=args.url,
    )
    show(result, load.table(result), args.out, "load")
    failed = result["load"]["errors"] or result["load"]["crossings"] or result["ingest"]["errors"]
    return 1 if failed else 0


def bench_reader(sub: Any) -> None:
    """``rag bench-reader``."""
    p = sub.add_parser(
        "bench-reader",
        help="what the reader's read costs a question, beside larger readers",
        description="The shipped reader's read of the seed's sentences beside itself on "
        "transformers' BertModel and beside larger shapes (MiniLM-L12, a base-size model), "
        "medians of timed reads.",
    )
    p.add_argument("--rounds", type=int, default=15, help="timed reads per reader")
    p.add_argument("--candidates", type=int, default=16, help="sentences read per question")
    p.add_argument("--question", default="What did Russia offer?")
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.set_defaults(run=_bench_reader, settings_only=True)


def _bench_reader(settings: Settings, args: argparse.Namespace) -> int:
    from . import reader_cost

    if args.rounds < 1 or args.candidates < 1:
        raise RagError("--rounds and --candidates must be at least 1")
    result = reader_cost.run(args.rounds, args.candidates, args.question)
    print(reader_cost.table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0
