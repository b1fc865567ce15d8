"""``python -m rag.cli``."""

from .main import run

run()
