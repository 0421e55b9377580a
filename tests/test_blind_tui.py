"""The coding screen for a blind coder (issue 22 points 1, 2 and 4), driven with Pilot pressing
real keys: the transcript masked with same-length masks (every offset true: a coding made on
the masked screen covers the stored words), interviews under their labels, no hidden attribute,
only the coder's own codings, the study-wide screens refused, and every screen reachable from
the coding screen searched for the hidden values (worked out from the transcripts' front
matter in tests/test_blind.py)."""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3

import pytest

from conftest import copy_study
from test_blind import blind_codebook, hidden_values, leaks, runner
from fieldcode.cli import app as cli_app
from fieldcode.project import Project
from fieldcode.tui import make_app

SIZE = (120, 40)


@pytest.fixture
def blind_study(bundled_coded, tmp_path):
    root = copy_study(bundled_coded, tmp_path / "study")
    blind_codebook(root)
    assert runner.invoke(cli_app, ["-C", str(root), "--coder", "ben", "codebook", "sync"]).exit_code == 0
    return root


def screen_text(app) -> str:  # noqa: ANN001
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\u00a0", " ")


def notes(app) -> str:  # noqa: ANN001
    return "\n".join(n.message for n in app._notifications)


def test_the_blind_coding_screen_masks_labels_and_refuses(blind_study):
    async def go() -> None:
        p = Project.open(blind_study, coder="ana")
        stored = {iv.name: p.store.interview(iv.name).text for iv in p.store.interview_infos()}
        app = make_app(p)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            scr = app.screen
            real = p.store.real.interview(scr.iv_id)
            shown = scr.transcript.text
            assert len(shown) == len(real.text) and shown.count("\n") == real.text.count("\n")
            assert shown != real.text and "[place" in shown
            assert re.fullmatch(r"I-\w{3,}", scr.iv_name) and scr.iv_attrs.keys() <= {"role", "date", "source",
                                                                                     "interviewer", "turns"}
            # only ana's codings show (the bundled study has ben's on every interview too)
            assert {s.coder for s in scr.all_spans} <= {"ana"}
            with sqlite3.connect(blind_study / "fieldcode.db") as con:
                others = con.execute("select count(*) from coding where coder = 'ben' and interview_id = ?",
                                     (real.id,)).fetchone()[0]
            assert others > 0
            texts = [screen_text(app)]
            # a coding made on the masked screen covers the stored words: select a masked place name
            # with the words around it and code it with hotkey 1
            m = re.search(r"\[place[^\]]*\]", shown)
            a, b = max(0, m.start() - 12), m.end() + 5
            scr.transcript.select_offsets(a, b)
            await pilot.press("1")
            await pilot.pause(0.3)
            with sqlite3.connect(blind_study / "fieldcode.db") as con:
                row = con.execute("select start, end, quote_prefix, blind from coding where coder = 'ana' "
                                  "order by id desc limit 1").fetchone()
            assert row == (a, b, real.text[a:b][:80], 1), (row, real.text[a:b])
            for key in ("a", "A", "F", "slash", "g", "r", "M", "P", "I"):
                await pilot.press(key)
                await pilot.pause(0.2)
                assert app.screen is scr, f"{key} opened {app.screen!r} for a blind coder"
                texts.append(screen_text(app))
            assert notes(app).count("while the study is blind") >= 9
            for key in ("question_mark", "i", "o", "R", "right_curly_bracket", "ctrl+p"):
                await pilot.press(key)
                await pilot.pause(0.3)
                texts.append(screen_text(app))
                if key == "ctrl+p":
                    await pilot.press(*"open")
                    await pilot.pause(0.5)
                    texts.append(screen_text(app))
                await pilot.press("escape")
                await pilot.pause(0.2)
            texts.append(notes(app))
            for i, t in enumerate(texts):
                flat = " ".join(t.split())
                where = [flat[max(0, m.start() - 200):m.end() + 40] for v in leaks(t)
                         for m in re.finditer(re.escape(v), flat, re.IGNORECASE)]
                assert not leaks(t), (i, leaks(t), where[:3])
            # H twice hands the interview in
            iid = app.screen.iv_id
            await pilot.press("H")
            await pilot.press("H")
            await pilot.pause(0.3)
            assert "handed in" in notes(app)
            _ = stored
        with sqlite3.connect(blind_study / "fieldcode.db") as con:
            got = con.execute("select coder, interview_id from event where action = 'handin'").fetchall()
        assert got == [("ana", iid)]
        p.close()

    asyncio.run(go())


def test_the_lead_sees_names_and_everything(blind_study):
    async def go() -> None:
        p = Project.open(blind_study, coder="ben")
        app = make_app(p)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            scr = app.screen
            assert scr.transcript.text == p.store.interview(scr.iv_id).text
            assert "arm" in scr.iv_attrs
            assert leaks(screen_text(app))      # the check can fail: the lead's screen names them
        p.close()

    asyncio.run(go())


def test_hidden_values_are_worked_out_from_the_files():
    vals = hidden_values()
    assert {"Leeds", "Ashcliffe", "improving", "lagging", "LDS-A-01", "leeds-improving-01-resident"} <= set(vals)
