"""The store on SQLite and PostgreSQL: coding changes, the event log, undo/redo across
restarts, ownership, clear errors, connection pragmas, concurrent writers, migrations."""

import multiprocessing as mp
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from fieldcode.errors import Conflict, InvalidInput, NotFound
from fieldcode.project import Project
from fieldcode.store import Store


def span_of(p, name, quote):
    text = p.store.interview(name).text
    s = text.index(quote)
    return s, s + len(quote)


def state(p):
    return sorted((c.code_id, c.start, c.end, c.memo) for c in p.store.codings())


def test_add_update_remove_and_log(mini):
    p = mini
    s, e = span_of(p, "a.md", "We meet on Tuesdays.")
    c = p.store.add_coding("a.md", "leadership", s, e, "ana", memo="routine")
    assert c.quote_prefix == "We meet on Tuesdays."
    p.store.update_coding(c.id, "ana", code="housing", memo="moved")
    p.store.update_coding(c.id, "ana", end=e - 1)
    row = p.store.coding(c.id)
    assert (row.code_id, row.start, row.end, row.memo) == (p.store.code("housing").id, s, e - 1, "moved")
    p.store.remove_coding(c.id, "ana")
    assert p.store.codings() == []
    assert [ev.action for ev in reversed(p.store.events())] == ["add", "update", "update", "remove"]


def test_undo_redo_sequence_and_redo_discarded_by_new_change(mini):
    p = mini
    s1, e1 = span_of(p, "a.md", "Twenty years.")
    s2, e2 = span_of(p, "b.md", "The flats are damp.")
    lead, hous = p.store.code("leadership").id, p.store.code("housing").id
    a = p.store.add_coding("a.md", "leadership", s1, e1, "ana")
    b = p.store.add_coding("b.md", "housing", s2, e2, "ana")
    p.store.update_coding(a.id, "ana", memo="m")
    p.store.remove_coding(b.id, "ana")
    assert state(p) == [(lead, s1, e1, "m")]
    p.store.undo("ana")                      # undo remove -> b back
    assert state(p) == sorted([(lead, s1, e1, "m"), (hous, s2, e2, "")])
    p.store.undo("ana")                      # undo memo
    assert state(p) == sorted([(lead, s1, e1, ""), (hous, s2, e2, "")])
    p.store.redo("ana")                      # redo memo
    assert state(p) == sorted([(lead, s1, e1, "m"), (hous, s2, e2, "")])
    p.store.undo("ana")
    p.store.undo("ana")
    p.store.undo("ana")                      # back to nothing
    assert state(p) == []
    assert p.store.undo("ana") is None
    p.store.redo("ana")                      # re-add a
    assert state(p) == [(lead, s1, e1, "")]
    # a new change: the remaining undone changes can no longer be redone
    p.store.add_coding("a.md", "housing", s1, e1, "ana")
    assert p.store.redo("ana") is None


def test_undo_survives_restart_and_is_per_coder(mini_dir, db_url):
    p = Project.open(mini_dir, db=db_url, coder="ana")
    p.import_files()
    s, e = span_of(p, "a.md", "Twenty years.")
    p.store.add_coding("a.md", "leadership", s, e, "ana")
    p.store.add_coding("a.md", "leadership", s, e, "ben")
    p.close()
    q = Project.open(mini_dir, db=db_url, coder="ana")
    ev = q.store.undo("ana")
    assert ev.action == "add"
    assert [c.coder for c in q.store.codings()] == ["ben"]
    q.close()
    r = Project.open(mini_dir, db=db_url, coder="ana")
    r.store.redo("ana")
    assert sorted(c.coder for c in r.store.codings()) == ["ana", "ben"]
    r.close()


def test_coders_change_only_their_own_codings(mini):
    s, e = span_of(mini, "a.md", "Twenty years.")
    c = mini.store.add_coding("a.md", "leadership", s, e, "ana")
    with pytest.raises(Conflict, match="belongs to coder 'ana'"):
        mini.store.remove_coding(c.id, "ben")
    assert len(mini.store.codings()) == 1


def test_clear_errors_for_unknown_items_and_bad_spans(mini):
    n = len(mini.store.interview("b.md").text)
    with pytest.raises(NotFound, match="no interview 'nope'"):
        mini.store.add_coding("nope", "leadership", 0, 1, "ana")
    with pytest.raises(NotFound, match="no code 'nope'"):
        mini.store.add_coding("b.md", "nope", 0, 1, "ana")
    with pytest.raises(InvalidInput, match=rf"outside interview 'b.md' \(its text has {n} characters"):
        mini.store.add_coding("b.md", "leadership", 5, n + 1, "ana")
    with pytest.raises(InvalidInput):
        mini.store.add_coding("b.md", "leadership", 5, 5, "ana")
    with pytest.raises(NotFound, match="no coding #999"):
        mini.store.remove_coding(999, "ana")
    assert mini.store.codings() == [] and mini.store.events() == []


def test_interview_lookup_by_stem_and_id(mini):
    iv = mini.store.interview("a")
    assert iv.name == "a.md" and mini.store.interview(str(iv.id)).name == "a.md"


def test_sqlite_connection_pragmas(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'x.db'}")
    with st.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    st.close()
    # A foreign key violation is refused by the database itself
    con = sqlite3.connect(tmp_path / "x.db")
    con.execute("PRAGMA foreign_keys=ON")
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO attribute (interview_id, name, value) VALUES (42, 'pair', 'x')")
    con.close()


def test_migrations_match_models(db_url):
    st = Store(db_url)
    with st.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    st.close()


def _writer(db_url: str, root: str, coder: str, n: int, q) -> None:
    p = Project.open(root, db=db_url, coder=coder)
    text = p.store.interview("a.md").text
    # n distinct spans (start i % 20, length 1 + i // 20): an exact duplicate of one's own coding is refused
    assert len(text) > 20 + n // 20 + 1
    ids = [p.store.add_coding("a.md", "leadership", i % 20, i % 20 + 1 + i // 20, coder).id for i in range(n)]
    q.put(ids)
    p.close()


def test_two_concurrent_writers_keep_all_their_work(mini_dir, db_url):
    p = Project.open(mini_dir, db=db_url, coder="ana")
    p.import_files()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(db_url, str(mini_dir), c, 40, q)) for c in ("ana", "ben")]
    for pr in procs:
        pr.start()
    got = [q.get(timeout=120) for _ in procs]
    for pr in procs:
        pr.join(timeout=60)
        assert pr.exitcode == 0
    rows = p.store.codings()
    assert sorted(r.id for r in rows) == sorted(got[0] + got[1])
    assert {r.coder: 0 for r in rows}.keys() == {"ana", "ben"}
    assert len([e for e in p.store.events(limit=1000) if e.action == "add"]) == 80
    p.close()
