"""`rag bench`'s parts that need no long run: the corpus, the cache, the table, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import SEEDS, STORY

from eval.speed import benchtable, corpus


def test_corpus_variants_reuse_real_text(tmp_path: Path) -> None:
    squad = tmp_path / "squad.json"
    paragraphs = [{"context": p, "qas": [{"question": "q?"}]} for p in STORY.split("\n\n")[1:]]
    squad.write_text(json.dumps({"data": [{"title": "Harbour_News", "paragraphs": paragraphs}]}))
    questions = corpus.write_corpus(squad, tmp_path / "docs", 2, SEEDS)
    files = sorted((tmp_path / "docs").iterdir())
    assert len(files) == 3 * 2  # (article + seed) x (original + 2 variants)
    assert questions == ["q?", "q?"]
    original = (tmp_path / "docs" / "00-0000.txt").read_text()
    variant = (tmp_path / "docs" / "00-0001.txt").read_text()
    assert original.startswith("Harbour News\n\n") and variant.startswith(
        "Harbour News (edition 1)"
    )
    assert sorted(original.split("\n\n")[1:]) == sorted(variant.split("\n\n")[1:])


def test_cached_embeddings_embed_each_text_once() -> None:
    class Inner:
        calls: list[list[str]] = []  # noqa: RUF012 - a test double

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            self.calls.append(texts)
            return [[float(len(t))] for t in texts]

    inner = Inner()
    cached = corpus.CachedEmbeddings(inner)
    assert cached.embed_documents(["a", "bb", "a"]) == [[1.0], [2.0], [1.0]]
    assert cached.embed_documents(["bb", "ccc"]) == [[2.0], [3.0]]
    assert inner.calls == [["a", "bb"], ["ccc"]]


def test_table_shows_ratios_against_the_baseline() -> None:
    size = {
        "chunks": 1000,
        "documents": 18,
        "ask_p50_ms": 20.0,
        "ask_p95_ms": 30.0,
        "baseline_chunks": 800,
        "baseline_p50_ms": 10.0,
        "baseline_p95_ms": 12.0,
        "peak_mb_after_ingest": 900.0,
        "peak_mb": 950.0,
        "index_mb": 120.0,
        "baseline_index_mb": 40.0,
        "ingest_s": 30.0,
        "baseline_ingest_s": 12.0,
        "unique_chunks": 430,
        "unique_ingest_s": 10.0,
        "raw_embed_s": 8.0,
        "raw_embed_fp32_s": 24.0,
        "embed_bf16": True,
        "sentences": 4_000,
        "tokens": 50_000,
        "baseline_unique_ingest_s": 5.0,
        "baseline_unique_chunks": 370,
        "server_ask_p50_ms": 25.0,
        "server_ask_p95_ms": 35.0,
        "server_baseline_p50_ms": 12.5,
        "server_baseline_p95_ms": 15.0,
        "server_ingest_s": 45.0,
        "server_baseline_ingest_s": 30.0,
        "digest_p50_ms": 12.0,
        "briefing_p50_ms": 40.0,
        "briefing_p95_ms": 60.0,
    }
    results = {
        "machine": {"cpus": 2, "memory_gb": 24, "python": "3.11.7"},
        "questions": 100,
        "rounds": 3,
        "sizes": [size],
        "cold": {
            "cold_ask_s": 6.0,
            "cold_baseline_s": 5.0,
            "served_ask_s": 0.25,
            "cli_help_s": 0.06,
            "cli_mistake_s": 0.07,
            "cli_docs_s": 0.9,
        },
    }
    text = benchtable.table(results)
    assert "| 2.00x |" in text  # ask 20 ms vs 10 ms
    assert "1.25x raw model, 2.00x tutorial" in text
    assert "| 1.20x |" in text  # cold start
    assert "(answered through it) | 0.25 s | tutorial script: 5.0 s | 0.05x |" in text
    assert "| 30 s | tutorial, with the same embedding cache: 12 s | 2.50x |" in text
    assert (
        "| bf16: 500 sentences/s | fp32 (what the tutorial runs): 167 sentences/s | 3.00x" in text
    )
    assert "| index on disk at 1,000 chunks | 120 MB | tutorial's Chroma folder at 800" in text
    assert "Machine: 2 CPUs, 24 GiB" in text
    assert "| `rag --help` in a new process | 0.06 s |" in text
    assert "| `rag docs` (no embedding model) in a new process | 0.90 s |" in text
    assert "ask --help" not in text  # a figure not measured is not shown
    assert "| 12.0 ms; 40.0 / 60.0 ms | `ask` p50: 20.0 ms | 2.00x `ask` |" in text
    assert "| 25.0 / 35.0 ms (embedded: 20.0) | 12.5 / 15.0 ms | 2.00x |" in text
    assert "once) | 45 s | tutorial, its own empty cache: 30 s | 1.50x |" in text


def test_bench_rejects_bad_sizes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "bench", "--sizes", "ten"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "--sizes 'ten'" in done.stderr
    assert "Traceback" not in done.stderr


def test_reader_cost_times_the_real_read_for_each_shape(tmp_path: Path) -> None:
    from eval.speed import reader_cost

    passages = reader_cost.candidates(4)
    assert len(passages) == 4
    assert len(passages[0].text) >= len(passages[-1].text)  # the longest first
    out = tmp_path / "cost.json"
    from rag.cli import main

    assert main(["bench-reader", "--rounds", "1", "--candidates", "4", "--json", str(out)]) == 0
    assert main(["bench-reader", "--rounds", "0"]) == 2
    result = json.loads(out.read_text())
    names = [r["reader"].split(" ")[0] for r in result["rows"]]
    assert names == ["shipped", "shipped,", "MiniLM-L12", "base"]
    assert result["rows"][0]["ratio"] == 1.0
    assert all(r["p50_ms"] > 0 for r in result["rows"])


def test_reader_cost_s_transformers_reader_reads_as_the_shipped_one() -> None:
    from eval.speed import reader_cost
    from rag.bert import Bert
    from rag.reader import load_reader

    reader = load_reader()
    before = reader_cost.on_transformers(reader)
    assert not isinstance(before.net.encoder, Bert) and isinstance(reader.net.encoder, Bert)
    passages = reader_cost.candidates(6)
    ours = reader.read("What did Russia offer?", passages)
    theirs = before.read("What did Russia offer?", passages)
    assert [r.span for r in ours] == [r.span for r in theirs]
    assert max(abs(a.score - b.score) for a, b in zip(ours, theirs, strict=True)) < 0.01


def test_reader_cost_swapped_network_has_the_shape_and_reads() -> None:
    from eval.speed import reader_cost
    from rag.reader import load_reader

    reader = load_reader()
    wide = reader_cost.larger(reader, (768, 2, 12, 3072))
    assert wide.net.encoder.config.hidden_size == 768
    assert wide.net.encoder.config.num_hidden_layers == 2
    readings = wide.read("What did Russia offer?", reader_cost.candidates(3))
    assert len(readings) == 3 and all(0.0 <= r.score <= 1.0 for r in readings)
    assert reader.net.encoder.config.hidden_size == 384  # the shipped reader is untouched


def test_reader_cost_refuses_bad_numbers() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "bench-reader", "--rounds", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "at least 1" in done.stderr and "Traceback" not in done.stderr


def test_a_table_names_the_cpu_it_was_measured_on() -> None:
    from eval.speed.coldstart import machine

    line = benchtable.machine_line(
        {"cpus": 2, "memory_gb": 23, "python": "3.11.7", "cpu": "AMD EPYC", "amx": False}
    )
    assert line == "Machine: 2 CPUs (AMD EPYC, no AMX), 23 GiB, Python 3.11.7."
    with_amx = {"cpus": 2, "memory_gb": 23, "python": "3.11.7", "cpu": "Xeon", "amx": True}
    assert "(Xeon, AMX)" in benchtable.machine_line(with_amx)
    # a run recorded before the CPU was: no parenthesis
    assert benchtable.machine_line({"cpus": 2, "memory_gb": 24, "python": "3.11.7"}) == (
        "Machine: 2 CPUs, 24 GiB, Python 3.11.7."
    )
    here = machine()
    assert isinstance(here["amx"], bool) and isinstance(here["cpu"], str)
