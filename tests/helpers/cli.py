"""`rag` in a new process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def rag(
    *args: str,
    data: Path | None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`rag ARGS` in a new process, with its index in ``data`` (None: the default one); a
    new index gets the seed documents, as under scripts/run (``RAG_SEED=true``), unless
    ``env`` is given."""
    env = {**os.environ, "RAG_SEED": "true"} if env is None else {**env}
    if data is not None:
        env["RAG_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        input=stdin,
    )
