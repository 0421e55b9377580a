"""One snapshot per screen at 80x24 and at 200x60 (pytest-textual-snapshot).  Deterministic: fixed coder, fixed size,
codings placed by text search, no clock in the header.  Update with --snapshot-update after
looking at the new SVGs."""

from __future__ import annotations

import pytest

from fieldcode.tui import make_app
from fieldcode.tui.coding import CodingScreen
from test_tui import IV, project, study, tui_template  # noqa: F401 - fixtures

SIZES = pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])


@pytest.fixture
def coded(project):  # noqa: F811
    iv = project.store.interview(IV)
    t = iv.text
    a = t.find("Eleven years.")
    b = t.find("It was the first place")
    c = t.find("the rubbish is still a disgrace")
    project.store.add_coding(iv.id, "leadership", a, b - 1, "ana")
    project.store.add_coding(iv.id, "aspiration", t.find("We moved here"), b + 30, "ana")
    project.store.add_coding(iv.id, "crime-and-grime", c, c + 31, "ben")
    # fixed times, so the details panel renders the same every run
    from sqlalchemy import text

    with project.store.engine.begin() as conn:
        conn.execute(text("UPDATE coding SET created_at = '2025-05-01 10:00:00.000000', "
                          "updated_at = '2025-05-01 10:00:00.000000'"))
    return project


async def _wait_ready(pilot) -> None:
    for _ in range(100):
        await pilot.pause()
        if isinstance(pilot.app.screen, CodingScreen) and pilot.app.screen.iv_id:
            break
    await pilot.pause()


@SIZES
def test_snapshot_coding_screen(snap_compare, coded, size):
    async def before(pilot):
        await _wait_ready(pilot)
        pilot.app.screen.action_toggle_coders()      # everyone's codings: ana's and ben's
        await pilot.press("down", "down", "right", "right", "right", "right", "right", "right", "right", "right",
                          "right", "right", "right", "right", "right", "right", "right", "right", "right")
        await pilot.pause(0.5)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=size, run_before=before)


@SIZES
def test_snapshot_code_picker(snap_compare, coded, size):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("down", "down", "s", "c", "p", "l", "a")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=size, run_before=before)


@SIZES
def test_snapshot_retrieval_screen(snap_compare, coded, size):
    async def before(pilot):
        await _wait_ready(pilot)
        pilot.app.screen.action_toggle_coders()
        pilot.app.clear_notifications()
        await pilot.press("r")
        for _ in range(200):
            await pilot.pause()
            if not getattr(pilot.app.screen, "busy", True):
                break
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=size, run_before=before)


@SIZES
def test_snapshot_help_screen(snap_compare, coded, size):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=size, run_before=before)


@SIZES
def test_snapshot_memo_editor(snap_compare, coded, size):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("down", "down", "right", "right", "right", "right", "right", "right", "right", "right",
                          "right", "right", "m")
        await pilot.pause()
        await pilot.press("t", "w", "i", "n", "space", "c", "o", "n", "t", "r", "a", "s", "t")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=size, run_before=before)


@SIZES
def test_snapshot_in_vivo_prompt(snap_compare, coded, size):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.pause(0.5)                        # the side panels fill in after the first paint
        await pilot.press("down", "down", "w", "v")
        await pilot.pause()
        from textual.widgets import Input

        pilot.app.screen.query_one(Input).cursor_blink = False   # a blinking cursor made this flaky
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=size, run_before=before)


@SIZES
def test_snapshot_memo_list(snap_compare, coded, size):
    from fieldcode import store as storemod

    iv = coded.store.interview(IV)
    w = iv.text.find("We moved here")
    storemod.add_memo(coded.store, "ana", "Moved for a garden: housing as a pull.", interview_id=iv.id,
                      start=w, end=w + 13)
    storemod.add_memo(coded.store, "ben", "Compare with Kelder Bank.", interview_id=iv.id)
    with coded.store.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE memo SET created_at = '2025-05-02 09:00:00.000000', "
                          "updated_at = '2025-05-02 09:00:00.000000'"))

    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("M")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=size, run_before=before)


@SIZES
def test_snapshot_code_actions(snap_compare, coded, size):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("down", "down", "right", "right", "k")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=size, run_before=before)


@SIZES
def test_snapshot_code_filter(snap_compare, coded, size):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("f")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=size, run_before=before)
