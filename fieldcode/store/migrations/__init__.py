"""Alembic migrations.  ``upgrade(engine)`` runs when a project opens, so a project created by
an older fieldcode opens in a newer one.  Add a migration with
``alembic -c fieldcode/store/migrations/alembic.ini revision --autogenerate -m "..."``."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

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
def head() -> str:
    """The newest revision, read from the version files' ``revision``/``down_revision`` lines:
    opening a current database does not import Alembic (about 0.3 s of start-up).
    tests/test_startup.py checks it against Alembic's own answer."""
    revs: dict[str, str | None] = {}
    for f in (HERE / "versions").glob("*.py"):
        found = dict(m.groups() for m in _REVISION.finditer(f.read_text(encoding="utf-8")))
        if "revision" in found:
            down = found.get("down_revision")
            revs[found["revision"]] = None if down in (None, "None") else down
    heads = set(revs) - {d for d in revs.values() if d}
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def current(engine: Engine) -> str | None:
    """The database's revision (None for a new database), by plain SQL."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is already there)."""
    if current(engine) == head():
        return
    from alembic import command

    command.upgrade(config(engine), "head")
