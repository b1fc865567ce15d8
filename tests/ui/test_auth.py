"""The lock for serving to others: logins for `rag serve` (Gradio's own), checked against a
real server on a non-loopback address (web page, /ask, the page view, Chromium's login
form), and a real Chroma server with Chroma's own token authentication."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from helpers import STORY, FakeEmbedder, free_port, running

from rag import ConfigError, Settings, StoreError
from ui import auth

PASSWORD = "correct horse battery"


def test_logins_come_from_rag_auth_and_a_file(tmp_path: Path) -> None:
    file = tmp_path / "logins"
    file.write_text("# editors\nana:s3cret:with:colons\n\n  ben : pw2\n")
    found = auth.users(Settings(data_dir=tmp_path, auth="cy:pw3, dee:pw4", auth_file=file))
    assert found == {"cy": "pw3", "dee": "pw4", "ana": "s3cret:with:colons", "ben": "pw2"}
    assert auth.users(Settings(data_dir=tmp_path)) == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ana\n", "line 1: expected user:password"),
        ("ana:one\nana:two\n", "line 2: user 'ana' is given twice"),
        ("# nothing\n", "holds no user:password line"),
        (":nobody\n", "line 1: expected user:password"),
    ],
)
def test_a_bad_login_file_is_an_error_that_never_shows_a_password(
    tmp_path: Path, content: str, message: str
) -> None:
    file = tmp_path / "logins"
    file.write_text(content)
    with pytest.raises(ConfigError, match=message) as caught:
        auth.users(Settings(data_dir=tmp_path, auth_file=file))
    assert "one" not in str(caught.value) and "nobody" not in str(caught.value)


def test_a_reachable_address_needs_a_login_unless_no_auth(tmp_path: Path) -> None:
    assert auth.is_loopback("127.0.0.1") and auth.is_loopback("localhost")
    assert auth.is_loopback("::1") and not auth.is_loopback("0.0.0.0")
    assert not auth.is_loopback("192.168.1.20") and not auth.is_loopback("example.org")
    assert auth.required("127.0.0.1", {}, False) is None
    assert auth.required("0.0.0.0", {"a": "b"}, False) == {"a": "b"}
    assert auth.required("0.0.0.0", {}, True) is None
    with pytest.raises(ConfigError, match="--no-auth"):
        auth.required("0.0.0.0", {}, False)


def test_serving_others_without_logins_is_refused_before_anything(tmp_path: Path) -> None:
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "d"), "HF_HUB_OFFLINE": "1"}
    env.pop("RAG_AUTH", None)
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("error: rag serve on 0.0.0.0") and "--no-auth" in line
    assert not (tmp_path / "d").exists()  # nothing opened


# --- a real `rag serve --host 0.0.0.0` with logins -----------------------------------------


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("locked")
    logins = data / "logins"
    logins.write_text(f"ana:{PASSWORD}\n")
    port = free_port()
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(data / "index"),
        "RAG_SEED": "true",  # as scripts/run starts it
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "rag.cli", "serve", "--host", "0.0.0.0"]
    command += ["--port", str(port), "--auth-file", str(logins)]
    log = data / "serve.log"
    with running(command, f"http://127.0.0.1:{port}/", log, env=env):
        # the page view's route is added once Gradio's server answers: its line says when
        deadline = time.monotonic() + 60
        while "the web chat is on" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/", log


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def _login(opener: urllib.request.OpenerDirector, url: str, password: str) -> int:
    data = urllib.parse.urlencode({"username": "ana", "password": password}).encode()
    try:
        with opener.open(url + "login", data=data, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _status(opener: urllib.request.OpenerDirector, url: str) -> int:
    try:
        with opener.open(url, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_the_start_says_a_login_is_required_and_shows_no_password(locked) -> None:
    log = locked[1].read_text()
    assert "login required (1 user)" in log and PASSWORD not in log


@pytest.mark.slow
def test_wrong_or_no_credentials_are_refused_everywhere(locked) -> None:
    from gradio_client import Client

    url, _ = locked
    stranger = _opener()
    assert _status(stranger, url + "config") == 401
    assert _status(stranger, url + "rag/page/0123abcd?page=1") == 401
    assert _login(stranger, url, "wrong") == 400
    assert _status(stranger, url + "config") == 401
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own kinds
        Client(url, verbose=False).predict("What did Russia offer?", 4, api_name="/ask")
    with pytest.raises(Exception):  # noqa: B017
        Client(url, auth=("ana", "wrong"), verbose=False)


@pytest.mark.slow
def test_the_right_login_opens_the_page_the_api_and_the_page_view(locked) -> None:
    from gradio_client import Client

    url, _ = locked
    friend = _opener()
    assert _login(friend, url, PASSWORD) == 200
    assert _status(friend, url + "config") == 200
    # the page view answers (this id is not indexed: its own "not available" page, not 401)
    assert _status(friend, url + "rag/page/0123abcd?page=1") == 200
    client = Client(url, auth=("ana", PASSWORD), verbose=False)
    answer = client.predict("How many bodies will Russia return?", 4, api_name="/ask")
    assert "6,000" in answer["text"]


@pytest.mark.slow
@pytest.mark.browser
def test_chromium_meets_the_login_form(locked) -> None:
    from helpers.browser import SHOTS, chromium_tab

    url, _ = locked
    with chromium_tab(url, height=900) as tab:
        tab.get_by_text("Log in to ask the documents.").wait_for()
        assert tab.locator("#rag-question").count() == 0
        tab.get_by_label("username").fill("ana")
        tab.get_by_label("password").fill("wrong")
        tab.get_by_role("button", name="Login").click()
        tab.get_by_text("Incorrect Credentials").wait_for()
        tab.screenshot(path=str(SHOTS / "17-login-refused.png"))
        tab.get_by_label("username").fill("ana")  # the form empties both after a refusal
        tab.get_by_label("password").fill(PASSWORD)
        tab.get_by_role("button", name="Login").click()
        tab.wait_for_selector("#rag-question textarea")
        tab.screenshot(path=str(SHOTS / "18-logged-in.png"))


# --- a real Chroma server with Chroma's own token authentication ---------------------------


@pytest.fixture(scope="module")
def chroma_with_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """`rag chroma-server`: Chroma's Python server (the one that enforces authentication:
    `chroma run` in chromadb 1.5 ignores these settings) with its token provider."""
    data = tmp_path_factory.mktemp("chroma-token")
    token = uuid.uuid4().hex
    port = free_port()
    env = {**os.environ, "RAG_CHROMA_TOKEN": token, "ANONYMIZED_TELEMETRY": "False"}
    command = [sys.executable, "-m", "rag.cli", "chroma-server", "--path", str(data / "chroma")]
    command += ["--port", str(port)]
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    with running(command, url, data / "chroma.log", env=env):
        yield port, token


def _remote(port: int, token: str | None, tmp_path: Path) -> Settings:
    return Settings(
        chroma_host="127.0.0.1",
        chroma_port=port,
        chroma_token=token,
        collection=f"t{uuid.uuid4().hex[:8]}",
        seed=False,
        data_dir=tmp_path,
        min_score=0.2,
        reader="off",
    )


@pytest.mark.server
def test_chroma_refuses_a_missing_or_wrong_token(chroma_with_token, tmp_path: Path) -> None:
    from rag import Assistant

    port, token = chroma_with_token
    for given, said in ((None, "got no token"), ("wrong", "got a token it does not accept")):
        assistant = Assistant(_remote(port, given, tmp_path), embedder=FakeEmbedder())
        with pytest.raises(StoreError, match=f"wants a token and {said}.*RAG_CHROMA_TOKEN"):
            assistant.documents()
    assert token not in repr(_remote(port, token, tmp_path))  # never shown


@pytest.mark.server
def test_a_chroma_server_needs_a_token_to_start(tmp_path: Path) -> None:
    env = {**os.environ}
    env.pop("RAG_CHROMA_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "chroma-server", "--path", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "set RAG_CHROMA_TOKEN" in done.stderr


@pytest.mark.server
def test_chroma_with_the_right_token_works(chroma_with_token, tmp_path: Path) -> None:
    from rag import Assistant

    port, token = chroma_with_token
    (tmp_path / "harbour.txt").write_text(STORY)
    assistant = Assistant(_remote(port, token, tmp_path), embedder=FakeEmbedder())
    assert assistant.ingest([tmp_path / "harbour.txt"]).added
    answer = assistant.ask("How much will the repairs cost?")
    assert "4.5 million euros" in answer.text
    env_settings = Settings.from_env(
        {"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_TOKEN": token}, data_dir=tmp_path
    )
    assert env_settings.chroma_token == token
