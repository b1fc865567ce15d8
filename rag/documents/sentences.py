"""Sentence splitting with exact character offsets.

Rules: a sentence ends at ``.``, ``!``, ``?`` or ``…`` (plus closing quotes/brackets)
followed by whitespace and a capital, digit or opening quote; never after a known
abbreviation ("Mr.", "Jan."), a dotted acronym ("U.S."), a single initial ("F."), and
never inside a quotation. Numbers ("6,000", "3.5") have no whitespace after the dot, so
they never end a sentence. Blank lines, and single short title-like lines, end a sentence
too. Spans are trimmed of surrounding whitespace and never empty.
"""

from __future__ import annotations

import re

from ..records import Span

ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof sr jr st mt ft gen col lt maj sgt capt cmdr adm gov sen rep pres
    rev hon supt insp det amb atty jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun no nos vs v inc ltd co corp bros dept
    univ approx fig figs vol vols ed eds est al cf ca op pp para sec art ch ave blvd rd
    """.split()
)

_NON_SPACE = re.compile(r"\S")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_BOUNDARY = re.compile(r"([.!?…]+)([\"'”’»)\]]*)(\s+)")
_STARTER = re.compile(r"[\"'“‘«(\[]*[A-Z0-9À-ÖØ-Þ]")
_WORD_BEFORE = re.compile(r"[\w.'’-]+$")
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_OPENERS = {"“": "”", "«": "»"}
_TITLE_WORDS = 14
_MAX_QUOTE = 1200


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """The sentences of ``text[start:end]`` as spans into ``text``."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    for block_start, block_end in _blocks(text, start, end):
        spans.extend(_split_block(text, block_start, block_end))
    return spans


def _blocks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Paragraphs (split at blank lines), with title-like lines split off their paragraph."""
    blocks: list[tuple[int, int]] = []
    pos = start
    for m in _BLANK_LINE.finditer(text, start, end):
        blocks.extend(_split_title_lines(text, pos, m.start()))
        pos = m.end()
    blocks.extend(_split_title_lines(text, pos, end))
    return blocks


def _split_title_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = start
    while (nl := text.find("\n", pos, end)) >= 0:
        nxt = _NON_SPACE.search(text, nl + 1, end)
        if nxt is not None and _is_title_line(text[pos:nl].strip(), text, nxt.start()):
            out.append((start, nl))
            start = nl + 1
        pos = nl + 1
    out.append((start, end))
    return out


def _is_title_line(line: str, text: str, nxt: int) -> bool:
    """Does a single line break after ``line`` end a sentence? ``nxt``: the next line's start."""
    if not line:
        return False
    if line.startswith("#") or text.startswith(("- ", "* ", "• "), nxt):
        return True
    if line[-1] in ".!?…,;:-–—(\"'" or line[-1].isdigit():
        return line[-1] == ":" and len(line.split()) <= _TITLE_WORDS // 2
    return len(line.split()) <= _TITLE_WORDS and bool(_STARTER.match(text, nxt))


def _quoted_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(open, close) index pairs of quotations inside the block; unclosed ones are ignored."""
    regions: list[tuple[int, int]] = []
    i = start
    while i < end:
        ch = text[i]
        closer = _OPENERS.get(ch)
        if closer is None and ch == '"' and (i == start or not text[i - 1].isalnum()):
            closer = '"'
        if closer is not None:
            j = text.find(closer, i + 1, min(end, i + 1 + _MAX_QUOTE))
            if j > 0:
                regions.append((i, j))
                i = j + 1
                continue
        i += 1
    return regions


def _split_block(text: str, start: int, end: int) -> list[Span]:
    quotes = _quoted_regions(text, start, end)
    spans: list[Span] = []
    sentence_start = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.end(2)  # after the punctuation and any closing quotes
        nxt = m.end()
        if nxt >= end or not _STARTER.match(text, nxt):
            continue
        if any(q_open < cut <= q_close for q_open, q_close in quotes):
            continue
        if m.group(1) == "." and _is_abbreviation(text, sentence_start, m.start(), nxt):
            continue
        _append(spans, text, sentence_start, cut)
        sentence_start = nxt
    _append(spans, text, sentence_start, end)
    return spans


def _is_abbreviation(text: str, floor: int, dot: int, nxt: int) -> bool:
    m = _WORD_BEFORE.search(text, floor, dot)
    if m is None:
        return False
    word = m.group(0).lstrip("'’(")
    if _DOTTED.fullmatch(word):
        return True  # U.S. / e.g. / a.m.
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: John F. Kennedy
    lower = word.lower()
    if lower == "no" or lower == "nos":
        return text[nxt : nxt + 1].isdigit()  # "No. 5", but "said no. Then"
    return lower in ABBREVIATIONS


def _append(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append(Span(start, end))
