"""A real headless Chromium (Debian's `chromium`, driven by Playwright); screenshots of each
step go to $RAG_SCREENSHOTS (default: screenshots/ in the checkout)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import ROOT

SHOTS = Path(os.environ.get("RAG_SCREENSHOTS") or ROOT / "screenshots")


TIMEOUT_MS = 60_000


def chromium() -> str:
    path = (
        os.environ.get("RAG_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail("no chromium: `apt-get install -y chromium` (scripts/test does it as root)")
    return path


@contextlib.contextmanager
def chromium_tab(url: str, width: int = 1280, height: int = 1000) -> Iterator:
    """A tab of a headless Chromium on ``url``, closed afterwards."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page(viewport={"width": width, "height": height})
            tab.set_default_timeout(TIMEOUT_MS)
            tab.goto(url)
            yield tab
        finally:
            browser.close()
