"""The commands other packages add to ``rag``: the web app's ``serve``, the evaluation
suite's ``eval``, ``bench`` and the rest, training's ``train-reader`` and ``eval-reader``.

The library never imports them: each registers itself as an entry point of the group
``rag_cite.commands`` (pyproject.toml), named as its command, whose object adds that
command's parser to ``rag``'s sub-commands (as simonw/llm's plugins add theirs). Any
installed package may add commands the same way.

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
    """Add every registered command to ``rag``'s sub-commands (``sub``), in the order the
    entry points are declared; a name already taken is not added twice."""
    from importlib.metadata import entry_points

    taken: set[str] = set()
    for point in entry_points(group=GROUP):
        if point.name in taken:
            continue
        taken.add(point.name)
        add = load(point.value)
        if add is None:
            _unavailable(sub, point.name, _package(point.value))
        else:
            add(sub)


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


def _unavailable(sub: Any, name: str, package: str) -> None:
    """``name`` listed with what it needs: its help says so, and running it is one line."""
    need = (
        f"rag {name} needs the project's source checkout "
        f"({package}/ is not installed with the wheel)"
    )
    p = sub.add_parser(name, help=f"(needs the source checkout's {package}/)", description=need)

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
