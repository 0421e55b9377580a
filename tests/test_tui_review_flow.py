"""The review screen driven by real key presses (Pilot), two coders: passages by default, the unit
chosen in the screen, the span adjusted by word, sentence and turn keys, settled / open progress,
and a restart that resumes where the reviewer stopped.  Assertions on the consensus codings in the
database and on what the widgets render."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from agreement_helpers import code, make_store
from fieldcode.team.consensus import Review
from fieldcode.tui.review import make_review_app

X = "Ann: Alpha one. Alpha two. Alpha three.\nBob: Beta one. Beta two.\n"
SENTS = ["Alpha one.", "Alpha two.", "Alpha three.", "Beta one.", "Beta two."]


def at(part):
    i = X.find(part)
    assert i >= 0 and X.count(part) == 1, part
    return i, i + len(part)


@pytest.fixture
def store(tmp_path):
    s = make_store(f"sqlite:///{tmp_path / 'flow.db'}", tmp_path,
                   [{"name": "x", "text": X, "labelled": True, "sentences": [at(p) for p in SENTS]}])
    code(s, "x", "k1", at("Alpha one.")[0], at("Alpha three.")[1], "ana")   # ana: k1 on Ann's whole turn
    code(s, "x", "k3", *at("Alpha two."), "ana")                            # both: k3 on "Alpha two."
    code(s, "x", "k3", *at("Alpha two."), "ben")
    code(s, "x", "k1", *at("Beta one."), "ana")                             # ana: k1 on "Beta one."
    code(s, "x", "k2", *at("Beta two."), "ben")                             # ben: k2 on "Beta two."
    yield s
    s.close()


def consensus(s):
    keys = {c.id: c.key for c in s.codes()}
    return sorted((keys[c.code_id], X[c.start:c.end]) for c in s.codings() if c.coder == "cons")


def shown(app, wid):
    return str(app.screen.query_one(wid, Static).render())


async def test_unit_is_chosen_in_the_screen(store):
    app = make_review_app(Review(store, coders=["ana", "ben"], consensus="cons"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        # passages by default: Ann's turn (k1), "Beta one." (k1), "Beta two." (k2)
        assert "item 1 of 3" in shown(app, "#progress") and "unit: passage" in shown(app, "#progress")
        assert "One" in shown(app, "#where")                  # the code's name, not its key
        await pilot.press("u")
        await pilot.pause()
        assert "item 1 of 5" in shown(app, "#progress") and "unit: sentence" in shown(app, "#progress")
        await pilot.press("u")
        await pilot.pause()
        assert "of 2" in shown(app, "#progress") and "unit: turn" in shown(app, "#progress")
        await pilot.press("u")                                  # back to passages
        await pilot.pause()
        assert "0 of 3 settled · 3 open" in shown(app, "#progress")
        await pilot.press("u", "o")                             # by sentence: keep both on "Alpha one."
        await pilot.pause()
        # ana's k1 covers the turn: "Alpha two." and "Alpha three." are settled with it
        assert "3 of 5 settled · 2 open" in shown(app, "#progress")
        assert "item 4 of 5" in shown(app, "#progress")
        await pilot.press("q")
    assert consensus(store) == [("k1", "Alpha one. Alpha two. Alpha three.")]


async def test_span_keys_word_sentence_turn_and_progress(store):
    app = make_review_app(Review(store, coders=["ana", "ben"], consensus="cons"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        # item 1, Ann's turn: adjust, sentence steps (the default), end one sentence back
        await pilot.press("e", "left")
        await pilot.pause()
        assert "Alpha one. Alpha two.”" in shown(app, "#adjusting")
        await pilot.press("enter")
        await pilot.pause()
        assert "1 of 3 settled · 2 open" in shown(app, "#progress") and "item 2 of 3" in shown(app, "#progress")
        # item 2, "Beta one.": by word, the end one word on
        await pilot.press("e", "w", "right", "enter")
        await pilot.pause()
        # item 3, "Beta two.": by turn, the start back to the turn's start (after "Bob: ")
        await pilot.press("e", "t", "shift+left")
        await pilot.pause()
        assert "step: turn" in shown(app, "#adjusting")
        await pilot.press("enter")
        await pilot.pause()
        assert "3 of 3 settled · 0 open" in shown(app, "#progress")
        # Esc while adjusting cancels without writing (and a settled item refuses e)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("q")
    # adjust writes both sides' codes over the span: item 1 had k1 (ana) and k3 (both)
    assert consensus(store) == [("k1", "Alpha one. Alpha two."), ("k1", "Beta one. Beta"),
                                ("k2", "Beta one. Beta two."), ("k3", "Alpha one. Alpha two.")]


async def test_escape_cancels_an_adjustment(store):
    app = make_review_app(Review(store, coders=["ana", "ben"], consensus="cons"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("e", "right", "escape")
        await pilot.pause()
        assert "item 1 of 3" in shown(app, "#progress") and "0 of 3 settled" in shown(app, "#progress")
        assert app.is_running                                    # Esc cancelled; it did not close
        await pilot.press("right")                               # not adjusting: next item
        await pilot.pause()
        assert "item 2 of 3" in shown(app, "#progress")
    assert consensus(store) == []


async def test_a_restart_resumes_where_the_reviewer_stopped(store):
    app = make_review_app(Review(store, coders=["ana", "ben"], consensus="cons"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("right", "right")                      # skip to item 3 without deciding
        await pilot.pause()
        assert "item 3 of 3" in shown(app, "#progress")
        await pilot.press("q")
    app = make_review_app(Review(store, coders=["ana", "ben"], consensus="cons"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "item 3 of 3 (open)" in shown(app, "#progress")   # not item 1, the first open one
        await pilot.press("b")                                   # ben's k2 on "Beta two."
        await pilot.pause()
        # the next open item after 3 wraps to item 1
        assert "item 1 of 3" in shown(app, "#progress") and "1 of 3 settled" in shown(app, "#progress")
        await pilot.press("a")                                   # ana's k1 (and k3) over Ann's turn
        await pilot.pause()
        await pilot.press("q")
    app = make_review_app(Review(store, coders=["ana", "ben"], consensus="cons"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "item 2 of 3 (open)" in shown(app, "#progress") and "2 of 3 settled · 1 open" in shown(app, "#progress")
        await pilot.press("q")
    assert consensus(store) == [("k1", "Alpha one. Alpha two. Alpha three."), ("k2", "Beta two."),
                                ("k3", "Alpha two.")]
