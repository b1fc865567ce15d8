"""What the web chat does when asked: answer a question in the conversation (streamed),
answer the questions queued from the box in order, re-ask one on its own, show each
answer's sources in the side panel, and the JSON ``/ask`` API. The page's layout is
:mod:`ui.layout`; the HTML each answer becomes, :mod:`ui.render`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from rag import Assistant, RagError

from . import render

log = logging.getLogger(__name__)

Chat = list[dict[str, Any]]
#: {"panes": [HTML of each answer's sources, newest first], "again": question or ""}
Side = dict[str, Any]
#: answers whose sources the side panel keeps
MAX_PANES = 20
Turns = list[tuple[str, str]]


class ChatEvents:
    """The chat's event handlers for one assistant (Gradio calls them with the
    components' values)."""

    def __init__(self, assistant: Assistant) -> None:
        import gradio as gr

        self.assistant = assistant
        self.gr = gr

    def respond(
        self,
        message: str,
        chat: Chat | None,
        turns: Turns | None,
        k: float,
        backend: str,
        since: str = "",
        until: str = "",
        dated_only: bool = False,
        side: Side | None = None,
        source: str = "",
        *,
        from_box: bool = True,
    ) -> Iterator[tuple[Chat, Turns, Any, Side]]:
        """Answer ``message`` in the conversation; ``side`` keeps each answer's sources for
        the side panel and the question that "ask as a new question" would re-ask.

        ``from_box`` (the API's /chat) returns an empty question box with every update, as
        the API always has; the page's own chat (``answer_pending``) never touches the box,
        so what is typed meanwhile stays there."""
        chat = list(chat or [])
        turns = list(turns or [])
        side = {"panes": list((side or {}).get("panes", [])), "again": ""}
        question = (message or "").strip()
        box_value: Any = "" if from_box else self.gr.skip()
        if not question:
            yield chat, turns, box_value, side
            return
        chat.append({"role": "user", "content": render.escape(question)})
        chat.append({"role": "assistant", "content": render.draft_html("")})
        yield chat, turns, box_value, side
        uid = uuid.uuid4().hex[:8]
        draft = ""
        answer = None
        try:
            for item in self.assistant.stream(
                question,
                turns,
                k=int(k),
                extractive=backend == "extractive",
                since=since or None,
                until=until or None,
                undated=not dated_only,
                source=source or None,
            ):
                if isinstance(item, str):
                    draft += item
                    chat[-1] = {"role": "assistant", "content": render.draft_html(draft)}
                    yield chat, turns, box_value, side
                else:
                    answer = item
            if answer is not None and answer.abstained and self.assistant.empty:
                raise RagError(
                    "No documents are indexed yet: add some in the Documents tab (files or a "
                    "web page), then ask."
                )
        except RagError as exc:
            chat[-1] = {"role": "assistant", "content": render.error_html(str(exc))}
            yield chat, turns, box_value, side
            return
        except Exception as exc:  # never a stack trace in the page
            log.exception("answering %r failed", question)
            message = f"Something went wrong ({type(exc).__name__}); see the server log."
            chat[-1] = {"role": "assistant", "content": render.error_html(message)}
            yield chat, turns, box_value, side
            return
        assert answer is not None
        html = render.answer_html(answer, uid, self.assistant.passage)
        chat[-1] = {"role": "assistant", "content": html}
        turns.append((question, answer.text))
        if answer.citations:
            pane = render.sources_pane(answer, uid, self.assistant.passage)
            side["panes"] = [pane, *side["panes"]][:MAX_PANES]
        side["again"] = question if answer.query else ""
        yield chat, turns, box_value, side

    def ask_fresh(
        self,
        chat: Chat | None,
        side: Side | None,
        k: float,
        backend: str,
        since: str = "",
        until: str = "",
        dated_only: bool = False,
        source: str = "",
    ) -> Iterator[tuple[Chat, Turns, Any, Side]]:
        """Re-ask the last question on its own: the conversation so far no longer counts."""
        question = (side or {}).get("again", "")
        yield from self.respond(
            question, chat, [], k, backend, since, until, dated_only, side, source, from_box=False
        )

    def answer_pending(
        self,
        pending: list[str] | None,
        answered: int | None,
        chat: Chat | None,
        turns: Turns | None,
        k: float,
        backend: str,
        since: str = "",
        until: str = "",
        dated_only: bool = False,
        side: Side | None = None,
        source: str = "",
    ) -> Iterator[tuple[Chat, Turns, int, Side, str]]:
        """Answer the questions sent from the box and not answered yet, oldest first."""
        queue = [str(q) for q in (pending or [])]
        done = min(int(answered or 0), len(queue))
        chat, turns = list(chat or []), list(turns or [])
        side = side or {"panes": [], "again": ""}
        while done < len(queue):
            question = queue[done]
            done += 1
            note = waiting_note(queue[done:])
            steps = self.respond(
                question,
                chat,
                turns,
                k,
                backend,
                since,
                until,
                dated_only,
                side,
                source,
                from_box=False,
            )
            for step in steps:
                chat, turns, _, side = step
                yield chat, turns, done, side, note

    def show_side(self, side: Side | None) -> tuple[str, Any]:
        panes = (side or {}).get("panes", [])
        again = (side or {}).get("again", "")
        return (
            render.panel_html(panes),
            self.gr.Button(
                value=f"Ask “{render.shorten(again, 60)}” as a new question",
                visible=bool(again),
            ),
        )


def ask_api(assistant: Assistant) -> Callable[..., dict[str, Any]]:
    """The function of the JSON ``/ask`` API (its defaults from the assistant's settings)."""
    import gradio as gr

    def ask(
        question: str,
        k: int = assistant.settings.top_k,
        since: str = "",
        until: str = "",
        dated_only: bool = False,
        source: str = "",
        asked_on: str = "",
    ) -> dict[str, Any]:
        """Answer a question; JSON with text, short_answer, abstained and citations (quote,
        start, end, source, site, published, url, page). ``since``/``until``: YYYY-MM-DD;
        ``dated_only`` leaves out documents without a published date; ``source`` keeps one
        document (its id, file name or path); ``asked_on`` (YYYY-MM-DD, default today): the
        day the question is asked as of (passages published nearest it are preferred)."""
        try:
            return assistant.ask(
                question,
                k=int(k),
                since=since or None,
                until=until or None,
                undated=not dated_only,
                source=source or None,
                asked_on=asked_on or None,
            ).to_dict()
        except RagError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return ask


def waiting_note(questions: list[str]) -> str:
    """The line under the box naming the questions that wait their turn."""
    if not questions:
        return ""
    shown = "; ".join(render.shorten(q, 80) for q in questions)
    return f"Asked next: {render.escape(shown)}"
