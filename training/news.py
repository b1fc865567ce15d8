"""Training groups from news quizzes (``news-train.json``, ``news-evidence-2020-2021.jsonl``).

Distant supervision, as ``shared/data/README.md`` defines ``gold``:

- **positives**: a sentence of a ``gold`` article that holds an answer next to the
  question's words (the best one or two by word overlap), and the sentence of the quiz's
  own ``evidence`` passage that holds the answer;
- **negatives**: the question's own search results as the assistant would rank them (its
  heuristic: word overlap, then cosine), leaving out every sentence that holds an answer or
  one of its words (it may well answer); and the sentences naming a *wrong* choice of the
  quiz (hard negatives);
- **abstention**: a question whose search results hold no answer anywhere (and no
  evidence) is a group of negatives only.

Questions that read wrongly without their choices (``mc_only``) and true/false questions
are left out. ``splits.news_part`` holds whole weeks out for validation.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from eval.quality.pooled import answer_pattern, term_set
from eval.quality.splits import news_part, quiz_day
from rag.dates import age_days, as_date
from rag.documents.sentences import split_sentences
from rag.errors import ConfigError
from rag.reader.protocol import Passage

from .data import (
    Candidate,
    Embed,
    Group,
    IdfTable,
    answer_span,
    heuristic_order,
    role_first,
    shortlist,
    warm,
)

log = logging.getLogger(__name__)

NEWS_TRAIN = "news-train.json"
NEWS_EVIDENCE = "news-evidence-2020-2021.jsonl"
#: negatives per question from its own search results, as the assistant ranks them
RESULT_NEGATIVES = 6
CHOICE_NEGATIVES = 2
MAX_POSITIVES = 2


def usable(q: dict[str, Any]) -> bool:
    answers = [str(a) for a in q.get("answers") or []]
    if q.get("mc_only") or not answers:
        return False
    return not any(a.strip().upper() in {"TRUE", "FALSE"} for a in answers)


def sentence_texts(text: str) -> list[str]:
    """The sentences of a text as the assistant splits it."""
    return [text[s.start : s.end] for s in split_sentences(text)]


def _answer_words(answers: Sequence[str], question: str) -> set[str]:
    """The answers' content words the question does not hold ("Bills" of "Buffalo Bills")."""
    q = term_set(question)
    return {t for a in answers for t in term_set(a) if t not in q and len(t) > 2}


def _clean(sentences: list[str], answers: Sequence[str], question: str) -> list[int]:
    """Indices of sentences that hold neither an answer nor any of its words."""
    pattern = answer_pattern(answers)
    words = _answer_words(answers, question)
    out = []
    for i, s in enumerate(sentences):
        if pattern is not None and pattern.search(s):
            continue
        if words & term_set(s):
            continue
        out.append(i)
    return out


def _group(
    q: dict[str, Any],
    docs: dict[str, list[str]],
    idf: IdfTable,
    embed: Embed | None,
    rng: random.Random,
    source: str,
    published: dict[str, str] | None = None,
) -> Group | None:
    """One quiz question's group; each candidate carries its article's age as of the quiz's
    day (``published``: article id -> its date) as the product gives it to the reader."""
    question = str(q["question"])
    answers = [str(a) for a in q["answers"]]
    asked = as_date(quiz_day(q.get("date")), "date")

    def age(doc_id: Any) -> int | None:
        return age_days((published or {}).get(str(doc_id), ""), asked)

    pattern = answer_pattern(answers)
    qterms = term_set(question)
    cands: list[Candidate] = []
    # positives: gold article sentences with the answer next to the question's words
    scored = []
    for doc_id in q.get("gold") or []:
        sentences = docs.get(str(doc_id), [])
        for i, s in enumerate(sentences):
            span = answer_span(s, pattern)
            if span is None:
                continue
            overlap = len(qterms & term_set(s))
            if overlap >= 2:
                scored.append((overlap, s, sentences[i - 1] if i else "", span, age(doc_id)))
    scored.sort(key=lambda x: -x[0])
    seen: set[str] = set()
    for _, s, before, span, days in scored[:MAX_POSITIVES]:
        if s not in seen:
            seen.add(s)
            cands.append(Candidate(Passage(s, before, age=days), 1.0, span))

    # the quiz's own evidence has no article: it is of the quiz's week, dated as its
    # freshest gold article published by the quiz's day (else its freshest search result),
    # never left undated among dated negatives (which would teach "no date: the answer")
    def freshest(ids: Any) -> int | None:
        return min((a for d in ids or [] if (a := age(d)) is not None and a >= -1), default=None)

    evidence_age = freshest(q.get("gold"))
    if evidence_age is None:
        evidence_age = freshest(q.get("results"))
    evidence = sentence_texts(str(q.get("evidence") or ""))
    for i, s in enumerate(evidence):
        span = answer_span(s, pattern)
        if span is not None and s not in seen and len(seen) < MAX_POSITIVES + 1:
            seen.add(s)
            before = evidence[i - 1] if i else ""
            cands.append(Candidate(Passage(s, before, age=evidence_age), 1.0, span))
            break
    # negatives: the question's own search results, as the assistant would rank them
    pool: list[tuple[str, str, int | None]] = []
    for doc_id in q.get("results") or []:
        sentences = docs.get(str(doc_id), [])
        days = age(doc_id)
        pool += [(s, sentences[i - 1] if i else "", days) for i, s in enumerate(sentences)]
    texts = [s for s, _, _ in pool]
    clean = _clean(texts, answers, question)
    if not cands and len(clean) < len(texts):
        return None  # an answer is in the results, not next to the question's words: unsure
    clean_texts = [texts[i] for i in clean]
    order = heuristic_order(question, clean_texts, idf, embed, shortlist=24)
    order = role_first(question, answers, order, clean_texts)
    taken: set[str] = set(seen)
    negatives = 0
    want = RESULT_NEGATIVES + (0 if cands else 2)
    for j in order:
        s, before, days = pool[clean[j]]
        if s in taken or len(s) < 20:
            continue
        taken.add(s)
        cands.append(Candidate(Passage(s, before, age=days), 0.0))
        negatives += 1
        if negatives >= want:
            break
    wrong = [str(c) for c in q.get("choices") or [] if str(c) not in answers]
    wrong_pattern = answer_pattern(wrong)
    if wrong_pattern is not None:
        naming = [
            j
            for j in heuristic_order(question, clean_texts, idf, None, shortlist=200)
            if wrong_pattern.search(clean_texts[j]) and clean_texts[j] not in taken
        ]
        for j in naming[:CHOICE_NEGATIVES]:
            s, before, days = pool[clean[j]]
            taken.add(s)
            cands.append(Candidate(Passage(s, before, age=days), 0.0))
    if negatives == 0:
        return None
    answerable = any(c.label > 0.5 for c in cands)
    return Group(question, cands, answerable, answers, source)


def load_news_train(path: Path) -> dict[str, Any]:
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        raw["docs"], raw["questions"]
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{path}: not a news-quiz set ({exc!r})") from None
    return raw


def news_groups(
    raw: dict[str, Any],
    embed: Embed | None,
    rng: random.Random,
    *,
    limit: int | None,
    validation_only: bool = False,
) -> tuple[list[Group], list[Group]]:
    """(train, validation) groups from ``news-train.json``; validation is whole weeks
    (``splits.news_part``), and no training group reads an article a validation question
    was given. ``validation_only``: no training groups (an evaluation)."""
    questions = [q for q in raw["questions"] if usable(q)]
    held = [q for q in questions if news_part(str(q["date"])) == "validation"]
    held_docs = {str(d) for q in held for d in (q.get("results") or []) + (q.get("gold") or [])}
    train_q = (
        [] if validation_only else [q for q in questions if news_part(str(q["date"])) == "train"]
    )
    if limit is not None:
        train_q, held = train_q[:limit], held[: max(1, limit // 4)]
    needed = {
        str(d) for q in train_q + held for d in (q.get("results") or []) + (q.get("gold") or [])
    }
    docs = {
        str(d["id"]): sentence_texts(str(d["text"])) for d in raw["docs"] if str(d["id"]) in needed
    }
    idf = IdfTable([s for sentences in docs.values() for s in sentences])
    published = {str(d["id"]): str(d.get("published") or "") for d in raw["docs"]}
    train: list[Group] = []
    visible = {k: v for k, v in docs.items() if k not in held_docs}
    _warm(train_q + held, docs, idf, embed)
    for q in train_q:
        group = _group(q, visible, idf, embed, rng, "news-train", published)
        if group is not None:
            train.append(group)
    validation = [
        g
        for q in held
        if (g := _group(q, docs, idf, embed, rng, "news-validation", published)) is not None
    ]
    return train, validation


def _warm(
    questions: list[dict[str, Any]],
    docs: dict[str, list[str]],
    idf: IdfTable,
    embed: Embed | None,
) -> None:
    """Embed, in one batch, every sentence the questions' heuristic rankings will compare."""
    if embed is None:
        return
    needed = []
    for q in questions:
        texts = [s for d in q.get("results") or [] for s in docs.get(str(d), [])]
        needed.append(str(q["question"]))
        needed += [texts[j] for j in shortlist(str(q["question"]), texts, idf, 24)]
    warm(embed, needed)


def _rows(path: Path) -> Iterable[dict[str, Any]]:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except ValueError as exc:
                raise ConfigError(f"{path.name} line {n}: not JSON ({exc})") from None


def evidence_groups(
    path: Path, embed: Embed | None, rng: random.Random, *, limit: int | None
) -> list[Group]:
    """Groups from quizzes with only an evidence passage: its sentence holding the answer is
    the positive; negatives are its other sentences and, as "another week's news", the
    sentences of other quizzes' evidence the heuristic ranks closest."""
    rows = [r for r in _rows(path) if usable(r) and r.get("evidence")]
    if limit is not None:
        rows = rows[:limit]
    passages = [sentence_texts(str(r["evidence"])) for r in rows]
    flat = [(n, i) for n, p in enumerate(passages) for i in range(len(p))]
    texts = [passages[n][i] for n, i in flat]
    idf = IdfTable(texts)
    groups = []
    for n, row in enumerate(rows):
        question = str(row["question"])
        answers = [str(a) for a in row["answers"]]
        pattern = answer_pattern(answers)
        own = passages[n]
        cands = []
        for i, s in enumerate(own):
            span = answer_span(s, pattern)
            if span is not None:
                cands.append(Candidate(Passage(s, own[i - 1] if i else ""), 1.0, span))
                break
        if not cands:
            continue
        clean_own = _clean(own, answers, question)
        for i in clean_own[:2]:
            cands.append(Candidate(Passage(own[i], own[i - 1] if i else ""), 0.0))
        others = [j for j, (m, _) in enumerate(flat) if m != n]
        other_texts = [texts[j] for j in others]
        keep = set(_clean(other_texts, answers, question))
        order = heuristic_order(question, other_texts, idf, None, shortlist=40)
        added = 0
        for j in order:
            if j not in keep:
                continue
            m, i = flat[others[j]]
            cands.append(Candidate(Passage(texts[others[j]], passages[m][i - 1] if i else ""), 0.0))
            added += 1
            if added >= 4:
                break
        groups.append(Group(question, cands, True, answers, "news-evidence"))
    return groups
