"""The ``rag`` command: ingest, ask, docs. Thin: all work happens in :class:`Assistant`."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from ..config import Settings
from ..errors import RagError
from . import asking as asking_cli
from . import plugins
from . import servers as servers_cli

EXIT_USER = 2


def run() -> NoReturn:
    """The ``rag`` command's entry point. A command that only reads the index ends the
    process without Python's teardown once its output is flushed: tearing down torch and
    Chroma took 1.2 s of a 5.3 s cold ``rag ask`` (docs/benchmarks.md)."""
    code = main()
    if _FAST_EXIT:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError):  # a reader that hung up (`| head`) is fine
                stream.flush()
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
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(argv)
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
            seed=_seed(args),
            backend=args.backend,
            llm_model=args.model,
            llm_base_url=args.base_url,
        )
        if getattr(args, "settings_only", False):
            return int(args.run(settings, args))
        if getattr(args, "door", None) is not None:
            done = args.door(settings, args)  # a running `rag serve` on this index answers
            if done is not None:
                return int(done)
        if getattr(args, "check", None) is not None:
            args.check(args)  # mistakes are found before the index is opened
        from ..assistant import Assistant

        assistant = Assistant(settings)
        return int(args.run(assistant, args))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _seed(args: argparse.Namespace) -> bool | None:
    """Whether a new index gets the seed documents: ``--seed`` / ``--no-seed``; an index named
    with ``--data-dir`` never unasked; else ``RAG_SEED`` (None), which is off by default."""
    if args.seed_docs:
        return True
    if args.no_seed or args.data_dir:
        return False
    return None


class _Parser(argparse.ArgumentParser):
    """Argument mistakes as one ``error: ...`` line that names the fix, and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER, f"error: {message} (see `{self.prog} --help`)\n")


def _parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rag", description="Answer questions about your documents with exact citations."
    )
    parser.add_argument(
        "--data-dir", help="where the index lives (default: $RAG_DATA_DIR or ~/.local/share/rag)"
    )
    seeding = parser.add_mutually_exclusive_group()
    seeding.add_argument(
        "--seed",
        dest="seed_docs",
        action="store_true",
        help="add the seed documents (seeds/) to a new index (scripts/run does on its own "
        "first start; an index you name with --data-dir never gets them unasked)",
    )
    seeding.add_argument(
        "--no-seed", action="store_true", help="never add the seed documents (the default)"
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

    asking_cli.add_commands(sub)
    servers_cli.add_commands(sub)

    p = sub.add_parser("docs", help="list or delete indexed documents")
    p.add_argument("action", nargs="?", choices=["list", "delete"], default="list")
    p.add_argument("doc_ids", nargs="*", metavar="DOC_ID")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(run=_docs, read_only=True)
    if plugins.command_in(argv, parser) not in sub.choices:
        # the web app's, the evaluation suite's, training's: looked up only when the
        # command is not rag's own (`rag ask` pays nothing for them)
        plugins.add_commands(sub)
    return parser


def _check_paths(args: argparse.Namespace) -> None:
    """Every path given exists (before any model is loaded)."""
    from ..documents.loaders import check_paths

    check_paths(args.paths)


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
    seeds = assistant.settings.resolved_seeds_dir
    seeded = {d.id for d in docs if assistant.from_seeds(d.source)}
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
                        "seed": d.id in seeded,
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
            if d.id in seeded:
                print(
                    f"{'':18}  a seed document (from {seeds}, the project's example: added by "
                    f"`--seed` or by ingesting that folder; `rag docs delete {d.id}` removes it)"
                )
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
