"""The web app's ``rag`` command: ``rag serve``, the web chat on http://HOST:PORT.

It registers itself as an entry point of ``rag_cite.commands`` (pyproject.toml,
:mod:`rag.cli.plugins`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rag.errors import RagError


def serve(sub: Any) -> None:
    """``rag serve``."""
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


def _serve(assistant: Any, args: argparse.Namespace) -> int:
    from . import auth

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
    from .app import launch

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
