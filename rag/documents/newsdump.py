"""News dumps: ``.jsonl`` files of articles, one document per line.

Each line is a JSON object with ``text`` (required) and optionally ``title``, ``url``,
``published``, ``site`` and ``author``. A document's source is its ``url`` when it has one
(so the same article from a dump and from the web is one document), else ``FILE#LINE``. A
line without ``published`` whose URL carries a day in its path (``/2024/01/05/``) is dated
by it. A bad line is skipped and named; the others are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..dates import iso_date, url_date
from ..records import Document, SkippedFile
from .loaders import MAX_FILE_BYTES, Skip, document_id

OPTIONAL = ("title", "url", "published", "site", "author")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def read_dump(path: Path) -> Iterator[Document | SkippedFile]:
    """The documents of a news dump, or why a line (or the whole file) is unusable."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            yield SkippedFile(str(path), f"larger than {MAX_FILE_BYTES // 2**20} MB")
            return
        handle = path.open("rb")
    except OSError as exc:
        yield SkippedFile(str(path), f"cannot read: {exc.strerror or exc}")
        return
    where = str(path.resolve())
    found = False
    with handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                record = _record(raw)
                yield news_document(record, source=f"{where}#{number}", name=path.name)
                found = True
            except Skip as why:
                yield SkippedFile(f"{path}:{number}", f"line {number}: {why}")
    if not found:
        yield SkippedFile(str(path), "no articles in the news dump")


def _record(raw: bytes) -> dict[str, Any]:
    try:
        record = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Skip("not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise Skip(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise Skip("not a JSON object")
    return record


def news_document(record: dict[str, Any], *, source: str, name: str) -> Document:
    """One article record as a document; raises Skip with the reason it is unusable."""
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Skip('no "text" (each article needs its text)')
    fields: dict[str, str] = {}
    for key in OPTIONAL:
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise Skip(f'"{key}" must be a string')
        value = " ".join(str(value).split())
        if value:
            fields[key] = value[:300]
    meta: dict[str, Any] = {"kind": "news", "name": name}
    for key in ("site", "author"):
        if key in fields:
            meta[key] = fields[key]
    if "published" in fields:
        day = iso_date(fields["published"])
        if day is None:
            meta["note"] = f"published {fields['published']!r} is not a date; kept undated"
        else:
            meta["published"] = day
    url = fields.get("url", "")
    if url and _URL.match(url):
        meta["url"] = url
        source = url
        if "published" not in fields and (day := url_date(url)):
            meta["published"] = day  # the date in the URL's path, as on the web
    body = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    title = fields.get("title", "")
    if title and not body.startswith(title):
        body = f"{title}\n\n{body}"
    meta["bytes"] = len(body.encode("utf-8"))
    return Document(
        id=document_id(body),
        source=source,
        title=title or body.split("\n", 1)[0][:200],
        text=body,
        metadata=meta,
    )
