"""The ``rag`` commands that serve: the web chat and a shared Chroma server."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import RagError


def add_commands(sub: Any) -> None:
    """Add ``serve`` and ``chroma-server`` to the ``rag`` parser's sub-commands."""
    p = sub.add_parser("serve", help="the web chat (Gradio) on http://HOST:PORT")
    p.add_argument("--host", help="address to listen on (default: $RAG_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $RAG_PORT or 7860)")
    p.add_argument(
        "--auth-file",
        type=Path,
        help="logins, one user:password a line (default: $RAG_AUTH_FILE; or $RAG_AUTH)",
    )
    p.add_argument(
        "--no-auth",
        action="store_true",
        help="serve an address others can reach without a login, on purpose",
    )
    p.set_defaults(run=_serve)

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


def _serve(assistant: Any, args: argparse.Namespace) -> int:
    from ui import auth

    settings = assistant.settings
    host = args.host or settings.host
    port = args.port or settings.port
    if not 1 <= port <= 65535:
        raise RagError(f"port {port}: must be 1-65535")
    if args.auth_file is not None:
        settings = settings.with_(auth_file=args.auth_file)
    logins = auth.required(host, auth.users(settings), args.no_auth)
    if logins:
        print(f"login required ({len(logins)} user{'s' * (len(logins) != 1)})", flush=True)
    elif not auth.is_loopback(host):
        print(
            f"warning: no login (--no-auth): anyone who reaches {host}:{port} can read, "
            "upload and delete documents",
            flush=True,
        )
    from ui.app import launch

    seeding = " (a new index: adding the seed documents)" if assistant.seeds_pending else ""
    print(f"opening the index in {assistant.where}{seeding} ...", flush=True)
    try:
        launch(assistant, host=host, port=port, auth=logins)
    except OSError as exc:
        reason = "the port is in use" if "empty port" in str(exc) else str(exc)
        raise RagError(
            f"cannot listen on {host}:{port}: {reason}; choose another with --port or RAG_PORT"
        ) from None
    return 0


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
