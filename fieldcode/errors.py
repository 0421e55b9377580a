"""Errors a researcher sees.  Every message names the file, line or item and says what to do."""

from __future__ import annotations

import os


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


class DamagedDatabase(FieldcodeError):
    """SQLite says the database file is damaged (truncated, overwritten, not a database at all).
    fieldcode never writes to it nor tries to repair it: the message names the file and says to
    restore it from a backup.  ``path`` and ``detail`` let a caller name the file its own way."""

    exit_code = 5

    def __init__(self, path: str, detail: str, message: str | None = None) -> None:
        self.path, self.detail = path, detail
        super().__init__(message or (
            f"the database {path} is damaged (SQLite: {detail}). fieldcode has not changed it and will not "
            f"repair it. Restore {os.path.basename(path)} from your latest backup (or a colleague's up-to-date copy, with "
            "'fieldcode merge'), then run the command again; keep the damaged file aside, since "
            f"'sqlite3 {path} .recover' may save codings made after the backup."))


class NewerDatabase(FieldcodeError):
    """The database's schema revision is one this version of fieldcode does not know: it was
    written by a newer fieldcode (a colleague upgraded first).  Nothing was changed."""

    exit_code = 6

    def __init__(self, where: str, revision: str, newest: str, message: str | None = None) -> None:
        self.where, self.revision, self.newest = where, revision, newest
        super().__init__(message or (
            f"the database {where} was written by a newer version of fieldcode (its schema is revision "
            f"'{revision}'; this fieldcode knows revisions up to '{newest}'). Nothing was changed. Upgrade "
            "fieldcode (pip install --upgrade fieldcode) to open it."))


class NotFieldcodeDatabase(InvalidInput):
    """A database that holds tables but no fieldcode schema: fieldcode neither reads it as a
    project nor adds its own tables to it."""


class TextChanged(Conflict):
    """The interview was re-imported (its text changed) after the caller read it: offsets
    counted in the text the caller holds no longer point at the same words.  Nothing was
    changed; read the interview again and make the change on its new text."""

    def __init__(self, name: str, message: str | None = None) -> None:
        self.interview = name
        super().__init__(message or (
            f"interview '{name}' was re-imported (its text changed) after you read it, so offsets counted "
            "in the old text no longer point at the same words; nothing was changed. Read it again "
            f"('fieldcode show {name}' or 'fieldcode code list {name}') and make the change on the new text."))
