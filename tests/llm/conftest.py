"""The LLM tests' documents: the harbour story and a volcano note (the verification tests
and the backends' share them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import STORY

VOLCANO = "Volcano Quiet\n\nThe volcano has been quiet for six weeks. Scientists keep watching the crater."


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "harbour.txt").write_text(STORY)
    (folder / "volcano.md").write_text(VOLCANO)
    return folder
