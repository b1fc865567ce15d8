"""No outbound network: ingest, ask and serve in processes whose every connection is audited.

``tests/netguard/sitecustomize.py`` (on PYTHONPATH) refuses and logs any connection or
name lookup that is not loopback. The offline switches the test suite sets for itself are
removed from the environment, so the product must keep itself off the network.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SEEDS, free_port, running
from helpers.pages import news_page

GUARD = Path(__file__).resolve().parent / "netguard"
RAG = str(Path(sys.executable).with_name("rag"))
_OFFLINE_SWITCHES = (
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "GRADIO_ANALYTICS_ENABLED",
    "ANONYMIZED_TELEMETRY",
)


def guarded_env(log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _OFFLINE_SWITCHES}
    env["PYTHONPATH"] = str(GUARD)
    env["NETGUARD_LOG"] = str(log)
    env["NETGUARD_SEEN"] = str(log.with_suffix(".seen"))
    return env


def test_the_guard_catches_an_outbound_connection(tmp_path: Path) -> None:
    """The guard itself can fail: a lookup of a public name is refused and logged."""
    log = tmp_path / "net.log"
    code = "import urllib.request; urllib.request.urlopen('http://example.com', timeout=3)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=guarded_env(log), capture_output=True, text=True
    )
    assert done.returncode != 0 and "netguard" in done.stderr
    assert "example.com" in log.read_text()


@pytest.mark.slow
def test_ingest_ask_and_serve_make_no_outbound_connection(tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    log = tmp_path / "net.log"
    env = guarded_env(log)
    data = ["--data-dir", str(tmp_path / "data")]
    page = tmp_path / "dredge.html"  # a news page: article extraction stays offline too
    page.write_text(news_page())
    for command in (
        [RAG, *data, "ingest", str(SEEDS), str(page)],
        [RAG, *data, "ask", "How many bodies will Russia return?"],
        [RAG, *data, "ask", "--json", "What is the capital of France?"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    port = free_port()
    serve = [RAG, *data, "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/"
    with running(serve, url, tmp_path / "serve.log", env=env):
        client = Client(url, verbose=False)
        answer = client.predict("How many bodies will Russia return?", 4, api_name="/ask")
        assert answer["citations"]
        (tmp_path / "fares.md").write_text("# Tram fares\n\nA single tram ticket costs 2 euros.")
        client.predict([handle_file(str(tmp_path / "fares.md"))], api_name="/add_documents")
        assert "2 euros" in client.predict("How much is a tram ticket?", 4, api_name="/ask")["text"]
    assert not log.exists() or log.read_text() == "", log.read_text()[:3000]
    seen = log.with_suffix(".seen").read_text().splitlines()
    assert {"--data-dir " + str(tmp_path / "data")} == set(seen) and len(seen) == 4
