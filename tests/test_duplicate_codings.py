"""A coder's exact duplicate of their own coding (same interview, code and span) is refused: it
would count twice in every table.  Another coder may code exactly the same words (that is
agreement, not a duplicate).  A database that already holds duplicates (made before the refusal)
is left as it is and `summary` names them."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from conftest import copy_study
from fieldcode.cli import app
from fieldcode.errors import Conflict
from fieldcode.project import Project
from fieldcode.study.settings import Settings

runner = CliRunner()


def run(root, db, coder, *args):
    return runner.invoke(app, ["--project", str(root), "--db", db, "--coder", coder, *args], env={})


def span(p: Project, quote: str) -> tuple[int, int]:
    s = p.store.interview("a.md").text.index(quote)
    return s, s + len(quote)


def test_code_add_refuses_a_coders_own_duplicate_but_not_a_colleagues(mini, db_url):
    root = mini.root
    r = run(root, db_url, "ana", "code", "add", "a.md", "leadership", "--quote", "Twenty years.")
    assert r.exit_code == 0, r.output
    [first] = mini.store.codings(coder="ana")
    events = len(mini.store.events(limit=1000))

    again = run(root, db_url, "ana", "code", "add", "a.md", "leadership", "--quote", "Twenty years.")
    assert again.exit_code == 3
    assert f"coding #{first.id}" in again.output and "ana" in again.output and "leadership" in again.output
    assert "Traceback" not in again.output
    assert [c.id for c in mini.store.codings(coder="ana")] == [first.id]
    assert len(mini.store.events(limit=1000)) == events      # nothing logged either

    # ben codes exactly what ana coded: two coders, one passage, two codings
    r = run(root, db_url, "ben", "code", "add", "a.md", "leadership", "--quote", "Twenty years.")
    assert r.exit_code == 0, r.output
    # ana codes the same words with another code: not a duplicate
    r = run(root, db_url, "ana", "code", "add", "a.md", "housing", "--quote", "Twenty years.")
    assert r.exit_code == 0, r.output
    a, b = span(mini, "Twenty years.")
    got = sorted((c.coder, mini.store.code(c.code_id).key, c.start, c.end) for c in mini.store.codings())
    assert got == [("ana", "housing", a, b), ("ana", "leadership", a, b), ("ben", "leadership", a, b)]

    # changing ana's housing coding into a copy of her leadership one is refused too
    housing = next(c for c in mini.store.codings(coder="ana") if mini.store.code(c.code_id).key == "housing")
    r = run(root, db_url, "ana", "code", "change", str(housing.id), "--code", "leadership")
    assert r.exit_code == 3 and f"coding #{first.id}" in r.output
    assert mini.store.coding(housing.id).code_id == mini.store.code("housing").id


def test_store_writes_refuse_or_skip_a_duplicate(mini):
    store = mini.store
    a, b = span(mini, "We meet on Tuesdays.")
    iv = store.interview("a.md").id
    lead = store.code("leadership").id
    store.add_coding("a.md", "leadership", a, b, "ana")
    store.add_coding("a.md", "leadership", a, b, "ben")
    with pytest.raises(Conflict, match=r"coding #\d+"):
        store.add_coding("a.md", "leadership", a, b, "ana")
    # an accepted suggestion is the coder's own new coding ('add'): refused
    with pytest.raises(Conflict):
        store.insert_codings([dict(interview_id=iv, code_id=lead, coder="ana", start=a, end=b)], action="add")
    # an import of the same coding under another uid: skipped (importing twice adds nothing)
    added, skipped = store.insert_codings([dict(interview_id=iv, code_id=lead, coder="ben", start=a, end=b),
                                           dict(interview_id=iv, code_id=lead, coder="cy", start=a, end=b)],
                                          action="import")
    assert (len(added), skipped) == (1, 1) and added[0].coder == "cy"
    # the bulk add (codings CSV) skips as before
    added, skipped = store.add_codings([("a.md", "leadership", a, b, "ana", ""), ("a.md", "leadership", a, b, "dee", "")])
    assert [c.coder for c in added] == ["dee"] and skipped == 1
    assert sorted(c.coder for c in store.codings()) == ["ana", "ben", "cy", "dee"]


def test_summary_names_duplicates_already_in_a_database_and_changes_nothing(mini_dir, tmp_path):
    """A database written before the refusal: a second identical row put in with SQL."""
    db = tmp_path / "old.db"
    p = Project.open(mini_dir, db=f"sqlite:///{db}", coder="ana", settings=Settings())
    p.import_files()
    a, b = span(p, "Nobody wants to leave.")
    first = p.store.add_coding("a.md", "housing", a, b, "ana")
    p.store.add_coding("a.md", "housing", a, b, "ben")
    p.close()
    con = sqlite3.connect(db)
    cols = [r[1] for r in con.execute("PRAGMA table_info(coding)") if r[1] not in ("id",)]
    sel = ", ".join(f"'dup-uid'" if c == "uid" else f'"{c}"' for c in cols)
    con.execute(f'INSERT INTO coding ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                f"SELECT {sel} FROM coding WHERE id = ?", (first.id,))
    con.commit()
    [(dup_id,)] = con.execute("SELECT id FROM coding WHERE uid = 'dup-uid'").fetchall()
    before = con.execute("SELECT * FROM coding ORDER BY id").fetchall()
    con.close()

    r = run(mini_dir, f"sqlite:///{db}", "ana", "summary")
    assert r.exit_code == 0, r.output
    assert f"codings #{first.id}, #{dup_id} are identical" in r.output
    assert "2 times" in r.output
    assert "ben" not in r.output.split("warning:")[-1]     # ben's identical coding is not a duplicate
    con = sqlite3.connect(db)
    assert con.execute("SELECT * FROM coding ORDER BY id").fetchall() == before
    con.close()


async def test_the_coding_screen_shows_the_refusal_and_keeps_going(bundled_imported, tmp_path):
    """When the screen's own check misses a duplicate (stored from another terminal), the
    store's refusal is shown as a notification: nothing crashes, nothing is added."""
    from fieldcode.tui import make_app
    from fieldcode.tui.coding import CodingScreen

    iv_name = "leeds-improving-01-resident"
    root = copy_study(bundled_imported, tmp_path / "study")
    p = Project.open(root, coder="ana", settings=Settings())
    try:
        text = p.store.interview(iv_name).text
        s1 = text.find("Eleven years.")
        app = make_app(p, iv_name)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                await pilot.pause()
                if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
                    break
            other = p.store.add_coding(iv_name, "leadership", s1, s1 + len("Eleven years."), "ana")
            p.store.add_coding(iv_name, "leadership", s1, s1 + len("Eleven years."), "ben")
            await pilot.pause()
            # as if the screen had not heard of it yet (it refreshes from the database): its own
            # check cannot see the coding, so the refusal must come from the store
            screen = app.screen
            screen.all_spans = [sp for sp in screen.all_spans if sp.id != other.id]
            await pilot.press("down", "down", "s")
            assert app.screen.transcript.selection_offsets == (s1, s1 + len("Eleven years."))
            await pilot.press("1")
            await pilot.pause()
            messages = " | ".join(str(n.message) for n in app._notifications)
            assert f"#{other.id}" in messages
            assert sorted(c.coder for c in p.store.codings(p.store.interview(iv_name).id)) == ["ana", "ben"]
    finally:
        p.close()
