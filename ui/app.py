"""The web chat (Gradio): ask with streamed, cited answers; manage the documents.

Uses the public API only (``Assistant.stream``, ``ingest``, ``documents``, ``delete``).

    rag serve [--host 127.0.0.1] [--port 7860]
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

from rag import Assistant, RagError

from . import render
from .documents import documents_tab
from .local import add_door
from .page import CSS, FORGET, HEAD, PRESS_ASK, TAKE, theme
from .pageview import add_route

log = logging.getLogger(__name__)

#: The seed's own questions, the design's example first.
EXAMPLES = [
    "What did Russia offer?",
    "What does Ukraine want?",
    "Who leads Russia's delegation?",
    "How many prisoners were exchanged in May?",
    "What did Zelensky ask for?",
    "Summarize the article.",
]
Chat = list[dict[str, Any]]
#: {"panes": [HTML of each answer's sources, newest first], "again": question or ""}
Side = dict[str, Any]
#: answers whose sources the side panel keeps
MAX_PANES = 20
Turns = list[tuple[str, str]]


def build(assistant: Assistant) -> Any:
    """The Gradio Blocks app for ``assistant``."""
    settings = assistant.settings
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    # Gradio writes uploaded files here before we see them: keep them inside the data dir.
    os.environ["GRADIO_TEMP_DIR"] = str(uploads / ".incoming")
    import gradio as gr

    backends = ["extractive"]
    if assistant.llm is not None:
        backends.insert(0, assistant.backend)

    def respond(
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
        box_value: Any = "" if from_box else gr.skip()
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
            for item in assistant.stream(
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
            if answer is not None and answer.abstained and assistant.empty:
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
        html = render.answer_html(answer, uid, assistant.passage)
        chat[-1] = {"role": "assistant", "content": html}
        turns.append((question, answer.text))
        if answer.citations:
            pane = render.sources_pane(answer, uid, assistant.passage)
            side["panes"] = [pane, *side["panes"]][:MAX_PANES]
        side["again"] = question if answer.query else ""
        yield chat, turns, box_value, side

    def ask_fresh(
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
        yield from respond(
            question, chat, [], k, backend, since, until, dated_only, side, source, from_box=False
        )

    def answer_pending(
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
            steps = respond(
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

    def show_side(side: Side | None) -> tuple[str, Any]:
        panes = (side or {}).get("panes", [])
        again = (side or {}).get("again", "")
        return (
            render.panel_html(panes),
            gr.Button(
                value=f"Ask “{render.shorten(again, 60)}” as a new question",
                visible=bool(again),
            ),
        )

    def ask_api(
        question: str,
        k: int = settings.top_k,
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

    with gr.Blocks(title="rag: cited answers", fill_width=True) as app:
        gr.Markdown(
            "## Ask the documents\nEvery sentence of an answer cites the exact passage it "
            "comes from; click a marker like **[1]** to see it."
        )
        with gr.Tab("Chat"), gr.Row(equal_height=False):
            # on wide screens the sources sit beside the conversation (CSS: .rag-wide)
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    height=560,
                    elem_id="rag-chat",
                    buttons=["copy"],
                    feedback_options=None,
                    placeholder="Ask about the indexed documents.",
                )
                again = gr.Button(
                    "Ask as a new question", visible=False, size="sm", elem_id="rag-again"
                )
                turns = gr.State([])
                side = gr.State({"panes": [], "again": ""})
                with gr.Row(elem_id="rag-question-row"):
                    box = gr.Textbox(
                        placeholder="Ask a question, e.g. What did Russia offer?",
                        show_label=False,
                        scale=8,
                        min_width=200,
                        elem_id="rag-question",
                        max_length=settings.max_question_chars,
                    )
                    send = gr.Button(
                        "Ask", variant="primary", scale=1, min_width=64, elem_id="rag-ask"
                    )
                waiting = gr.HTML("", elem_id="rag-waiting")
                pending = gr.JSON([], visible="hidden", elem_id="rag-pending")
                answered = gr.State(0)  # how many of ``pending`` are answered
                api_chat = gr.Button(visible=False)
                # the seed's questions only beside the seed (an index of one's own is not asked
                # about Russia and Ukraine)
                seeded = any(assistant.from_seeds(d.source) for d in assistant.documents())
                with gr.Column(visible=seeded, elem_id="rag-examples"):
                    examples = gr.Examples(
                        EXAMPLES, inputs=box, label="Examples from the seed document (click to ask)"
                    )
                with gr.Accordion("Settings", open=False):
                    k = gr.Slider(
                        1, 20, value=settings.top_k, step=1, label="Number of sources to read"
                    )
                    with gr.Row():
                        since = gr.Textbox(
                            "",
                            label="Published since",
                            placeholder="YYYY-MM-DD",
                            elem_id="rag-since",
                        )
                        until = gr.Textbox(
                            "",
                            label="Published until",
                            placeholder="YYYY-MM-DD",
                            elem_id="rag-until",
                        )
                        dated_only = gr.Checkbox(
                            label="Leave out documents without a date", value=False
                        )
                    scope = gr.Dropdown(
                        [("All documents", "")],
                        value="",
                        label="Only this document",
                        elem_id="rag-scope",
                    )
                    backend = gr.Radio(
                        backends,
                        value=backends[0],
                        label="Who writes the answer",
                        visible=len(backends) > 1,
                    )
                    clear = gr.Button("New conversation")
            with gr.Column(scale=2, min_width=320, elem_classes="rag-side"):
                panel = gr.HTML(render.panel_html([]), elem_id="rag-panel")
            inputs = [box, chatbot, turns, k, backend, since, until, dated_only, side, scope]
            outputs = [chatbot, turns, box, side]
            private: dict[str, Any] = {"api_visibility": "private"}
            # No question is lost: Enter and the Ask button move the question from the box
            # into the page's pending list at once (HEAD's script), TAKE hands the list to
            # ``pending``; one event answers the pending questions in order, and sent while
            # it runs it runs again when it ends ("always_last"), with the conversation as
            # it is by then.
            # An example fills the box and presses Ask.
            gr.on(
                [box.submit, send.click],
                None,
                [pending, waiting],
                [pending, waiting],
                js=TAKE,
                trigger_mode="multiple",
                **private,
            ).then(
                answer_pending,
                [pending, answered, *inputs[1:]],
                [chatbot, turns, answered, side, waiting],
                trigger_mode="always_last",
                **private,
            ).then(show_side, side, [panel, again], **private)
            examples.load_input_event.then(None, js=PRESS_ASK)
            # the same answer for API clients: POST /chat (message, chat, k, backend)
            api_chat.click(respond, inputs, outputs, api_name="chat")
            again.click(
                ask_fresh,
                [chatbot, side, k, backend, since, until, dated_only, scope],
                outputs,
                **private,
            ).then(show_side, side, [panel, again], **private)
            clear.click(
                lambda: ([], [], gr.skip(), {"panes": [], "again": ""}, [], 0, ""),
                None,
                [*outputs, pending, answered, waiting],
                **private,
            ).then(show_side, side, [panel, again], **private)
            clear.click(None, js=FORGET)
        documents_tab(app, assistant, scope, private)
        gr.api(ask_api, api_name="ask")
    return app


def waiting_note(questions: list[str]) -> str:
    """The line under the box naming the questions that wait their turn."""
    if not questions:
        return ""
    shown = "; ".join(render.shorten(q, 80) for q in questions)
    return f"Asked next: {render.escape(shown)}"


def launch(
    assistant: Assistant,
    *,
    host: str,
    port: int,
    block: bool = True,
    auth: dict[str, str] | None = None,
) -> Any:
    """Start the web app; the index (with the seeds on first start) is opened and the
    models loaded first, so the first question does not wait for them."""
    started = time.perf_counter()
    assistant.warm_up()
    print(f"models loaded ({time.perf_counter() - started:.1f} s)", flush=True)
    app = build(assistant)
    app.queue(default_concurrency_limit=assistant.settings.workers)
    app.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=True,  # the page view's route is added before blocking
        ssr_mode=False,
        quiet=True,  # Gradio's own banner suggests share=True, which this app never uses
        show_error=True,
        css=CSS,
        head=HEAD,
        theme=theme(),
        # Gradio's own hard limit; below it, store_upload refuses with a clearer message.
        max_file_size=int(2 * assistant.settings.upload_max_mb * 1024 * 1024),
        footer_links=["api"],
        # Gradio's own login: the page, every API route and uploads are behind it
        auth=list(auth.items()) if auth else None,
        auth_message="Log in to ask the documents." if auth else None,
    )
    add_route(app.app, assistant)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    add_door(app.app, assistant, f"http://{shown}:{port}")  # `rag ask` answers through it
    if block:
        print(f"the web chat is on http://{shown}:{port}/ (Ctrl+C stops it)", flush=True)
        app.block_thread()
    return app
