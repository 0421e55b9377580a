"""The command table, and the console script that builds only the command it runs.

Typer turns every registered function into a Click command each time the app runs, reading
every annotation of every command (about 0.2 s for fieldcode's ~50), and each command module
has its own imports.  ``main`` (the ``fieldcode`` console script) reads the command name from
the command line, imports only the module(s) that define it, and builds only that command;
``fieldcode --help`` lists the commands from ``COMMANDS`` below without building any.

``fieldcode.cli.app`` is the whole app (every module imported), for tests and for anyone who
calls it from Python.  tests/test_startup.py checks that ``COMMANDS`` names every command of
that app, in its order, with the module(s) that define it and its help's first sentence, so the
table cannot drift from the code.  This module imports nothing heavy.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from fieldcode.cli.table import ALL_MODULES, COMMANDS, MODULES  # noqa: F401  (re-exported)

# the root's options that take a value (``--project DIR``), so the command name is found after them
_VALUE_OPTIONS = ("-C", "--project", "--db", "--coder")


def command_name(args: Sequence[str]) -> str | None:
    """The command a command line runs: its first word that is neither an option nor an option's
    value (None for ``fieldcode``, ``fieldcode --help``, ``fieldcode --coder ana``)."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return args[i + 1] if i + 1 < len(args) else None
        if not a.startswith("-") or a == "-":
            return a
        if a in _VALUE_OPTIONS:
            i += 2
            continue
        i += 1  # a flag, --opt=value or -Cvalue
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: build and run only the command named on the command line."""
    import copy

    args = list(sys.argv[1:] if argv is None else argv)
    name = command_name(args)
    for module in MODULES.get(name or "", ()):
        importlib.import_module(module)
    from fieldcode.cli.base import app
    from typer.main import get_command_name

    root = copy.copy(app)  # the shared app keeps every command it has (for fieldcode.cli.app)
    root.registered_commands = [c for c in app.registered_commands
                                if (c.name or get_command_name(c.callback.__name__)) == name]
    root.registered_groups = [g for g in app.registered_groups if g.name == name]
    root(args)
