"""Engine benchmark: ingest vs the embedding model's own throughput, ``ask`` vs a plain
LangChain + Chroma top-k query, measured in the same run on the same machine.

    .venv/bin/python eval/bench_engine.py [--squad ../shared/data/squad2-dev-a.json]

Figures are medians; ratios against the baseline measured in this run are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def articles(squad: Path, out: Path) -> list[str]:
    data = json.loads(squad.read_text())["data"]
    questions = []
    for i, art in enumerate(data):
        body = "\n\n".join(p["context"] for p in art["paragraphs"])
        (out / f"{i:02d}.txt").write_text(art["title"].replace("_", " ") + "\n\n" + body)
        questions += [qa["question"] for p in art["paragraphs"] for qa in p["qas"]]
    return questions


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--squad", type=Path, default=here.parent / "shared/data/squad2-dev-a.json")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not args.squad.is_file():
        print(f"error: {args.squad} not found (give --squad PATH)", file=sys.stderr)
        return 2

    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    from rag import Assistant, Settings
    from rag.chunking import split_document
    from rag.embed import SentenceTransformerEmbedder, as_langchain
    from rag.loaders import iter_files, load

    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    (tmp / "docs").mkdir()
    questions = articles(args.squad, tmp / "docs")
    random.seed(0)
    questions = random.sample(questions, min(args.questions, len(questions)))
    embedder = SentenceTransformerEmbedder()
    docs = [load(p) for p in iter_files([tmp / "docs"]) if isinstance(p, Path)]
    settings = Settings(data_dir=tmp / "data", seed=False)

    # --- ingest vs raw model throughput on the same sentences -----------------------------
    raw, ours = [], []
    for r in range(args.rounds):
        splits = [
            split_document(
                d,
                embedder,
                chunk_tokens=settings.chunk_tokens,
                overlap_tokens=settings.chunk_overlap_tokens,
            )
            for d in docs
        ]
        texts = [
            d.text[u.start : u.end] for d, s in zip(docs, splits, strict=True) for u in s.units
        ]
        t = time.perf_counter()
        embedder.embed(texts)
        raw.append(time.perf_counter() - t)
        chromadb.api.client.SharedSystemClient.clear_system_cache()
        assistant = Assistant(settings.with_(data_dir=tmp / f"data{r}"), embedder=embedder)
        report = assistant.ingest([tmp / "docs"])
        ours.append(report.seconds)
    tokens = sum(embedder.count_tokens(texts))
    print(
        f"corpus: {len(docs)} SQuAD articles, {len(texts)} sentences, {tokens} tokens, "
        f"{report.chunks} chunks"
    )
    print(
        f"ingest  raw model embed   median {statistics.median(raw):6.2f} s "
        f"({tokens / statistics.median(raw):,.0f} tokens/s)"
    )
    print(
        f"ingest  rag ingest        median {statistics.median(ours):6.2f} s "
        f"({tokens / statistics.median(ours):,.0f} tokens/s, "
        f"{report.chunks / statistics.median(ours):.0f} chunks/s)"
        f"  ratio {statistics.median(ours) / statistics.median(raw):.2f}x of raw"
    )

    # --- ask vs a plain LangChain Chroma top-k query -----------------------------------------
    client = chromadb.PersistentClient(
        path=str(tmp / "plain"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    plain = Chroma(
        collection_name="plain", client=client, embedding_function=as_langchain(embedder)
    )
    try:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        pieces = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_text
    except ImportError:  # same sizes, no library

        def pieces(text: str) -> list[str]:
            return [text[i : i + 1000] for i in range(0, len(text), 800)]

    plain_texts = [p for d in docs for p in pieces(d.text)]
    plain.add_texts(plain_texts)
    for q in questions[:10]:  # warm both
        plain.similarity_search(q, k=4)
        assistant.ask(q)
    base, asked, retrieved = [], [], []
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            plain.similarity_search(q, k=4)
            base.append(time.perf_counter() - t)
            t = time.perf_counter()
            assistant.retrieve(q, k=6)
            retrieved.append(time.perf_counter() - t)
            t = time.perf_counter()
            assistant.ask(q)
            asked.append(time.perf_counter() - t)
    print(
        f"query   plain Chroma k=4  median {ms(base):6.1f} ms  "
        f"(baseline, {len(plain_texts)} chunks)"
    )
    print(
        f"query   rag retrieve k=6  median {ms(retrieved):6.1f} ms  "
        f"ratio {ms(retrieved) / ms(base):.2f}x"
    )
    print(
        f"query   rag ask           median {ms(asked):6.1f} ms  ratio {ms(asked) / ms(base):.2f}x"
        f"  (p95 {sorted(asked)[int(len(asked) * 0.95)] * 1000:.1f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
