"""The web chat's Chat tab: the conversation, the question box with its queue, the seed's
examples, the settings and the side panel of sources, wired to :class:`ui.events.ChatEvents`."""

from __future__ import annotations

from typing import Any

from rag import Assistant

from . import render
from .events import ChatEvents
from .page import FORGET, PRESS_ASK, TAKE

#: The seed's own questions, the design's example first.
EXAMPLES = [
    "What did Russia offer?",
    "What does Ukraine want?",
    "Who leads Russia's delegation?",
    "How many prisoners were exchanged in May?",
    "What did Zelensky ask for?",
    "Summarize the article.",
]


def chat_tab(assistant: Assistant, events: ChatEvents, private: dict[str, Any]) -> Any:
    """Build the tab inside the ``gr.Blocks`` being built; returns its "Only this document"
    dropdown (the Documents tab refreshes it)."""
    import gradio as gr

    settings = assistant.settings
    backends = ["extractive"]
    if assistant.llm is not None:
        backends.insert(0, assistant.backend)
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
                send = gr.Button("Ask", variant="primary", scale=1, min_width=64, elem_id="rag-ask")
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
            events.answer_pending,
            [pending, answered, *inputs[1:]],
            [chatbot, turns, answered, side, waiting],
            trigger_mode="always_last",
            **private,
        ).then(events.show_side, side, [panel, again], **private)
        examples.load_input_event.then(None, js=PRESS_ASK)
        # the same answer for API clients: POST /chat (message, chat, k, backend)
        api_chat.click(events.respond, inputs, outputs, api_name="chat")
        again.click(
            events.ask_fresh,
            [chatbot, side, k, backend, since, until, dated_only, scope],
            outputs,
            **private,
        ).then(events.show_side, side, [panel, again], **private)
        clear.click(
            lambda: ([], [], gr.skip(), {"panes": [], "again": ""}, [], 0, ""),
            None,
            [*outputs, pending, answered, waiting],
            **private,
        ).then(events.show_side, side, [panel, again], **private)
        clear.click(None, js=FORGET)
    return scope
