"""Who holds the database's write lock, and what to tell a writer that waited too long.

SQLite cannot say which process holds its lock, so every fieldcode write transaction records
itself (pid, user, host, command, since) in a small file beside the database while it holds
the lock, ``fieldcode.db-writer``, and removes it at commit or rollback.  A writer that waits
longer than the busy timeout reads that file and names the holder; a file whose process has
ended means the lock belongs to another program (the sqlite3 shell, a database browser, a
backup tool).  On PostgreSQL each connection carries an ``application_name`` naming its
fieldcode command, and the message lists the sessions that hold a transaction open.

Opening a new database runs its migrations under a lock (an advisory lock on PostgreSQL, a
lock file on SQLite), so several processes opening it at once wait for the first.

Headless; only the store (``fieldcode.store``) uses this module.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fieldcode.errors import Busy

MIGRATION_LOCK_KEY = 0x6669656C64  # "field": pg_advisory_lock key for fieldcode migrations


def command_line() -> str:
    """This process's command, as a person would type it (first 120 characters)."""
    args = [Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:]]
    text = " ".join(args)
    return "".join(ch for ch in text if ch.isprintable())[:120]


def application_name() -> str:
    """The PostgreSQL application_name of this process's connections (at most 63 bytes)."""
    return f"fieldcode pid {os.getpid()} {command_line()}".encode()[:63].decode("utf-8", "ignore")


def holder_path(database: str) -> Path:
    return Path(f"{database}-writer")


_IDENTITY: dict[int, dict] = {}   # pid -> who this process is (asked once: an import writes thousands of times)


def record_holder(path: Path) -> None:
    """Say that this process now holds the write lock (best effort: never fails a write)."""
    pid = os.getpid()
    if pid not in _IDENTITY:  # a forked child has another pid, so it asks again
        _IDENTITY.clear()
        _IDENTITY[pid] = {"pid": pid, "host": socket.gethostname(), "user": _user(), "command": command_line()}
    record = json.dumps({**_IDENTITY[pid], "since": time.time()})
    try:
        tmp = f"{path}.{pid}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, record.encode("utf-8"))
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        pass


def clear_holder(path: Path) -> None:
    """Remove the record if it is this process's (another writer may already have replaced it)."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def sqlite_busy(database: str, waited_s: float) -> Busy:
    """The error for a writer that waited ``waited_s`` seconds for the SQLite write lock."""
    name = Path(database).name
    try:
        info = json.loads(holder_path(database).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    head = f"the database {name} is busy: waited {waited_s:.0f} s for its write lock"
    tail = "nothing was changed; run the command again when it is free."
    if info and _alive(info):
        age = time.time() - float(info.get("since", time.time()))
        return Busy(f"{head}, held by fieldcode process {info['pid']} ('{info.get('command', '?')}', user "
                    f"{info.get('user', '?')} on {info.get('host', '?')}) for {age:.0f} s. Wait for it to finish "
                    f"and {tail} If that process is stuck, stop it (kill {info['pid']}): its change is "
                    "either committed whole or not at all.")
    return Busy(f"{head}, held by a program that is not a fieldcode command (the sqlite3 shell, a "
                f"database browser or a backup tool with {name} open?). Close it and {tail}")


def pg_busy(engine, waited_s: float) -> Busy:  # noqa: ANN001
    """The error for a PostgreSQL lock wait that passed ``lock_timeout``: the other sessions of
    this database that hold a transaction open, named by their application_name."""
    holders: list[str] = []
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT pid, application_name, usename, client_addr, "
                "EXTRACT(EPOCH FROM now() - xact_start) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
                "ORDER BY xact_start LIMIT 5").all()
        for pid, app, user, addr, age in rows:
            holders.append(f"server pid {pid} '{app or 'unnamed client'}' (user {user}"
                           f"{' from ' + str(addr) if addr else ''}, {float(age or 0):.0f} s)")
    except Exception:  # noqa: BLE001 - the message must not fail because the server is busy
        pass
    who = "; ".join(holders) if holders else "another session (it has ended since, or is not visible to you)"
    return Busy(f"the database is busy: waited {waited_s:.0f} s for a lock held by {who}. Nothing was "
                "changed; run the command again when it has finished. A stuck session can be ended by "
                "the database owner with SELECT pg_terminate_backend(pid).")


@contextmanager
def migration_lock(engine) -> Iterator[None]:  # noqa: ANN001
    """Hold the migration lock: PostgreSQL advisory lock, or an flock beside the SQLite file."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}-migrate.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _alive(info: dict) -> bool:
    if info.get("host") != socket.gethostname():
        return True  # another machine (a shared drive): it may well be running
    try:
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return False
    return True


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "?"
