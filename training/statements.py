"""Training groups for open questions, answered by a statement rather than a name or number:
"What did Russia offer?", "What does Ukraine want?", "What did Zelensky ask for?".

The quiz and SQuAD questions the reader learns from are nearly all factoid, so it ranks a
sentence *about* the asker's subject above the one that says what the subject offered,
wanted or said. These groups are made from the news training articles
(``news-train.json``, the train weeks' articles only; nothing of a validation week's):

- a sentence whose subject states, offers, asks for, wants, plans or warns something
  ("Zelensky called for stronger sanctions", "He said Monday he is considering ...") is
  the **positive** of the question what that subject did, its verb put in other words
  (called for -> ask for, want, demand; offered -> propose), and a sentence that goes on
  with "He also ..." is a positive too (an answer spread over two sentences). A pronoun
  subject takes the name of the subject two sentences before at most, so the reader
  learns to read the sentence before;
- "What did X say about Y?" (Y a rarer word of the statement) for what someone said;
- **negatives**: the article's other sentences that name the subject or Y (first those
  where the subject receives: "its proposals to Russia" is about Russia, not what Russia
  offered), other subjects' statements, and the sentences sharing most of the question's words (the
  assistant's own shortlist), never another statement of the same subject of that kind
  (it may answer too).

The short-answer span is the statement itself (what follows the verb).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from eval.quality.pooled import term_set
from eval.quality.splits import news_part
from rag.reader.protocol import Passage

from .data import Candidate, Group, IdfTable, shortlist

SOURCE = "news-statements"

#: verb class: (the forms a sentence uses, the question's verbs for it: other words first)
VERB_CLASSES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "say": (
        (
            "said",
            "says",
            "told reporters",
            "stated",
            "states",
            "criticized",
            "criticised",
            "praised",
            "slammed",
            "blasted",
            "condemned",
        ),
        ("say",),
    ),
    "offer": (
        ("offered", "offers", "offering", "proposed", "proposes", "proposing"),
        ("offer", "propose"),
    ),
    "ask": (
        (
            "called for",
            "calls for",
            "asked for",
            "asks for",
            "urged",
            "urges",
            "demanded",
            "demands",
            "pushed for",
            "pushes for",
            "calling for",
            "asking for",
            "urging",
            "demanding",
            "pushing for",
        ),
        ("ask for", "call for", "demand", "want", "push for"),
    ),
    "want": (
        ("wants", "wanted", "seeks", "sought", "seeking", "hopes to", "hoped to", "hoping to"),
        ("want", "seek"),
    ),
    "plan": (
        (
            "plans to",
            "planned to",
            "intends to",
            "promised",
            "promises",
            "pledged",
            "pledges",
            "vowed",
            "vows",
            "planning to",
            "promising",
        ),
        ("plan", "promise"),
    ),
    "warn": (("warned", "warns", "warning"), ("warn",)),
    "announce": (("announced", "announces", "unveiled", "unveils"), ("announce",)),
    "argue": (
        ("argued", "argues", "claimed", "claims", "insisted", "insists", "suggested"),
        ("argue", "claim", "suggest"),
    ),
    # only inside a reported clause: "Medinsky announced that Russia would exchange ..."
    "commit": (("would", "will"), ("offer", "promise")),
}
_FORM_CLASS = {form: cls for cls, (forms, _) in VERB_CLASSES.items() for form in forms}
_PRONOUNS = {"He", "She", "They"}
_NAME = r"(?:The\s)?(?:[A-Z][\w'’.\-]*\s){0,3}[A-Z][\w'’\-]*"
_FORMS = "|".join(
    sorted((re.escape(f) for f, c in _FORM_CLASS.items() if c != "commit"), key=len, reverse=True)
)
#: subject [, a short aside,] verb form, then the statement
_STATEMENT = re.compile(
    # an opening phrase ("On Tuesday, "), a title in lower case ("delegation head "), the
    # subject, an aside, a helping verb ("has called for", "is seeking"), the verb
    r"^(?:[A-Z][^,]{2,40},\s)?(?:[a-z]+\s){0,3}?"
    rf"(?P<subject>{_NAME}|He|She|They)(?:,[^,]{{3,70}},)?\s"
    rf"(?:(?P<helper>has|have|had|is|are|was|were)\s)?(?P<verb>{_FORMS})\b\s*"
    r"(?P<rest>.+)$"
)
#: a statement reported inside another: "... said that Ukraine is calling for ...", "...
#: announced that Russia would exchange ..." (its subject a name, never a pronoun)
_EMBEDDED = re.compile(
    rf"\b(?:that|said|says)\s(?P<subject>{_NAME})\s"
    rf"(?:(?P<helper>has|have|had|is|are|was|were)\s)?(?P<verb>{_FORMS})\b\s*"
    r"(?P<rest>.+)$"
)
#: a commitment announced for someone: "... announced that Russia would exchange ..."
_COMMIT = re.compile(
    r"\b(?:announced|said|says|confirmed|agreed|promised|pledged|stated)\s(?:on\s\w+\s)?that\s"
    rf"(?P<subject>{_NAME})\s(?P<helper>)(?P<verb>would|will)\s"
    r"(?!be\b|have\b|not\b|also\b|face\b|likely\b|never\b)(?P<rest>.+)$"
)
_LEAD = re.compile(
    r"(?:[,\s]*(?:on\s)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"yesterday|today|in a statement)\b[,\s]*)?(?:that\s)?"
)
_ALSO = re.compile(r"^(?:He|She|They|It|The \w+)\s+also\s")
#: words that read as a subject but are not one ("In", "But", a weekday, ...)
_NOT_SUBJECTS = frozenset(
    "In On At But And If When While After Before As This That These Those It There Here "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Meanwhile However Still "
    "Officials Police Experts Analysts Critics Reports Sources Some Many Others One Both "
    "Neither Each All Most Several Two Three Yet So Now Then Also Instead".split()
)
#: the words before someone who receives, not acts: "to Russia", "against the mayor"
_RECEIVING = r"\b(?:to|from|with|against|toward|towards|on|at|over)\s(?:the\s)?"
NEGATIVES = 7
MAX_PER_ARTICLE = 2


def statement_groups(
    raw: dict[str, Any],
    rng: random.Random,
    sentences_of: Any,
    *,
    count: int,
    exclude_texts: Sequence[str] = (),
) -> list[Group]:
    """Up to ``count`` open-question groups from the train weeks' articles of a news-quiz
    set (``raw`` as ``news.load_news_train`` reads it). ``sentences_of(text)`` splits an
    article as the assistant does; an article that holds any of ``exclude_texts`` (an
    evaluation set's sentences) is never read."""
    if count <= 0:
        return []
    held = {
        str(d)
        for q in raw["questions"]
        if news_part(str(q["date"])) == "validation"
        for d in (q.get("results") or []) + (q.get("gold") or [])
    }
    docs = [d for d in raw["docs"] if str(d["id"]) not in held]
    rng.shuffle(docs)
    said: list[Group] = []  # "What did X say about Y?": common, so no more than the rest
    other: list[Group] = []
    for doc in docs:
        text = str(doc.get("text") or "")
        if any(t and t in text for t in exclude_texts):
            continue
        sentences: list[str] = sentences_of(text)
        if len(sentences) < 6:
            continue
        for group in _article_groups(sentences, IdfTable(sentences), rng)[:MAX_PER_ARTICLE]:
            (said if " say about " in group.question else other).append(group)
        if len(other) >= count // 2 and len(said) >= count // 2:
            break
    other = other[: count // 2]
    groups = other + said[: len(other)]
    rng.shuffle(groups)
    return groups[:count]


def _statements(sentences: list[str]) -> list[tuple[int, str, str, int, bool]]:
    """(index, subject as the question names it, verb class, where the statement starts,
    present tense)
    of each sentence that states something; pronouns resolved two sentences back."""
    found: list[tuple[int, str, str, int, bool]] = []
    last_name: tuple[int, str] | None = None
    lowered = " ".join(sentences)
    for i, s in enumerate(sentences):
        if not 40 <= len(s) <= 320:
            continue
        m = _STATEMENT.match(s)
        if m is not None:
            subject = m.group("subject")
            if subject in _PRONOUNS:
                named = last_name[1] if last_name and i - last_name[0] <= 2 else None
            else:
                named = _named(subject, lowered)
                if named is not None:
                    last_name = (i, named)
            found += _found(i, m, named)
        for pattern in (_EMBEDDED, _COMMIT):
            e = pattern.search(s, m.start("rest") if m is not None else 0)
            if e is not None and e.group("subject") not in _PRONOUNS:
                found += _found(i, e, _named(e.group("subject"), lowered))
    return found


def _named(subject: str, article: str) -> str | None:
    """The subject as a question names it; None for words that only look like one."""
    if subject.split()[0] in _NOT_SUBJECTS or subject == "The" or len(subject) < 3:
        return None
    named = re.sub(r"^The\s", "the ", subject)
    if " " not in subject and f" {subject.lower()} " in article:
        named = subject.lower()  # "Forecasters warned": a common noun
    return named


def _found(i: int, m: re.Match[str], named: str | None) -> list[tuple[int, str, str, int, bool]]:
    if named is None or len(m.group("rest")) < 15:
        return []
    verb, helper = m.group("verb"), m.group("helper") or None
    progressive = verb.split()[0].endswith("ing")
    if progressive != (helper in {"is", "are", "was", "were"}):
        return []  # "Officials warning ...", "Ballard was offered ...": not statements
    if helper in {"has", "have", "had"} and verb.split()[0].endswith("s"):
        return []  # "She has plans to ...": a noun
    present = helper in {"is", "are"} or (
        helper is None and (verb == "will" or (verb != "was" and verb.split()[0].endswith("s")))
    )
    return [(i, named, _FORM_CLASS[verb], m.start("rest"), present)]


def _article_groups(sentences: list[str], idf: IdfTable, rng: random.Random) -> list[Group]:
    statements = _statements(sentences)
    rng.shuffle(statements)
    groups = []
    for i, subject, cls, rest_at, present in statements:
        s = sentences[i]
        qverb = rng.choice(VERB_CLASSES[cls][1])
        plural = subject == "They" or (subject.islower() and subject.endswith("s"))
        aux = ("do" if plural else "does") if present and cls != "say" else "did"
        span = _statement_span(s, rest_at)
        topic = None
        if cls == "say":
            topic = _topic(s[rest_at:], subject, idf)
            if topic is None:
                continue
            question = f"What {aux} {subject} say about {topic}?"
        else:
            question = f"What {aux} {subject} {qverb}?"
        who = _who(subject)
        same_kind = {j for j, subj, c, _, _ in statements if _who(subj) == who and c == cls}
        positives = [i]
        if i + 1 < len(sentences) and _ALSO.match(sentences[i + 1]):
            positives.append(i + 1)
        cands = [Candidate(_passage(sentences, i), 1.0, span)]
        cands += [Candidate(_passage(sentences, j), 1.0) for j in positives[1:]]
        banned = same_kind | set(positives)
        if topic is not None:  # another statement of theirs may be about the topic too
            banned |= {j for j, subj, *_ in statements if _who(subj) == who}
        negatives = _negatives(question, sentences, subject, topic, banned, idf)
        if len(negatives) < 3:
            continue
        cands += [Candidate(_passage(sentences, j), 0.0) for j in negatives]
        groups.append(Group(question, cands, True, [s[span[0] : span[1]]], SOURCE))
    return groups


def _who(subject: str) -> str:
    """Who a subject is, for telling their statements apart: "Mayor Ines Alvarez" and
    "Alvarez" are one person."""
    return subject.split()[-1].lower()


def _passage(sentences: list[str], i: int) -> Passage:
    return Passage(sentences[i], sentences[i - 1] if i else "")


def _statement_span(sentence: str, rest_at: int) -> tuple[int, int]:
    """What follows the verb, less a leading weekday, "that" and closing punctuation."""
    start = rest_at
    m = _LEAD.match(sentence, start)
    if m:
        start = m.end()
    end = len(sentence.rstrip())
    while end > start and sentence[end - 1] in ".!?\"'”’ ":
        end -= 1
    return start, end


def _topic(rest: str, subject: str, idf: IdfTable) -> str | None:
    """A word of the statement to ask about: a name in it if there is one (not the
    subject's), else its rarest longer word, as written."""
    own = {w.lower() for w in subject.split()}
    words = [w.strip(",.;:“”\"'’()") for w in rest.split()]
    names = [
        w
        for w in words
        if w[:1].isupper()
        and w.isalpha()
        and len(w) > 2
        and w.lower() not in own
        and w not in _NOT_SUBJECTS
    ]
    if names:
        return names[0]
    plain = [
        w
        for w in words
        if w.isalpha() and w.islower() and len(w) > 5 and not w.endswith(("ing", "ed", "ly"))
    ]
    if not plain:
        return None
    return max(plain, key=lambda w: max((idf.idf(t) for t in term_set(w)), default=0.0))


def _negatives(
    question: str,
    sentences: list[str],
    subject: str,
    topic: str | None,
    banned: set[int],
    idf: IdfTable,
) -> list[int]:
    """Hard negatives first (naming the subject or the topic; first of all those where the
    subject is on the receiving end, "proposals to Russia", "talks with Russia": about X,
    not what X did), then the shortlist."""
    keys = [subject.split()[-1].lower()] + ([topic.lower()] if topic else [])
    naming = [
        j
        for j, s in enumerate(sentences)
        if j not in banned and len(s) >= 25 and any(k in s.lower() for k in keys)
    ]
    receiving = re.compile(rf"{_RECEIVING}{re.escape(subject.split()[-1])}\b", re.IGNORECASE)
    naming.sort(key=lambda j: not receiving.search(sentences[j]))  # stable: article order
    out = naming[: NEGATIVES - 2]
    for j in shortlist(question, sentences, idf, 3 * NEGATIVES):
        if len(out) >= NEGATIVES:
            break
        if j not in banned and j not in out and len(sentences[j]) >= 25:
            out.append(j)
    return out
