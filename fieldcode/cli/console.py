"""The two consoles every command prints to: ``out`` (results) and ``err`` (messages, warnings).
Kept apart from ``fieldcode.cli.base`` so modules that only print (``fieldcode.cli.summary``)
need not import the app."""

from __future__ import annotations

import sys

from rich.console import Console

out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, soft_wrap=True)
