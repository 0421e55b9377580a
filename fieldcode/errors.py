"""Errors a researcher sees.  Every message names the file, line or item and says what to do."""

from __future__ import annotations


class FieldcodeError(Exception):
    """Base class: ``str(err)`` is shown to the user as is; the CLI exits non-zero."""

    exit_code = 1


class NotFound(FieldcodeError):
    """An interview, code, coding or project that does not exist."""


class InvalidInput(FieldcodeError):
    """Bad input: a span out of range, a malformed file, a wrong attribute."""

    exit_code = 2


class Conflict(FieldcodeError):
    """The change would lose or overwrite work (a changed transcript with codings, another
    coder's coding); the message says how to proceed safely."""

    exit_code = 3


class NoCoder(FieldcodeError):
    """No coder identity: fieldcode never guesses one."""

    exit_code = 2

    def __init__(self) -> None:
        super().__init__(
            "who is coding? Pass --coder NAME, set FIELDCODE_CODER=NAME, or put coder = \"NAME\" "
            "in your settings file (fieldcode settings shows where it is)."
        )


class Busy(FieldcodeError):
    """Another process held the database's write lock for longer than fieldcode waits; the
    message says who holds it and what to do.  Nothing was changed."""

    exit_code = 4
