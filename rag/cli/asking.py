"""The ``rag`` commands that ask: ``ask`` (one question) and ``chat`` (a conversation on
stdin), and how an answer is printed: its short answer, text, sources and verification."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..dates import iso_date
from ..errors import QuestionError, RagError

log = logging.getLogger(__name__)

#: printed after each answer of ``rag chat``
TURN_RULE = "\n" + "-" * 60


def add_commands(sub: Any) -> None:
    """Add ``ask`` and ``chat`` to the ``rag`` parser's sub-commands."""
    p = sub.add_parser("ask", help="ask a question")
    p.add_argument("question")
    _add_scope(p)
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument(
        "--stream", action="store_true", help="print the answer as it is written, then verified"
    )
    p.set_defaults(run=_ask, read_only=True, door=_ask_door)

    p = sub.add_parser("chat", help="a conversation: one question per line, follow-ups allowed")
    _add_scope(p)
    p.set_defaults(run=_chat, read_only=True, door=_chat_door)


def _check_source(assistant: Any, args: argparse.Namespace) -> None:
    """``--source`` names an indexed document (an id, a file name or a path: read from the
    index, before any model is loaded), and the period is not backwards."""
    if args.since and args.until and args.since > args.until:
        raise RagError(f"--since {args.since} is after --until {args.until}")
    if args.source is not None:
        args.source = assistant.resolve_source(args.source)


def _loading(assistant: Any) -> None:
    """Say at once that the models are loading (a cold start takes seconds); an empty index
    is an error first (nothing to load the models for)."""
    assistant.check_not_empty()
    print(f"loading the models and the index ({assistant.where}) ...", file=sys.stderr, flush=True)


def _ask(assistant: Any, args: argparse.Namespace) -> int:
    assistant.clean_question(args.question)  # a bad question is an error before any loading
    _check_source(assistant, args)
    _loading(assistant)
    if args.stream and not args.json:
        answer = _stream(assistant, args.question, [], _scope(args))
    else:
        answer = assistant.ask(args.question, **_scope(args))
    return _show(answer, args, printed=bool(args.stream))


def _show(answer: Any, args: argparse.Namespace, *, printed: bool = False) -> int:
    """``rag ask``'s output: the JSON, or the text (unless ``printed`` as it was written)
    and the details."""
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if not printed:
        _print_text(answer)
    _print_details(answer)
    return 0


def _print_text(answer: Any) -> None:
    """The short answer first, when the reader marked one, then the answer."""
    if answer.short_answer is not None:
        print(f"Answer: {' '.join(answer.short_answer.text.split())}\n")
    print(answer.text)


def _chat(assistant: Any, args: argparse.Namespace) -> int:
    """Questions from stdin, one per line; each answer sees the conversation so far."""
    _check_source(assistant, args)
    _loading(assistant)
    return _converse(lambda question, history: _stream(assistant, question, history, _scope(args)))


#: one turn of a conversation: (question, history) -> the answer, its text printed
Turn = Callable[[str, list[tuple[str, str]]], Any]


def _converse(ask: Turn) -> int:
    """The conversation on stdin: each line asked with the turns before it."""
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
            answer = ask(line.strip(), history)
        except RagError as exc:  # a bad question does not end the conversation
            if not isinstance(exc, QuestionError):
                raise
            print(f"error: {exc}", file=sys.stderr)
            continue
        _print_details(answer)
        print(TURN_RULE, flush=True)
        history.append((answer.question, answer.text))


def _door(settings: Any, args: argparse.Namespace) -> Any:
    """The running ``rag serve`` to answer through (``rag.door``), or None: load the models
    here. ``-v`` says which."""
    from ..door import find_door

    if getattr(args, "stream", False) and settings.backend != "extractive":
        log.info("--stream with a language model: answering here (the server sends no drafts)")
        return None
    door, why = find_door(settings)
    if door is not None:
        log.info("answering through %s", why)
    else:
        log.info("loading the models here: %s", why)
    return door


def _through(
    door: Any, settings: Any, args: argparse.Namespace, question: str, history: Any
) -> Any:
    """Ask ``door``; the answer. OSError: the server did not answer; QuestionError: the
    server found a mistake (a bad question, an unknown ``--source``, an empty index)."""
    from ..records import Answer

    source = args.source
    if source and "://" not in source and Path(source).expanduser().exists():
        source = str(Path(source).expanduser().resolve())  # the server's folder is not ours
    request = _scope(args) | {"question": question, "history": history, "source": source}
    status, body = door.ask(request, timeout=settings.llm_timeout + 60)
    if status == 400:
        raise QuestionError(str(body.get("error", "a bad request")))
    if status != 200:
        raise OSError(f"HTTP {status}: {body.get('error', '')}")
    return Answer.from_dict(body)


def _ask_door(settings: Any, args: argparse.Namespace) -> int | None:
    """``rag ask`` through a running ``rag serve``; None when there is none (or it did not
    answer): the caller loads the models instead."""
    door = _door(settings, args)
    if door is None:
        return None
    try:
        answer = _through(door, settings, args, args.question, [])
    except OSError as exc:
        log.info("the running `rag serve` did not answer (%s): loading the models here", exc)
        return None
    return _show(answer, args)


def _chat_door(settings: Any, args: argparse.Namespace) -> int | None:
    """``rag chat`` through a running ``rag serve``; if it stops answering, the rest of the
    conversation loads the models here."""
    door = _door(settings, args)
    if door is None:
        return None
    local: list[Any] = []

    def ask(question: str, history: list[tuple[str, str]]) -> Any:
        nonlocal door
        if door is not None:
            try:
                answer = _through(door, settings, args, question, history)
            except OSError as exc:
                log.warning("the running `rag serve` stopped answering (%s): loading here", exc)
                door = None
            else:
                _print_text(answer)
                return answer
        if not local:
            from ..assistant import Assistant

            local.append(Assistant(settings))
            _check_source(local[0], args)
        return _stream(local[0], question, history, _scope(args))

    return _converse(ask)


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
    p.add_argument(
        "--asked-on",
        type=_date,
        help="the day the question is asked as of, YYYY-MM-DD (default today): passages "
        "published nearest it are preferred",
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
        "asked_on": args.asked_on,
    }


def _stream(
    assistant: Any, question: str, history: list[tuple[str, str]], scope: dict[str, Any]
) -> Any:
    """Print the answer as it is written; a model's draft is followed by the verified text.
    An extractive answer is printed whole, its short answer first."""
    answer: Any = None
    if assistant.llm is None:
        answer = assistant.ask(question, history, **scope)
        _print_text(answer)
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


#: what an answer that is not sure says before the next-best passages
UNSURE = "Not sure."


def _print_citations(citations: Any) -> None:
    for c in citations:
        origin = c.origin()
        print(f"[{c.number}] {c.title}" + (f" — {origin}" if origin else ""))
        print(f"    {c.url or c.source}, chars {c.start}-{c.end}")
        print(f'    "{" ".join(c.quote.split())}"')


def _print_details(answer: Any) -> None:
    if answer.query and answer.query != answer.question:
        print(f"(searched as: {answer.query})")
    if answer.citations:
        print("\nSources:")
        _print_citations(answer.citations)
    if answer.alternatives:
        print(f"\n{UNSURE} Other passages that may answer:")
        _print_citations(answer.alternatives)
    if answer.revisions:
        print("\nVerification:")
        for r in answer.revisions:
            print(f'  {r.action}: "{" ".join(r.sentence.split())}" ({r.reason})')
    if answer.fallback or (answer.abstained and answer.reason):
        print(f"note: {answer.reason}", file=sys.stderr)
