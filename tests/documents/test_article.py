"""Article extraction from news pages: synthetic pages for each rule, real pages for the
benchmark figure (``../shared/data/article-pages``; skipped where that folder is absent)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers.pages import BODY, news_page

from eval.quality.extraction import load_pages, page_counts, run, shingles
from rag.documents.article import read_article
from rag.documents.loaders import load

PAGES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "article-pages"
needs_pages = pytest.mark.skipif(not PAGES.is_dir(), reason=f"needs {PAGES}")


def test_the_article_is_its_headline_standfirst_and_body() -> None:
    article = read_article(news_page())
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0] == "Harbour to dredge its northern channel"
    assert paragraphs[1] == "Ships have waited for the tide since January."
    assert paragraphs[2:] == BODY
    assert article.extracted and article.title == "Harbour to dredge its northern channel"
    for chrome in ("cookies", "Share on", "Related stories", "Ferry fares", "rights reserved"):
        assert chrome not in article.text


def test_news_metadata_comes_from_json_ld_and_meta_tags() -> None:
    article = read_article(news_page())
    assert article.meta == {
        "site": "Coast Herald",
        "author": "Ana Lopez",
        "published": "2024-03-05",
        "url": "https://coastherald.example/2024/03/05/harbour-dredge",
    }


def test_a_description_the_page_does_not_show_is_not_added() -> None:
    article = read_article(news_page(standfirst=False))
    assert "Ships have waited for the tide" not in article.text
    assert article.text.split("\n\n")[1:] == BODY


def test_a_page_without_an_article_is_read_as_its_visible_text(tmp_path: Path) -> None:
    links = "".join(f'<li><a href="/{n}">Section {n}</a></li>' for n in range(5))
    html = f"<html><head><title>Index</title></head><body><ul>{links}</ul></body></html>"
    article = read_article(html)
    assert not article.extracted
    assert article.text.split("\n\n") == [f"Section {n}" for n in range(5)]
    path = tmp_path / "index.html"
    path.write_text(html)
    assert load(path).metadata["extraction"] == "visible"


def test_the_loader_keeps_offsets_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "dredge.html"
    path.write_text(news_page())
    doc = load(path)
    assert doc.metadata["extraction"] == "article" and doc.metadata["site"] == "Coast Herald"
    at = doc.text.index(BODY[2])
    assert doc.text[at : at + len(BODY[2])] == BODY[2]


def test_the_shingle_metric() -> None:
    assert shingles("a b c") == {("a", "b", "c")}
    assert len(shingles("one two three four five")) == 2
    assert page_counts("x y z w", "x y z w") == (1.0, 0.0, 0.0)
    tp, fp, fn = page_counts("a b c d e f", "c d e f g h")
    assert (tp, fp, fn) == (1 / 5, 2 / 5, 2 / 5)


@needs_pages
def test_real_pages_sample_keeps_the_article_and_little_else() -> None:
    product, _, old = run(PAGES, limit=12)
    assert product.f1 >= 0.9 and product.precision > old.precision + 0.2


@needs_pages
@pytest.mark.slow
def test_all_real_pages_meet_the_f1_floor() -> None:
    assert len(load_pages(PAGES)) >= 90
    product, _body, old = run(PAGES)
    assert product.f1 >= 0.95, product
    assert old.f1 < 0.75  # what the visible-text loader scores: the metric does separate them


def _same_url(a: str, b: str) -> bool:
    def norm(u: str) -> str:
        u = u.split("?")[0].split("#")[0].rstrip("/").lower()
        return u.replace("http://", "https://").replace("://www.", "://")

    return norm(a) == norm(b)


@needs_pages
@pytest.mark.slow
def test_real_pages_metadata_agrees_with_what_is_known_of_them() -> None:
    """The benchmark gives each page's URL; many URLs carry the date (/2019/11/18/)."""
    pages = load_pages(PAGES)
    metas = [read_article(p.html).meta for p in pages]
    urls = sum(_same_url(m.get("url", ""), p.url) for m, p in zip(metas, pages, strict=True))
    assert urls >= 0.85 * len(pages)  # measured: 82 of 91 (the others: none, or a mirror)
    assert sum("site" in m for m in metas) >= 0.9 * len(pages)
    dated = [
        (m.get("published"), "-".join(found.groups()))
        for m, p in zip(metas, pages, strict=True)
        if (found := re.search(r"/(20\d\d)/(\d\d)/(\d\d)/", p.url))
    ]
    assert len(dated) >= 10 and all(got == want for got, want in dated), dated


def _ld(*objects: dict) -> str:
    return "".join(f'<script type="application/ld+json">{json.dumps(o)}</script>' for o in objects)


def test_the_published_date_is_the_pages_own_statement_first() -> None:
    from rag.documents.article import page_published

    article = {"@type": "NewsArticle", "datePublished": "2024-03-05T09:30:00+01:00"}
    other = {"@type": "WebPage", "datePublished": "2023-01-01"}
    assert page_published(_ld(other, article)) == "2024-03-05"  # the article's, not the page's
    graph = {"@graph": [other, {"@type": ["NewsArticle"], "datePublished": "2024-03-06"}]}
    assert page_published(_ld(graph)) == "2024-03-06"
    meta = '<meta property="article:published_time" content="2024-02-01T23:10:00-05:00">'
    assert page_published(meta) == "2024-02-01"  # the publisher's day, as its offset says
    assert page_published('<meta itemprop="datePublished" content="2022-07-04">') == "2022-07-04"
    assert (
        page_published(_ld({"@type": "NewsArticle", "datePublished": "0001-01-01T00:00:00Z"}))
        is None
    )
    assert page_published('<script type="application/ld+json">{broken</script>') is None
    utc = _ld({"@type": "NewsArticle", "datePublished": "2019-11-19T01:19:34Z"})
    assert page_published(utc) == "2019-11-19"
    assert page_published(utc, "https://x.example/2019/11/18/story") == "2019-11-18"
    assert page_published(utc, "https://x.example/2019/10/18/story") == "2019-11-19"
    # a stated day that is no calendar day is compared with the URL's without a crash
    odd = _ld({"@type": "NewsArticle", "datePublished": "2024-02-30T10:00:00Z"})
    assert page_published(odd, "https://x.example/2024/02/29/story") == "2024-02-30"


def test_a_modified_date_in_the_page_does_not_win(tmp_path: Path) -> None:
    page = news_page().replace(
        "</head>",
        '<meta property="article:modified_time" content="2024-04-20T10:00:00+01:00"></head>',
    )
    assert read_article(page).meta["published"] == "2024-03-05"


@needs_pages
@pytest.mark.slow
def test_real_pages_carry_the_date_their_metadata_states() -> None:
    from eval.quality.extraction import dates

    found = dates(PAGES)
    assert found["stating_a_date"] >= 70  # measured: 72 of 91
    assert found["indexed_agrees"] == found["stating_a_date"]
