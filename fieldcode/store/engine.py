"""The database engine and fieldcode's connection rules.

* SQLite by default (a file in the project folder), PostgreSQL through any SQLAlchemy URL.
* SQLite connections: foreign keys on, WAL, ``synchronous=FULL`` and a busy timeout, and every
  write transaction starts with ``BEGIN IMMEDIATE`` so two processes on one file queue up instead
  of failing halfway.
* A writer that waits too long gets :class:`~fieldcode.errors.Busy` naming the holder (see
  ``fieldcode.store.dblock``).
* A URL fieldcode cannot use (``foo://``, another dialect, a SQLite file in a folder that does
  not exist) is refused with :class:`~fieldcode.errors.InvalidInput` before anything connects;
  a SQLite file that SQLite finds damaged, whenever it finds it, raises
  :class:`~fieldcode.errors.DamagedDatabase` naming the file (nothing repairs or rewrites it).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from fieldcode.errors import DamagedDatabase, InvalidInput
from fieldcode.store import dblock

BUSY_TIMEOUT_MS = 15_000
URL_FORMS = "sqlite:///PATH/TO/fieldcode.db or postgresql+psycopg://USER@HOST/DATABASE"
# SQLite's primary result codes for a damaged file: SQLITE_CORRUPT, SQLITE_NOTADB.
_DAMAGED_CODES = {11, 26}
_DAMAGED_TEXT = ("database disk image is malformed", "file is not a database")


def damage(exc: BaseException) -> str | None:
    """SQLite's own words when ``exc`` (a DBAPI error) says the file is damaged, else None."""
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc)
    if (code is not None and code & 0xFF in _DAMAGED_CODES) or any(t in text for t in _DAMAGED_TEXT):
        return text
    return None


def check_url(url: str) -> str:
    """The URL's dialect (``sqlite`` or ``postgresql``), or :class:`InvalidInput` saying what is
    wrong with it and which forms work.  Nothing connects."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput(f"'{url}' is not a database URL: use {URL_FORMS}") from None
    dialect = parsed.get_backend_name()
    shown = parsed.render_as_string(hide_password=True)
    if dialect not in ("sqlite", "postgresql"):
        raise InvalidInput(f"the database URL '{shown}' names '{dialect}': fieldcode works with SQLite and "
                           f"PostgreSQL only; use {URL_FORMS}")
    if dialect == "sqlite":
        database = parsed.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return dialect
        folder = Path(database).parent   # SQLite does not expand ~
        if not folder.is_dir():
            raise InvalidInput(f"the database URL '{shown}' names a file in {folder}, which does not exist: "
                               "create that folder, or correct the URL (four slashes, sqlite:////abs/path, "
                               "for an absolute path)")
        if Path(database).is_dir():
            raise InvalidInput(f"the database URL '{shown}' names {database}, which is a folder: name a file in it")
    return dialect


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def make_engine(url: str) -> Engine:
    """An engine with fieldcode's connection rules applied.  A writer that waits longer than
    the busy timeout gets :class:`~fieldcode.errors.Busy` naming the holder (see dblock)."""
    dialect = check_url(url)
    if dialect == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        database = engine.url.database
        holder = dblock.holder_path(database) if database and database != ":memory:" else None

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # noqa: ANN001
            # Let SQLAlchemy (below) issue BEGIN itself, so we can make it IMMEDIATE.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # WAL is recorded in the file itself: switch a new database or a fieldcode one, never
            # somebody else's file (which the schema check then refuses, unchanged).
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal" and (
                    cur.execute("PRAGMA page_count").fetchone()[0] == 0
                    or cur.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            if conn.get_execution_options().get("fieldcode_write"):
                conn.info["fieldcode_wait"] = time.monotonic()
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                if holder is not None:
                    dblock.record_holder(holder)
                    conn.info["fieldcode_holder"] = True
            else:
                conn.exec_driver_sql("BEGIN")

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _on_end(conn: Connection) -> None:
            if conn.info.pop("fieldcode_holder", False):
                dblock.clear_holder(holder)

        @event.listens_for(engine, "handle_error")
        def _on_error(ctx) -> None:  # noqa: ANN001
            damaged = damage(ctx.original_exception)
            if damaged is not None:
                raise DamagedDatabase(database or "database", damaged) from ctx.original_exception
            if "database is locked" in str(ctx.original_exception) or "database is busy" in str(ctx.original_exception):
                started = ctx.connection.info.get("fieldcode_wait") if ctx.connection is not None else None
                waited = time.monotonic() - started if started else BUSY_TIMEOUT_MS / 1000
                raise dblock.sqlite_busy(database or "database", waited) from ctx.original_exception

        return engine
    try:
        engine = create_engine(url, pool_pre_ping=True, connect_args={
            "application_name": dblock.application_name(),
            "options": f"-c lock_timeout={BUSY_TIMEOUT_MS}"})
    except (ImportError, NoSuchModuleError) as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise InvalidInput(f"the database URL '{shown}' needs a driver that is not installed ({exc}): "
                           f"use {URL_FORMS} (fieldcode installs psycopg)") from None

    @event.listens_for(engine, "handle_error")
    def _on_pg_error(ctx) -> None:  # noqa: ANN001
        if getattr(ctx.original_exception, "sqlstate", None) == "55P03":  # lock_not_available
            raise dblock.pg_busy(engine, BUSY_TIMEOUT_MS / 1000) from ctx.original_exception

    return engine
