"""The ``rag`` command: ingest, ask, docs. Thin: all work happens in :class:`Assistant`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .config import Settings
from .dates import iso_date
from .errors import ConfigError, QuestionError, RagError
from .splits import PARTS

EXIT_USER = 2
#: printed after each answer of ``rag chat``
TURN_RULE = "\n" + "-" * 60


def run() -> NoReturn:
    """The ``rag`` command's entry point. A command that only reads the index ends the
    process without Python's teardown once its output is flushed: tearing down torch and
    Chroma took 1.2 s of a 5.3 s cold ``rag ask`` (README, "Benchmark")."""
    code = main()
    if _FAST_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


#: set by main() for commands that only read the index (ask, chat, docs)
_FAST_EXIT = False


def main(argv: Sequence[str] | None = None) -> int:
    global _FAST_EXIT
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    parser = _parser()
    args = parser.parse_args(argv)
    _FAST_EXIT = bool(getattr(args, "read_only", False)) and getattr(args, "action", "") != "delete"
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    _quiet_libraries(args.verbose)
    try:
        settings = Settings.from_env(
            data_dir=args.data_dir,
            seed=False if args.no_seed else None,
            backend=args.backend,
            llm_model=args.model,
            llm_base_url=args.base_url,
        )
        if getattr(args, "settings_only", False):
            return int(args.run(settings, args))
        if getattr(args, "check", None) is not None:
            args.check(args)  # mistakes are found before the index is opened
        from .assistant import Assistant

        assistant = Assistant(settings)
        return int(args.run(assistant, args))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


class _Parser(argparse.ArgumentParser):
    """Argument mistakes as one ``error: ...`` line that names the fix, and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER, f"error: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rag", description="Answer questions about your documents with exact citations."
    )
    parser.add_argument(
        "--data-dir", help="where the index lives (default: $RAG_DATA_DIR or ~/.local/share/rag)"
    )
    parser.add_argument(
        "--no-seed", action="store_true", help="do not add the seed documents to a new index"
    )
    parser.add_argument(
        "--backend",
        choices=["extractive", "openai", "ollama", "llamacpp"],
        help="who writes answers (default: $RAG_BACKEND or extractive)",
    )
    parser.add_argument("--model", help="LLM model name, or .gguf path for llamacpp")
    parser.add_argument("--base-url", help="LLM server URL (openai-compatible or ollama)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "ingest",
        help="add files, folders, news dumps or web pages (.txt .md .html .pdf .jsonl, URLs)",
        description="Index files and folders (.txt .md .html .pdf), news dumps (.jsonl: one "
        "article per line with text, and optionally title, url, published, site, author) and "
        "web pages by URL (http:// or https://). From a web page the article is kept, not "
        "its menus and footers.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--no-progress", action="store_true", help="no progress bar (none when not a terminal)"
    )
    p.set_defaults(run=_ingest, check=_check_paths)

    p = sub.add_parser("ask", help="ask a question")
    p.add_argument("question")
    p.add_argument("-k", type=_chunks, default=None, help="chunks to read, 1-50 (default: 6)")
    p.add_argument("--source", help="only documents from this source")
    p.add_argument("--since", type=_date, help="only documents published on or after YYYY-MM-DD")
    p.add_argument("--until", type=_date, help="only documents published on or before YYYY-MM-DD")
    p.add_argument(
        "--dated-only",
        action="store_true",
        help="with --since/--until, leave out documents without a published date",
    )
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument(
        "--stream", action="store_true", help="print the answer as it is written, then verified"
    )
    p.set_defaults(run=_ask, read_only=True)

    p = sub.add_parser("chat", help="a conversation: one question per line, follow-ups allowed")
    p.add_argument("-k", type=_chunks, default=None, help="chunks to read, 1-50 (default: 6)")
    p.add_argument("--source", help="only documents from this source")
    p.add_argument("--since", type=_date, help="only documents published on or after YYYY-MM-DD")
    p.add_argument("--until", type=_date, help="only documents published on or before YYYY-MM-DD")
    p.add_argument(
        "--dated-only",
        action="store_true",
        help="with --since/--until, leave out documents without a published date",
    )
    p.set_defaults(run=_chat, read_only=True)

    p = sub.add_parser("serve", help="the web chat (Gradio) on http://HOST:PORT")
    p.add_argument("--host", help="address to listen on (default: $RAG_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $RAG_PORT or 7860)")
    p.set_defaults(run=_serve)

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
    p.set_defaults(run=_bench, settings_only=True)

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

    p = sub.add_parser(
        "train-reader",
        help="train the answer reader (CPU, about 45 minutes) and write it with its evaluation",
        description="Train the reader on SQuAD 2.0 and ClapNQ (shared/data), calibrate it on "
        "the validation part, evaluate it on the test parts, and write reader.safetensors, "
        "config.json and evaluation.json to --out. The same --seed on the same data gives the "
        "same model.",
    )
    p.add_argument("--data", type=Path, required=True, help="folder with the training sets")
    p.add_argument("--out", type=Path, required=True, help="folder to write the model to")
    p.add_argument("--minutes", type=float, default=60.0, help="stop training after this long")
    p.add_argument("--seed", type=int, default=13, help="random seed (default 13)")
    p.add_argument("--epochs", type=float, default=1.5, help="passes over the data")
    p.add_argument("--limit", type=int, help="questions per source (a quick trial)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=_train_reader, settings_only=True)

    p = sub.add_parser("docs", help="list or delete indexed documents")
    p.add_argument("action", nargs="?", choices=["list", "delete"], default="list")
    p.add_argument("doc_ids", nargs="*", metavar="DOC_ID")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(run=_docs, read_only=True)
    return parser


def _check_paths(args: argparse.Namespace) -> None:
    """Every path given exists (URLs are checked when fetched)."""
    from .fetch import is_url

    missing = [
        p
        for p in args.paths
        if not is_url(p) and not Path(p).expanduser().exists() and not Path(p).is_symlink()
    ]
    if missing:
        names = ", ".join(missing)
        raise RagError(f"no such file or folder: {names}; nothing was added (check the path)")


def _ingest(assistant: Any, args: argparse.Namespace) -> int:
    bar = None
    show = not (args.no_progress or args.json) and sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not show or total == 0:
            return
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="sent", desc="embedding", file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    try:
        report = assistant.ingest(args.paths, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for label, items in (
            ("added", report.added),
            ("updated", report.updated),
            ("unchanged", report.unchanged),
        ):
            for source in items:
                print(f"{label:9} {source}")
        for skipped in report.skipped:
            print(f"{'skipped':9} {skipped.path}: {skipped.reason}")
        for noted in report.notes:
            print(f"{'note':9} {noted.path}: {noted.reason}")
        for doc_id in report.repaired:
            print(f"{'repaired':9} {doc_id}: removed what an interrupted ingest left")
        print(report.summary())
    nothing_usable = not (report.added or report.updated or report.unchanged)
    return EXIT_USER if nothing_usable and report.skipped else 0


def _check_source(assistant: Any, args: argparse.Namespace) -> None:
    """``--source`` names an indexed document (a path is matched as ingest stored it), and
    the period is not backwards."""
    if args.since and args.until and args.since > args.until:
        raise RagError(f"--since {args.since} is after --until {args.until}")
    if args.source is None:
        return
    sources = {d.source for d in assistant.documents()}
    path = Path(args.source).expanduser()
    resolved = str(path.resolve()) if path.exists() else args.source
    if resolved not in sources and args.source not in sources:
        raise RagError(
            f"no indexed document has source {args.source!r}; `rag docs` lists the sources"
        )
    args.source = resolved if resolved in sources else args.source


def _loading(assistant: Any) -> None:
    """Say at once that the models are loading (a cold start takes seconds)."""
    print(f"loading the models and the index ({assistant.where}) ...", file=sys.stderr, flush=True)


def _ask(assistant: Any, args: argparse.Namespace) -> int:
    assistant.clean_question(args.question)  # a bad question is an error before any loading
    _check_source(assistant, args)
    _loading(assistant)
    if args.stream and not args.json:
        answer = _stream(assistant, args.question, [], _scope(args))
    else:
        answer = assistant.ask(args.question, **_scope(args))
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if not args.stream:
        _print_short(answer)
        print(answer.text)
    _print_details(answer)
    return 0


def _print_short(answer: Any) -> None:
    """The short answer first, when the reader marked one."""
    if answer.short_answer is not None:
        print(f"Answer: {' '.join(answer.short_answer.text.split())}\n")


def _chat(assistant: Any, args: argparse.Namespace) -> int:
    """Questions from stdin, one per line; each answer sees the conversation so far."""
    _check_source(assistant, args)
    _loading(assistant)
    history: list[tuple[str, str]] = []
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line or line.strip() in {"exit", "quit"}:
            return 0
        if not line.strip():
            continue
        try:
            answer = _stream(assistant, line.strip(), history, _scope(args))
        except RagError as exc:  # a bad question does not end the conversation
            if not isinstance(exc, QuestionError):
                raise
            print(f"error: {exc}", file=sys.stderr)
            continue
        _print_details(answer)
        print(TURN_RULE, flush=True)
        history.append((answer.question, answer.text))


def _chunks(text: str) -> int:
    """An argparse type: how many chunks to read, 1-50."""
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a number from 1 to 50, not {text!r}") from None
    if not 1 <= k <= 50:
        raise argparse.ArgumentTypeError(f"give a number from 1 to 50, not {k}")
    return k


def _date(text: str) -> str:
    """An argparse type: a YYYY-MM-DD date."""
    if iso_date(text) is None or len(text.strip()) != 10:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-01-31")
    return text.strip()


def _scope(args: argparse.Namespace) -> dict[str, Any]:
    """What an ask reads: -k, --source and the published-date period."""
    return {
        "k": args.k,
        "source": args.source,
        "since": args.since,
        "until": args.until,
        "undated": not args.dated_only,
    }


def _stream(
    assistant: Any, question: str, history: list[tuple[str, str]], scope: dict[str, Any]
) -> Any:
    """Print the answer as it is written; a model's draft is followed by the verified text.
    An extractive answer is printed whole, its short answer first."""
    answer: Any = None
    if assistant.llm is None:
        answer = assistant.ask(question, history, **scope)
        _print_short(answer)
        print(answer.text)
        return answer
    shown = []
    for item in assistant.stream(question, history, **scope):
        if isinstance(item, str):
            shown.append(item)
            print(item, end="", flush=True)
        else:
            answer = item
    if shown:
        print()
    if "".join(shown).strip() != answer.text.strip():
        if shown:
            print("--- verified ---")
        print(answer.text)
    return answer


def _print_details(answer: Any) -> None:
    if answer.query and answer.query != answer.question:
        print(f"(searched as: {answer.query})")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            origin = c.origin()
            print(f"[{c.number}] {c.title}" + (f" — {origin}" if origin else ""))
            print(f"    {c.url or c.source}, chars {c.start}-{c.end}")
            print(f'    "{" ".join(c.quote.split())}"')
    if answer.revisions:
        print("\nVerification:")
        for r in answer.revisions:
            print(f'  {r.action}: "{" ".join(r.sentence.split())}" ({r.reason})')
    if answer.fallback or (answer.abstained and answer.reason):
        print(f"note: {answer.reason}", file=sys.stderr)


def _eval_extraction(settings: Settings, args: argparse.Namespace) -> int:
    from eval import extraction

    if not args.pages.is_dir():
        raise ConfigError(f"no folder at {str(args.pages)!r}")
    scores = extraction.run(args.pages, args.limit)
    if args.json:
        print(json.dumps([s.to_dict() for s in scores], indent=2))
    else:
        print(extraction.table(scores))
    return 0


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    from eval import report
    from eval.datasets import load
    from eval.runner import evaluate

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
        )
    results = [r.to_dict() for r in runs]
    out = args.out or Path("eval-results") / f"{dataset.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    path = report.write(results, out, f"Evaluation: {dataset.name}")
    print(report.console(results))
    print(f"\nreport: {path}\nper-question rows: {out / 'run.json'}")
    return 0


def _train_reader(settings: Settings, args: argparse.Namespace) -> int:
    if not args.data.is_dir():
        raise RagError(f"--data {str(args.data)!r} is not a folder")
    if not 0 < args.minutes <= 24 * 60 or not 0 < args.epochs <= 20:
        raise RagError("--minutes must be 0-1440 and --epochs 0-20")
    if args.limit is not None and args.limit < 1:
        raise RagError("--limit must be at least 1")
    from .train_reader import TrainConfig, run

    config = TrainConfig(seed=args.seed, epochs=args.epochs, minutes=args.minutes, limit=args.limit)
    result = run(
        args.data, args.out, config, progress=not args.no_progress, echo=lambda s: print(s)
    )
    for name, figures in result.get("test", {}).items():
        print(
            f"{name}: top-1 sentence {figures['top1_sentence']} "
            f"(cosine {figures.get('cosine_top1_sentence')}), "
            f"answerability AUC {figures['answerability_auc']}"
        )
    print(f"threshold {result['threshold']:.3f}; model written to {args.out}")
    return 0


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    from eval import bench

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise RagError(f"--sizes {args.sizes!r}: give numbers like 1000,10000") from None
    if not sizes or any(not 100 <= s <= 1_000_000 for s in sizes):
        raise RagError("--sizes: each between 100 and 1,000,000 chunks")
    if not 1 <= args.questions <= 10_000 or not 1 <= args.rounds <= 100:
        raise RagError("--questions must be 1-10000 and --rounds 1-100")
    if args.cold_only:
        results, table = bench.cold_table(args.rounds)
        _show(results, table, args.out, "bench")
        return 0
    squad = args.squad or bench.SQUAD
    if not squad.is_file():
        raise RagError(f"no SQuAD file at {str(squad)!r}: give --squad PATH")
    results = bench.run(sizes, args.questions, args.rounds, not args.no_server, squad)
    _show(results, bench.table(results), args.out, "bench")
    return 0


def _show(results: dict[str, Any], table: str, out: Path | None, name: str) -> None:
    """Print a results table; with ``out``, also write NAME.json and NAME.md there."""
    print(table)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(results, indent=1))
        (out / f"{name}.md").write_text(table + "\n")


def _load(settings: Settings, args: argparse.Namespace) -> int:
    from eval import load

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
    _show(result, load.table(result), args.out, "load")
    failed = result["load"]["errors"] or result["load"]["crossings"] or result["ingest"]["errors"]
    return 1 if failed else 0


def _serve(assistant: Any, args: argparse.Namespace) -> int:
    from ui.app import launch

    settings = assistant.settings
    host = args.host or settings.host
    port = args.port or settings.port
    if not 1 <= port <= 65535:
        raise RagError(f"port {port}: must be 1-65535")
    print(
        f"opening the index in {assistant.where} (the seed documents are added on first start) ...",
        flush=True,
    )
    try:
        launch(assistant, host=host, port=port)
    except OSError as exc:
        reason = "the port is in use" if "empty port" in str(exc) else str(exc)
        raise RagError(
            f"cannot listen on {host}:{port}: {reason}; choose another with --port or RAG_PORT"
        ) from None
    return 0


def _docs(assistant: Any, args: argparse.Namespace) -> int:
    if args.action == "delete":
        if not args.doc_ids:
            raise RagError("give the id(s) of the document(s) to delete; `rag docs` lists them")
        unknown = [i for i in args.doc_ids if assistant.index.document(i) is None]
        if unknown:
            raise RagError(
                f"no document with id {', '.join(unknown)} in {assistant.where}; nothing was "
                "deleted (`rag docs` lists the ids)"
            )
        removed = [assistant.delete(doc_id) for doc_id in args.doc_ids]
        for info in removed:
            print(f"deleted {info.id} {info.source} ({info.chunks} chunks)")
        return 0
    docs = assistant.documents()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": d.id,
                        "source": d.source,
                        "title": d.title,
                        "chars": d.chars,
                        "chunks": d.chunks,
                        "site": d.site,
                        "author": d.author,
                        "published": d.published,
                        "url": d.url,
                    }
                    for d in docs
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
    elif not docs:
        print(f"index: {assistant.where}\nno documents; add some with `rag ingest PATH`")
    else:
        print(f"index: {assistant.where} ({len(docs)} document{'s' * (len(docs) != 1)})")
        for d in docs:
            news = " · ".join(p for p in (d.site, d.published, d.author) if p)
            print(f"{d.id}  {d.chunks:5d} chunks  {d.title[:60]}  ({d.url or d.source})")
            if news:
                print(f"{'':18}  {news}")
    return 0


def _quiet_libraries(verbose: bool) -> None:
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    if not verbose:
        for name in ("transformers", "sentence_transformers", "chromadb", "httpx", "bm25s"):
            logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


if __name__ == "__main__":  # pragma: no cover
    run()
