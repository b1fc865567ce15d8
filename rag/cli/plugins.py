"""The commands other packages add to ``rag``: the web app's ``serve``, the evaluation
suite's ``eval``, ``bench`` and the rest, training's ``train-reader`` and ``eval-reader``.

The library never imports them: each registers itself as an entry point of the group
``rag_cite.commands`` (pyproject.toml), named as its command, whose object adds that
command's parser to ``rag``'s sub-commands (as simonw/llm's plugins add theirs). Any
installed package may add commands the same way; ``rag``'s own names cannot be taken, and
the entry points are read only when the command is not one of ``rag``'s own.

The wheel installs the web app and the evaluation suite under the project's namespace
(``rag_cite.ui``, ``rag_cite.eval``); a source checkout runs them from its top-level folders
``ui/`` and ``eval/``, where an entry point's module is looked up when ``rag_cite`` has none.
A command whose package is not installed (``training/`` is the checkout's alone) is still
listed, and says what it needs.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import RagError

GROUP = "rag_cite.commands"
#: where the wheel installs the web app and the evaluation suite
NAMESPACE = "rag_cite."

Adder = Callable[[Any], None]


def add_commands(sub: Any) -> None:
    """Add every registered command to ``rag``'s sub-commands (``sub``); a name ``rag``
    already has (or an earlier entry point took) is not added again. A command whose
    package is absent is listed as needing it; one that fails to load is listed too, and
    says why when it is run (``rag``'s own commands keep working)."""
    from importlib.metadata import entry_points

    for point in entry_points(group=GROUP):
        if point.name in sub.choices:
            continue
        try:
            add = load(point.value)
            if add is None:
                _unavailable(sub, point.name, _package(point.value))
            else:
                add(sub)
        except Exception as exc:  # a broken plugin must not take rag down with it
            if point.name in sub.choices:
                raise  # it failed after adding itself: a bug to see, not to hide
            _unavailable(sub, point.name, _package(point.value), failure=exc)


def command_in(argv: Sequence[str], parser: argparse.ArgumentParser) -> str | None:
    """The command ``argv`` names: its first word that is neither an option of ``parser``
    nor the value of one (``rag --data-dir D ask ...``: ask); None when it names none."""
    takes_value = {
        option
        for action in parser._actions
        if action.option_strings and action.nargs != 0
        for option in action.option_strings
    }
    words = iter(argv)
    for word in words:
        if word in takes_value:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def load(value: str) -> Adder | None:
    """The object an entry point's ``module:attribute`` names: under the namespace where the
    wheel installs it, else (a source checkout) from the top-level folder; None when its
    package is not installed at all. A package that is there but lacks something it
    imports raises as it would anywhere (its error says what is missing)."""
    module, _, attribute = value.partition(":")
    names = [module]
    if module.startswith(NAMESPACE):
        names.append(module.removeprefix(NAMESPACE))
    for name in names:
        try:
            found = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if name == missing or name.startswith(missing + "."):
                continue  # that package (or the namespace) is not installed
            raise
        adder: Adder = getattr(found, attribute)
        return adder
    return None


def _package(value: str) -> str:
    return value.partition(":")[0].removeprefix(NAMESPACE).split(".")[0]


def _unavailable(sub: Any, name: str, package: str, failure: Exception | None = None) -> None:
    """``name`` listed with what it needs (or why it failed to load): its help says so, and
    running it is that one line."""
    if failure is None:
        need = (
            f"rag {name} needs the project's source checkout "
            f"({package}/ is not installed with the wheel)"
        )
        short = f"(needs the source checkout's {package}/)"
    else:
        need = f"rag {name} could not be loaded from {package}: {failure!r}"
        short = "(could not be loaded: run it to see why)"
    p = sub.add_parser(name, help=short, description=need)

    def missing(settings: Any, args: argparse.Namespace) -> int:
        raise RagError(need)

    def any_arguments(
        args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Whatever follows the command is taken (its options are the absent package's):
        ``--help`` shows what it needs, anything else runs :func:`missing`."""
        if {"-h", "--help"} & set(args or []):
            p.print_help()
            p.exit(0)
        namespace = namespace if namespace is not None else argparse.Namespace()
        namespace.run, namespace.settings_only = missing, True
        return namespace, []

    p.parse_known_args = any_arguments
