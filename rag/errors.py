"""Errors raised by the library.

Every error a user can cause is a :class:`RagError`; the CLI and the web app catch it
and show its message, never a traceback::

    RagError
    ├── ConfigError        a setting is invalid, or the data dir belongs to something else
    ├── IngestError        nothing could be ingested (single files are skipped with a reason)
    ├── StoreError         the vector store is unreachable or inconsistent
    ├── NotFoundError      a document id that is not in the index
    ├── QuestionError      an empty or unusable question
    └── BackendError       the language model is not installed, unreachable or refuses us
"""

from __future__ import annotations


class RagError(Exception):
    """Base class: its message is meant for the user."""


class ConfigError(RagError):
    """A setting is invalid or the store was built with other settings."""


class IngestError(RagError):
    """An ingest could not run at all."""


class StoreError(RagError):
    """The Chroma store is unreachable or its contents are not ours."""


class NotFoundError(RagError):
    """A document id that the index does not hold."""


class QuestionError(RagError):
    """A question that cannot be asked (empty, too long, ...)."""


class BackendError(RagError):
    """The language model backend is missing, unreachable or misconfigured.

    Its message names the fix. A model that only times out or answers badly does not raise
    this: the answer falls back to the extractive one.
    """
