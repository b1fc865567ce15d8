"""The running web app's door for the ``rag`` command on the same machine.

``rag serve`` loads the models once; ``rag ask`` and ``rag chat`` on the same index answer
through it instead of loading them again (as ``ollama run`` talks to its server). The
server writes ``DATA_DIR/serve.json`` (its address, its process id, a secret token and the
settings that decide answers; readable by its owner only) and removes it when it stops;
its route ``POST /rag/local/ask`` answers a request that carries the token with
``Answer.to_dict()``. A command whose settings would answer differently (another reader,
backend, model, ``-k`` default ...) or that finds no live server loads the models itself:
what is answered does not change, only where.

Only the standard library is used here, so that asking through the door costs a Python
start and one HTTP request.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings

#: the file a running ``rag serve`` keeps in its data dir
DOOR_FILE = "serve.json"
#: the route it answers on, and the header that carries the token
ROUTE = "/rag/local/ask"
HEADER = "X-Rag-Token"
#: the settings that decide what is answered: a command whose own differ asks locally
ANSWERING = (
    "collection",
    "embedding_model",
    "embed_precision",
    "chroma_host",
    "chroma_port",
    "chunk_tokens",
    "chunk_overlap_tokens",
    "top_k",
    "max_answer_sentences",
    "min_score",
    "reader",
    "reader_threshold",
    "read_candidates",
    "max_question_chars",
    "backend",
    "llm_model",
    "llm_base_url",
    "llm_max_tokens",
    "llm_temperature",
    "llm_context",
    "rewrite_followups",
    "compound_questions",
)
#: seconds to wait for the server to accept the connection (a stale file costs no more)
CONNECT_SECONDS = 2.0


def answering(settings: Settings) -> dict[str, str]:
    """The settings that decide answers, as text (compared between command and server)."""
    return {name: repr(getattr(settings, name)) for name in ANSWERING}


def new_token() -> str:
    """A door's token (the server's route checks it before the door file is written)."""
    return secrets.token_urlsafe(32)


def open_door(settings: Settings, url: str, token: str | None = None) -> tuple[Path, str]:
    """Write the door file for a server answering on ``url`` with ``token`` (a new one when
    None): (its path, the token)."""
    token = token or new_token()
    path = settings.data_dir / DOOR_FILE
    record = {
        "url": url.rstrip("/"),
        "pid": os.getpid(),
        "token": token,
        "started": time.time(),
        "settings": answering(settings),
    }
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(record, f)
    os.replace(partial, path)
    return path, token


def close_door(path: Path) -> None:
    """Remove the door file, if it is still this process's (a newer server may own it)."""
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()


def token_matches(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


@dataclass(frozen=True)
class Door:
    """A running ``rag serve`` on the same index, with the same answering settings."""

    url: str
    pid: int
    token: str

    def ask(self, request: dict[str, Any], timeout: float) -> tuple[int, dict[str, Any]]:
        """POST ``request``; (HTTP status, the JSON it returned). OSError: the server did
        not answer (gone, or not listening)."""
        body = json.dumps(request).encode()
        req = urllib.request.Request(
            self.url + ROUTE,
            data=body,
            headers={"Content-Type": "application/json", HEADER: self.token},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return int(response.status), json.loads(response.read())
        except urllib.error.HTTPError as exc:  # an answer all the same: 400 for a mistake
            try:
                return int(exc.code), json.loads(exc.read())
            except ValueError:
                raise OSError(f"HTTP {exc.code} from {self.url}") from None
        except ValueError as exc:
            raise OSError(f"not JSON from {self.url}: {exc}") from None


def find_door(settings: Settings) -> tuple[Door | None, str]:
    """The running server on this index whose answers would be this command's: (the door,
    why) or (None, why not), without loading anything."""
    path = settings.data_dir / DOOR_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        url, pid, token = str(record["url"]), int(record["pid"]), str(record["token"])
    except FileNotFoundError:
        return None, "no `rag serve` is running on this index"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"{path} is unreadable ({exc})"
    if not _alive(pid):
        return None, f"the `rag serve` that wrote {path} (pid {pid}) has stopped"
    if record.get("settings") != answering(settings):
        theirs = record.get("settings") or {}
        differ = [k for k, v in answering(settings).items() if theirs.get(k) != v]
        return None, f"the running `rag serve` (pid {pid}) answers with other settings " + (
            f"({', '.join(differ[:4])})"
        )
    return Door(url, pid, token), f"the running `rag serve` at {url} (pid {pid})"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: not ours to use
        return False
    return True
