"""Evaluation datasets: the project's JSONL format, and SQuAD 2.0 JSON.

JSONL, one question per line::

    {"id": "seed-001", "question": "...", "answerable": true,
     "answers": ["30 days"],                  # gold answers (any one counts)
     "support": ["<exact sentence of a document>", ...],   # gold supporting text
     "support_mode": "any",                   # "any": one support suffices; "all": each is needed
     "history": [["earlier question", "earlier answer"]],  # optional conversation
     "kind": "paraphrase"}                    # optional label for per-kind totals

``answers``/``support`` are empty for unanswerable questions. Support strings must occur
verbatim in a document of the corpus (``--docs``); their spans are found after ingest.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import ConfigError
from rag.sentences import split_sentences


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    question: str
    answerable: bool
    answers: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    support_mode: str = "any"
    history: list[tuple[str, str]] = field(default_factory=list)
    kind: str = ""
    #: Gold support as (document file name, start, end) when the loader knows it.
    spans: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Dataset:
    name: str
    examples: list[Example]
    docs: Path  # a file or folder to ingest


def load(path: Path, *, docs: Path | None, work: Path, limit: int | None, seed: int) -> Dataset:
    """A JSONL dataset (its corpus is ``docs``), or SQuAD 2.0 JSON (corpus built in ``work``)."""
    if not path.is_file():
        raise ConfigError(f"no dataset at {str(path)!r}")
    if path.suffix == ".json":
        dataset = load_squad(path, work)
    else:
        if docs is None:
            raise ConfigError("a JSONL dataset needs --docs: the files its questions are about")
        dataset = Dataset(path.stem, load_jsonl(path), docs)
    if limit is not None and limit < len(dataset.examples):
        rng = random.Random(seed)
        dataset.examples = sorted(rng.sample(dataset.examples, limit), key=dataset.examples.index)
    return dataset


def load_jsonl(path: Path) -> list[Example]:
    examples = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            history = [(str(q), str(a)) for q, a in row.get("history", [])]
            example = Example(
                id=str(row.get("id") or f"{path.stem}-{n}"),
                question=str(row["question"]),
                answerable=bool(row["answerable"]),
                answers=[str(a) for a in row.get("answers", [])],
                support=[str(s) for s in row.get("support", [])],
                support_mode=str(row.get("support_mode", "any")),
                history=history,
                kind=str(row.get("kind", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path.name} line {n}: not a valid example ({exc})") from None
        if example.support_mode not in {"any", "all"}:
            raise ConfigError(f"{path.name} line {n}: support_mode must be 'any' or 'all'")
        if example.answerable and not (example.answers or example.support):
            raise ConfigError(f"{path.name} line {n}: an answerable question needs answers")
        examples.append(example)
    if not examples:
        raise ConfigError(f"{path.name}: no examples")
    return examples


def load_squad(path: Path, work: Path) -> Dataset:
    """SQuAD 2.0: one document per article (title, then its paragraphs); gold support is the
    sentence holding each gold answer, located exactly in the written document."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{path.name}: not SQuAD 2.0 JSON ({exc})") from None
    folder = work / "squad-docs"
    folder.mkdir(parents=True, exist_ok=True)
    examples = []
    for a, article in enumerate(data):
        title = article["title"].replace("_", " ")
        text = title
        name = f"{a:02d}-{article['title'][:40]}.txt"
        for paragraph in article["paragraphs"]:
            text += "\n\n"
            offset = len(text)
            context = paragraph["context"]
            text += context
            sentences = split_sentences(context)
            for qa in paragraph["qas"]:
                impossible = bool(qa.get("is_impossible"))
                answers, supports, spans = [], [], []
                for ans in [] if impossible else qa["answers"]:
                    answers.append(ans["text"])
                    start = ans["answer_start"]
                    sentence = next((s for s in sentences if s.start <= start < s.end), None)
                    if sentence is not None and sentence not in supports:
                        supports.append(sentence)
                        spans.append((name, offset + sentence.start, offset + sentence.end))
                examples.append(
                    Example(
                        id=qa["id"],
                        question=qa["question"],
                        answerable=not impossible,
                        answers=list(dict.fromkeys(answers)),
                        support=[context[s.start : s.end] for s in supports],
                        kind="squad-unanswerable" if impossible else "squad",
                        spans=spans,
                    )
                )
        (folder / name).write_text(text, encoding="utf-8")
    return Dataset(path.stem, examples, folder)
