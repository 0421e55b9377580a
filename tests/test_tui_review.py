"""The disagreement review: headless decisions, and the screen driven by real key presses
(Pilot), asserting on the database and on what the widgets render.

These tests review by sentence (``unit="sentence"``): they were written when the sentence was
the review's only item, and "Two." and "Three." below (both k2, ben only) would be one passage in
the review's default unit now (tests/test_review_items.py and tests/test_tui_review_flow.py)."""

from __future__ import annotations

import json

import pytest

from agreement_helpers import code, make_store
from fieldcode.team.consensus import Review
from fieldcode.errors import InvalidInput
from fieldcode.team.reliability import ALL, agreement

Y = "One. Two. Three."


def at(text, part):
    i = text.find(part)
    assert i >= 0 and text.count(part) == 1
    return i, i + len(part)


def build(url, tmp_path):
    sents = [at(Y, p) for p in ("One.", "Two.", "Three.")]
    s = make_store(url, tmp_path, [{"name": "y", "text": Y, "sentences": sents}])
    code(s, "y", "k1", *at(Y, "One"), "ana")            # ana only: k1 on "One."
    code(s, "y", "k2", *at(Y, "Two"), "ben")            # ben only: k2 on "Two."
    code(s, "y", "k1", *at(Y, "Three"), "ana")          # both k1 on "Three.", ben also k2
    code(s, "y", "k1", *at(Y, "Three"), "ben")
    code(s, "y", "k2", *at(Y, "Three."), "ben")
    return s


@pytest.fixture
def store(db_url, tmp_path):
    """Headless decisions: SQLite and PostgreSQL."""
    s = build(db_url, tmp_path)
    yield s
    s.close()


@pytest.fixture
def tui_store(tmp_path):
    """The screen tests: SQLite only (the decisions underneath are tested on both)."""
    s = build(f"sqlite:///{tmp_path / 'review.db'}", tmp_path)
    yield s
    s.close()


def consensus_codings(s, who="cons"):
    keys = {c.id: c.key for c in s.codes()}
    return sorted((keys[c.code_id], c.start, c.end) for c in s.codings() if c.coder == who)


def test_decisions_write_linked_consensus_codings_and_resume(store):
    r = Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence")
    assert [it.disagreement.differing for it in r.items] == [["k1"], ["k2"], ["k2"]]
    assert r.progress() == "0 of 3 settled · 3 open"
    before = {(c.coder, c.uid, c.start, c.end, c.memo) for c in store.codings() if c.coder != "cons"}
    assert r.decide(0, "a") == 1                          # ana's k1 on "One"
    assert r.decide(1, "neither") == 0                    # nothing both applied on "Two."
    assert r.decide(2, "both") == 2                       # k1 "Three" (same span twice: once), k2 "Three."
    assert r.progress() == "3 of 3 settled · 0 open"
    assert consensus_codings(store) == [("k1", *at(Y, "One")), ("k1", *at(Y, "Three")), ("k2", *at(Y, "Three."))]
    # nobody else's work changed
    assert {(c.coder, c.uid, c.start, c.end, c.memo) for c in store.codings() if c.coder != "cons"} == before
    # each consensus coding names its sources in the event log
    uid_of = {(c.coder, c.start, c.end, c.code_id): c.uid for c in store.codings()}
    ev = [e for e in store.events(coder="cons", limit=50) if e.coding_uid]
    srcs = sorted(sorted(json.loads(e.detail)["sources"]) for e in ev)
    k1 = next(c.id for c in store.codes() if c.key == "k1")
    three = at(Y, "Three")
    assert sorted([uid_of[("ana", *three, k1)], uid_of[("ben", *three, k1)]]) in srcs
    # resumable: a new Review (a restart) sees every item settled, and refuses to settle twice
    r2 = Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence")
    assert r2.progress() == "3 of 3 settled · 0 open" and [it.decision for it in r2.items] == ["a", "neither", "both"]
    with pytest.raises(InvalidInput, match="already settled"):
        r2.decide(0, "b")
    # the consensus coder can be analysed like any coder: it agrees with ana on k1 at the sentence level
    res = agreement(store, unit="sentence", coders=["ana", "cons"], codes=["k1"])
    assert res.rows[0].everyone[ALL].observed == 1.0


def test_fit_adjusts_the_span_to_the_unit(store):
    r = Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence")
    assert r.decide(2, "fit") == 2                        # k1 and k2, each over exactly "Three."
    assert consensus_codings(store) == [("k1", *at(Y, "Three.")), ("k2", *at(Y, "Three."))]


def test_consensus_coder_must_be_named_and_new(store):
    with pytest.raises(InvalidInput, match="name the consensus coder"):
        Review(store, coders=["ana", "ben"], consensus="ana")


async def test_review_screen_keys(tui_store):
    store = tui_store
    from textual.widgets import Static

    from fieldcode.tui.review import make_review_app

    review = Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence")
    app = make_review_app(review)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen

        def shown(wid):
            return str(screen.query_one(wid, Static).render())

        assert "0 of 3 settled" in shown("#progress") and "item 1 of 3" in shown("#progress")
        name = {c.key: c.name for c in store.codes()}            # codes are shown by name now
        assert f"{name['k1']} *" in shown("#codes-a") and "(no code here)" in shown("#codes-b")
        await pilot.press("b")                              # keep ben's side of item 1: nothing
        await pilot.pause()
        assert "1 of 3 settled" in shown("#progress") and "item 2 of 3" in shown("#progress")
        assert f"{name['k2']} *" in shown("#codes-b")
        await pilot.press("a")                              # item 2: keep ana's side (no codes)
        await pilot.press("f")                              # item 3: both, fitted to "Three."
        await pilot.pause()
        assert "3 of 3 settled" in shown("#progress")
        await pilot.press("left")
        await pilot.pause()
        assert "settled: a" in shown("#progress")
        await pilot.press("q")
    assert consensus_codings(store) == [("k1", *at(Y, "Three.")), ("k2", *at(Y, "Three."))]
    # after a restart the screen opens on the progress so far
    app2 = make_review_app(Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence"))
    async with app2.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "3 of 3 settled" in str(app2.screen.query_one("#progress", Static).render())


def test_adopt_agreed_copies_what_both_coded_once(store):
    r = Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence")
    # ana's codings: k1 "One" (a disagreement on k1: not copied), k1 "Three" (ben coded k1 there too:
    # the sentence "Three." differs only on k2, so k1 "Three" is agreed)
    assert r.adopt_agreed() == 1
    assert consensus_codings(store) == [("k1", *at(Y, "Three"))]
    ev = [e for e in store.events(coder="cons", limit=50) if e.coding_uid]
    assert len(json.loads(ev[0].detail)["sources"]) == 2            # ana's and ben's k1 on "Three"
    assert r.adopt_agreed() == 0                                     # a source is copied once
    assert Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence").adopted == 1
    # settling item 3 with "both" then does not copy ana's k1 "Three" a second time
    assert r.decide(2, "both") == 1
    assert consensus_codings(store) == [("k1", *at(Y, "Three")), ("k2", *at(Y, "Three."))]


async def test_adjust_span_through_the_prompt(tui_store):
    store = tui_store
    from textual.widgets import Input

    from fieldcode.tui.review import make_review_app

    review = Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence")
    app = make_review_app(review)
    three = at(Y, "Three")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("right", "right")                 # item 3, "Three."
        await pilot.press("E")                               # the typed span (e adjusts by keys now)
        await pilot.pause()
        inp = app.screen.query_one(Input)
        assert inp.value == "%d-%d" % at(Y, "Three.")
        inp.value = ""
        await pilot.press(*f"{three[0]}-{three[1]}", "enter")
        await pilot.pause()
    # both sides' codes (k1 and k2) over the typed span
    assert consensus_codings(store) == [("k1", *three), ("k2", *three)]
    with pytest.raises(InvalidInput, match="does not touch"):
        review.rows_for(review.items[0], "adjust", (100, 101))


async def test_open_from_the_main_app_command_palette(mini_dir):
    from textual.widgets import Input, Static

    from fieldcode.project import Project
    from fieldcode.tui import make_app
    from fieldcode.tui.review import ReviewScreen

    mini = Project.open(mini_dir, coder="ana")
    assert mini.import_files().ok

    text = mini.store.interview("a").text
    s1 = text.find("Twenty years.")
    mini.store.add_coding("a", "leadership", s1, s1 + 5, "ana")
    mini.store.add_coding("a", "housing", s1, s1 + 5, "ben")
    app = make_app(mini)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Review disagreements")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        inp = app.screen.query_one(Input)
        assert inp.value == "ana,ben as consensus"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "0 of 1 settled" in str(app.screen.query_one("#progress", Static).render())
        await pilot.press("o")                               # keep both
        await pilot.pause()
        assert "1 of 1 settled" in str(app.screen.query_one("#progress", Static).render())
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)
    keys = {c.id: c.key for c in mini.store.codes()}
    assert sorted(keys[c.code_id] for c in mini.store.codings() if c.coder == "consensus") == ["housing", "leadership"]
    mini.close()
