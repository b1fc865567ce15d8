"""Reading a model's draft: citation markers and the sentences they belong to.

Pure functions, no models. ``parse_draft`` turns "Russia will return 6,000 bodies [2]. It
also ... [1, 3]" into claims, each with the source numbers it cites. Markers may be
``[1]``, ``[1, 2]``, ``[1-3]``, ``[1][2]``, ``[Source 1]``, ``[^1]``, ``【1】``,
``(Source 2)``; numbers outside ``1..n_sources`` are dropped and logged, never trusted.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ..documents.sentences import split_sentences

log = logging.getLogger(__name__)

MAX_RANGE = 20  # "[1-300]" is not a citation

_NUM = r"\d{1,3}"
_SEP = r"\s*(?:,|;|-|–|—|and|&)\s*(?:(?:sources?|src|doc(?:ument)?s?|refs?)\s*)?"
_LIST = rf"{_NUM}(?:{_SEP}{_NUM})*"
_LABEL = r"(?:(?:sources?|src|doc(?:ument)?s?|refs?|citations?)\s*[:#]?\s*)?"
MARKER = re.compile(
    rf"\[\^?{_LABEL}(?P<a>{_LIST})\]"  # [1] [1, 2] [1-3] [Source 1] [^1]
    rf"|【{_LABEL}(?P<b>{_LIST})(?:†[^】]*)?】"  # 【1】 【1†source】
    rf"|\((?:sources?|src|refs?)\s*[:#]?\s*(?P<c>{_LIST})\)",  # (Source 1)
    re.IGNORECASE,
)
_RANGE = re.compile(rf"({_NUM})\s*[-–—]\s*({_NUM})")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+")
_SOURCES_HEADER = re.compile(
    r"^\s*(?:#+\s*)?\**\s*(?:sources?|references?|citations?)\s*\**\s*:?\s*\**\s*$", re.I
)
_SOURCE_LISTING = re.compile(r"^\s*(?:[-*]\s*)?\[\d{1,3}\]\s*[:\-–]?\s*")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")


@dataclass(frozen=True, slots=True)
class Claim:
    """One sentence of a draft: its text without markers, the sources it cites, its line."""

    text: str
    cited: tuple[int, ...]
    line: int
    invalid: tuple[int, ...] = ()  # numbers the draft cited that no source has


def marker_numbers(marker: str) -> list[int]:
    """The numbers one marker cites: ``"[1-3, 5]"`` → ``[1, 2, 3, 5]``."""
    numbers: list[int] = []
    body = _RANGE.sub(lambda m: _expand(int(m.group(1)), int(m.group(2))), marker)
    for raw in re.findall(r"\d+", body):
        n = int(raw)
        if n not in numbers:
            numbers.append(n)
    return numbers


def _expand(low: int, high: int) -> str:
    if low > high or high - low > MAX_RANGE:
        return f"{low} {high}"
    return " ".join(str(n) for n in range(low, high + 1))


def strip_markers(text: str) -> str:
    """``text`` without citation markers and the spaces they leave behind."""
    return _tidy(MARKER.sub("", text))


def _tidy(text: str) -> str:
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))


def parse_draft(draft: str, n_sources: int) -> list[Claim]:
    """The claims of a draft, in order.

    A marker belongs to the sentence it sits in, or to the one before it when it follows
    the sentence's full stop ("... next week. [2]"). A trailing "Sources:" list, and lines
    that only list sources ("[1] Title"), are not claims.
    """
    claims: list[Claim] = []
    for line_no, line in enumerate(_answer_lines(draft)):
        claims.extend(_parse_line(line, line_no, n_sources))
    return claims


def _answer_lines(draft: str) -> list[str]:
    lines = []
    for line in draft.splitlines():
        if _SOURCES_HEADER.match(line):
            break
        if _SOURCE_LISTING.match(line) and not MARKER.sub("", line).strip(" .:-–"):
            continue
        lines.append(line)
    return lines


def _parse_line(line: str, line_no: int, n_sources: int) -> list[Claim]:
    body = _BULLET.sub("", line)
    clean_parts: list[str] = []
    markers: list[tuple[int, list[int]]] = []  # (offset in the clean text, numbers)
    pos = 0
    length = 0
    for m in MARKER.finditer(body):
        piece = body[pos : m.start()]
        clean_parts.append(piece)
        length += len(piece)
        numbers = marker_numbers(m.group("a") or m.group("b") or m.group("c") or "")
        markers.append((length, numbers))
        pos = m.end()
    clean_parts.append(body[pos:])
    clean = "".join(clean_parts)
    spans = split_sentences(clean)
    if not spans:
        return []
    cited: list[list[int]] = [[] for _ in spans]
    for offset, numbers in markers:
        i = _owner(spans, offset)
        cited[i].extend(n for n in numbers if n not in cited[i])
    out = []
    for span, numbers in zip(spans, cited, strict=True):
        text = _tidy(clean[span.start : span.end])
        if not text.strip(" .,;:!?-–—\"'"):
            continue
        valid = tuple(n for n in numbers if 1 <= n <= n_sources)
        invalid = tuple(n for n in numbers if not 1 <= n <= n_sources)
        if invalid:
            log.info("draft cites sources that do not exist: %s", invalid)
        out.append(Claim(text=text, cited=valid, line=line_no, invalid=invalid))
    return out


def _owner(spans: list, offset: int) -> int:
    """The sentence a marker at ``offset`` belongs to: the last one starting before it."""
    owner = 0
    for i, span in enumerate(spans):
        if span.start < offset:
            owner = i
        else:
            break
    return owner


def render(lines: list[list[tuple[str, list[int]]]]) -> str:
    """Sentences with their final numbers, a line of the draft per line: "Text. [1][2]"."""
    out = []
    for line in lines:
        parts = [
            text + "".join(f" [{n}]" if i == 0 else f"[{n}]" for i, n in enumerate(nums))
            for text, nums in line
        ]
        if parts:
            out.append(" ".join(parts))
    return "\n".join(out)
