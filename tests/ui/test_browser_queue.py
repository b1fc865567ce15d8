"""No question is lost in the web chat: a fresh `rag serve` process over an index that
already exists (the case where the models used to load on the first question), in a real
headless Chromium. A question sent while another is being answered is kept and answered
after it, in order."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ROOT, SEEDS, free_port, running
from helpers.browser import SHOTS, chromium_tab

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ANSWERS = "#rag-chat .rag-answer, #rag-chat .rag-abstain"


@pytest.fixture(scope="module")
def existing_index(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("queue")
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(data / "index"),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
    }
    subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(SEEDS)],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return env


@pytest.fixture(scope="module")
def fresh_server(existing_index: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    port = free_port()
    log = tmp_path_factory.mktemp("queue-log") / "serve.log"
    command = [sys.executable, "-m", "rag.cli", "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/"
    with running(command, url, log, env=existing_index):
        yield url, log


@pytest.fixture(scope="module")
def page(fresh_server: tuple[str, Path]) -> Iterator:
    with chromium_tab(fresh_server[0]) as tab:
        tab.wait_for_selector("#rag-question textarea")
        yield tab


def send(page, question: str) -> None:
    page.fill("#rag-question textarea", question)
    page.press("#rag-question textarea", "Enter")


QUESTIONS = [
    "How many bodies will Russia return?",
    "When will Ukraine get a response?",
    "Who leads Russia's delegation?",
    "What did he announce?",  # a follow-up of the one before, itself still waiting
]


def test_questions_sent_in_a_burst_are_all_answered_in_order(page) -> None:
    # four questions typed and sent in well under a second, the first answer not in yet
    send(page, QUESTIONS[0])
    assert page.locator(ANSWERS).count() == 0
    for question in QUESTIONS[1:]:
        send(page, question)
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n "
        "&& !document.querySelector('#rag-chat .rag-draft')",
        arg=[ANSWERS, len(QUESTIONS)],
    )
    asked = page.locator("#rag-chat [data-testid='user']").all_inner_texts()
    assert [q.strip() for q in asked] == QUESTIONS
    answers = page.locator(ANSWERS).all_inner_texts()
    assert "6,000" in answers[0]
    assert "end of June" in answers[1]
    assert "Medinsky" in answers[2]
    # the follow-up was read with the conversation as it stood when its turn came
    last = page.locator("#rag-chat .message-row").last.inner_text()
    assert "searched as:" in last and "delegation" in last
    assert page.input_value("#rag-question textarea") == ""
    page.screenshot(path=str(SHOTS / "13-questions-in-order.png"))


def test_text_typed_while_an_answer_runs_stays_in_the_box(page) -> None:
    before = page.locator(ANSWERS).count()  # the answers already on the page (tests before)
    send(page, "What did Russia offer?")
    page.wait_for_function("() => !document.querySelector('#rag-question textarea').value")
    page.fill("#rag-question textarea", "What does Ukraine want")
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length > n "
        "&& !document.querySelector('#rag-chat .rag-draft')",
        arg=[ANSWERS, before],
    )
    assert page.input_value("#rag-question textarea") == "What does Ukraine want"


def test_the_models_are_loaded_when_the_server_starts(fresh_server: tuple[str, Path]) -> None:
    log = fresh_server[1].read_text()
    assert "models loaded" in log
    assert log.index("models loaded") < log.index("the web chat is on")


def test_a_start_over_an_existing_index_adds_no_seeds(fresh_server: tuple[str, Path]) -> None:
    log = fresh_server[1].read_text()
    assert "opening the index in" in log and "seed" not in log
