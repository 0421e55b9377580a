"""One snapshot per screen (pytest-textual-snapshot).  Deterministic: fixed coder, fixed size,
codings placed by text search, no clock in the header.  Update with --snapshot-update after
looking at the new SVGs."""

from __future__ import annotations

import pytest

from fieldcode.tui import make_app
from fieldcode.tui.coding import CodingScreen
from test_tui import IV, project, study, tui_template  # noqa: F401 - fixtures

SIZE = (100, 30)


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


def test_snapshot_coding_screen(snap_compare, coded):
    async def before(pilot):
        await _wait_ready(pilot)
        pilot.app.screen.action_toggle_coders()      # everyone's codings: ana's and ben's
        await pilot.press("down", "down", "right", "right", "right", "right", "right", "right", "right", "right",
                          "right", "right", "right", "right", "right", "right", "right", "right", "right")
        await pilot.pause(0.5)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=SIZE, run_before=before)


def test_snapshot_code_picker(snap_compare, coded):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("down", "down", "s", "c", "p", "l", "a")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=SIZE, run_before=before)


def test_snapshot_retrieval_screen(snap_compare, coded):
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

    assert snap_compare(make_app(coded, IV), terminal_size=SIZE, run_before=before)


def test_snapshot_help_screen(snap_compare, coded):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=SIZE, run_before=before)


def test_snapshot_memo_editor(snap_compare, coded):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("down", "down", "right", "right", "right", "right", "right", "right", "right", "right",
                          "right", "right", "m")
        await pilot.pause()
        await pilot.press("t", "w", "i", "n", "space", "c", "o", "n", "t", "r", "a", "s", "t")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=SIZE, run_before=before)


def test_snapshot_in_vivo_prompt(snap_compare, coded):
    async def before(pilot):
        await _wait_ready(pilot)
        await pilot.press("down", "down", "w", "v")
        await pilot.pause()

    assert snap_compare(make_app(coded, IV), terminal_size=SIZE, run_before=before)
