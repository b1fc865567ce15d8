"""Training and test groups from SQuAD (2.0 part, 2.0 dev-a, 1.1 train): Wikipedia paragraphs.

Each question becomes a group: the sentence(s) holding the answer; the sentences of the
whole article the assistant's heuristic ranks closest to the question (retrieval
negatives); for an unanswerable question the sentence holding SQuAD 2.0's
``plausible_answers`` (a hard negative); one more sentence of the question's own paragraph.
A sentence that holds an answer string but is not the gold one is left out. Test groups
(``full_paragraphs``) are every sentence of the question's paragraph.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.documents.sentences import split_sentences
from rag.errors import ConfigError
from rag.reader.protocol import Passage

from .data import (
    Candidate,
    Embed,
    Group,
    IdfTable,
    heuristic_order,
    role_first,
    shortlist,
    warm,
)

SQUAD_TRAIN = "squad2-train-part.json"
SQUAD_DEV = "squad2-dev-a.json"
SQUAD11 = "squad11-train.json"
RETRIEVAL_NEGATIVES = 3


@dataclass(slots=True)
class Paragraph:
    sentences: list[str]
    qas: list[dict[str, Any]]
    spans: list[tuple[int, int]]


def squad_articles(path: Path) -> list[list[Paragraph]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{path}: not SQuAD JSON ({exc})") from None
    articles = []
    for article in data:
        paragraphs = []
        for p in article["paragraphs"]:
            context = p["context"]
            spans = [(s.start, s.end) for s in split_sentences(context)]
            paragraphs.append(Paragraph([context[a:b] for a, b in spans], p["qas"], spans))
        articles.append(paragraphs)
    return articles


def _sentence_at(spans: list[tuple[int, int]], char: int) -> int | None:
    return next((i for i, (a, b) in enumerate(spans) if a <= char < b), None)


def squad_groups(
    articles: list[list[Paragraph]],
    embed: Embed | None,
    rng: random.Random,
    *,
    full_paragraphs: bool,
    limit: int | None,
    source: str,
    sample: int | None = None,
) -> list[Group]:
    """Training groups (retrieval negatives from the article) or, with ``full_paragraphs``,
    test groups (every sentence of the question's paragraph). ``sample``: that many
    questions drawn at random from all articles (SQuAD 1.1's 87,599 are more than needed);
    ``limit``: the first questions of each article (a quick run)."""
    chosen: set[tuple[int, int, int]] | None = None
    if sample is not None:
        every = [
            (a, pi, qi)
            for a, paragraphs in enumerate(articles)
            for pi, p in enumerate(paragraphs)
            for qi in range(len(p.qas))
        ]
        chosen = set(rng.sample(every, min(sample, len(every))))
    groups: list[Group] = []
    for a, paragraphs in enumerate(articles):
        flat = [(pi, si) for pi, p in enumerate(paragraphs) for si in range(len(p.sentences))]
        qas = [
            (pi, qa)
            for pi, p in enumerate(paragraphs)
            for qi, qa in enumerate(p.qas)
            if chosen is None or (a, pi, qi) in chosen
        ]
        if limit is not None:
            qas = qas[:limit]
        if not qas or not flat:
            continue
        flat_texts = [paragraphs[pi].sentences[si] for pi, si in flat]
        idf = IdfTable(flat_texts) if not full_paragraphs else None
        if idf is not None:  # one batch per article for what the questions will compare
            needed = [qa["question"] for _, qa in qas]
            for _, qa in qas:
                needed += [flat_texts[j] for j in shortlist(qa["question"], flat_texts, idf, 16)]
            warm(embed, needed)
        for pi, qa in qas:
            group = _group(paragraphs, pi, qa, flat, flat_texts, idf, embed, rng, full_paragraphs)
            if group is not None:
                group.source = source
                groups.append(group)
    return groups


def _group(
    paragraphs: list[Paragraph],
    pi: int,
    qa: dict[str, Any],
    flat: list[tuple[int, int]],
    flat_texts: list[str],
    idf: IdfTable | None,
    embed: Embed | None,
    rng: random.Random,
    full_paragraphs: bool,
) -> Group | None:
    para = paragraphs[pi]
    impossible = bool(qa.get("is_impossible"))
    answers = [] if impossible else qa["answers"]
    texts = [a["text"] for a in answers]
    positives: dict[int, tuple[int, int] | None] = {}
    for ans in answers:
        si = _sentence_at(para.spans, ans["answer_start"])
        if si is None:
            continue
        s0, s1 = para.spans[si]
        lo = ans["answer_start"] - s0
        hi = lo + len(ans["text"])
        span = (lo, hi) if ans["answer_start"] + len(ans["text"]) <= s1 else None
        positives.setdefault(si, span)
    if not impossible and not positives:
        return None
    plausible = {
        si
        for ans in qa.get("plausible_answers", [])
        if (si := _sentence_at(para.spans, ans["answer_start"])) is not None
    }

    def before(p: Paragraph, si: int) -> str:
        return p.sentences[si - 1] if si > 0 else ""

    def mentions(text: str) -> bool:
        low = text.lower()
        return any(t.lower() in low for t in texts)

    cands: list[Candidate] = []
    if full_paragraphs:
        for si, sent in enumerate(para.sentences):
            label = 1.0 if si in positives else 0.0
            cands.append(Candidate(Passage(sent, before(para, si)), label))
        return Group(qa["question"], cands, not impossible, texts)
    assert idf is not None
    for si, span in positives.items():
        cands.append(Candidate(Passage(para.sentences[si], before(para, si)), 1.0, span))
    taken = {(pi, si) for si in positives}
    for si in sorted(plausible - set(positives)):
        taken.add((pi, si))
        cands.append(Candidate(Passage(para.sentences[si], before(para, si)), 0.0))
    added = 0
    order = heuristic_order(qa["question"], flat_texts, idf, embed, shortlist=16)
    for j in role_first(qa["question"], texts, order, flat_texts):
        key = flat[j]
        if key in taken:
            continue
        p = paragraphs[key[0]]
        sent = p.sentences[key[1]]
        if mentions(sent):
            continue
        taken.add(key)
        cands.append(Candidate(Passage(sent, before(p, key[1])), 0.0))
        added += 1
        if added >= RETRIEVAL_NEGATIVES + (0 if positives else 1):
            break
    own = [
        si
        for si in range(len(para.sentences))
        if (pi, si) not in taken and not mentions(para.sentences[si])
    ]
    if own:
        si = rng.choice(own)
        cands.append(Candidate(Passage(para.sentences[si], before(para, si)), 0.0))
    return Group(qa["question"], cands, not impossible, texts)
