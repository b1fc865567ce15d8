"""The web app's door for the ``rag`` command on the same machine (``rag.door``): the route
``POST /rag/local/ask`` and the door file that tells ``rag ask`` / ``rag chat`` where it is.

A request must carry the token from the door file (readable by the data dir's owner only);
it is answered like ``Assistant.ask``, with ``Answer.to_dict()``; a mistake (a bad question,
an unknown ``source``, an empty index) is a 400 with ``{"error": ...}``.
"""

from __future__ import annotations

import atexit
import logging
from pathlib import Path
from typing import Any

from rag import Assistant
from rag.door import HEADER, ROUTE, close_door, open_door, token_matches
from rag.errors import RagError

log = logging.getLogger(__name__)


def answer_request(assistant: Assistant, request: dict[str, Any]) -> dict[str, Any]:
    """What ``Assistant.ask`` answers to a door request (RagError for a mistake)."""
    if not isinstance(request, dict) or not isinstance(request.get("question"), str):
        raise RagError("the request needs a question")
    history = [(str(q), str(a)) for q, a in request.get("history") or [] if isinstance(q, str)]
    source = request.get("source")
    answer = assistant.ask(
        request["question"],
        history,
        k=request.get("k"),
        source=assistant.resolve_source(source) if source else None,
        since=request.get("since"),
        until=request.get("until"),
        undated=bool(request.get("undated", True)),
        asked_on=request.get("asked_on"),
    )
    if answer.abstained:  # only an abstention can come from an empty index: say which
        assistant.check_not_empty()
    return answer.to_dict()


def door_route(assistant: Assistant, token: str) -> Any:
    """The door's route (``POST`` :data:`~rag.door.ROUTE`), for requests carrying ``token``:
    made before the server starts, so it answers from the server's first request."""
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from fastapi.routing import APIRoute
    from starlette.concurrency import run_in_threadpool

    async def ask(request: Any) -> Any:
        if not token_matches(request.headers.get(HEADER), token):
            return JSONResponse({"error": "not this server's token"}, status_code=403)
        try:
            payload = await request.json()
            return JSONResponse(await run_in_threadpool(answer_request, assistant, payload))
        except RagError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except ValueError:
            return JSONResponse({"error": "the request is not JSON"}, status_code=400)
        except Exception as exc:  # never a stack trace to the command: the log has it
            log.exception("answering a `rag ask` request failed")
            return JSONResponse(
                {"error": f"the server failed ({type(exc).__name__}); see its log"},
                status_code=500,
            )

    ask.__annotations__["request"] = Request  # FastAPI reads it to pass the request
    return APIRoute(ROUTE, ask, methods=["POST"])


def write_door(assistant: Assistant, url: str, token: str) -> Path:
    """Write the door file (once the server answers on ``url``); it is removed when the
    process exits."""
    path, _ = open_door(assistant.settings, url, token)
    atexit.register(close_door, path)
    return path
