"""How much of what we index from a news page is its article: the article-extraction
benchmark's metric on pages with a known article body.

A folder holds ``<key>.html.gz`` (or ``.html``) pages and ``ground-truth.json``
(``{key: {"articleBody": ..., "url": ...}}``), e.g. ``shared/data/article-pages``. Text is
cut into 4-gram shingles of ``\\w+`` tokens; per page, true/false positives and false
negatives are counted and normalised by their sum; precision and recall are the means over
pages, F1 the harmonic mean of those two means (scrapinghub's article-extraction-benchmark).
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import ConfigError

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Page:
    key: str
    html: str
    body: str
    url: str


@dataclass(frozen=True, slots=True)
class Score:
    """One extractor over the pages."""

    name: str
    precision: float
    recall: float
    f1: float
    pages: int
    #: median milliseconds per page
    ms: float

    def to_dict(self) -> dict[str, float | int | str]:
        return {
            "extractor": self.name,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "pages": self.pages,
            "median_ms": round(self.ms, 2),
        }


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def page_counts(predicted: str, truth: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page's shingles, normalised by their sum."""
    got, want = shingles(predicted), shingles(truth)
    tp, fp, fn = len(got & want), len(got - want), len(want - got)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (1.0, 0.0, 0.0)


def load_pages(folder: Path, limit: int | None = None) -> list[Page]:
    truth_file = folder / "ground-truth.json"
    if not truth_file.is_file():
        raise ConfigError(f"no ground-truth.json in {folder}: not an article-extraction set")
    try:
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{truth_file}: not JSON ({exc})") from None
    pages = []
    for key in sorted(truth)[:limit]:
        path = folder / f"{key}.html.gz"
        raw = gzip.decompress(path.read_bytes()) if path.is_file() else None
        if raw is None and (folder / f"{key}.html").is_file():
            raw = (folder / f"{key}.html").read_bytes()
        if raw is None:
            raise ConfigError(f"{folder}: ground truth names {key} but there is no page for it")
        pages.append(
            Page(
                key,
                raw.decode("utf-8", errors="replace"),
                str(truth[key].get("articleBody", "")),
                str(truth[key].get("url", "")),
            )
        )
    return pages


def score(name: str, extract: Callable[[Page], str], pages: list[Page]) -> Score:
    precision, recall, times = [], [], []
    for page in pages:
        started = time.perf_counter()
        text = extract(page)
        times.append((time.perf_counter() - started) * 1000)
        tp, fp, fn = page_counts(text, page.body)
        precision.append(tp / (tp + fp) if tp + fp else 0.0)
        recall.append(tp / (tp + fn) if tp + fn else 0.0)
    p, r = statistics.fmean(precision), statistics.fmean(recall)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Score(name, p, r, f1, len(pages), statistics.median(times))


def run(folder: Path, limit: int | None = None) -> list[Score]:
    """The product's HTML loader (the document text it indexes) beside the old one (all
    visible text) and the article body alone (the headline and standfirst left out)."""
    from rag.documents.article import read_article
    from rag.documents.htmltext import html_text
    from rag.documents.loaders import parse

    pages = load_pages(folder, limit)
    if not pages:
        raise ConfigError(f"{folder}: no pages")
    read_article(pages[0].html)  # imports and warms the extractor outside the timings

    def product(page: Page) -> str:
        return parse(page.html.encode("utf-8"), kind="html", name=page.key, source=page.key).text

    def body_only(page: Page) -> str:
        from trafilatura import extract

        return extract(page.html, favor_precision=True) or ""

    return [
        score("rag (headline, standfirst, body)", product, pages),
        score("trafilatura body only", body_only, pages),
        score("old loader: all visible text", lambda p: html_text(p.html)[0], pages),
    ]


def dates(folder: Path, limit: int | None = None) -> dict[str, Any]:
    """Published dates on the real pages: of those whose own metadata states the date
    (JSON-LD ``datePublished``, ``article:published_time``: :func:`rag.documents.article.
    page_published`), how many the indexed document carries, beside trafilatura's own
    date (what the loader took before 2026-12-01); the pages that disagree are listed."""
    from rag.documents.article import _extract, page_published
    from rag.documents.loaders import parse

    rows = []
    for page in load_pages(folder, limit):
        found = _extract(page.html, page.url or None)
        url = (found.url if found is not None else None) or page.url or None
        stated = page_published(page.html, url)
        doc = parse(page.html.encode("utf-8"), kind="html", name=page.key, source=page.key)
        guessed = found.date if found is not None and found.date else None
        rows.append(
            {
                "page": page.key[:12],
                "stated": stated,
                "indexed": doc.metadata.get("published"),
                "trafilatura": guessed[:10] if guessed else None,
            }
        )
    stating = [r for r in rows if r["stated"]]
    return {
        "pages": len(rows),
        "stating_a_date": len(stating),
        "indexed_agrees": sum(r["indexed"] == r["stated"] for r in stating),
        "trafilatura_agrees": sum(r["trafilatura"] == r["stated"] for r in stating),
        "disagreeing": [r for r in stating if r["trafilatura"] != r["stated"]],
    }


def dates_table(found: dict[str, Any]) -> str:
    n = found["stating_a_date"]
    lines = [
        f"published dates: {n} of {found['pages']} pages state theirs in their metadata",
        "",
        "| published date | agrees with the page's own |",
        "|---|---|",
        f"| indexed (the page's own first) | {found['indexed_agrees']} of {n} |",
        f"| trafilatura's date (before) | {found['trafilatura_agrees']} of {n} |",
    ]
    for r in found["disagreeing"]:
        lines.append(f"  {r['page']}: page {r['stated']}, trafilatura {r['trafilatura']}")
    return "\n".join(lines)


def table(scores: list[Score]) -> str:
    lines = [
        "| extractor | precision | recall | F1 | median ms/page |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {s.name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.ms:.1f} |"
        for s in scores
    ]
    return "\n".join(lines) + f"\n\n{scores[0].pages} pages"
