"""rag.cli.plugins: the commands the web app, the evaluation suite and training register,
found in a checkout and in the installed wheel (built here, under the rag_cite namespace)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT

from rag.cli import plugins


def test_a_checkout_finds_the_namespaced_commands_in_its_top_level_folders() -> None:
    import eval.speed.cli
    import training.cli
    import ui.cli

    assert plugins.load("rag_cite.eval.speed.cli:bench_command") is eval.speed.cli.bench_command
    assert plugins.load("rag_cite.ui.cli:serve") is ui.cli.serve
    assert plugins.load("training.cli:train_reader") is training.cli.train_reader


def test_an_absent_package_is_none_and_a_broken_one_raises(tmp_path: Path, monkeypatch) -> None:
    assert plugins.load("rag_cite.nosuch.cli:add") is None
    assert plugins.load("nosuchpackage.cli:add") is None
    broken = tmp_path / "brokenplugin"
    broken.mkdir()
    (broken / "__init__.py").write_text("")
    (broken / "cli.py").write_text("import a_dependency_nobody_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="a_dependency_nobody_installed"):
        plugins.load("brokenplugin.cli:add")


def test_rag_lists_every_registered_command(capsys) -> None:
    from rag.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    for name in ("serve", "eval", "eval-errors", "eval-compound", "bench", "bench-reader", "load"):
        assert f"    {name} " in listed, name
    for name in ("train-reader", "eval-reader"):
        assert f"    {name}" in listed, name


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        pytest.fail(f"pip wheel failed: {built.stderr[-2000:]}")
    (found,) = out.glob("rag_cite-*.whl")
    return found


def test_the_wheel_installs_the_app_and_the_suite_under_the_namespace(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {"rag", "rag_cite"} <= tops and not {"ui", "eval", "training"} & tops
    assert "rag_cite/ui/app.py" in names and "rag_cite/eval/speed/bench.py" in names
    assert any(n.startswith("rag/_seeds/") for n in names)


def test_the_installed_wheel_runs_its_commands_without_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = textwrap.dedent(
        """
        import sys
        sys.modules["training"] = None  # the wheel has no training package
        sys.modules["ui"] = sys.modules["eval"] = None  # nor these top-level names
        from rag.cli import main, plugins
        serve = plugins.load("rag_cite.ui.cli:serve")
        print("serve from", serve.__module__)
        import rag_cite.eval.speed.bench as bench
        print("bench at", bench.__file__)
        print("exit", main(["train-reader", "--data", "x"]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "serve from rag_cite.ui.cli" in out
    assert f"bench at {site}" in out
    assert "exit 2" in out
    assert "rag train-reader needs the project's source checkout" in done.stderr


def test_the_command_is_found_past_global_options() -> None:
    from rag.cli.main import _parser

    parser = _parser()
    assert plugins.command_in(["--data-dir", "ask", "ask", "q"], parser) == "ask"
    assert plugins.command_in(["-v", "--model=x", "bench", "--sizes", "1"], parser) == "bench"
    assert plugins.command_in(["--backend", "llamacpp"], parser) is None


def test_a_broken_or_clashing_plugin_leaves_rag_working(monkeypatch, capsys) -> None:
    from importlib import metadata

    from rag.cli import main

    real = metadata.entry_points(group=plugins.GROUP)
    fake = [
        metadata.EntryPoint("ask", "nosuchpackage.cli:ask", plugins.GROUP),  # rag's own name
        metadata.EntryPoint("broken", "rag.cli.plugins:no_such_attribute", plugins.GROUP),
    ]
    monkeypatch.setattr(metadata, "entry_points", lambda group: [*real, *fake])
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    assert "broken" in listed and "could not be loaded" in listed and "    serve " in listed
    assert main(["broken", "--anything"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("error: rag broken could not be loaded from rag:") and "no_such_attr" in err
    )
    with pytest.raises(SystemExit) as asked:
        main(["ask", "--help"])  # rag's own ask, not the clashing entry point
    assert asked.value.code == 0 and "question" in capsys.readouterr().out
