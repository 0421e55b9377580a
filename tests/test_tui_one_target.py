"""Issue 21 point 1: every key that changes a coding acts on the ▶ coding, or refuses naming whose
it is.  Two coders' overlapping codings (ana's over two sentences, ben's over three, both from the
same first sentence); ana's screen shows everyone's; ``.`` moves ▶ to ben's.  Each key is pressed
with ▶ on ben's coding (nothing in the database changes, the message names ben) and with ▶ on
ana's (only ana's row changes).  Rows are read with plain SQL; expected offsets come from the
stored sentences."""

from __future__ import annotations

import pytest
from sqlalchemy import text as sql

from fieldcode.tui import make_app
from fieldcode.tui.modals import CodePicker, MemoEditor
from fieldcode.tui.widgets import DetailsPanel, LineCodes
from test_tui import IV, project, ready, study, tui_template  # noqa: F401 - fixtures
from test_tui_first_month import notes, screen_text


def rows(p) -> dict[str, tuple]:
    """coder -> (code key, start, end, memo) of their one coding, by plain SQL."""
    with p.store.engine.connect() as c:
        got = c.execute(sql("SELECT coding.coder, code.key, coding.start, coding.\"end\", coding.memo FROM coding "
                            "JOIN code ON code.id = coding.code_id ORDER BY coding.coder")).all()
    return {r[0]: (r[1], r[2], r[3], r[4] or "") for r in got}


def setup_overlap(p):
    """ana: Leadership over sentences k, k+1; ben: Housing over k .. k+2 (k: the first
    participant sentence with two more after it in the same turn)."""
    iv = p.store.interview(IV)
    sents = p.store.sentence_spans(iv.id)
    turns = [t for t in p.store.turn_spans(iv.id) if not t[4]]
    k = next(i for i, s in enumerate(sents[:-2])
             if any(t[2] <= s[0] and sents[i + 2][1] <= t[1] for t in turns) and s[1] - s[0] > 20)
    ana = p.store.add_coding(iv.id, "leadership", sents[k][0], sents[k + 1][1], "ana")
    ben = p.store.add_coding(iv.id, "housing", sents[k][0], sents[k + 2][1], "ben")
    return iv, sents, k, ana.id, ben.id


async def open_on_overlap(app, pilot, at: int):
    screen = await ready(app, pilot)
    screen.action_toggle_coders()                     # everyone's codings
    screen.transcript.move_to_offset(at)
    await pilot.pause()
    return screen


def details(screen) -> str:
    return str(screen.query_one(DetailsPanel).render())


def bar(screen) -> str:
    return str(screen.query_one(LineCodes).render())


async def mark_ben(screen, pilot, ben_id: int) -> None:
    assert screen.marked().coder == "ana"             # ▶ starts on the coder's own
    await pilot.press("full_stop")
    await pilot.pause()
    assert screen.marked().id == ben_id
    first = details(screen).splitlines()[0]
    assert first.startswith("▶") and "Housing" in first and "ben" in first
    assert bar(screen).startswith("▶ ■Housing") and "ben" in bar(screen)


KEYS = ["x", "delete", "e", "right_square_bracket", "left_square_bracket", "equals_sign", "m"]


@pytest.mark.parametrize("key", KEYS)
async def test_key_on_a_colleagues_marked_coding_refuses_and_names_them(project, key):  # noqa: F811
    iv, sents, k, ana_id, ben_id = setup_overlap(project)
    before = rows(project)
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_on_overlap(app, pilot, sents[k][0] + 2)
        await mark_ben(screen, pilot, ben_id)
        if key == "equals_sign":
            screen.transcript.select_offsets(*sents[k])   # a span to fit to, overlapping both
            await pilot.pause()
            assert screen.marked().id == ben_id
        app.clear_notifications()
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, (CodePicker, MemoEditor))   # no dialog for ben's coding
        assert "That coding is ben's" in notes(app) and "Housing" in notes(app)
        assert "Press . to mark" in notes(app)
    assert rows(project) == before                    # neither coding changed


async def test_each_key_acts_on_the_coders_own_marked_coding_only(project):  # noqa: F811
    iv, sents, k, ana_id, ben_id = setup_overlap(project)
    ben_row = ("housing", sents[k][0], sents[k + 2][1], "")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_on_overlap(app, pilot, sents[k][0] + 2)
        assert screen.marked().id == ana_id
        # ] extends ana's coding by a sentence, [ shrinks it back
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert rows(project) == {"ana": ("leadership", sents[k][0], sents[k + 2][1], ""), "ben": ben_row}
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert rows(project)["ana"] == ("leadership", sents[k][0], sents[k + 1][1], "")
        # = fits it to a selection (one sentence)
        screen.transcript.select_offsets(*sents[k])
        await pilot.pause()
        assert screen.marked().id == ana_id
        await pilot.press("equals_sign")
        await pilot.pause()
        assert rows(project) == {"ana": ("leadership", *sents[k], ""), "ben": ben_row}
        # e: the dialog names the code, the coder and the quote
        screen.transcript.move_to_offset(sents[k][0] + 2)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, CodePicker)
        shown = screen_text(app)
        quote_start = " ".join(project.store.interview(IV).text[sents[k][0]:sents[k][1]].split())[:25]
        assert "Leadership" in shown and "ana" in shown and quote_start in shown
        await pilot.press(*"aspiration", "enter")
        await pilot.pause()
        assert rows(project) == {"ana": ("aspiration", *sents[k], ""), "ben": ben_row}
        # m: a memo on ana's own coding, the dialog names it too
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MemoEditor)
        assert "Aspiration" in app.screen.title_text and "ana" in app.screen.title_text
        assert quote_start[:15] in app.screen.title_text
        await pilot.press(*"mine", "ctrl+s")
        await pilot.pause()
        assert rows(project) == {"ana": ("aspiration", *sents[k], "mine"), "ben": ben_row}
        # x removes ana's, ben's stays; the message names what went
        app.clear_notifications()
        await pilot.press("x")
        await pilot.pause()
        assert rows(project) == {"ben": ben_row}
        assert "Removed Aspiration" in notes(app) and "by ana" in notes(app)
        # now only ben's is under the cursor: x refuses, naming him
        await pilot.press("x")
        await pilot.pause()
        assert rows(project) == {"ben": ben_row}
        assert "That coding is ben's" in notes(app)


async def test_marked_coding_is_in_view_at_80x24_when_the_details_panel_is_full(project):  # noqa: F811
    iv, sents, k, ana_id, ben_id = setup_overlap(project)
    # four more codings of ana's on the same sentence fill the short details panel
    for key in ("aspiration", "place", "economy", "outward-looking"):
        project.store.add_coding(iv.id, key, *sents[k], "ana")
    app = make_app(project, IV)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_on_overlap(app, pilot, sents[k][0] + 2)
        # ▶ starts on ana's shortest (#3); . goes by length: #4 #5 #6 (one sentence), #1 (two), ben's
        await pilot.press(*["full_stop"] * 5)
        await pilot.pause()
        assert screen.marked().id == ben_id
        assert bar(screen).startswith(f"▶ ■Housing #{ben_id} ben")
        bar_region = screen.query_one(LineCodes).region
        assert bar_region.height == 1 and bar_region.bottom <= 24
        assert f"▶■Housing#{ben_id}ben" in screen_text(app).replace(" ", "")    # painted on screen
        panel = screen.query_one(DetailsPanel)
        first = details(screen).splitlines()[0]
        assert panel.size.height <= 5 and first.startswith("▶") and "ben" in first
        app.clear_notifications()
        await pilot.press("x")
        await pilot.pause()
        assert "That coding is ben's" in notes(app)
    assert len(rows(project)) == 2 and project.store.codings(coder="ben")[0].id == ben_id
