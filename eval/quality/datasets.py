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

Also read, with their documents inside: SQuAD 2.0 JSON, news-quiz JSON
(``{"docs": [{"id", "url", "title", "text"}], "questions": [{"id", "question", "answers",
"answerable", "gold": [doc ids]}]}``, e.g. ``shared/data/news-2024.json``: a citation is right
when it quotes a gold document and holds an answer), and ClapNQ JSONL (the ``clapnq-*``
files: each question's passage becomes a document, ``selected_sentences`` the support).
``part`` picks the held-out part of a set the reader was trained on (``eval/quality/splits.py``).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.documents.fetch import is_url
from rag.documents.sentences import split_sentences
from rag.errors import ConfigError

from .splits import PARTS, clapnq_part, quiz_day, squad_dev_part


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
    #: Sources (or file names) of the documents that answer it (news quizzes): a right
    #: citation quotes one of them and holds an answer.
    gold_docs: list[str] = field(default_factory=list)
    #: the day the question was asked (ISO ``YYYY-MM-DD``; news quizzes carry it), "" unknown:
    #: the assistant is asked as of that day
    asked_on: str = ""


@dataclass(slots=True)
class Dataset:
    name: str
    examples: list[Example]
    docs: Path  # a file or folder to ingest


def load(
    path: Path,
    *,
    docs: Path | None,
    work: Path,
    limit: int | None,
    seed: int,
    part: str = "all",
) -> Dataset:
    """A JSONL dataset (its corpus is ``docs``), or a set with its documents inside (corpus
    written to ``work``): SQuAD 2.0 JSON, news-quiz JSON, ClapNQ JSONL."""
    if not path.is_file():
        raise ConfigError(f"no dataset at {str(path)!r}")
    if part not in PARTS:
        raise ConfigError(f"part {part!r}: choose one of {', '.join(PARTS)}")
    if path.suffix == ".json":
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ConfigError(f"{path.name}: not JSON ({exc})") from None
        if isinstance(raw, dict) and "docs" in raw and "questions" in raw:
            dataset = load_news(path, raw, work)
        else:
            dataset = load_squad(path, work, part=part)
    elif path.name.startswith("clapnq"):
        dataset = load_clapnq(path, work, part=part)
    else:
        if docs is None:
            raise ConfigError("a JSONL dataset needs --docs: the files its questions are about")
        dataset = Dataset(path.stem, load_jsonl(path), docs)
    if part != "all" and not dataset.name.endswith(f"-{part}"):
        raise ConfigError(
            f"{path.name} has no {part!r} part: parts exist for squad2-dev-a.json and ClapNQ"
        )
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


def load_squad(path: Path, work: Path, *, part: str = "all") -> Dataset:
    """SQuAD 2.0: one document per article (title, then its paragraphs); gold support is the
    sentence holding each gold answer, located exactly in the written document."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{path.name}: not SQuAD 2.0 JSON ({exc})") from None
    if part != "all" and not path.stem.startswith("squad2-dev-a"):
        raise ConfigError(f"{path.name} has no {part!r} part (only squad2-dev-a.json has)")
    folder = work / "squad-docs"
    folder.mkdir(parents=True, exist_ok=True)
    examples = []
    for a, article in enumerate(data):
        if part != "all" and squad_dev_part(a) != part:
            continue
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
    name = path.stem if part == "all" else f"{path.stem}-{part}"
    return Dataset(name, examples, folder)


def load_news(path: Path, raw: dict[str, Any], work: Path) -> Dataset:
    """A news-quiz set. Its articles are written to a news dump (``news-docs.jsonl``: title,
    text, url and published date per line) that is ingested by the product's own ``.jsonl``
    loader, so each article's source is its URL (and its date the URL's where the set has
    none); a right citation quotes a gold article's URL. Each question is asked as of the
    quiz's date."""
    dump = work / "news-docs.jsonl"
    dump.parent.mkdir(parents=True, exist_ok=True)
    try:
        urls: dict[str, str] = {}  # article id -> the source the loader will give it
        with dump.open("w", encoding="utf-8") as out:
            for line, doc in enumerate(raw["docs"], 1):
                record = {"title": " ".join(str(doc["title"]).split()), "text": doc["text"]}
                if doc.get("published"):
                    record["published"] = str(doc["published"])
                url = str(doc.get("url") or "")
                if is_url(url) and url not in urls.values():
                    record["url"] = url
                else:  # no usable URL of its own: the loader names it by file and line
                    url = f"{dump.resolve()}#{line}"
                urls[str(doc["id"])] = url
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        examples = [
            Example(
                id=str(q["id"]),
                question=str(q["question"]),
                answerable=bool(q["answerable"]),
                answers=[str(a) for a in q["answers"]] if q["answerable"] else [],
                kind="news" if q["answerable"] else "news-unanswerable",
                gold_docs=[urls[str(g)] for g in q.get("gold", [])] if q["answerable"] else [],
                asked_on=quiz_day(q.get("date")),
            )
            for q in raw["questions"]
        ]
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path.name}: not a news-quiz set ({exc!r} missing)") from None
    if not examples:
        raise ConfigError(f"{path.name}: no questions")
    return Dataset(path.stem, examples, dump)


def load_clapnq(path: Path, work: Path, *, part: str = "all") -> Dataset:
    """ClapNQ: the answerable and unanswerable files beside ``path``; each distinct passage
    is a document, the gold ``selected_sentences`` the support (any one suffices)."""
    names = ["clapnq-dev-a-answerable.jsonl", "clapnq-dev-a-unanswerable.jsonl"]
    paths = [path.parent / n for n in names if (path.parent / n).is_file()] or [path]
    folder = work / "clapnq-docs"
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    examples = []
    for file in paths:
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                qid = str(row["id"])
                passage = row["passages"][0]
                gold = [str(s) for s in row["output"][0].get("selected_sentences") or []]
                question = str(row["input"])
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise ConfigError(f"{file.name} line {n}: not ClapNQ ({exc!r})") from None
            if part != "all" and clapnq_part(qid) != part:
                continue
            body = f"{passage['title']}\n\n{passage['text']}"
            key = hashlib.sha256(body.encode()).hexdigest()[:16]
            if key not in written:
                written[key] = body
                (folder / f"{key}.txt").write_text(body, encoding="utf-8")
            support = [s.strip() for s in gold if s.strip() and s.strip() in body]
            if gold and not support:
                continue  # its gold sentences are not in the passage as written
            examples.append(
                Example(
                    id=qid,
                    question=question,
                    answerable=bool(gold),
                    support=support,
                    support_mode="any",
                    kind="clapnq" if support else "clapnq-unanswerable",
                )
            )
    if not examples:
        raise ConfigError(f"{path.name}: no questions in part {part!r}")
    name = "clapnq-dev-a" if part == "all" else f"clapnq-dev-a-{part}"
    return Dataset(name, examples, folder)
