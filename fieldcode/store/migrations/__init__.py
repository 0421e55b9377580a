"""Alembic migrations.  ``upgrade(engine)`` runs when a project opens, so a project created by
an older fieldcode opens in a newer one.  Add a migration with
``alembic -c fieldcode/store/migrations/alembic.ini revision --autogenerate -m "..."``.

Before it migrates anything, ``upgrade`` refuses (see :func:`check`) a database whose revision
this fieldcode does not know (written by a newer fieldcode: :class:`~fieldcode.errors.NewerDatabase`)
and one that holds tables but no fieldcode schema (:class:`~fieldcode.errors.NotFieldcodeDatabase`):
fieldcode never adds its tables to somebody else's database."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError

from fieldcode.errors import FieldcodeError, NewerDatabase, NotFieldcodeDatabase

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?([\w-]+|None)['\"]?", re.M)


def config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


@cache
def revisions() -> dict[str, str | None]:
    """Every revision this fieldcode knows (revision -> down_revision), read from the version
    files' ``revision``/``down_revision`` lines: no Alembic import (about 0.3 s of start-up)."""
    revs: dict[str, str | None] = {}
    for f in (HERE / "versions").glob("*.py"):
        found = dict(m.groups() for m in _REVISION.finditer(f.read_text(encoding="utf-8")))
        if "revision" in found:
            down = found.get("down_revision")
            revs[found["revision"]] = None if down in (None, "None") else down
    return revs


@cache
def head() -> str:
    """The newest revision.  tests/test_startup.py checks it against Alembic's own answer."""
    revs = revisions()
    heads = set(revs) - {d for d in revs.values() if d}
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def where(engine: Engine) -> str:
    """The database as the user names it: a SQLite file's path, or the URL without its password."""
    if engine.dialect.name == "sqlite" and engine.url.database:
        return engine.url.database
    return engine.url.render_as_string(hide_password=True)


def current(engine: Engine) -> str | None:
    """The database's revision (None for a new database), by plain SQL.  A database that cannot
    be reached is a :class:`FieldcodeError` saying what to check."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        if engine.dialect.name == "sqlite":
            hint = (f"check that you may read and write {where(engine)} and its folder (SQLite writes "
                    "its journal beside it)")
        else:
            hint = ("check that the server is running and reachable, that the database exists (createdb NAME) "
                    "and that the URL given by --db, FIELDCODE_DB or the settings file's db is right")
        raise FieldcodeError(f"cannot open the database {where(engine)}: {exc.orig}; {hint}") from None


def foreign_tables(engine: Engine) -> list[str]:
    """The tables of a database without a fieldcode schema (``alembic_version``): none for a new one."""
    with engine.connect() as conn:
        return sorted(inspect(conn).get_table_names())


def check(engine: Engine, revision: str | None) -> None:
    """Refuse, before anything is written, a database this fieldcode must not migrate: one whose
    ``revision`` it does not know (a newer fieldcode wrote it) and one that holds tables but no
    fieldcode schema."""
    if revision is not None and revision not in revisions():
        raise NewerDatabase(where(engine), revision, head())
    if revision is None:
        tables = foreign_tables(engine)
        if tables:
            shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
            raise NotFieldcodeDatabase(
                f"the database {where(engine)} is not a fieldcode database: it holds other tables ({shown}) and "
                "no fieldcode schema. Nothing was changed. Name a new file or an empty database for this project "
                "(--db, FIELDCODE_DB or the settings file's db), or the project's own fieldcode.db")


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is already there), after
    :func:`check`."""
    revision = current(engine)
    if revision == head():
        return
    check(engine, revision)
    from alembic import command

    command.upgrade(config(engine), "head")
