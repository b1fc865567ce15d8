"""The `rag` command: ``main`` parses and runs, ``measure`` holds the measuring commands."""

from .main import main, run

__all__ = ["main", "run"]
