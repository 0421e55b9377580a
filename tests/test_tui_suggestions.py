"""The suggestion review screen (g in the coding screen), driven by real key presses (Pilot),
with two coders: ana reviews her queue; ben's suggestions and codings must not change.

Expected spans are worked out from the mini study's text (tests/conftest.py) with str.find;
the database is read with plain SQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text as sql
from textual.widgets import Static
from typer.testing import CliRunner

from conftest import MINI_CODEBOOK
from fieldcode.find import suggest
from fieldcode.cli import app as cli_app
from fieldcode.project import Project
from fieldcode.find.search import Query
from fieldcode.tui import make_app
from fieldcode.tui.suggestions import SuggestionScreen, step_end, step_start
from test_tui import ready

KEYWORDS = MINI_CODEBOOK.replace('    colour: "#98df8a"\n', '    colour: "#98df8a"\n    keywords: [repair, damp]\n')


def span(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = text.find(part, i + 1)
    assert i >= 0
    return i, i + len(part)


@pytest.fixture
def study(mini_dir):
    """The mini study on SQLite, with keyword and search suggestions for ana AND ben, and a
    coding of ben's."""
    (mini_dir / "codebook.yaml").write_text(KEYWORDS, encoding="utf-8")
    p = Project.open(mini_dir, coder="ana")
    assert p.import_files().ok
    ta = p.store.interview("a.md").text
    p.store.add_coding("a.md", "leadership", *span(ta, "The tenants' group runs everything now."), "ben")
    for who in ("ana", "ben"):
        suggest.propose_from_keywords(p.store, to=who, by=who)                              # housing, sentences
        suggest.propose_from_search(p.store, Query("the"), "place", to=who, by=who, unit="hit")
    yield p
    p.close()


def rows(store, q: str, **params) -> list[tuple]:
    with store.engine.connect() as c:
        return [tuple(r) for r in c.execute(sql(q), params).all()]


def suggestion_rows(store, coder: str) -> list[tuple]:
    return rows(store, "SELECT s.id, i.name, k.key, s.start, s.\"end\", s.state FROM suggestion s "
                       "JOIN interview i ON i.id = s.interview_id JOIN code k ON k.id = s.code_id "
                       "WHERE s.coder = :c ORDER BY i.name, s.start, s.\"end\", s.id", c=coder)


def coding_rows(store, coder: str) -> list[tuple]:
    return rows(store, "SELECT k.key, c.start, c.\"end\", c.uid, c.memo FROM coding c JOIN code k ON k.id = c.code_id "
                       "WHERE c.coder = :c ORDER BY c.start, c.\"end\"", c=coder)


def shown(screen, wid: str) -> str:
    return str(screen.query_one(wid, Static).render())


async def open_review(pilot, app) -> SuggestionScreen:
    await pilot.press("g")
    await pilot.pause()
    assert isinstance(app.screen, SuggestionScreen)
    return app.screen


def test_word_steps():
    t = "Jean: Much better since the repairs. Nobody wants to leave."
    a, b = span(t, "Much better since the repairs.")
    assert t[a:step_end(t, a, b, 1)] == "Much better since the repairs. Nobody"
    assert t[a:step_end(t, a, b, -1)] == "Much better since the"
    assert t[step_start(t, a, b, -1):b] == "Jean: Much better since the repairs."
    assert t[step_start(t, a, b, 1):b] == "better since the repairs."
    one = span(t, "Much")
    assert step_end(t, *one, -1) == one[1] and step_start(t, *one, 1) == one[0]   # never below one word
    mid = (a, a + 2)                                                              # "Mu|ch": the word's end
    assert t[a:step_end(t, *mid, 1)] == "Much"
    assert step_end(t, a, len(t), 1) == len(t) and step_start(t, 0, 4, -1) == 0


async def test_accept_adjust_reject_skip_resume_two_coders(study):
    store = study.store
    ta, tb = store.interview("a.md").text, store.interview("b.md").text
    ben_sugg, ben_cod = suggestion_rows(store, "ben"), coding_rows(store, "ben")
    # ana's queue in review order (interview, then text), worked out by hand from the texts:
    the_tenants = span(ta, "The")
    repairs_sentence = span(ta, "Much better since the repairs.")
    the_repairs = span(ta, "the repairs")[0], span(ta, "the repairs")[0] + 3
    the_flats = span(tb, "The flats")[0], span(tb, "The flats")[0] + 3
    damp_sentence = span(tb, "The flats are damp.")
    queue = [("a.md", "place", *the_tenants), ("a.md", "housing", *repairs_sentence), ("a.md", "place", *the_repairs),
             ("b.md", "place", *the_flats), ("b.md", "housing", *damp_sentence)]
    ana = suggestion_rows(store, "ana")
    assert [r[1:5] for r in ana] == queue and {r[5] for r in ana} == {"proposed"}
    assert len(ben_sugg) == 5 and coding_rows(store, "ana") == []
    app = make_app(study)
    async with app.run_test(size=(120, 40)) as pilot:
        coding = await ready(app, pilot)
        screen = await open_review(pilot, app)
        assert {s.coder for s in screen.items} == {"ana"} and [s.id for s in screen.items] == [r[0] for r in ana]
        assert shown(screen, "#progress").startswith("suggestion 1 of 5 · 5 to decide")
        assert "Place" in shown(screen, "#what") and "a" in shown(screen, "#what") and "Jean" in shown(screen, "#what")
        assert "keyword" not in shown(screen, "#origin") and "search 'the'" in shown(screen, "#origin")
        assert "The tenants' group runs everything now." in shown(screen, "#context")
        # a: accept the first one as proposed
        await pilot.press("a")
        await pilot.pause()
        got = coding_rows(store, "ana")
        assert [g[:3] for g in got] == [("place", *the_tenants)]
        uid = got[0][3]
        ev = rows(store, "SELECT coder, action, detail FROM event WHERE coding_uid = :u", u=uid)
        assert len(ev) == 1 and ev[0][:2] == ("ana", "add")
        detail = json.loads(ev[0][2])["suggestion"]
        assert detail["id"] == ana[0][0] and detail["kind"] == "search" and detail["query"] == "the"
        assert detail["unit"] == "hit" and detail["by"] == "ana" and "proposed_span" not in detail
        # now the housing sentence: adjust (end a word further, start a word later), then accept
        assert shown(screen, "#progress").startswith("suggestion 2 of 5 · 4 to decide")
        assert "Housing" in shown(screen, "#what") and "keyword 'repair'" in shown(screen, "#origin")
        await pilot.press("right", "full_stop")
        assert "adjusted from" in shown(screen, "#span")
        await pilot.press("0")                                   # back to the proposed span
        assert "adjusted" not in shown(screen, "#span")
        await pilot.press("right", "full_stop")
        adjusted = (ta.find("better since"), ta.find("Nobody") + len("Nobody"))
        assert f"span [{adjusted[0]}, {adjusted[1]})" in shown(screen, "#span")
        await pilot.press("a")
        await pilot.pause()
        got = coding_rows(store, "ana")
        assert [g[:3] for g in got] == [("place", *the_tenants), ("housing", *adjusted)]
        detail = json.loads(rows(store, "SELECT detail FROM event WHERE coding_uid = :u", u=got[1][3])[0][0])
        assert detail["suggestion"]["proposed_span"] == list(repairs_sentence)
        assert detail["suggestion"]["keyword"] == "repair"
        # r: reject "the" in "the repairs"; s: skip "The" (flats); then close on the damp sentence
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("s")
        assert shown(screen, "#progress").startswith("suggestion 5 of 5 · 2 to decide")
        assert "keyword 'damp'" in shown(screen, "#origin")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is coding
        states = [(r[1:5], r[5]) for r in suggestion_rows(store, "ana")]
        assert states == [(queue[0], "accepted"), (queue[1], "accepted"), (queue[2], "rejected"),
                          (queue[3], "proposed"), (queue[4], "proposed")]
        # the coding screen shows the accepted codings at once
        assert {(s.coder, s.start, s.end) for s in coding.all_spans if s.coder == "ana"} == {
            ("ana", *the_tenants), ("ana", *adjusted)}
        # g again: resumes at the suggestion left open (the damp sentence), 2 left in the queue
        screen = await open_review(pilot, app)
        assert shown(screen, "#progress").startswith("suggestion 2 of 2")
        assert "keyword 'damp'" in shown(screen, "#origin")
        await pilot.press("p")
        assert "search 'the'" in shown(screen, "#origin") and "b" in shown(screen, "#what")
        # o: show it in the transcript (nothing decided)
        await pilot.press("o")
        await pilot.pause()
        assert app.screen is coding and coding.iv_name == "b.md"
        assert coding.transcript.selection_offsets == the_flats
    # ben's queue and coding are exactly as before
    assert suggestion_rows(store, "ben") == ben_sugg and coding_rows(store, "ben") == ben_cod
    # the rejected suggestion is remembered: proposing again (CLI) adds nothing for ana
    for args in (["suggest", "search", "the", "--code", "place", "--unit", "hit"], ["suggest", "keywords"]):
        res = CliRunner().invoke(cli_app, ["-C", str(study.root), "--coder", "ana", *args])
        assert res.exit_code == 0, res.output
        assert "0 suggestion(s) proposed" in res.output
    states = [(r[1:5], r[5]) for r in suggestion_rows(store, "ana")]
    assert states[2] == (queue[2], "rejected") and len(states) == 5


async def test_review_at_80x24_and_nothing_decided_unseen(study):
    store = study.store
    before = suggestion_rows(store, "ana")
    app = make_app(study)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        screen = await open_review(pilot, app)
        for wid in ("#progress", "#what", "#origin", "#span", "#keys", "#context-box"):
            w = screen.query_one(wid)
            assert w.region.height >= 1 and w.region.right <= 80, wid
        box = screen.query_one("#context-box")
        assert box.region.height >= 8
        # go to b.md's damp sentence (the last one) and check it is drawn, highlighted, on screen
        await pilot.press("p")
        assert shown(screen, "#progress").startswith("suggestion 5 of 5")
        ctx = screen.query_one("#context", Static)
        lines = []
        for y in range(ctx.size.height):
            lines.append(ctx.render_line(y))
        visible = ["".join(seg.text for seg in strip) for strip in lines]
        row = next(i for i, line in enumerate(visible) if "The flats are damp." in line)
        strip = lines[row]
        # the suggestion's words carry a background (the code's colour); its context does not
        styled = [(seg.text, seg.style.bgcolor is not None and seg.style.bold) for seg in strip if seg.text.strip()]
        assert any(ok and "The flats are damp." in txt for txt, ok in styled)
        assert not any(ok and "Half" in txt for txt, ok in styled)
        # moving through the queue without a key to decide changes nothing
        await pilot.press("s", "s", "p", "right", "full_stop")
        await pilot.press("escape")
        await pilot.pause()
    assert suggestion_rows(store, "ana") == before and coding_rows(store, "ana") == []


async def test_a_coder_without_suggestions_sees_none_of_the_others(study):
    store = study.store
    before = {c: (suggestion_rows(store, c), coding_rows(store, c)) for c in ("ana", "ben")}
    cara = Project.open(study.root, coder="cara")
    try:
        app = make_app(cara)
        async with app.run_test(size=(80, 24)) as pilot:
            await ready(app, pilot)
            screen = await open_review(pilot, app)
            assert screen.items == []
            assert shown(screen, "#progress").startswith("No suggestions proposed to cara")
            assert shown(screen, "#context") == ""
            await pilot.press("a", "r", "right", "s", "o")      # nothing to act on
            await pilot.pause()
            assert isinstance(app.screen, SuggestionScreen)
            await pilot.press("escape")
            await pilot.pause()
    finally:
        cara.close()
    assert {c: (suggestion_rows(store, c), coding_rows(store, c)) for c in ("ana", "ben")} == before
    assert coding_rows(store, "cara") == []


async def test_one_code_at_a_time(study):
    store = study.store
    ta = store.interview("a.md").text
    ben = suggestion_rows(store, "ben")
    app = make_app(study)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        screen = await open_review(pilot, app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"hous", "enter")                  # the picker: Housing
        await pilot.pause()
        assert app.screen is screen and [s.code for s in screen.items] == ["housing", "housing"]
        assert shown(screen, "#progress").startswith("suggestion 1 of 2")
        assert "Housing" in screen.sub_title
        await pilot.press("a")
        await pilot.pause()
        assert [c[:3] for c in coding_rows(store, "ana")] == [("housing", *span(ta, "Much better since the repairs."))]
        await pilot.press("escape")
        await pilot.pause()
        screen = await open_review(pilot, app)               # the filter and the place are kept
        assert [s.code for s in screen.items] == ["housing"] and "keyword 'damp'" in shown(screen, "#origin")
        await pilot.press("F")                               # every code again: 4 still proposed
        assert shown(screen, "#progress").startswith("suggestion 1 of 4")
        assert "Housing" not in screen.sub_title
    assert suggestion_rows(store, "ben") == ben
