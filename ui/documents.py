"""The web app's Documents tab: upload files, add a page by URL, see and delete documents.

Uploads are copied into ``DATA_DIR/uploads`` under a cleaned name (never outside it, never
over another file) before they are ingested; Gradio's temporary copy is removed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag import Assistant, IngestReport, RagError
from rag.documents.fetch import is_url
from rag.documents.loaders import SUPPORTED

from . import render

log = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"[^\w.\- ]+")


def documents_tab(app: Any, assistant: Assistant, scope: Any, private: dict[str, Any]) -> None:
    """Build the tab inside ``app`` (the ``gr.Blocks`` being built); ``scope`` is the
    chat's "Only this document" dropdown, refreshed whenever the documents change."""
    import gradio as gr

    settings = assistant.settings
    uploads = settings.data_dir / "uploads"

    def documents_table() -> list[list[Any]]:
        """A row a document; its id, full source, chunks and size are in the detail view."""
        return [
            [
                d.title,
                " · ".join(x for x in (d.site, d.published) if x),
                d.url or Path(d.source).name,
            ]
            for d in assistant.documents()
        ]

    def document_detail(event: gr.SelectData) -> str:
        """Everything about the document whose row was clicked."""
        row = event.index[0] if isinstance(event.index, list | tuple) else event.index
        docs = assistant.documents()
        if not isinstance(row, int) or not 0 <= row < len(docs):
            return ""
        d = docs[row]
        facts = [
            ("id", d.id),
            ("source", d.source),
            ("site", d.site),
            ("published", d.published),
            ("url", d.url),
            ("chunks", str(d.chunks)),
            ("characters", f"{d.chars:,}"),
        ]
        lines = [f"**{render.escape(d.title)}**"] + [
            f"- {name}: `{value}`" for name, value in facts if value
        ]
        return "\n".join(lines)

    # Gradio passes the click only to a parameter annotated SelectData; the annotation is
    # a string here (postponed), so it is set to the class itself
    document_detail.__annotations__["event"] = gr.SelectData

    def choices() -> Any:
        docs = assistant.documents()
        return gr.Dropdown(choices=[(f"{d.title} ({d.id})", d.id) for d in docs], value=[])

    def keep_docs() -> tuple[Any, Any]:
        return documents_table(), choices()

    def add_files(
        files: list[str] | None,
        progress: Any = gr.Progress(),  # noqa: B008 - Gradio's way to ask for a progress bar
    ) -> tuple[str, Any, Any, None]:
        if not files:
            return "Choose one or more files first.", documents_table(), choices(), None
        saved, refused = [], []
        limit = settings.upload_max_files
        for n, file in enumerate(files):
            try:
                if n >= limit:
                    raise UploadRefused(
                        f"{Path(file).name}: at most {limit} files per upload "
                        "(RAG_UPLOAD_MAX_FILES)"
                    )
                saved.append(store_upload(Path(file), uploads, settings.upload_max_mb))
            except UploadRefused as exc:
                refused.append(str(exc))
            finally:
                _discard(Path(file), uploads / ".incoming")
        lines = [f"- refused: {r}" for r in refused]
        if saved:
            try:
                report = assistant.ingest(saved, progress=embedding_step(progress))
            except RagError as exc:
                lines.append(f"- error: {exc}")
            else:
                lines += report_lines(report, name=lambda s: Path(s).name)
        return "\n".join(lines), documents_table(), choices(), None

    def add_url(
        url: str,
        progress: Any = gr.Progress(),  # noqa: B008 - Gradio's way to ask for a progress bar
    ) -> tuple[str, Any, Any, str]:
        url = (url or "").strip()
        if not is_url(url):
            return "Enter a web address starting with http:// or https://", *keep_docs(), url

        progress(0.0, desc=f"fetching {url}")
        try:
            report = assistant.ingest(
                [url],
                progress=embedding_step(progress),
                private_urls=settings.url_allow_private,
            )
        except RagError as exc:
            return f"- error: {exc}", *keep_docs(), url
        lines = report_lines(report, name=str)
        return "\n".join(lines), *keep_docs(), "" if report.added or report.updated else url

    def delete(ids: list[str] | None) -> tuple[str, Any, Any]:
        if not ids:
            return "Select documents to delete first.", documents_table(), choices()
        lines = []
        for doc_id in ids:
            try:
                info = assistant.delete(doc_id)
                lines.append(f"- deleted: {info.title} ({info.chunks} chunks)")
            except RagError as exc:
                lines.append(f"- error: {exc}")
        return "\n".join(lines), documents_table(), choices()

    def scopes(current: str = "") -> Any:
        """The "Only this document" choices: every document, by title and file name."""
        docs = assistant.documents()
        options = [("All documents", "")] + [
            (f"{render.shorten(d.title, 60)} · {d.url or Path(d.source).name}", d.id) for d in docs
        ]
        keep = current if any(d.id == current for d in docs) else ""
        return gr.Dropdown(choices=options, value=keep)

    with gr.Tab("Documents"):
        files = gr.File(
            label=f"Add .txt, .md, .html, .pdf or .jsonl files "
            f"(up to {settings.upload_max_mb:g} MB)",
            file_count="multiple",
            file_types=sorted(SUPPORTED),
            type="filepath",
            elem_id="rag-upload",
        )
        add = gr.Button("Add to the index", variant="primary", elem_id="rag-add")
        with gr.Row():
            url = gr.Textbox(
                label="Add a web page by URL",
                placeholder="https://…",
                scale=4,
                min_width=200,
                elem_id="rag-url",
            )
            fetch = gr.Button("Add URL", scale=1, min_width=80, elem_id="rag-add-url")
        status = gr.Markdown(elem_id="rag-status")
        table = gr.Dataframe(
            headers=["title", "site · published", "file or URL"],
            interactive=False,
            wrap=True,
            column_widths=["50%", "20%", "30%"],
            label="Indexed documents (click a row for its id and details)",
            elem_id="rag-docs",
        )
        detail = gr.Markdown(elem_id="rag-doc-detail")
        table.select(document_detail, None, detail, **private)
        with gr.Row():
            doomed = gr.Dropdown(
                label="Delete documents", multiselect=True, choices=[], scale=4, min_width=200
            )
            remove = gr.Button("Delete", variant="stop", scale=1, min_width=80)
        add.click(
            add_files,
            files,
            [status, table, doomed, files],
            api_name="add_documents",
            show_progress_on=status,
        ).then(scopes, scope, scope, **private)
        remove.click(
            delete,
            doomed,
            [status, table, doomed],
            api_name="delete_documents",
            show_progress_on=status,
        ).then(scopes, scope, scope, **private)
        fetch.click(
            add_url,
            url,
            [status, table, doomed, url],
            api_name="add_url",
            show_progress_on=status,
        ).then(scopes, scope, scope, **private)
        url.submit(
            add_url, url, [status, table, doomed, url], show_progress_on=status, **private
        ).then(scopes, scope, scope, **private)
    app.load(documents_table, None, table, api_visibility="private")
    app.load(choices, None, doomed, api_visibility="private")
    app.load(scopes, None, scope, api_visibility="private")


def embedding_step(progress: Any) -> Callable[[int, int], None]:
    """An ingest progress callback that moves Gradio's ``progress`` bar."""

    def step(done: int, total: int) -> None:
        progress(done / total if total else 1.0, desc=f"embedding {done}/{total} sentences")

    return step


def report_lines(report: IngestReport, name: Callable[[str], str]) -> list[str]:
    """An ingest report as Markdown list lines (``name`` shortens a source)."""
    lines = []
    for label, items in (
        ("added", report.added),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
    ):
        lines += [f"- {label}: {name(s)}" for s in items]
    lines += [f"- skipped: {name(s.path)}: {s.reason}" for s in report.skipped]
    lines += [f"- note: {name(s.path)}: {s.reason}" for s in report.notes]
    lines.append(f"\n{report.summary()}")
    return lines


class UploadRefused(Exception):
    """An uploaded file we do not take, with the reason."""


def store_upload(incoming: Path, uploads: Path, max_mb: float) -> Path:
    """Copy an uploaded file into ``uploads`` under a safe name; never outside it and never
    over another document (a different file with the same name gets " (2)" added)."""
    suffix = next((s for s in SUPPORTED if incoming.name.lower().endswith(s)), "")
    if not suffix:
        raise UploadRefused(
            f"{incoming.name}: unsupported type {Path(incoming.name).suffix or '(none)'!r}"
        )
    stem = _SAFE_NAME.sub("_", incoming.name[: -len(suffix)]).strip(" ._") or "upload"
    size = incoming.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise UploadRefused(
            f"{incoming.name}: {size / 1024 / 1024:.1f} MB is over the {max_mb:g} MB limit"
        )
    digest = _digest(incoming)
    stem = stem[:100]
    for n in range(1, 1000):
        target = (uploads / (f"{stem}{suffix}" if n == 1 else f"{stem} ({n}){suffix}")).resolve()
        if target.parent != uploads.resolve():
            raise UploadRefused(f"{incoming.name}: not a usable file name")
        if not target.exists():
            shutil.copyfile(incoming, target)
            return target
        if _digest(target) == digest:
            return target  # the same file again: ingest reports it unchanged
    raise UploadRefused(f"{incoming.name}: too many files with this name")


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _discard(file: Path, incoming: Path) -> None:
    """Remove Gradio's temporary copy of an upload once it is handled."""
    try:
        if file.resolve().is_relative_to(incoming.resolve()):
            file.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("could not remove %s: %s", file, exc)
