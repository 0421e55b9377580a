"""The coding screen follows other coders' work by the events they leave, and its transcript
re-renders only the lines a change touches.  Both are speed work, so both are tested for the one
thing speed must never cost: what the screen shows is what the database holds, line for line.

* Following: another coder (another process, and another connection in this one) adds, changes,
  removes and undoes codings of the open interview; after each poll the screen's codings equal
  a plain SQL read of the coding table, and the screen never read the interview's codings whole.
  A change that leaves no event per coding (here a raw DELETE, and an import) is caught and
  the interview is read whole.
* Rendering: after each of a run of cursor moves, selections, codings, focus changes, a coder
  view switch, scrolling and a resize, every visible line as the screen paints it (from its
  cache) equals the line rendered from scratch.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from conftest import coding_screen as ready, copy_study

from fieldcode.project import Project
from fieldcode.tui import make_app
from fieldcode.tui.coding import CodingScreen

IV = "leeds-improving-01-resident"


@pytest.fixture
def study(bundled_imported, tmp_path):
    return copy_study(bundled_imported, tmp_path / "study")


def in_sql(study, iv_id: int) -> set[tuple]:
    con = sqlite3.connect(study / "fieldcode.db")
    try:
        return set(con.execute('SELECT id, code_id, coder, start, "end", memo FROM coding WHERE interview_id = ?',
                               (iv_id,)).fetchall())
    finally:
        con.close()


def on_screen(screen) -> set[tuple]:
    return {(s.id, s.code_id, s.coder, s.start, s.end, s.memo) for s in screen.all_spans}


def cli(study, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from fieldcode.cli.index import main; main()",
                           "--project", str(study), *args],
                          capture_output=True, text=True, timeout=120)


async def test_follows_other_coders_by_their_events(study, monkeypatch):
    ana = Project.open(study, coder="ana")
    ben = Project.open(study, coder="ben")
    iv = ana.store.interview(IV)
    other_id = next(i for i in ana.store.interview_ids() if i != iv.id)
    text = iv.text
    a = text.find("Eleven years.")
    app = make_app(ana, IV)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await ready(app, pilot)
            whole = []
            real = screen.store.coding_tuples
            monkeypatch.setattr(screen.store, "coding_tuples", lambda i: whole.append(i) or real(i))

            # ben, in another process: a coding on the open interview
            done = cli(study, "--coder", "ben", "code", "add", IV, "place", "--start", str(a), "--end", str(a + 6))
            assert done.returncode == 0, done.stderr
            # ben, here: two more, one changed, one removed; and one on another interview
            c1 = ben.store.add_coding(iv.id, "leadership", a, a + 13, "ben")
            c2 = ben.store.add_coding(iv.id, "housing", 0, 20, "ben")
            ben.store.update_coding(c1.id, "ben", code="housing")
            ben.store.remove_coding(c2.id, "ben")
            ben.store.add_coding(other_id, "place", 0, 10, "ben")
            screen._poll()
            await pilot.pause()
            assert on_screen(screen) == in_sql(study, iv.id)
            assert {s.coder for s in screen.all_spans} >= {"ben"}
            # two undos: the coding on the other interview goes, c2 comes back; followed too
            ben.store.undo("ben")
            ben.store.undo("ben")
            screen._poll()
            await pilot.pause()
            assert on_screen(screen) == in_sql(study, iv.id)
            assert c2.id in {s.id for s in screen.all_spans}
            # ana's own coding from this screen, then the poll: nothing to re-read
            await pilot.press("o")      # everyone's codings
            await pilot.pause()
            screen.transcript.select_offsets(a, a + 13)
            await pilot.pause()
            await pilot.press("1")
            await pilot.pause()
            screen._poll()
            await pilot.pause()
            assert on_screen(screen) == in_sql(study, iv.id)
            assert whole == [], "followed event by event, the interview is never read whole"

            # a change that left no event of its own: a raw DELETE beside a logged add
            con = sqlite3.connect(study / "fieldcode.db")
            con.execute("DELETE FROM coding WHERE id = ?", (c1.id,))
            con.commit()
            con.close()
            ben.store.add_coding(iv.id, "leadership", a + 7, a + 13, "ben")
            screen._poll()
            await pilot.pause()
            assert on_screen(screen) == in_sql(study, iv.id)
            assert c1.id not in {s.id for s in screen.all_spans}
            assert whole == [iv.id], "the count gave the unlogged change away: read whole once"

            # an import (another tool's codings) is read whole
            ben.store.insert_codings([{"interview_id": iv.id, "code_id": {c.key: c.id for c in ben.store.codes()}["place"],
                                       "coder": "cara", "start": 0, "end": 12}], action="import")
            screen._poll()
            await pilot.pause()
            assert on_screen(screen) == in_sql(study, iv.id)
            assert "cara" in {s.coder for s in screen.all_spans}
            assert whole == [iv.id, iv.id]
    finally:
        ben.close()
        ana.close()


def lines_both_ways(tr) -> tuple[list, list]:
    """Every visible line as painted (through the cache) and rendered from scratch."""
    painted, fresh = [], []
    for y in range(tr.size.height):
        painted.append([(seg.text, seg.style) for seg in tr.render_line(y)])
        fresh.append([(seg.text, seg.style) for seg in tr._render_line(y)])
    return painted, fresh


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_cached_lines_equal_fresh_ones(study, size):
    p = Project.open(study, coder="ana")
    iv = p.store.interview(IV)
    p.store.add_coding(iv.id, "leadership", iv.text.find("Eleven years."), iv.text.find("Eleven years.") + 13, "ben")
    app = make_app(p, IV)
    try:
        async with app.run_test(size=size) as pilot:
            screen = await ready(app, pilot)
            tr = screen.transcript
            steps = [("down",), ("down", "down"), ("s",), ("1",), ("right",), ("shift+right", "shift+right"),
                     ("ctrl+right",), ("shift+down", "shift+down", "shift+down"), ("left",), ("t",), ("2",), ("up",), ("o",), ("w", "W"), ("escape",), ("pagedown",),
                     ("s",), ("3",), ("tab",), ("shift+tab",), ("end",), ("home",), ("f2",), ("down",)]
            for keys in steps:
                await pilot.press(*keys)
                await pilot.pause()
                if not isinstance(app.screen, CodingScreen):
                    await pilot.press("escape")
                    await pilot.pause()
                painted, fresh = lines_both_ways(tr)
                for y, (got, want) in enumerate(zip(painted, fresh)):
                    assert got == want, f"after {keys}: line {y} as painted differs from a fresh render"
            await pilot.resize_terminal(size[0] - 17, size[1] - 3)
            await pilot.pause()
            painted, fresh = lines_both_ways(tr)
            assert painted == fresh
    finally:
        p.close()


async def test_a_cursor_step_renders_only_the_lines_it_touches(study):
    """The point of the cache: a cursor step re-renders its line(s), not the whole page."""
    p = Project.open(study, coder="ana")
    app = make_app(p, IV)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await ready(app, pilot)
            tr = screen.transcript
            await pilot.press("down", "down")
            await pilot.pause()
            rendered = []
            real = tr._render_line
            tr._render_line = lambda y: rendered.append(y) or real(y)
            await pilot.press("right")
            await pilot.pause()
            visible = tr.size.height
            assert 0 < len(rendered) <= 4 < visible, (rendered, visible)
    finally:
        p.close()


async def test_the_navigator_figures_are_computed_off_the_screen_thread(study, monkeypatch):
    """After a coding, the navigator's figures (a crosstab over the study) are computed on a
    worker thread and then shown: the coded interview's count is the database's, and the
    computation never ran on the screen's thread.  A result overtaken by a later change is
    dropped, not shown."""
    import threading

    import fieldcode.tui.side_panels as side_panels
    from fieldcode.tui.widgets import Navigator

    threads = []
    real = side_panels.navigator_shares
    monkeypatch.setattr(side_panels, "navigator_shares",
                        lambda store, coder: threads.append(threading.current_thread()) or real(store, coder))
    p = Project.open(study, coder="ana")
    iv = p.store.interview(IV)
    app = make_app(p, IV)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await ready(app, pilot)
            threads.clear()
            await pilot.press("down", "down", "down", "s", "1")
            for _ in range(20):
                await pilot.pause(0.1)
                await app.workers.wait_for_complete()
                if threads:
                    break
            await pilot.pause()
            assert threads and all(t is not threading.main_thread() for t in threads)
            n = len(in_sql(study, iv.id))
            assert n == 1
            nav = screen.query_one(Navigator)
            labels = [str(nd.label) for nd in _walk(nav.root) if nd.data == iv.id]
            assert len(labels) == 1 and labels[0].rstrip().endswith(f"{n}c"), labels
            # a result for an earlier change is dropped
            before = [str(nd.label) for nd in _walk(nav.root) if nd.data == iv.id]
            screen._side_computed([], {}, screen._side_generation - 1)
            assert [str(nd.label) for nd in _walk(nav.root) if nd.data == iv.id] == before
    finally:
        p.close()


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)
