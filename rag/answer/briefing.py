"""News briefings: the sentences that summarise an article, a topic or a period.

Everything here chooses among a document's own sentences (never writes a word of its own):
what is boilerplate (bylines, datelines, photo credits, "Related:" lines, newsletter
prompts, headings), and which sentences summarise, by their place in the article
(journalists put the key fact first) and how central they are to it (cosine to the mean of
its sentence vectors), without repeating one another. ``rag.assistant`` turns the choice into
a cited answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..index.keyword import terms
from ..index.rows import StoredUnit

#: a summary holds at most this many sentences and this many characters
SUMMARY_SENTENCES = 5
SUMMARY_CHARS = 900
#: a sentence's score: how central it is (cosine to the mean of the story's sentence
#: vectors and, weighted ``TITLE_WEIGHT``, to the headline's) plus its place,
#: ``LEAD_WEIGHT / (1 + place / LEAD_SPAN)`` (chosen on the news training weeks'
#: articles, never on news-2024; docs/evaluation.md, "Summaries")
TITLE_WEIGHT = 1.0
LEAD_WEIGHT = 1.0
LEAD_SPAN = 2.0
#: what telling the headline's words not yet told adds (the share of them a sentence tells)
COVER_WEIGHT = 0.2
#: a summary's last place goes to the sentence telling most of the headline's words that
#: the others leave untold, when one tells at least this many
UNTOLD = 2
#: two sentences this close (cosine of their vectors) say the same thing
SAME_THING = 0.85
#: fewer words than this is a fragment (a caption, a label), not a summary sentence
MIN_WORDS = 6


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a document as a briefing weighs it: the stored ``unit`` (its
    document, place, vector, whether a heading) and its ``text``."""

    unit: StoredUnit
    text: str
    #: its document's published date (YYYY-MM-DD, "" when unknown)
    published: str = ""
    #: how well it matches what a topic briefing is about (the assistant's cheap score)
    relevance: float = 0.0


_END = re.compile(r"[.!?…][\"'”’)\]]*\s*$")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?|[AP]M)\b|\b(?:updated|published)\b", re.I)
_DATE_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b(?:19|20)\d\d\b|\b(?:ET|EST|EDT|GMT|UTC|BST)\b",
    re.I,
)
BOILERPLATE: dict[str, re.Pattern[str]] = {
    "byline": re.compile(
        r"^\s*(?:by|written by|reporting by|words by|story by)\s+[A-Z][\w.'’-]+"
        r"|^\s*[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*(?:,|\|)\s*"
        r"(?:CNN|AP|Reuters|AFP|BBC|USA TODAY|The Associated Press|NPR|Bloomberg)\b",
        re.I,
    ),
    "dateline": re.compile(
        r"^\s*(?:[A-Z][A-Za-z.]+(?:[ ,]+[A-Z][A-Za-z.]+){0,3}\s*)?"
        r"\(?(?:CNN|AP|Reuters|AFP|UPI)\)?\s*[—–-]+\s*$"
    ),
    "credit": re.compile(
        r"^\s*(?:photo|image|picture|illustration|video|caption|credit|file photo|pictured)"
        r"\s*(?:credit)?\s*[:/|]"
        r"|\((?:[^()]*\b(?:getty images|ap photo|afp via getty|reuters|shutterstock|"
        r"file photo|photo by|courtesy of)\b[^()]*)\)\s*$"
        r"|\b(?:getty images|ap photo|afp via getty images|shutterstock)\s*$",
        re.I,
    ),
    "related": re.compile(
        r"^\s*(?:related|read more|more|see also|also read|watch|listen|recommended|trending|"
        r"read|latest|opinion|analysis|more on this story|explore more)\b\s*(?::|[—–-]|\|)"
        r"|^\s*more\b[^:.!?]{0,40}:",
        re.I,
    ),
    "newsletter": re.compile(
        r"\b(?:sign up|newsletters?|download (?:the|our) app|follow us|click here|"
        r"in your inbox|tap here|share this (?:article|story)|"
        r"subscribe (?:now|today|here|&|to our)|"
        r"support (?:our|independent) journalism|create an account)\b",
        re.I,
    ),
    "notice": re.compile(
        r"\b(?:copyright|all rights reserved|contributed to this report|contributed reporting|"
        r"this (?:story|article|report) (?:has been|was) (?:updated|corrected|amended)|"
        r"editor['’]s note|correction:|advertisement|terms of use|privacy policy|"
        r"may earn a commission|affiliate link|thank you for (?:reading|supporting)|"
        r"supported in part by|support (?:our|quality|independent) journalism)\b",
        re.I,
    ),
}


def boilerplate(text: str, title: str = "", *, heading: bool = False) -> str:
    """The kind of page furniture ``text`` is ("heading", "byline", "dateline", "credit",
    "related", "newsletter", "notice", "time", "fragment", "question", "teaser"), or "" when
    it is a sentence of the story (``heading``: the document marked it a heading)."""
    text = " ".join(text.split())
    if heading or (title and text == " ".join(title.split())):
        return "heading"
    for kind, pattern in BOILERPLATE.items():
        if pattern.search(text):
            return kind
    words = text.split()
    if _TIME.search(text) and _DATE_WORDS.search(text) and len(words) <= 14:
        return "time"  # "Dec. 28, 2016, 3:18 a.m. ET", "Updated 5:02 PM EST, Mon Jan 1"
    if len(words) < MIN_WORDS:
        return "fragment"
    if text.endswith("?") or text.endswith('?"') or text.endswith("?”"):
        return "question"  # a subheading asking what the next paragraphs answer
    if text.endswith(("...", "…")):
        return "teaser"  # "What to know about extensions ..."
    if not _END.search(text):
        return "heading"  # a line that does not end as a sentence does: a title, a label
    return ""


def story(sentences: Sequence[Sentence], title: str = "") -> list[Sentence]:
    """The sentences of the story itself: the page furniture left out."""
    return [s for s in sentences if not boilerplate(s.text, title, heading=s.unit.heading)]


def summary(
    sentences: Sequence[Sentence],
    *,
    title: str = "",
    title_vector: np.ndarray | None = None,
    max_sentences: int = SUMMARY_SENTENCES,
    max_chars: int = SUMMARY_CHARS,
) -> list[Sentence]:
    """The sentences that summarise one article, in reading order: the story's sentences
    scored by centrality (to the story and to its headline, ``title_vector``) and place,
    taken best first while they fit ``max_chars`` (the first always), none saying what a
    chosen one says."""
    kept = story(sentences, title)
    if not kept:
        return []
    vectors = np.stack([s.unit.vector for s in kept]).astype(np.float32)
    centre = vectors.mean(axis=0)
    centre /= np.linalg.norm(centre) or 1.0
    centrality = vectors @ centre
    if title_vector is not None:
        centrality = (1 - TITLE_WEIGHT) * centrality + TITLE_WEIGHT * (vectors @ title_vector)
    place = np.arange(len(kept), dtype=np.float32)
    score = centrality + LEAD_WEIGHT / (1.0 + place / LEAD_SPAN)
    # the headline's words a sentence tells that the chosen ones do not yet: a headline
    # names what the story is about, often two things ("... Remain Distant, Yet Reach
    # Agreement on Prisoner Exchange")
    headline = set(terms(title))
    words = [set(terms(s.text)) & headline for s in kept]
    covered: set[str] = set()
    chosen: list[int] = []
    used = 0
    left = set(range(len(kept)))
    while left and len(chosen) < max_sentences:
        gain = {
            i: score[i] + COVER_WEIGHT * len(words[i] - covered) / max(1, len(headline))
            for i in left
        }
        i = max(sorted(left), key=lambda j: gain[j])
        left.discard(i)
        size = len(kept[i].text)
        if chosen and used + size > max_chars:
            continue
        if any(float(vectors[i] @ vectors[j]) > SAME_THING for j in chosen):
            continue
        chosen.append(i)
        covered |= words[i]
        used += size
    if UNTOLD and len(chosen) > 1:
        chosen = _tell_the_headline(chosen, words, kept, vectors, max_chars)
    return [kept[i] for i in sorted(chosen)]


def _tell_the_headline(
    chosen: list[int],
    words: list[set[str]],
    kept: Sequence[Sentence],
    vectors: np.ndarray,
    max_chars: int,
) -> list[int]:
    """``chosen`` with its last place given to the sentence that tells the most headline
    words the others leave untold (at least ``UNTOLD``; the earliest of equals)."""
    head = chosen[:-1]
    told = set().union(*(words[i] for i in head))
    used = sum(len(kept[i].text) for i in head)
    best, most = None, UNTOLD - 1
    for i in range(len(kept)):
        new = len(words[i] - told)
        if i in head or new <= most or used + len(kept[i].text) > max_chars:
            continue
        if any(float(vectors[i] @ vectors[j]) > SAME_THING for j in head):
            continue
        best, most = i, new
    if best is None or len(words[best] - told) <= len(words[chosen[-1]] - told):
        return chosen
    return [*head, best]


#: a topic briefing holds at most this many facts and characters, each fact's sentences
#: scoring at least the best one's relevance less ``TOPIC_MARGIN``
TOPIC_SENTENCES = 6
TOPIC_CHARS = 1100
TOPIC_MARGIN = 0.6
#: at most this many sentences of one document in a topic briefing
PER_DOCUMENT = 3


def topic(
    sentences: Sequence[Sentence],
    *,
    latest: bool = False,
    max_sentences: int = TOPIC_SENTENCES,
    max_chars: int = TOPIC_CHARS,
) -> list[list[Sentence]]:
    """A briefing on a topic from the sentences retrieved for it: the most relevant story
    sentences (``latest``: from the newest documents first), each fact once: a sentence
    that says what a chosen one says (cosine over ``SAME_THING``) in another document joins
    it as a second source. Groups in date order (undated first, newest last), each group's
    first sentence (its earliest report) the one shown."""
    kept = story(sentences)
    if not kept:
        return []
    floor = max(s.relevance for s in kept) - TOPIC_MARGIN
    kept = [s for s in kept if s.relevance >= floor]
    if latest:
        kept.sort(key=lambda s: (s.published or "", s.relevance), reverse=True)
    else:
        kept.sort(key=lambda s: -s.relevance)
    groups: list[list[Sentence]] = []
    per_doc: dict[str, int] = {}
    used = 0
    for sent in kept:
        same = next(
            (
                g
                for g in groups
                if any(float(sent.unit.vector @ o.unit.vector) > SAME_THING for o in g)
            ),
            None,
        )
        if same is not None:
            if all(o.unit.doc_id != sent.unit.doc_id for o in same):
                same.append(sent)  # the same fact from another outlet: one more source
            continue
        if len(groups) >= max_sentences or per_doc.get(sent.unit.doc_id, 0) >= PER_DOCUMENT:
            continue
        if groups and used + len(sent.text) > max_chars:
            continue
        groups.append([sent])
        per_doc[sent.unit.doc_id] = per_doc.get(sent.unit.doc_id, 0) + 1
        used += len(sent.text)
    # a fact is as old as its first report: each group's earliest sentence is the one shown
    groups = [sorted(g, key=lambda s: (s.published or "", s.unit.doc_id)) for g in groups]
    return sorted(groups, key=lambda g: (g[0].published or "", g[0].unit.doc_id, g[0].unit.index))


MONTHS = {
    m: n
    for n, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        1,
    )
    for m in names
}
#: a month's name or its abbreviation, the longest first ("september" before "sep")
MONTH_NAME = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH = rf"(?P<month>{MONTH_NAME})\.?"
_YEAR = r"(?:19|20)\d\d"
_DAY_IN_TEXT = re.compile(
    rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>{_YEAR}))?"
    rf"|\b(?P<day2>\d{{1,2}})\s+{_MONTH.replace('month', 'month2')}\b"
    rf"(?:\s+(?P<year2>{_YEAR}))?",
    re.IGNORECASE,
)
_RELATIVE = {
    "today": 0,
    "yesterday": -1,
    "last week": -7,
    "this week": 0,
    "next week": 7,
    "tomorrow": 1,
}
_RELATIVE_IN_TEXT = re.compile(r"\b(" + "|".join(_RELATIVE) + r")\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Dated:
    """When a sentence says something happened: ``day``, and ``stated`` when the sentence
    names the day itself ("on May 16") rather than taking its article's date."""

    day: date
    stated: bool
    #: False for "May 16" in an undated article (``day`` then has year 1)
    year_known: bool = True

    def label(self) -> str:
        """ "2025-05-16", "May 16" (no year known) or "2025-06-03 (published)"."""
        if not self.year_known:
            return f"{self.day:%B} {self.day.day}"
        return self.day.isoformat() if self.stated else f"{self.day.isoformat()} (published)"


def event_day(text: str, published: str) -> Dated | None:
    """The day a sentence's event happened: a day it names ("May 16", "16 May 2024"; a year
    left out is the article's, or the year before when that day would come after the
    article), a day relative to the article ("yesterday", "last week"), or else the
    article's published date; None when neither is known. In an undated article "May 16"
    is a day with no year (``year_known`` False)."""
    day = _published(published)
    found = _DAY_IN_TEXT.search(text)
    if found is not None:
        month = MONTHS[(found.group("month") or found.group("month2")).lower()]
        number = int(found.group("day") or found.group("day2"))
        year_text = found.group("year") or found.group("year2")
        year = int(year_text) if year_text else (day.year if day else 1)
        try:
            named = date(year, month, number)
        except ValueError:
            named = None
        if named is not None:
            if not year_text and day is not None and named > day + timedelta(days=7):
                named = named.replace(year=year - 1)
            return Dated(named, True, year_known=bool(year_text) or day is not None)
    if day is None:
        return None
    relative = _RELATIVE_IN_TEXT.search(text)
    if relative is not None:
        return Dated(day + timedelta(days=_RELATIVE[relative.group(1).lower()]), False)
    return Dated(day, False)


def _published(published: str) -> date | None:
    try:
        return date.fromisoformat(published) if published else None
    except ValueError:
        return None


def timeline(
    sentences: Sequence[Sentence], *, since: date | None = None, max_events: int = 8
) -> list[tuple[Dated, list[Sentence]]]:
    """Dated events on a topic, in order: the briefing's facts (:func:`topic`, more of
    them) that have a day (named in the sentence or their article's date), from ``since``
    on; the same fact from several outlets once."""
    groups = topic(sentences, max_sentences=max_events * 2, max_chars=max_events * 400)
    events = []
    for group in groups:
        dated = event_day(group[0].text, group[0].published)
        if dated is None or (since is not None and dated.day < since):
            continue
        events.append((dated, group))
    events.sort(key=lambda e: (e[0].day, e[1][0].published, e[1][0].unit.index))
    return events[:max_events]
