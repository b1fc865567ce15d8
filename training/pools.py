"""Training pools: what the assistant itself reads for the news training weeks.

The reader is trained to pick the answering sentence out of what it will really be shown.
This builds that: the usable questions of ``news-train.json``'s *training* weeks
(``eval/quality/splits.py``; the validation weeks and ``news-2024.json`` are never touched), in
date order, in parts of about ``chunk`` questions; each part's search-result and gold
articles are indexed by the product in a temporary store and every question's candidate
sentences pooled exactly as ``rag eval-errors`` pools them (:func:`eval.quality.analysis.collect`).
One ``train-NNN.jsonl`` (or ``validation-NNN.jsonl``) per part, so an interrupted run goes
on where it stopped.

Every row keeps the quiz's answers, also for questions the data set marks as having no
gold article: ``rag train-reader --pools`` labels candidates by the answer itself
(``eval/quality/pooled.py``'s :func:`~eval.quality.pooled.label`).

The training groups made from pools (:func:`pool_groups`): a group is the positives
anywhere in the pool against the negatives among the first ``read`` candidates (what the
product reads); a pool with no answer word anywhere is a group of negatives only
(abstention).

    python -m training.pools --data ../shared/data --out runs/pools
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from eval.quality.pooled import READ, Pooled, answer_pattern, label, passages_of, write_pools
from eval.quality.splits import news_part
from rag import Settings

from .data import Candidate, Group, answer_span
from .news import NEWS_TRAIN, usable

SOURCE = "news-pools"
CHUNK = 300


def parts(
    raw: dict[str, Any], part: str, chunk: int, limit: int | None = None
) -> list[dict[str, Any]]:
    """The part's usable questions in date order, cut into news-quiz sets of ``chunk``
    questions with the articles they searched (results and gold)."""
    held = sorted(
        (q for q in raw["questions"] if usable(q) and news_part(str(q["date"])) == part),
        key=lambda q: (str(q["date"]), str(q["id"])),
    )[:limit]
    by_id = {str(d["id"]): d for d in raw["docs"]}
    out = []
    for at in range(0, len(held), chunk):
        qs = held[at : at + chunk]
        wanted = dict.fromkeys(
            str(d) for q in qs for d in (q.get("results") or []) + (q.get("gold") or [])
        )
        out.append({"docs": [by_id[d] for d in wanted if d in by_id], "questions": qs})
    return out


def build(
    data: Path,
    out: Path,
    settings: Settings,
    *,
    part: str = "train",
    chunk: int = CHUNK,
    pool: int = 32,
    limit: int | None = None,
) -> list[Path]:
    """The pools files of ``part`` in ``out`` (made where missing; ``limit``: the first
    questions only, a quick run)."""
    # the assistant (LangChain, Chroma) only here: rag train-reader reads pools without it
    from eval.quality.analysis import collect
    from eval.quality.datasets import load_news

    raw = json.loads((data / NEWS_TRAIN).read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n, quiz in enumerate(parts(raw, part, chunk, limit)):
        path = out / f"{part}-{n:03d}.jsonl"
        written.append(path)
        if path.is_file():
            continue
        started = time.monotonic()
        answers = {str(q["id"]): [str(a) for a in q["answers"]] for q in quiz["questions"]}
        with tempfile.TemporaryDirectory(prefix="rag-pools-") as tmp:
            # the quiz is already in memory: load_news takes the path for its name only
            dataset = load_news(path.with_suffix(".json"), quiz, Path(tmp))
            rows = collect(dataset, settings, pool=pool, k=settings.top_k)
        for row in rows:
            row.answers = answers[row.id]
        write_pools(rows, path)
        print(
            f"{path.name}: {len(rows)} questions, {len(quiz['docs'])} articles, "
            f"{time.monotonic() - started:.0f}s",
            flush=True,
        )
    return written


def pool_files(folder: Path, part: str = "train") -> list[Path]:
    """The pools files of one part of the news weeks in a folder (``PART-NNN.jsonl``, as
    ``python -m training.pools`` names them), in order: a validation file is never read as
    training data."""
    return sorted(p for p in folder.glob(f"{part}-*.jsonl") if p.is_file())


def pool_groups(rows: Iterable[Pooled], *, read: int = READ, source: str = SOURCE) -> list[Group]:
    """Training groups from pools (see the module's docstring); pools with an unclear
    candidate and no positive give no group."""
    groups = []
    for row in rows:
        if not row.texts:
            continue
        labels = label(row)
        pattern = answer_pattern(row.answers)
        cands = []
        # as the product hands them to the reader: with their ages as of the day asked
        passages = passages_of(row)
        for i, (passage, lab) in enumerate(zip(passages, labels, strict=True)):
            if lab is None or (lab == 0.0 and i >= read):
                continue
            span = answer_span(passage.text, pattern) if lab == 1.0 else None
            cands.append(Candidate(passage, lab, span))
        positives = sum(c.label == 1.0 for c in cands)
        if not cands or (positives == 0 and any(lab is None for lab in labels)):
            continue
        if positives == len(cands):  # nothing to tell apart
            continue
        groups.append(Group(row.query, cands, positives > 0, list(row.answers), source=source))
    return groups


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.pools", description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--part", choices=("train", "validation"), default="train")
    p.add_argument("--chunk", type=int, default=CHUNK)
    p.add_argument("--pool", type=int, default=32)
    args = p.parse_args(argv)
    if args.chunk < 1 or not 1 <= args.pool <= 200:
        print("error: --chunk must be at least 1 and --pool 1-200", file=sys.stderr)
        return 2
    if not (args.data / NEWS_TRAIN).is_file():
        print(f"error: no {NEWS_TRAIN} in {args.data}", file=sys.stderr)
        return 2
    build(args.data, args.out, Settings(), part=args.part, chunk=args.chunk, pool=args.pool)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
