"""Starting local servers (`rag serve`, `chroma run`) for benchmarks, load tests and tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chroma_command(path: Path, port: int) -> list[str]:
    """`chroma run` keeping its data in ``path``, on 127.0.0.1:``port``."""
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    return [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]


def heartbeat_url(port: int) -> str:
    """The URL a local Chroma server answers once it is ready."""
    return f"http://127.0.0.1:{port}/api/v2/heartbeat"


@contextmanager
def running(
    command: list[str],
    url: str,
    log_path: Path,
    *,
    timeout: float = 180,
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, from its first answer on ``url`` until the block ends; its output
    goes to ``log_path``, whose tail is the error if it never answers."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        tail = log_path.read_text(errors="replace")[-3000:]
                        raise RuntimeError(
                            f"{command[0]} did not answer on {url}:\n{tail}"
                        ) from None
                    time.sleep(0.5)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
