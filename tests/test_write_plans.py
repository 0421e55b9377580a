"""Every statement a coding write runs finds its rows by an index: none walks the event log or
the coding table, which grow for as long as a study lasts (a write that walked the coder's
events took 41 ms at 100,000 of them, most of a key press in the coding screen).

Two coders' writes (add, change, remove, undo, redo, a second add after undo) on a real SQLite
file whose event log already holds 20,000 events are captured as they run.  Each read, update
or delete among them is then run again (and rolled back) while SQLite counts the virtual-machine
instructions it executes, first with those 20,000 events and then with 60,000: work that walks
the log grows with it; work done through an index does not.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event

from fieldcode.project import Project

STEP = 100   # instructions per progress call


def work(db, statements) -> list[int]:
    """SQLite instructions (in hundreds) each read, update or delete takes, each rolled back."""
    con = sqlite3.connect(db, isolation_level=None)
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    con.set_progress_handler(tick, STEP)
    out = []
    try:
        for sql, params in statements:
            counted[0] = 0
            con.execute("BEGIN")
            con.execute(sql, params).fetchall()
            con.execute("ROLLBACK")
            out.append(counted[0])
    finally:
        con.close()
    return out


def add_events(db, iv_id: int, n: int) -> None:
    con = sqlite3.connect(db)
    con.executemany("INSERT INTO event (at, coder, action, coding_id, interview_id, state) "
                    "VALUES ('2025-01-01 00:00:00', ?, 'add', 1, ?, ?)",
                    [(("ana", "ben")[i % 2], iv_id, ("done", "final", "discarded")[i % 3]) for i in range(n)])
    con.commit()
    con.execute("ANALYZE")
    con.close()


def test_coding_writes_read_by_index(mini_dir):
    p = Project.open(mini_dir, coder="ana")
    p.import_files()
    iv = p.store.interview("a.md")
    db = mini_dir / "fieldcode.db"
    add_events(db, iv.id, 20_000)
    ben = Project.open(mini_dir, coder="ben")
    seen: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if not executemany:
            seen.append((statement, tuple(parameters or ())))

    for store in (p.store, ben.store):
        event.listen(store._writer, "before_cursor_execute", capture)
    try:
        a = p.store.add_coding(iv.id, "leadership", 0, 5, "ana")
        b = ben.store.add_coding(iv.id, "leadership", 0, 5, "ben")
        p.store.update_coding(a.id, "ana", end=7)
        ben.store.remove_coding(b.id, "ben")
        p.store.undo("ana")
        ben.store.undo("ben")
        p.store.redo("ana")
        ben.store.add_coding(iv.id, "leadership", 2, 9, "ben")
    finally:
        for store in (p.store, ben.store):
            event.remove(store._writer, "before_cursor_execute", capture)
    reads = [(sql, params) for sql, params in seen if sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))]
    assert len(reads) > 20
    before = work(db, reads)
    add_events(db, iv.id, 40_000)
    after = work(db, reads)
    grew = [(sql, x, y) for (sql, _), x, y in zip(reads, before, after) if y > x * 1.5 + 5]
    assert grew == []
    # the test can fail: without its index, the update every write runs walks the coder's events
    con = sqlite3.connect(db)
    con.execute("DROP INDEX ix_event_coder_state")
    con.commit()
    con.close()
    slow = work(db, reads)
    assert any("UPDATE event" in sql and y > 10 * x for (sql, _), x, y in zip(reads, after, slow))
    p.close()
    ben.close()
