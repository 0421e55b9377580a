"""Races between processes end in a wait or a clear message, never a traceback (SQLite and
PostgreSQL): read-only commands never take the write lock, a writer that waits too long is
told who holds it, several processes opening a new database wait for the first, two imports
of one folder at once both end cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy
from typer.testing import CliRunner

from fieldcode.find import search as S
from fieldcode.cli import app
from fieldcode.project import Project
from fieldcode.store import engine as storeengine  # the connection rules read BUSY_TIMEOUT_MS there
from fieldcode.store.migrations import head

PY = sys.executable
REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def spawn(code: str) -> subprocess.Popen:
    """A separate Python process running ``code`` (the fieldcode of this checkout)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([PY, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=REPO)


def hold_write_lock(url: str, seconds: float) -> subprocess.Popen:
    """Another fieldcode process that holds the write lock for ``seconds``; returns once held."""
    proc = spawn(f"""
        import sys, time
        sys.argv = ["fieldcode", "import", "interviews/"]   # what the message should name
        from fieldcode.store import Store
        from fieldcode.store.models import Coding
        from sqlmodel import select
        s = Store({url!r})
        with s.write() as x:
            x.connection()  # BEGIN IMMEDIATE on SQLite: the write lock is taken here
            if x.get_bind().dialect.name == "postgresql":
                x.exec(__import__("sqlalchemy").text("LOCK TABLE coding IN EXCLUSIVE MODE"))
            print("held", flush=True)
            time.sleep({seconds})
    """)
    assert proc.stdout.readline().strip() == "held", proc.stderr.read()
    return proc


def snapshot(url: str) -> list:
    """Every row of every table, in order: equal snapshots mean an unchanged database."""
    engine = sqlalchemy.create_engine(url)
    try:
        meta = sqlalchemy.MetaData()
        meta.reflect(engine)
        with engine.connect() as c:
            return [(t.name, sorted(map(repr, c.execute(t.select()).all()))) for t in meta.sorted_tables]
    finally:
        engine.dispose()


def test_read_only_commands_run_while_another_process_writes(mini, db_url, monkeypatch):
    mini.store.add_coding("a.md", "housing", 0, 11, "ana")
    mini.close()
    monkeypatch.setattr(storeengine, "BUSY_TIMEOUT_MS", 400)
    before = snapshot(db_url)
    holder = hold_write_lock(db_url, 6)
    try:
        started = time.monotonic()
        for args in (["crosstab"], ["code", "list"], ["interviews"], ["summary"], ["codebook", "show"], ["log"]):
            r = run_cli("-C", str(mini.root), "--db", db_url, *args)
            assert r.exit_code == 0, (args, r.output)
        # no command waited for the lock (each would have waited 0.4 s and failed)
        assert time.monotonic() - started < 5.5
        assert "Traceback" not in r.output
    finally:
        holder.kill()
        holder.wait()
    assert snapshot(db_url) == before


def test_writer_that_waits_too_long_is_told_who_holds_the_lock(mini, db_url, monkeypatch):
    mini.close()
    monkeypatch.setattr(storeengine, "BUSY_TIMEOUT_MS", 400)
    before = snapshot(db_url)
    holder = hold_write_lock(db_url, 8)
    try:
        r = run_cli("-C", str(mini.root), "--db", db_url, "--coder", "ben", "code", "add", "a.md", "housing",
                    "--start", "0", "--end", "5")
    finally:
        holder.kill()
        holder.wait()
    assert r.exit_code == 4, r.output
    assert "Traceback" not in r.output and "database is locked" not in r.output
    assert "busy" in r.output and "run the command again" in r.output
    if db_url.startswith("sqlite"):
        assert f"fieldcode process {holder.pid} ('fieldcode import interviews/'" in r.output
    else:
        assert f"fieldcode pid {holder.pid} fieldcode import interviews/" in r.output
    assert snapshot(db_url) == before


def test_sqlite_lock_held_by_another_program_is_named_as_such(mini_dir, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    r = run_cli("-C", str(mini_dir), "--db", url, "import")
    assert r.exit_code == 0, r.output
    monkeypatch.setattr(storeengine, "BUSY_TIMEOUT_MS", 300)
    import sqlite3

    other = sqlite3.connect(tmp_path / "x.db", isolation_level=None)  # like the sqlite3 shell
    other.execute("BEGIN IMMEDIATE")
    try:
        r = run_cli("-C", str(mini_dir), "--db", url, "--coder", "ben", "code", "add", "a.md", "housing",
                    "--start", "0", "--end", "5")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert r.exit_code == 4, r.output
    assert "not a fieldcode command" in r.output and "Close it" in r.output


def test_unchanged_codebook_is_not_written_on_open(mini, db_url):
    mini.close()
    before = snapshot(db_url)
    run_cli("-C", str(mini.root), "--db", db_url, "--coder", "ana", "undo")  # a writing command
    assert snapshot(db_url) == before  # nothing to undo, codebook unchanged: nothing written


def test_read_only_command_reports_a_changed_codebook_and_writer_records_it(mini, db_url):
    mini.close()
    cb = mini.root / "codebook.yaml"
    cb.write_text(cb.read_text(encoding="utf-8").replace("name: Housing", "name: Homes"), encoding="utf-8")
    before = snapshot(db_url)
    r = run_cli("-C", str(mini.root), "--db", db_url, "codebook", "show")
    assert r.exit_code == 0
    assert "codebook.yaml has changed since the database recorded it" in r.output
    assert "Housing" in r.output and "Homes" not in r.output
    assert snapshot(db_url) == before
    r = run_cli("-C", str(mini.root), "--db", db_url, "codebook", "sync")
    assert r.exit_code == 0 and "1 renamed" in r.output, r.output
    r = run_cli("-C", str(mini.root), "--db", db_url, "codebook", "show")
    assert "Homes" in r.output and "has changed" not in r.output


def test_codebook_check_only_reads(mini, db_url):
    mini.close()
    cb = mini.root / "codebook.yaml"
    cb.write_text(cb.read_text(encoding="utf-8").replace("name: Housing", "name: Homes"), encoding="utf-8")
    before = snapshot(db_url)
    r = run_cli("-C", str(mini.root), "--db", db_url, "codebook", "check")
    assert r.exit_code == 0 and "OK" in r.output
    assert snapshot(db_url) == before


def test_several_processes_opening_a_new_database_at_once(db_url, mini_dir):
    procs = [spawn(f"""
        from fieldcode.project import Project
        p = Project.open({str(mini_dir)!r}, db={db_url!r})
        print(len(p.store.codes()))
    """) for _ in range(5)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, out, errs in results:
        assert code == 0 and "Traceback" not in errs, errs
        assert out.strip() == "3"
    engine = sqlalchemy.create_engine(db_url)
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [head()]
        assert c.exec_driver_sql("SELECT count(*) FROM code").scalar() == 3
        assert c.exec_driver_sql("SELECT count(*) FROM codebook_version").scalar() == 1
    engine.dispose()


def test_two_imports_of_one_folder_at_once(db_url, mini_dir):
    for i in range(6):  # more files widen the window in which the two imports overlap
        (mini_dir / "interviews" / f"extra{i}.txt").write_text(f"Ann: answer number {i}.\n", encoding="utf-8")
    Path(mini_dir / "codebook.yaml").read_text(encoding="utf-8")
    cmd = f"""
        import sys
        from fieldcode.cli import main
        sys.argv = ["fieldcode", "-C", {str(mini_dir)!r}, "--db", {db_url!r}, "import"]
        main()
    """
    first, second = spawn(cmd), spawn(cmd)
    for proc in (first, second):
        code = proc.wait(timeout=180)
        errs = proc.stderr.read()
        assert "Traceback" not in errs, errs
        assert code == 0, errs
    engine = sqlalchemy.create_engine(db_url)
    with engine.connect() as c:
        names = c.exec_driver_sql("SELECT name FROM interview ORDER BY name").scalars().all()
        # each interview's search index was written once, by the process that stored it
        indexed = c.exec_driver_sql("SELECT count(*) FROM word_index_state").scalar_one()
        doubled = c.exec_driver_sql("SELECT interview_id, lemma, norm FROM word_index GROUP BY interview_id, lemma, norm "
                                    "HAVING count(*) > 1").all()
    engine.dispose()
    assert names == ["a.md", "b.md", *[f"extra{i}.txt" for i in range(6)]]
    assert indexed == 8 and doubled == []
    p = Project.open(mini_dir, db=db_url, coder="ana")
    hits = S.search(p.store, S.Query("answer")).hits
    p.close()
    assert [(h.interview, h.start, h.end) for h in hits] == [(f"extra{i}.txt", 5, 11) for i in range(6)]


@pytest.mark.parametrize("field", ["key", "name"])
def test_length_limits_are_checked_before_the_database(db_url, mini_dir, field):
    long = "k" * 101 if field == "key" else "N" * 201
    cb = mini_dir / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    cb.write_text(text.replace("key: place" if field == "key" else "name: Place",
                               f"key: {long}" if field == "key" else f"name: {long}")
                  .replace("parent: place", f"parent: {long}" if field == "key" else "parent: place"),
                  encoding="utf-8")
    r = run_cli("-C", str(mini_dir), "codebook", "check")
    assert r.exit_code == 2
    assert f"the {field} is {len(long)} characters; the limit is {100 if field == 'key' else 200}" in r.output
    r = run_cli("-C", str(mini_dir), "--db", db_url, "import")
    assert r.exit_code == 2 and "Traceback" not in r.output
    engine = sqlalchemy.create_engine(db_url)
    assert sqlalchemy.inspect(engine).get_table_names() == []  # refused before the database was touched
    engine.dispose()


def test_length_limits_match_the_schema():
    from fieldcode.study import codebook
    from fieldcode.store.models import Code

    assert Code.__table__.c.key.type.length == codebook.KEY_MAX
    assert Code.__table__.c.name.type.length == codebook.NAME_MAX
    assert Code.__table__.c.colour.type.length == codebook.COLOUR_MAX
