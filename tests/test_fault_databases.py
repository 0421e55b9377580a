"""The fault suite, databases: damaged, truncated, newer and foreign databases, and database URLs
fieldcode cannot use, each through the real command line.

Every case gives a named error (the file, what happened, what to do), its own non-zero exit
status and no traceback, and leaves the project's database and codebook.yaml byte-for-byte as
they were (and the other copy's file too): a damaged database is never "repaired", a foreign one
never gets fieldcode's tables.  A merge killed while it plans leaves its copy of the other
database only in the project's ``.fieldcode/`` folder, where the next merge removes it.

Exit statuses (fieldcode.errors): 1 cannot connect, 2 bad input (URL, not a fieldcode database),
5 damaged database, 6 database from a newer fieldcode.
"""

from __future__ import annotations

import gc
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy
from typer.testing import CliRunner

from fieldcode.cli import app
from fault_helpers import GOOD as TRANSCRIPT
from fault_helpers import GOOD_CODEBOOK as CODEBOOK
from fault_helpers import dump

PAGE = 4096          # SQLite's default page size, which fieldcode keeps
UNKNOWN_REVISION = "9f3c1e2d7b6a"   # no fieldcode release has it: a newer fieldcode's schema


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def state(root: Path) -> dict[str, bytes | None]:
    """The bytes of everything a failed command must leave as it was (an empty -wal file, which
    any reader's connection opens, counts as none)."""
    out = {}
    for name in ("fieldcode.db", "fieldcode.db-wal", "codebook.yaml"):
        f = root / name
        out[name] = (f.read_bytes() or None) if f.is_file() else None
    return out




@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Two copies of one study: 'here' with ana's coding, 'there' with ben's as well."""
    base = tmp_path_factory.mktemp("faultdb")
    here = base / "here"
    (here / "interviews").mkdir(parents=True)
    (here / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (here / "interviews" / "jean.md").write_text(TRANSCRIPT, encoding="utf-8")
    assert run("-C", here, "import").exit_code == 0
    r = run("-C", here, "--coder", "ana", "code", "add", "jean.md", "housing", "--quote", "Twenty years.")
    assert r.exit_code == 0, r.output
    there = base / "there"
    shutil.copytree(here, there)
    r = run("-C", there, "--coder", "ben", "code", "add", "jean.md", "housing", "--quote", "The tenants' group")
    assert r.exit_code == 0, r.output
    gc.collect()                      # the commands' engines, so the checkpoint below is the last word
    for d in (here, there):
        conn = sqlite3.connect(d / "fieldcode.db")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        for side in ("fieldcode.db-wal", "fieldcode.db-shm"):
            (d / side).unlink(missing_ok=True)
    return base


@pytest.fixture
def copies(template, tmp_path) -> tuple[Path, Path]:
    shutil.copytree(template, tmp_path / "c")
    return tmp_path / "c" / "here", tmp_path / "c" / "there"


def check_refused(r, status: int, *words: str) -> None:
    assert r.exit_code == status, r.output
    assert "Traceback" not in r.output
    msg = " ".join(r.stderr.split())
    assert msg.startswith("error:"), msg
    for w in words:
        assert w in msg, (w, msg)


# ------------------------------------------------------------------------- bad copies to merge

def truncated(src: Path, dst: Path, n: int) -> Path:
    dst.write_bytes(src.read_bytes()[:n])
    return dst


def garbage_pages(src: Path, dst: Path) -> Path:
    """Pages 3 to 8 overwritten with garbage: what a bad sector or a half-copied file does."""
    data = bytearray(src.read_bytes())
    assert len(data) >= 9 * PAGE
    data[2 * PAGE:8 * PAGE] = bytes([0xAB]) * (6 * PAGE)
    dst.write_bytes(bytes(data))
    return dst


def newer(src: Path, dst: Path) -> Path:
    shutil.copy2(src, dst)
    conn = sqlite3.connect(dst)
    conn.execute("UPDATE alembic_version SET version_num = ?", (UNKNOWN_REVISION,))
    conn.commit()
    conn.close()
    return dst


def empty_sqlite(dst: Path) -> Path:
    conn = sqlite3.connect(dst)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("DROP TABLE t")          # a valid SQLite file with no tables
    conn.commit()
    conn.close()
    return dst


def unrelated(dst: Path) -> Path:
    conn = sqlite3.connect(dst)
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO people VALUES (1, 'Jean')")
    conn.commit()
    conn.close()
    return dst


OTHER_CASES = {
    # case: (build(there_db, dst), exit status, words the message must hold)
    "truncated-header": (lambda db, d: truncated(db, d, 50), 5, ("is damaged", "Nothing was merged")),
    "truncated-half": (lambda db, d: truncated(db, d, (db.stat().st_size // PAGE // 2) * PAGE), 5,
                       ("is damaged", "Nothing was merged")),
    "truncated-one-byte-short": (lambda db, d: truncated(db, d, db.stat().st_size - 1), 5,
                                 ("is damaged", "Nothing was merged")),
    "garbage-pages": (lambda db, d: garbage_pages(db, d), 5, ("is damaged", "Nothing was merged")),
    "newer-schema": (lambda db, d: newer(db, d), 6,
                     ("newer version of fieldcode", UNKNOWN_REVISION, "Nothing was merged", "Upgrade fieldcode")),
    "empty-sqlite": (lambda db, d: empty_sqlite(d), 2, ("not a fieldcode database", "no tables")),
    "unrelated-tables": (lambda db, d: unrelated(d), 2, ("not a fieldcode database", "people")),
    "zero-bytes": (lambda db, d: truncated(db, d, 0), 2, ("not a fieldcode database", "empty")),
}


@pytest.mark.parametrize("as_folder", [False, True], ids=["file", "folder"])
@pytest.mark.parametrize("case", sorted(OTHER_CASES))
def test_merge_refuses_a_bad_other_copy(copies, tmp_path, case, as_folder):
    here, there = copies
    build, status, words = OTHER_CASES[case]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = build(there / "fieldcode.db", bad_dir / "fieldcode.db")
    bad_bytes = bad.read_bytes()
    before, before_dump = state(here), dump(here / "fieldcode.db")
    r = run("-C", here, "merge", bad_dir if as_folder else bad)
    check_refused(r, status, str(bad_dir if as_folder else bad), *words)
    assert state(here) == before and dump(here / "fieldcode.db") == before_dump
    assert bad.read_bytes() == bad_bytes                       # the other copy is never written to
    assert sorted(p.name for p in bad_dir.iterdir()) == ["fieldcode.db"]
    assert not list((here / ".fieldcode").glob("merge-*"))    # the scratch copy went with the error
    # The sound copy still merges afterwards: ben's coding comes across, ana's stays.
    r = run("-C", here, "merge", there)
    assert r.exit_code == 0, r.output
    assert "1 coding(s) to add" in r.stdout


def test_merge_of_a_sound_older_schema_copy_still_works(copies, tmp_path):
    """The refusals do not catch a copy from an OLDER fieldcode: it is upgraded in the scratch copy."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from fieldcode.store.migrations import config

    here, there = copies
    first = ScriptDirectory.from_config(config()).get_base()
    old = tmp_path / "old.db"
    engine = sqlalchemy.create_engine(f"sqlite:///{old}")
    command.upgrade(config(engine), first)
    engine.dispose()
    old_bytes = old.read_bytes()
    r = run("-C", here, "merge", old, "--dry-run")
    assert r.exit_code == 0, r.output
    assert old.read_bytes() == old_bytes


def test_merge_into_postgres_refuses_a_damaged_copy(copies, db_url, tmp_path):
    """The project's own database on PostgreSQL (or SQLite): a damaged other copy changes nothing."""
    here, there = copies
    assert run("-C", here, "--db", db_url, "import").exit_code == 0
    engine = sqlalchemy.create_engine(db_url)

    def rows():
        with engine.connect() as c:
            return [tuple(r) for t in ("interview", "coding", "event", "alembic_version")
                    for r in c.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1")]

    before = rows()
    bad = garbage_pages(there / "fieldcode.db", tmp_path / "bad.db")
    r = run("-C", here, "--db", db_url, "merge", bad)
    check_refused(r, 5, str(bad), "is damaged")
    r = run("-C", here, "--db", db_url, "merge", newer(there / "fieldcode.db", tmp_path / "newer.db"))
    check_refused(r, 6, "newer version of fieldcode")
    r = run("-C", here, "--db", db_url, "merge", unrelated(tmp_path / "people.db"))
    check_refused(r, 2, "not a fieldcode database")
    assert rows() == before
    engine.dispose()


# -------------------------------------------------------------------- the project's own database

OWN_COMMANDS = [
    ("code", "list"),
    ("--coder", "ana", "code", "add", "jean.md", "housing", "--quote", "The tenants' group"),
    ("import",),
    ("merge", "THERE"),
    ("codebook", "sync"),
]

OWN_CASES = {
    "truncated": (lambda db: truncated(db, db.with_suffix(".tmp"), (db.stat().st_size // PAGE // 2) * PAGE), 5,
                  ("is damaged", "Restore fieldcode.db from your latest backup", "will not repair")),
    "garbage-pages": (lambda db: garbage_pages(db, db.with_suffix(".tmp")), 5,
                      ("is damaged", "Restore fieldcode.db from your latest backup")),
    "newer-schema": (lambda db: newer(db, db.with_suffix(".tmp")), 6,
                     ("newer version of fieldcode", UNKNOWN_REVISION, "Nothing was changed", "Upgrade fieldcode")),
    "zero-bytes": (lambda db: truncated(db, db.with_suffix(".tmp"), 0), 5,
                   ("is empty (0 bytes)", "will not start a new project", "Restore fieldcode.db")),
    "unrelated-tables": (lambda db: unrelated(db.with_suffix(".tmp")), 2,
                         ("not a fieldcode database", "people", "Nothing was changed")),
}


@pytest.mark.parametrize("command", OWN_COMMANDS, ids=lambda c: "-".join(c[:2] if c[0] != "--coder" else c[2:4]))
@pytest.mark.parametrize("case", sorted(OWN_CASES))
def test_own_database_damaged_newer_or_foreign(copies, case, command):
    here, there = copies
    build, status, words = OWN_CASES[case]
    command = tuple(str(there) if c == "THERE" else c for c in command)
    db = here / "fieldcode.db"
    bad = build(db)
    os.replace(bad, db)
    before = state(here)
    r = run("-C", here, *command)
    check_refused(r, status, str(db), *words)
    assert state(here) == before                      # never overwritten, migrated or "repaired"


def test_own_database_newer_on_postgres(mini_dir, db_url):
    """A colleague's newer fieldcode upgraded the team's database first: every command here is
    refused, and the database is left as it is (PostgreSQL and SQLite)."""
    assert run("-C", mini_dir, "--db", db_url, "import").exit_code == 0
    engine = sqlalchemy.create_engine(db_url)
    with engine.begin() as c:
        c.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{UNKNOWN_REVISION}'")

    def snapshot():
        with engine.connect() as c:
            names = sorted(sqlalchemy.inspect(c).get_table_names())
            return names, [tuple(r) for t in ("alembic_version", "interview", "code", "codebook_version")
                           for r in c.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1")]

    before, codebook = snapshot(), (mini_dir / "codebook.yaml").read_bytes()
    for command in (("code", "list"), ("import",), ("--coder", "ana", "code", "add", "a.md", "housing",
                                                    "--quote", "Twenty years.")):
        r = run("-C", mini_dir, "--db", db_url, *command)
        check_refused(r, 6, "newer version of fieldcode", UNKNOWN_REVISION)
    assert snapshot() == before and (mini_dir / "codebook.yaml").read_bytes() == codebook
    engine.dispose()


def test_own_database_with_unrelated_tables_gets_none_of_ours(mini_dir, db_url):
    """--db naming somebody else's database (PostgreSQL or SQLite): refused, no table added."""
    engine = sqlalchemy.create_engine(db_url)
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
        c.exec_driver_sql("INSERT INTO people VALUES (1, 'Jean')")
    r = run("-C", mini_dir, "--db", db_url, "code", "list")
    check_refused(r, 2, "not a fieldcode database", "people")
    with engine.connect() as c:
        assert sqlalchemy.inspect(c).get_table_names() == ["people"]
    engine.dispose()


# ----------------------------------------------------------------------------- database URLs

URL_CASES = [
    ("foo://", 2, ("'foo://'", "SQLite and PostgreSQL only", "sqlite:///")),
    ("not a url", 2, ("'not a url' is not a database URL", "sqlite:///")),
    ("postgresql+psycopg://nohost.invalid/x", 1, ("cannot open the database", "nohost.invalid",
                                                  "check that the server is running")),
    ("sqlite:////nonexistent/dir/x.db", 2, ("/nonexistent/dir", "does not exist", "create that folder")),
    ("postgresql+asyncpg://host/x", 2, ("driver that is not installed", "postgresql+psycopg://")),
]


@pytest.mark.parametrize("where", ["option", "environment"])
@pytest.mark.parametrize("url,status,words", URL_CASES, ids=[c[0] for c in URL_CASES])
def test_database_urls_fieldcode_cannot_use(copies, monkeypatch, url, status, words, where):
    here, _there = copies
    before = state(here)
    if where == "option":
        r = run("-C", here, "--db", url, "code", "list")
    else:
        monkeypatch.setenv("FIELDCODE_DB", url)
        r = run("-C", here, "code", "list")
    check_refused(r, status, *words)
    assert state(here) == before
    assert not Path("/nonexistent").exists()


# ------------------------------------------------------------------- a merge killed while planning

KILLED_MERGE = """
import sys, time
from pathlib import Path
import fieldcode.team.merge as m
real = m.plan_merge
def slow_plan(*a, **kw):
    Path(sys.argv[1]).write_text("planning")
    time.sleep(120)
    return real(*a, **kw)
m.plan_merge = slow_plan
from fieldcode.cli import app
app(sys.argv[2:])
"""


def test_merge_killed_while_planning_leaves_no_copy_behind(copies, tmp_path):
    """SIGKILL while planning: the copy of the other database is in the project's .fieldcode/
    (not the system's temporary folder), the project is unchanged, and the next merge removes it."""
    here, there = copies
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    signal_file = tmp_path / "planning"
    before = state(here)
    env = {**os.environ, "TMPDIR": str(systmp)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_MERGE, str(signal_file), "-C", str(here), "merge", str(there)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not signal_file.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the merge never started planning"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    left = list((here / ".fieldcode").glob("merge-*"))
    assert len(left) == 1 and (left[0] / "fieldcode.db").is_file()     # where the next merge looks
    assert list(systmp.iterdir()) == []                                  # nothing in the system's temp
    assert state(here) == before
    r = run("-C", here, "merge", there, "--dry-run")
    assert r.exit_code == 0, r.output
    assert not left[0].exists()
    assert list((here / ".fieldcode").glob("merge-*")) == []
    assert state(here) == before


def test_a_running_merge_keeps_its_scratch_folder(tmp_path):
    """Cleaning removes only folders nobody holds: a second merge does not pull a running
    merge's copy from under it."""
    from fieldcode.team.merge import clean_scratch, scratch_dir

    work = tmp_path / ".fieldcode"
    (work / "merge-dead").mkdir(parents=True)           # killed before it made its lock file
    (work / "merge-dead" / "fieldcode.db").write_bytes(b"x")
    with scratch_dir(work) as running:
        assert not (work / "merge-dead").exists()         # the new merge cleaned up first
        (running / "fieldcode.db").write_bytes(b"y")
        (work / "merge-dead2").mkdir()
        assert clean_scratch(work) == [work / "merge-dead2"]
        assert (running / "fieldcode.db").read_bytes() == b"y"
    assert not running.exists() and list(work.iterdir()) == []
