"""Issue 21 point 4: a forward coding flow.  After a code is applied the cursor stands at the
coding's end, so ``)``, ``s`` and ``t`` continue forward; ``(``/``)`` and ``s`` agree; the cursor
cell is drawn apart from the selection; ``W``/``B`` grow and shrink a selection by whole words; a
selection with stray spaces or punctuation at its edges is trimmed, and the screen says so;
after a find, ``s`` and ``t`` take the unit of the match; each interview keeps its place per
coder.  Real key presses; codings read back with plain SQL; expected offsets from the stored
sentences and turns and from ``str.find``, never from the screen."""

from __future__ import annotations

from bisect import bisect_right

from sqlalchemy import text as sql

from fieldcode.project import Project
from fieldcode.tui import make_app
from fieldcode.tui.widgets import Navigator
from test_tui import IV, project, ready, search, study, tui_template  # noqa: F401 - fixtures
from test_tui_first_month import notes


def codings(p, coder: str = "ana") -> list[tuple[str, int, int]]:
    with p.store.engine.connect() as c:
        return [tuple(r) for r in c.execute(sql(
            "SELECT code.key, coding.start, coding.\"end\" FROM coding JOIN code ON code.id = coding.code_id "
            "WHERE coding.coder = :c ORDER BY coding.id"), {"c": coder}).all()]


def units(p):
    iv = p.store.interview(IV)
    sents = p.store.sentence_spans(iv.id)
    turns = [t for t in p.store.turn_spans(iv.id) if not t[4]]
    return iv, sents, turns


def turn_sentences(sents, turn) -> list[int]:
    return [i for i, s in enumerate(sents) if s[0] >= turn[2] and s[1] <= turn[1]]


def long_turn(sents, turns):
    """A participant turn of three or more sentences, followed by another participant turn."""
    for t in turns[:-1]:
        if len(turn_sentences(sents, t)) >= 3:
            return t
    raise AssertionError("the bundled interview has no long turn")


async def test_after_applying_the_cursor_stands_at_the_end_and_keys_continue_forward(project):  # noqa: F811
    iv, sents, turns = units(project)
    t = long_turn(sents, turns)
    first, second, third = turn_sentences(sents, t)[:3]
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        tr.move_to_offset(sents[first][0])
        await pilot.press("s", "1")                       # sentence 1: Leadership
        await pilot.pause()
        assert tr.cursor_offset == sents[first][1]        # at the coding's end
        await pilot.press("2")                            # a second code, same passage, no reselecting
        await pilot.press("right_parenthesis")            # ) takes the NEXT sentence, not one inside
        await pilot.pause()
        assert tr.selection_offsets == sents[second]
        await pilot.press("3")
        await pilot.press("s")                            # s after applying: the next sentence too
        await pilot.pause()
        assert tr.selection_offsets == sents[third]
        await pilot.press("4")
        await pilot.pause()
        # t on the turn's content, coded whole; then t continues with the next participant turn
        tr.move_to_offset(t[2] + 1)
        await pilot.press("t", "5", "t")
        await pilot.pause()
        nxt = next(u for u in project.store.turn_spans(iv.id) if u[0] >= t[1])
        assert tr.selection_offsets == (nxt[2], nxt[1])
    assert codings(project) == [("leadership", *sents[first]), ("outward-looking", *sents[first]),
                                ("aspiration", *sents[second]), ("community-confidence", *sents[third]),
                                ("place", t[2], t[1])]


async def test_parentheses_and_s_agree(project):  # noqa: F811
    iv, sents, turns = units(project)
    t = long_turn(sents, turns)
    first, second, third = turn_sentences(sents, t)[:3]
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        tr.move_to_offset(sents[first][0])
        await pilot.press("s", "right_parenthesis", "s")     # ) selects the second; s keeps it
        await pilot.pause()
        assert tr.selection_offsets == sents[second]
        await pilot.press("right_parenthesis", "left_parenthesis", "s")
        await pilot.pause()
        assert tr.selection_offsets == sents[second]
        await pilot.press("left_parenthesis", "s", "1")
        await pilot.pause()
    assert codings(project) == [("leadership", *sents[first])]


async def test_the_cursor_cell_is_drawn_apart_from_the_selection(project):  # noqa: F811
    iv, sents, turns = units(project)
    text = iv.text
    a = text.find("pregnant")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        tr.cursor_blink = False
        tr.select_offsets(a, a + len("pregnan"))          # "pregnan|t": the cursor on the t
        await pilot.pause()
        strip = next(tr.render_line(y) for y in range(tr.size.height)
                     if "pregnant" in "".join(s.text for s in tr.render_line(y)))
        cells = []
        for seg in strip:
            cells += [(ch, seg.style) for ch in seg.text]
        line = "".join(ch for ch, _ in cells)
        i = line.find("pregnant")
        selected = {str(st.bgcolor) for _ch, st in cells[i:i + 7]}
        cursor = cells[i + 7][1]
        assert len(selected) == 1                          # one selection colour
        assert str(cursor.bgcolor) not in selected         # the cursor cell is not that colour
        assert cursor.underline                            # and is marked another way too


async def test_words_extend_and_shrink_and_a_stray_edge_is_trimmed_with_a_message(project):  # noqa: F811
    iv, sents, turns = units(project)
    text = iv.text
    phrase = "from my mum's house"
    a = text.find(", " + phrase)                          # ", from my mum's house over"
    assert a > 0
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        tr.move_to_offset(a + 2)
        await pilot.press("w", "W", "W")                   # from | my | mum's
        await pilot.pause()
        assert tr.selection_offsets == (a + 2, text.find("mum's", a) + len("mum's"))
        await pilot.press("W", "W", "B")                   # + house + over - over
        await pilot.pause()
        assert tr.selection_offsets == (a + 2, a + 2 + len(phrase))
        # the same words selected with the comma before and the space after: trimmed, and said
        tr.select_offsets(a, a + 2 + len(phrase) + 1)
        await pilot.pause()
        app.clear_notifications()
        await pilot.press("1")
        await pilot.pause()
        assert "Trimmed the selection" in notes(app) and "left out ',' before it" in notes(app)
    assert codings(project) == [("leadership", a + 2, a + 2 + len(phrase))]


def unit_of(spans, offset):
    i = bisect_right([s[0] for s in spans], offset) - 1
    return spans[i]


async def test_after_a_find_s_and_t_take_the_unit_of_the_match(project):  # noqa: F811
    iv, sents, turns = units(project)
    text = iv.text
    t = long_turn(sents, turns)
    k = turn_sentences(sents, t)[0]
    # a find whose match ends exactly where its sentence ends (the cursor lands on that end)
    term = text[sents[k][1] - 12:sents[k][1]]
    assert text.lower().find(term.lower()) == sents[k][1] - 12   # its first occurrence
    last = turn_sentences(sents, t)[-1]
    term_t = text[sents[last][1] - 12:sents[last][1]]             # ends where the turn ends
    assert text.lower().find(term_t.lower()) == sents[last][1] - 12 and sents[last][1] == t[1]
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        await search(pilot, term)
        assert tr.selection_offsets == (sents[k][1] - 12, sents[k][1])
        await pilot.press("s")
        await pilot.pause()
        assert tr.selection_offsets == sents[k]
        tr.move_to_offset(0)
        await search(pilot, term_t)
        assert tr.selection_offsets == (t[1] - 12, t[1])
        await pilot.press("t", "1")
        await pilot.pause()
    assert codings(project) == [("leadership", t[2], t[1])]


async def test_each_interview_keeps_its_place_per_coder(study):  # noqa: F811
    ana = Project.open(study, coder="ana")
    try:
        iv = ana.store.interview(IV)
        x = iv.text.find("pregnant")
        app = make_app(ana, IV)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await ready(app, pilot)
            screen.transcript.move_to_offset(x)
            await pilot.pause()
            await pilot.press("right_curly_bracket")              # the next interview
            await pilot.pause()
            other = screen.iv_id
            assert other != iv.id and screen.transcript.cursor_offset == 0
            other_text = ana.store.interview(other).text
            y = len(other_text) // 2
            screen.transcript.move_to_offset(y)
            await pilot.pause()
            await pilot.press("left_curly_bracket")               # back: where ana left it
            await pilot.pause()
            assert screen.iv_id == iv.id and screen.transcript.cursor_offset == x
            await pilot.press("right_curly_bracket")              # and the other one too
            await pilot.pause()
            assert screen.iv_id == other and screen.transcript.cursor_offset == y
    finally:
        ana.close()
    ben = Project.open(study, coder="ben")
    try:
        app = make_app(ben, IV)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await ready(app, pilot)
            await pilot.press("right_curly_bracket")
            await pilot.pause()
            assert screen.iv_id == other and screen.transcript.cursor_offset == 0   # not ana's place
    finally:
        ben.close()
    ana = Project.open(study, coder="ana")
    try:
        app = make_app(ana)                                        # a new session: her last place
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await ready(app, pilot)
            await pilot.pause(0.2)
            assert screen.iv_id == other and screen.transcript.cursor_offset == y
            await pilot.press("left_curly_bracket")
            await pilot.pause()
            assert screen.iv_id == iv.id and screen.transcript.cursor_offset == x
            assert screen.query_one(Navigator).order.index(other) == screen.query_one(Navigator).order.index(iv.id) + 1
    finally:
        ana.close()
