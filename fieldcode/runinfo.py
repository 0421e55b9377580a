"""What is running: the command line, recorded by the CLI entry point for export sidecars.
Tiny on purpose: the CLI imports it before anything heavy."""

from __future__ import annotations

from collections.abc import Sequence

_command: list[str] | None = None


def set_command_line(args: Sequence[str]) -> None:
    global _command
    _command = [str(a) for a in args]


def command_line() -> list[str] | None:
    """The arguments after ``fieldcode`` of the running command (None outside the CLI)."""
    return None if _command is None else list(_command)
