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
from ..dates import iso_date
from ..errors import QuestionError, RagError
from . import measure as measure_cli
from . import reader as reader_cli
from . import servers as servers_cli

EXIT_USER = 2
#: printed after each answer of ``rag chat``
TURN_RULE = "\n" + "-" * 60


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
        from ..assistant import Assistant

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
    _add_scope(p)
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument(
        "--stream", action="store_true", help="print the answer as it is written, then verified"
    )
    p.set_defaults(run=_ask, read_only=True)

    p = sub.add_parser("chat", help="a conversation: one question per line, follow-ups allowed")
    _add_scope(p)
    p.set_defaults(run=_chat, read_only=True)

    servers_cli.add_commands(sub)
    measure_cli.add_commands(sub)
    reader_cli.add_commands(sub)

    p = sub.add_parser("docs", help="list or delete indexed documents")
    p.add_argument("action", nargs="?", choices=["list", "delete"], default="list")
    p.add_argument("doc_ids", nargs="*", metavar="DOC_ID")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(run=_docs, read_only=True)
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


def _check_source(assistant: Any, args: argparse.Namespace) -> None:
    """``--source`` names an indexed document (an id, a file name or a path: read from the
    index, before any model is loaded), and the period is not backwards."""
    if args.since and args.until and args.since > args.until:
        raise RagError(f"--since {args.since} is after --until {args.until}")
    if args.source is not None:
        args.source = assistant.resolve_source(args.source)


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


def _add_scope(p: argparse.ArgumentParser) -> None:
    """The options of what an ask reads (``_scope``): -k, --source and the period."""
    p.add_argument("-k", type=_chunks, default=None, help="chunks to read, 1-50 (default: 6)")
    p.add_argument(
        "--source", help="only this document: its id, file name or path (`rag docs` lists them)"
    )
    p.add_argument("--since", type=_date, help="only documents published on or after YYYY-MM-DD")
    p.add_argument("--until", type=_date, help="only documents published on or before YYYY-MM-DD")
    p.add_argument(
        "--dated-only",
        action="store_true",
        help="with --since/--until, leave out documents without a published date",
    )


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
