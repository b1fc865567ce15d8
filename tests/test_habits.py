"""The project's habits, kept from drifting: the pre-commit hooks run what scripts/test
lints, and no module of the installed packages grows past the size a reader can hold."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_pre_commit_runs_what_scripts_test_lints() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [h["entry"] for repo in config["repos"] for h in repo["hooks"]]
    lints = [
        line.strip()
        for line in (ROOT / "scripts" / "test").read_text().splitlines()
        if line.startswith(".venv/bin/") and "pytest" not in line
    ]
    assert lints and hooks == lints


def test_no_module_of_the_packages_is_over_400_lines() -> None:
    # issue 32: a file a reader can hold; the web app's entry point smaller still
    long = {
        str(path.relative_to(ROOT)): n
        for package in ("rag", "ui", "eval")
        for path in (ROOT / package).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long
    assert len((ROOT / "ui" / "app.py").read_text(encoding="utf-8").splitlines()) <= 200


def test_the_changelog_has_a_section_a_release_newest_first() -> None:
    import rag

    heads = re.findall(
        r"^## \[(.+?)\](?: - (\d{4}-\d{2}-\d{2}))?$", (ROOT / "CHANGELOG.md").read_text(), re.M
    )
    assert heads[0] == ("Unreleased", "")
    releases = heads[1:]
    assert releases and all(day for _, day in releases)
    versions = [tuple(int(x) for x in v.split(".")) for v, _ in releases]
    assert versions == sorted(versions, reverse=True)
    assert [d for _, d in releases] == sorted((d for _, d in releases), reverse=True)
    assert releases[0][0] == rag.__version__  # the package says the last release it is
