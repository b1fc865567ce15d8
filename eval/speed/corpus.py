"""The benchmark corpora: the SQuAD articles and the seed, plus reordered editions of them
to reach larger sizes, and a caching embedder so the baseline embeds each text once."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings


def add_in_batches(store: Any, chunks: list[Any], size: int = 2000) -> None:
    """Add LangChain documents to a Chroma store in batches (Chroma caps one add)."""
    for i in range(0, len(chunks), size):
        store.add_documents(chunks[i : i + size])


def write_corpus(squad: Path, out: Path, variants: int, seed_dir: Path) -> list[str]:
    """The SQuAD articles and seed documents, plus ``variants`` shuffled copies of each;
    returns the SQuAD questions."""
    out.mkdir(parents=True, exist_ok=True)
    data = json.loads(squad.read_text())["data"]
    bases = [(a["title"].replace("_", " "), [p["context"] for p in a["paragraphs"]]) for a in data]
    for path in sorted(seed_dir.glob("*.txt")):
        title, _, body = path.read_text().partition("\n\n")
        bases.append((title, [p for p in body.split("\n\n") if p.strip()]))
    rng = random.Random(0)
    for v in range(variants + 1):
        for b, (title, paragraphs) in enumerate(bases):
            order = list(paragraphs)
            if v:
                rng.shuffle(order)
            name = title if not v else f"{title} (edition {v})"
            (out / f"{b:02d}-{v:04d}.txt").write_text(name + "\n\n" + "\n\n".join(order))
    return [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"]]


class CachedEmbeddings(Embeddings):
    """LangChain embeddings that embed each distinct text once (for the baseline at scale)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.cache: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            self.cache.update(zip(new, self.inner.embed_documents(new), strict=True))
        return [self.cache[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return list(self.inner.embed_query(text))
