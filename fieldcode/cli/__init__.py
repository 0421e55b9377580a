"""The command line (Typer): one module per area of commands.

``fieldcode.cli.index`` is the console script: it imports only the module(s) of the command it
runs.  ``fieldcode.cli.commands`` is the whole app with every command module imported (for tests
and for callers from Python); ``from fieldcode.cli import app`` reaches it lazily, so importing
this package costs nothing.  ``table`` is the command table, ``console`` the two consoles,
``summary`` the study at a glance, and ``reference`` renders every command's help as Markdown
(``python -m fieldcode.cli.reference > docs/reference.md``).

Layer: the top.  May import every layer below; the terminal UI (``fieldcode.tui``) only inside
the functions that open a screen, so commands that print never load Textual.  Command modules
import the shared app from ``base`` and never from one another.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHOLE_APP = ("app", "state", "out", "err", "State", "main")


def __getattr__(name: str) -> Any:
    if name in _WHOLE_APP:
        return getattr(importlib.import_module("fieldcode.cli.commands"), name)
    raise AttributeError(f"module 'fieldcode.cli' has no attribute {name!r}")
