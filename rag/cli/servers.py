"""The ``rag`` command that serves a shared Chroma server (``rag serve``, the web chat, is the
web app's own: ``ui/cli.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import RagError


def add_commands(sub: Any) -> None:
    """Add ``chroma-server`` to the ``rag`` parser's sub-commands."""
    p = sub.add_parser(
        "chroma-server",
        help="a shared Chroma server that wants the token in $RAG_CHROMA_TOKEN",
        description="Chroma's own server with its token authentication, for an index "
        "several rag processes share (RAG_CHROMA_HOST/PORT/TOKEN on the clients).",
    )
    p.add_argument("--path", type=Path, required=True, help="where the server keeps its data")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.set_defaults(run=_chroma_server, settings_only=True)


def _chroma_server(settings: Any, args: argparse.Namespace) -> int:
    from ..index import chromaserver

    if not 1 <= args.port <= 65535:
        raise RagError(f"port {args.port}: must be 1-65535")
    token = settings.chroma_token or ""
    app = chromaserver.app(args.path.expanduser(), token)  # a missing token: an error now
    print(
        f"Chroma server on http://{args.host}:{args.port}/ (data in {args.path}); clients "
        "need RAG_CHROMA_HOST, RAG_CHROMA_PORT and the same RAG_CHROMA_TOKEN",
        flush=True,
    )
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
