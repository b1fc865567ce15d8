"""Connecting to Chroma (embedded in the data dir, or a server) and translating its failures.

:func:`make_client` opens the client: an embedded one only in a data dir that is ours
(:func:`check_data_dir`), an HTTP one with every request bounded by ``chroma_timeout``.
:func:`guard` and :class:`Guarded` turn what goes wrong inside Chroma (a lost or hung
server, a damaged database) into a :class:`StoreError` that says what to do.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ConfigError, StoreError

#: The file that marks a folder as a rag-cite data dir.
MARKER = "rag-cite.json"


def make_client(settings: Settings) -> Any:
    """A chromadb client: embedded in ``data_dir/chroma``, or HTTP when a host is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        where = f"{settings.chroma_host}:{settings.chroma_port}"
        if settings.chroma_token:
            chroma_settings = ChromaSettings(
                anonymized_telemetry=False,
                chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",
                chroma_client_auth_credentials=settings.chroma_token,
            )
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            _set_timeout(client, settings.chroma_timeout)
            client.heartbeat()
        except Exception as exc:
            if _refused(exc):
                raise _token_error(where, settings) from None
            raise StoreError(
                f"cannot reach the Chroma server at {where} ({type(exc).__name__}); start it "
                "with `chroma run --path DIR --host HOST --port PORT` or unset RAG_CHROMA_HOST"
            ) from None
        try:
            client.get_user_identity()  # the first call a token-checking server refuses
        except Exception as exc:
            if _refused(exc):
                raise _token_error(where, settings) from None
            raise StoreError(
                f"the Chroma server at {where} did not answer ({type(exc).__name__})"
            ) from None
        return client
    path = check_data_dir(settings.data_dir) / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise damaged(path, exc) from None


def _refused(exc: Exception) -> bool:
    """Whether the server refused our credentials (401/403)."""
    from chromadb.errors import ChromaAuthError

    return isinstance(exc, ChromaAuthError) or any(
        word in str(exc) for word in ("Forbidden", "Unauthorized")
    )


def _token_error(where: str, settings: Settings) -> StoreError:
    said = "a token it does not accept" if settings.chroma_token else "no token"
    return StoreError(
        f"the Chroma server at {where} refused the connection: it wants a token and got "
        f"{said}; set RAG_CHROMA_TOKEN to the server's token"
    )


def check_data_dir(data_dir: Path) -> Path:
    """Make sure ``data_dir`` is ours (or new), and mark it; raises ConfigError if foreign."""
    marker = data_dir / MARKER
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(
            f"the data dir {data_dir} is a file, not a folder: set RAG_DATA_DIR to a folder"
        )
    if marker.is_file():
        try:
            json.loads(marker.read_text("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            raise ConfigError(
                f"{marker} is damaged: if {data_dir} is a rag-cite data dir, delete that file "
                "(it is rewritten); otherwise set RAG_DATA_DIR to another folder"
            ) from None
        return data_dir
    if data_dir.is_dir():
        others = sorted(p.name for p in data_dir.iterdir() if p.name not in _OURS)
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            raise ConfigError(
                f"{data_dir} holds files that are not rag-cite's ({shown}); refusing to put "
                "an index there: set RAG_DATA_DIR (or --data-dir) to a new or empty folder"
            )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"format": 1, "what": "rag-cite data dir"}) + "\n")
    except OSError as exc:
        raise ConfigError(
            f"cannot use {data_dir} as the data dir: {exc.strerror or exc}; "
            "set RAG_DATA_DIR to a folder you can write"
        ) from None
    return data_dir


#: What a data dir of ours may hold besides the marker.
_OURS = frozenset({MARKER, "chroma", "uploads", "models", ".gradio"})


def damaged(path: Path, exc: BaseException) -> StoreError:
    """The error for an embedded index that Chroma cannot read."""
    return StoreError(
        f"the index at {path} cannot be read ({type(exc).__name__}: {str(exc)[:200]}). "
        f"It is damaged or was written by another program: move it aside "
        f"(mv {path} {path}.bad) and run `rag ingest` again to rebuild it"
    )


def _set_timeout(client: Any, seconds: float) -> None:
    """Bound every HTTP request (chromadb leaves them unbounded: a hung server hangs us)."""
    import httpx

    server = getattr(client, "_server", None)
    session = getattr(server, "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds, connect=min(seconds, 5.0))


class Guarded:
    """A Chroma collection (or client) whose failures are StoreErrors naming the store."""

    def __init__(self, inner: Any, where: str, remote: bool) -> None:
        self._inner = inner
        self._where = where
        self._remote = remote

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            with guard(self._where, self._remote):
                return attr(*args, **kwargs)

        return call


@contextmanager
def guard(where: str, remote: bool) -> Iterator[None]:
    """Turn a failure inside Chroma into a StoreError that says what to do."""
    try:
        yield
    except (StoreError, ConfigError):
        raise
    except Exception as exc:
        raise store_error(exc, where, remote) from None


def store_error(exc: BaseException, where: str, remote: bool) -> StoreError:
    name = type(exc).__name__
    if remote and _is_connection_problem(exc):
        return StoreError(
            f"lost the Chroma server at {where} ({name}): check that it is running; "
            "nothing was lost, and the next request reconnects by itself"
        )
    if not remote and isinstance(exc, sqlite3.DatabaseError | OSError):
        return damaged(Path(where), exc)
    return StoreError(f"the index at {where} failed: {name}: {str(exc)[:300]}")


def is_http(client: Any) -> bool:
    return "fastapi" in type(getattr(client, "_server", None)).__name__.lower()


def _is_connection_problem(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.TransportError | ConnectionError | socket.timeout | TimeoutError):
        return True
    text = str(exc).lower()
    return any(
        s in text for s in ("connection refused", "could not connect", "timed out", "502", "503")
    )
