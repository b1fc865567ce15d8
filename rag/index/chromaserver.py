"""A shared Chroma server that asks for a token: Chroma's own server and its own token
authentication, for an index several ``rag`` processes (or machines) share.

``chroma run`` (the Rust server of chromadb 1.5) ignores Chroma's authentication settings:
measured, it answers without a token. Chroma's Python server (``chromadb.app``, the same
package) enforces them, so ``rag chroma-server`` runs that one, with
``TokenAuthenticationServerProvider`` and the token from ``RAG_CHROMA_TOKEN``; clients send
it (``Settings.chroma_token``). One fix is applied to that server: in chromadb 1.5.9 its
``get`` and ``query`` routes call ``.tolist()`` on embeddings the storage layer already
returns as lists, so a read that includes embeddings failed; they are made arrays first.

Needs the ``server`` extra (``pip install rag-cite[server]``: OpenTelemetry's FastAPI
instrumentation, which Chroma's server imports).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ConfigError

TOKEN_PROVIDER = "chromadb.auth.token_authn.TokenAuthenticationServerProvider"


def app(path: Path, token: str) -> Any:
    """Chroma's FastAPI app keeping its data in ``path``, wanting ``token``."""
    if not token:
        raise ConfigError("no token: set RAG_CHROMA_TOKEN to the token clients must send")
    try:
        from chromadb.config import Settings as ChromaSettings
        from chromadb.server.fastapi import FastAPI
    except ImportError as exc:  # the server extra is missing
        raise ConfigError(
            f"Chroma's server needs `pip install rag-cite[server]` ({exc.name} is missing)"
        ) from None
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    path.mkdir(parents=True, exist_ok=True)
    settings = ChromaSettings(
        is_persistent=True,
        persist_directory=str(path),
        anonymized_telemetry=False,
        chroma_server_authn_provider=TOKEN_PROVIDER,
        chroma_server_authn_credentials=token,
    )
    server = FastAPI(settings)
    _embeddings_as_arrays(server)
    return server.app()


def _embeddings_as_arrays(server: Any) -> None:
    """Make the storage layer's embeddings numpy arrays, as the routes expect them."""
    import numpy as np

    api = server._api
    get, query = api._get, api._query

    def arrays_get(*args: Any, **kwargs: Any) -> Any:
        result = get(*args, **kwargs)
        if result.get("embeddings") is not None:
            result["embeddings"] = [np.asarray(e) for e in result["embeddings"]]
        return result

    def arrays_query(*args: Any, **kwargs: Any) -> Any:
        result = query(*args, **kwargs)
        if result.get("embeddings") is not None:
            result["embeddings"] = [[np.asarray(e) for e in row] for row in result["embeddings"]]
        return result

    api._get, api._query = arrays_get, arrays_query
