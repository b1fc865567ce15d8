"""The web chat (Gradio): ask with streamed, cited answers; manage the documents.

Uses the public API only (``Assistant.stream``, ``ingest``, ``documents``, ``delete``).

    rag serve [--host 127.0.0.1] [--port 7860]
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from rag import Assistant
from rag.door import new_token

from .documents import documents_tab
from .events import ChatEvents, ask_api
from .layout import chat_tab
from .local import door_route, write_door
from .page import CSS, HEAD, theme
from .pageview import page_route

log = logging.getLogger(__name__)


def build(assistant: Assistant) -> Any:
    """The Gradio Blocks app for ``assistant``: the Chat tab (:mod:`ui.layout`, its events
    :mod:`ui.events`), the Documents tab (:mod:`ui.documents`) and the ``/ask`` API."""
    settings = assistant.settings
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    # Gradio writes uploaded files here before we see them: keep them inside the data dir.
    os.environ["GRADIO_TEMP_DIR"] = str(uploads / ".incoming")
    import gradio as gr

    events = ChatEvents(assistant)
    private: dict[str, Any] = {"api_visibility": "private"}
    with gr.Blocks(title="rag: cited answers", fill_width=True) as app:
        gr.Markdown(
            "## Ask the documents\nEvery sentence of an answer cites the exact passage it "
            "comes from; click a marker like **[1]** to see it."
        )
        scope = chat_tab(assistant, events, private)
        documents_tab(app, assistant, scope, private)
        gr.api(ask_api(assistant), api_name="ask")
    return app


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
    token = new_token()
    app.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=True,  # the door file is written before blocking
        # the page view and the door (`rag ask` answers through it) are the server's own
        # routes from its first request (added after the start, a request could get a 404)
        app_kwargs={"routes": [page_route(assistant), door_route(assistant, token)]},
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
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    write_door(assistant, f"http://{shown}:{port}", token)  # now that the server answers
    if block:
        print(f"the web chat is on http://{shown}:{port}/ (Ctrl+C stops it)", flush=True)
        app.block_thread()
    return app
