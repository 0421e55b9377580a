"""The database engine and fieldcode's connection rules.

* SQLite by default (a file in the project folder), PostgreSQL through any SQLAlchemy URL.
* SQLite connections: foreign keys on, WAL, ``synchronous=FULL`` and a busy timeout, and every
  write transaction starts with ``BEGIN IMMEDIATE`` so two processes on one file queue up instead
  of failing halfway.
* A writer that waits too long gets :class:`~fieldcode.errors.Busy` naming the holder (see
  ``fieldcode.store.dblock``).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection

from fieldcode.store import dblock

BUSY_TIMEOUT_MS = 15_000


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def make_engine(url: str) -> Engine:
    """An engine with fieldcode's connection rules applied.  A writer that waits longer than
    the busy timeout gets :class:`~fieldcode.errors.Busy` naming the holder (see dblock)."""
    if url.startswith("sqlite"):
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
            if "database is locked" in str(ctx.original_exception) or "database is busy" in str(ctx.original_exception):
                started = ctx.connection.info.get("fieldcode_wait") if ctx.connection is not None else None
                waited = time.monotonic() - started if started else BUSY_TIMEOUT_MS / 1000
                raise dblock.sqlite_busy(database or "database", waited) from ctx.original_exception

        return engine
    if url.startswith("postgresql"):
        engine = create_engine(url, pool_pre_ping=True, connect_args={
            "application_name": dblock.application_name(),
            "options": f"-c lock_timeout={BUSY_TIMEOUT_MS}"})

        @event.listens_for(engine, "handle_error")
        def _on_pg_error(ctx) -> None:  # noqa: ANN001
            if getattr(ctx.original_exception, "sqlstate", None) == "55P03":  # lock_not_available
                raise dblock.pg_busy(engine, BUSY_TIMEOUT_MS / 1000) from ctx.original_exception

        return engine
    return create_engine(url, pool_pre_ping=True)


