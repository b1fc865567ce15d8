"""News dumps (.jsonl): one document per line, bad lines skipped and named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.dates import as_date, iso_date, url_date
from rag.documents.newsdump import read_dump
from rag.errors import QuestionError
from rag.records import Document, SkippedFile


def dump(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {
    "title": "Port strike ends",
    "text": "Dock workers returned on Monday after a two-week strike.",
    "url": "https://news.example/port-strike-ends",
    "published": "2024-04-02T08:00:00Z",
    "site": "News Example",
    "author": "Sam Lee",
}


def test_each_line_is_a_document_and_bad_lines_are_named(tmp_path: Path) -> None:
    path = dump(
        tmp_path,
        [
            json.dumps(GOOD),
            "{not json",
            json.dumps({"title": "No text"}),
            "",
            json.dumps(["a", "list"]),
            json.dumps({"text": "Rain is expected all week.", "published": "last Tuesday"}),
            json.dumps({"text": "Bad author.", "author": {"name": "x"}}),
        ],
    )
    found = list(read_dump(path))
    docs = [d for d in found if isinstance(d, Document)]
    skipped = [s for s in found if isinstance(s, SkippedFile)]
    assert [s.path for s in skipped] == [f"{path}:2", f"{path}:3", f"{path}:5", f"{path}:7"]
    assert "not JSON" in skipped[0].reason and "line 2" in skipped[0].reason
    assert '"text"' in skipped[1].reason and "JSON object" in skipped[2].reason
    first, second = docs
    assert first.source == GOOD["url"] and first.title == "Port strike ends"
    assert first.text == f"{GOOD['title']}\n\n{GOOD['text']}"
    assert {k: first.metadata[k] for k in ("site", "author", "published", "url")} == {
        "site": "News Example",
        "author": "Sam Lee",
        "published": "2024-04-02",
        "url": GOOD["url"],
    }
    assert second.source == f"{path.resolve()}#6" and "published" not in second.metadata
    assert "not a date" in second.metadata["note"]


def test_a_dump_with_no_articles_says_so(tmp_path: Path) -> None:
    found = list(read_dump(dump(tmp_path, ["{}", "[]"])))
    assert found[-1] == SkippedFile(str(tmp_path / "news.jsonl"), "no articles in the news dump")


def test_ingesting_a_dump_twice_changes_nothing(make_assistant, tmp_path: Path) -> None:
    path = dump(tmp_path, [json.dumps(GOOD), json.dumps({"text": "Other story."}), "oops"])
    assistant = make_assistant()
    first = assistant.ingest([path])
    assert len(first.added) == 2 and len(first.skipped) == 1
    again = assistant.ingest([path])
    assert again.added == [] and len(again.unchanged) == 2
    info = next(d for d in assistant.documents() if d.source == GOOD["url"])
    assert (info.site, info.author, info.published, info.url) == (
        "News Example",
        "Sam Lee",
        "2024-04-02",
        GOOD["url"],
    )


def test_dates() -> None:
    assert iso_date("2024-03-01") == "2024-03-01"
    assert iso_date("2024-03-01T23:30:00-05:00") == "2024-03-01"
    assert iso_date("2024-02-30") is None and iso_date("March 1") is None
    assert str(as_date("2024-01-31", "since")) == "2024-01-31" and as_date("", "since") is None
    with pytest.raises(QuestionError, match="since must be a date like"):
        as_date("yesterday", "since")


def test_a_line_without_a_date_is_dated_by_its_urls_day(tmp_path: Path) -> None:
    lines = [
        {"text": "Fed holds rates.", "url": "https://www.usatoday.com/story/money/2024/01/05/fed/"},
        {
            "text": "Old URL, own date.",
            "url": "https://x.example/2019/11/18/a",
            "published": "2024-02-01",
        },
        {"text": "No day in it.", "url": "https://x.example/2024/story"},
        {"text": "An impossible day.", "url": "https://x.example/2024/02/30/story"},
    ]
    docs = [d for d in read_dump(dump(tmp_path, [json.dumps(x) for x in lines]))]
    assert [d.metadata.get("published") for d in docs] == [  # type: ignore[union-attr]
        "2024-01-05",
        "2024-02-01",  # the line's own date wins
        None,
        None,
    ]
    assert url_date("https://edition.cnn.com/2024/03/09/world/x/index.html") == "2024-03-09"
    assert url_date("") is None and url_date("https://x.example/1850/01/01/") is None
