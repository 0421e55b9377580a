"""Migration 0002 brings a project made by the previous release over without losing or
renumbering anything, and gives every coding and event the identity the old log implies.

The database is built with the previous release's schema (Alembic revision 0001) and rows as
that release wrote them, including the id reuse it suffered from on SQLite: ana's coding #2 was
undone, ben's new coding got #2 again, and ana's redo then overwrote it."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import text as sql

from fieldcode.store.migrations import config, head
from fieldcode.store import Store, make_engine

T = "2026-11-20 10:00:00.000000"


def snap(cid, coder, start, end, memo=""):
    return json.dumps({"id": cid, "interview_id": 1, "code_id": 1, "coder": coder, "start": start, "end": end,
                       "quote_prefix": "x", "quote_sha256": "x", "memo": memo,
                       "created_at": "2026-11-20T10:00:00+00:00", "updated_at": "2026-11-20T10:00:00+00:00"})


def old_release_db(url):
    engine = make_engine(url)
    command.upgrade(config(engine), "0001")
    with engine.begin() as c:
        c.execute(sql("insert into interview (id, name, source_path, format, sha256, text, n_chars, n_words, "
                      "imported_at, updated_at) values (1, 'a.md', 'a.md', 'md', 'h', :t, 40, 8, :at, :at)"),
                  {"t": "Jo: one two three four five six seven.\n", "at": T})
        c.execute(sql("insert into code (id, key, name, colour, definition, use_when, not_when, example, keywords, "
                      "position) values (1, 'lead', 'Lead', '#111111', '', '', '', '', '[]', 0)"))
        rows = [
            # id, coder, action, coding_id, target_id, before, after, state
            (1, "ana", "add", 1, None, None, snap(1, "ana", 4, 7), "done"),
            (2, "ana", "add", 2, None, None, snap(2, "ana", 8, 11), "done"),
            (3, "ana", "undo", 2, 2, None, None, "final"),
            (4, "ben", "add", 2, None, None, snap(2, "ben", 12, 17, "ben's work"), "done"),
            (5, "ana", "redo", 2, 2, None, None, "final"),
            (6, "ana", "add", 3, None, None, snap(3, "ana", 18, 21), "done"),
            (7, "ana", "remove", 3, None, snap(3, "ana", 18, 21), None, "done"),
        ]
        for r in rows:
            c.execute(sql("insert into event (id, at, coder, action, coding_id, interview_id, target_id, before, "
                          "after, state) values (:id, :at, :coder, :action, :cid, 1, :tid, :b, :a, :st)"),
                      dict(zip(("id", "coder", "action", "cid", "tid", "b", "a", "st"), r), at=T))
        # event 2's state as the old release left it: redone
        c.execute(sql("update event set state = 'done' where id = 2"))
        # live rows: #1 ana's, #2 ana's again (the redo overwrote ben's), #3 removed
        for cid, coder, s, e in ((1, "ana", 4, 7), (2, "ana", 8, 11)):
            c.execute(sql("insert into coding (id, interview_id, code_id, coder, start, \"end\", quote_prefix, "
                          "quote_sha256, memo, created_at, updated_at) values (:i, 1, 1, :c, :s, :e, 'x', 'x', '', "
                          ":at, :at)"), {"i": cid, "c": coder, "s": s, "e": e, "at": T})
        if c.dialect.name == "postgresql":   # rows were given explicit ids: move the sequences past them
            for table in ("interview", "code", "event", "coding"):
                c.execute(sql(f"select setval(pg_get_serial_sequence('{table}', 'id'), (select max(id) from {table}))"))
    engine.dispose()


def test_old_project_migrates_without_loss(db_url):
    old_release_db(db_url)
    st = Store(db_url)               # opening migrates to head
    try:
        with st.engine.connect() as c:
            assert c.execute(sql("select version_num from alembic_version")).scalar() == head()
        codings = {c.id: c for c in st.codings()}
        assert sorted(codings) == [1, 2]                                   # nothing renumbered or dropped
        assert [(codings[i].coder, codings[i].start, codings[i].end) for i in (1, 2)] == [("ana", 4, 7), ("ana", 8, 11)]
        uids = {c.uid for c in codings.values()}
        assert len(uids) == 2 and all(len(u) == 32 for u in uids)
        ev = {e.id: e for e in st.events(limit=100)}
        assert len(ev) == 7
        # the replay: event 2 (ana's add #2), its undo and redo are one life; ben's add (event 4)
        # was another life of number 2, which the old redo destroyed
        assert ev[2].coding_uid == ev[3].coding_uid == ev[5].coding_uid == codings[2].uid
        assert ev[4].coding_uid not in uids and ev[4].coding_uid != ev[2].coding_uid
        assert ev[1].coding_uid == codings[1].uid
        assert ev[6].coding_uid == ev[7].coding_uid and ev[6].coding_uid not in uids
        # numbers the log has named are never handed out again: #3 was removed, the next is #4
        s, e = 4, 7
        new = st.add_coding(1, "lead", s, e, "ben")
        assert new.id == 4
        # and ana's undo works on her own coding #3's removal, restoring it under its old number
        undone = st.undo("ana")
        assert undone.id == 7
        assert sorted(c.id for c in st.codings()) == [1, 2, 3, 4]
        assert st.coding(4).coder == "ben"
    finally:
        st.close()


def test_upgrading_twice_changes_nothing(db_url):
    old_release_db(db_url)
    a = Store(db_url)
    before = [(c.id, c.uid) for c in a.codings()]
    a.close()
    b = Store(db_url)
    try:
        assert [(c.id, c.uid) for c in b.codings()] == before
    finally:
        b.close()


@pytest.mark.parametrize("n", [3])
def test_sqlite_never_reissues_a_freed_number(tmp_path, n):
    st = Store(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with st.write() as s:
            s.connection().execute(sql("insert into interview (name, source_path, format, sha256, text, n_chars, "
                                       "n_words, interviewer_labels, imported_at, updated_at) values "
                                       "('a', 'a', 'txt', 'h', 'one two three', 13, 3, '[]', :at, :at)"), {"at": T})
            s.connection().execute(sql("insert into code (key, name, colour, definition, use_when, not_when, example, "
                                       "keywords, position) values ('k', 'K', '#111111', '', '', '', '', '[]', 0)"))
        seen = []
        for _ in range(n):
            c = st.add_coding(1, "k", 0, 3, "ana")
            seen.append(c.id)
            st.remove_coding(c.id, "ana")
        assert seen == [1, 2, 3]
    finally:
        st.close()


def test_two_copies_upgraded_apart_agree_on_uids(tmp_path):
    """A team copies an old project to two laptops and upgrades each: the shared codings and
    events get the same uids, so a later merge matches them."""
    import shutil

    a = tmp_path / "a.db"
    old_release_db(f"sqlite:///{a}")
    b = tmp_path / "b.db"
    shutil.copy(a, b)
    sa, sb = Store(f"sqlite:///{a}"), Store(f"sqlite:///{b}")
    try:
        assert [(c.id, c.uid) for c in sa.codings()] == [(c.id, c.uid) for c in sb.codings()]
        assert [(e.id, e.coding_uid) for e in sa.events(limit=100)] == [(e.id, e.coding_uid) for e in sb.events(limit=100)]
    finally:
        sa.close()
        sb.close()
