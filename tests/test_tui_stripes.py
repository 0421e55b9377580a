"""Issue 21 point 3: stripes you can trust.

* Lanes (pure, property-based): for random text, random wrapping and random codings, no two
  codings that share a screen row share a lane, and no more lanes are used than the most codings
  on one row.  The screen rows are worked out here character by character, not with the module's
  bisect arithmetic.
* Pilot at 80x24 and 200x60, two coders plus a consensus coder: after a re-wrap without any
  scroll (F2, a terminal resize) every stripe is on the rows its coded text now occupies
  (expected rows from the TextArea's own ``wrapped_document.location_to_offset``); the legend
  names the coders; memo marks sit on the first row of a coding with a memo and of a passage
  memo; ``o`` cycles mine, everyone, ben's, consensus (asserted on the marks drawn).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcode import store as storemod
from fieldcode.tui import make_app
from fieldcode.tui.stripes import MEMO, MINE, StripeLegend, Stripes, add_lanes, assign_lanes, row_starts, screen_rows
from fieldcode.tui.textmap import LineMap, Span
from test_tui import IV, project, ready, study, tui_template  # noqa: F401 - fixtures

SIZES = pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])


# --- lanes: a property over random codings -------------------------------------------------------

def char_rows(text: str, wraps: list[list[int]]) -> list[int]:
    """The screen row of every character, by walking the text (a newline is on its line's last row)."""
    out, y, col, line = [], 0, 0, 0
    for ch in text:
        out.append(y + sum(1 for w in wraps[line] if w <= col))
        if ch == "\n":
            y += len(wraps[line]) + 1
            line += 1
            col = 0
        else:
            col += 1
    return out


@st.composite
def layouts(draw):
    lens = draw(st.lists(st.integers(0, 60), min_size=1, max_size=8))
    text = "\n".join("x" * n for n in lens)
    wraps = [sorted(draw(st.sets(st.integers(1, max(1, n - 1)), max_size=4))) if n > 2 else [] for n in lens]
    n = len(text)
    spans = []
    if n:
        for i in range(draw(st.integers(1, 25))):
            a = draw(st.integers(0, n - 1))
            b = draw(st.integers(a + 1, min(n, a + 80)))
            spans.append(Span(i + 1, i % 5, "ana" if i % 2 else "ben", a, b))
    return text, wraps, spans


def occupied(text: str, wraps: list[list[int]], spans: list[Span]) -> dict[int, set[int]]:
    rows = char_rows(text, wraps)
    return {s.id: set(range(rows[s.start], rows[s.end - 1] + 1)) for s in spans}


@settings(max_examples=300, deadline=None)
@given(layouts())
def test_no_two_codings_on_a_row_share_a_lane(layout):
    text, wraps, spans = layout
    if not spans:
        return
    lines = LineMap(text)
    starts = row_starts(wraps)
    rows = {s.id: screen_rows(lines, wraps, starts, s) for s in spans}
    occ = occupied(text, wraps, spans)
    assert {i: set(range(a, b + 1)) for i, (a, b) in rows.items()} == occ
    lanes = assign_lanes(rows)
    assert set(lanes) == {s.id for s in spans}
    for x in spans:
        for y in spans:
            if x.id < y.id and occ[x.id] & occ[y.id]:
                assert lanes[x.id] != lanes[y.id], (x, y)
    # as few lanes as the busiest row needs
    busiest = max(sum(1 for s in spans if r in occ[s.id]) for r in set().union(*occ.values()))
    assert max(lanes.values()) + 1 == busiest


@settings(max_examples=200, deadline=None)
@given(layouts(), st.data())
def test_an_added_coding_keeps_the_others_lanes(layout, data):
    text, wraps, spans = layout
    if len(spans) < 2:
        return
    lines, starts = LineMap(text), row_starts(wraps)
    old = assign_lanes({s.id: screen_rows(lines, wraps, starts, s) for s in spans[:-1]})
    rows = {s.id: screen_rows(lines, wraps, starts, s) for s in spans}
    new = add_lanes(old, rows)
    assert all(new[i] == old[i] for i in old)
    occ = occupied(text, wraps, spans)
    last = spans[-1].id
    assert all(new[last] != new[s.id] for s in spans[:-1] if occ[s.id] & occ[last])


def test_the_example_from_the_issue_two_codings_on_one_row_get_two_lanes():
    # two one-sentence codings on one line: by character offsets they do not overlap, but on
    # screen they share the row, so they must not share a lane (the old layout gave both lane 0)
    text = "Eleven years. It was the first place we had.\nNext line."
    lines = LineMap(text)
    a = Span(1, 1, "ana", 0, 13)
    b = Span(2, 2, "ben", 14, 44)
    wraps = [[], []]
    rows = {s.id: screen_rows(lines, wraps, row_starts(wraps), s) for s in (a, b)}
    assert rows == {1: (0, 0), 2: (0, 0)}
    assert sorted(assign_lanes(rows).values()) == [0, 1]
    wraps = [[14], []]          # wrapped before "It": now on rows 0 and 1, one lane is enough
    rows = {s.id: screen_rows(lines, wraps, row_starts(wraps), s) for s in (a, b)}
    assert rows == {1: (0, 0), 2: (1, 1)}
    assert set(assign_lanes(rows).values()) == {0}


# --- the coding screen ---------------------------------------------------------------------------

def seed(p):
    """ana: Leadership over a long passage and Aspiration over one sentence inside it (with a
    memo); ben: Housing over the sentence after; a passage memo of ben's; the consensus coder
    cons: Community confidence (written as the review writes it, with a decision)."""
    iv = p.store.interview(IV)
    t = iv.text
    a = t.find("Eleven years.")
    long_end = t.find(".", a + 400) + 1
    s2 = t.find("We moved here")
    codes = {c.key: c for c in p.store.codes()}
    out = {
        "lead": p.store.add_coding(iv.id, "leadership", a, long_end, "ana").id,
        "asp": p.store.add_coding(iv.id, "aspiration", a, a + len("Eleven years."), "ana", "why eleven").id,
        "hous": p.store.add_coding(iv.id, "housing", s2, t.find(".", s2) + 1, "ben").id,
    }
    cc = t.find(".", long_end + 50) + 2
    storemod.write_consensus(p.store, coder="cons", rows=[{
        "interview_id": iv.id, "code_id": codes["community-confidence"].id, "start": cc, "end": cc + 40,
        "memo": "", "sources": []}], decision={"interview_id": iv.id, "decision": "keep"})
    pm = t.find("the rubbish")
    storemod.add_memo(p.store, "ben", "passage memo", interview_id=iv.id, start=pm, end=pm + 20)
    return iv, codes, out, pm


def expected_rows(tr, span: Span) -> set[int]:
    """Screen rows (of the whole wrapped text) from the first to the last character of ``span``,
    by the TextArea's own location -> offset conversion."""
    wd = tr.wrapped_document
    y0 = wd.location_to_offset(tr.lines.to_location(span.start)).y
    y1 = wd.location_to_offset(tr.lines.to_location(span.end - 1)).y
    return set(range(y0, y1 + 1))


def record_paints(stripes) -> dict[int, object]:
    """What the stripe column last painted on each of its rows, recorded as Textual paints it
    (so a column that was not repainted after a re-wrap shows its stale rows here)."""
    painted: dict[int, object] = {}
    real = stripes.render_line

    def render_line(y: int):
        painted[y] = real(y)
        return painted[y]

    stripes.render_line = render_line
    stripes.painted = painted
    stripes.refresh()
    return painted


def drawn(stripes, tr) -> dict[int, list[tuple[str, str]]]:
    """Screen row (whole text) -> sorted [(char, colour)] as the stripe column last painted it
    (the last column, the memo marks, left out)."""
    out = {}
    painted = getattr(stripes, "painted", None)
    for y in range(stripes.size.height):
        strip = painted[y] if painted is not None else stripes.render_line(y)
        cells = [(seg.text, seg.style.color.name if seg.style and seg.style.color else None)
                 for seg in strip if seg.text]
        out[tr.scroll_offset.y + y] = sorted((ch, c) for ch, c in cells[:-1] if ch.strip())
    return out


def check_stripes(screen) -> None:
    """Every visible row draws exactly one mark per shown coding whose text it holds: the code's
    colour, ▌ for mine, the coder's initial for another's (ben b, cons c)."""
    tr, stripes = screen.transcript, screen.query_one(Stripes)
    want: dict[int, list[tuple[str, str]]] = {}
    for s in screen.shown_spans:
        for y in expected_rows(tr, s):
            want.setdefault(y, []).append((MINE if s.coder == screen.me else s.coder[0],
                                           screen.colours[s.code_id].lower()))
    got = drawn(stripes, tr)
    assert any(got.values())
    for y, marks in got.items():
        assert marks == sorted(want.get(y, [])), f"screen row {y}"


async def everyone(screen, pilot):
    screen.action_toggle_coders()
    await pilot.pause()
    assert screen.coder_view == "everyone"


@SIZES
async def test_stripes_follow_a_rewrap_without_a_scroll(project, size):
    iv, codes, ids, _pm = seed(project)
    app = make_app(project, IV)
    async with app.run_test(size=size) as pilot:
        screen = await ready(app, pilot)
        await everyone(screen, pilot)
        tr, stripes = screen.transcript, screen.query_one(Stripes)
        record_paints(stripes)
        await pilot.pause(0.2)
        check_stripes(screen)
        lead = next(s for s in screen.shown_spans if s.id == ids["lead"])
        before, y_before = expected_rows(tr, lead), tr.scroll_offset.y
        await pilot.press("f2")              # the side panel goes: the text re-wraps wider
        await pilot.pause(0.2)
        assert tr.scroll_offset.y == y_before == 0
        after = expected_rows(tr, lead)
        assert after != before               # the wrap really changed
        check_stripes(screen)
        assert stripes.rows_of(ids["lead"]) == (min(after), max(after))
        await pilot.press("f2")
        await pilot.pause(0.2)
        assert expected_rows(tr, lead) == before
        check_stripes(screen)
        # a resize of the terminal, no scroll either
        await pilot.resize_terminal(size[0] - 17, size[1])
        await pilot.pause(0.3)
        assert tr.scroll_offset.y == 0
        assert expected_rows(tr, lead) != before
        check_stripes(screen)


@SIZES
async def test_two_codings_sharing_a_row_are_both_drawn(project, size):
    iv, codes, ids, _pm = seed(project)
    app = make_app(project, IV)
    async with app.run_test(size=size) as pilot:
        screen = await ready(app, pilot)
        await everyone(screen, pilot)
        tr, stripes = screen.transcript, screen.query_one(Stripes)
        shown = {s.id: s for s in screen.shown_spans}
        # ana's one-sentence Aspiration and ben's next-sentence Housing share a row at either size
        asp, hous = shown[ids["asp"]], shown[ids["hous"]]
        shared = expected_rows(tr, asp) & expected_rows(tr, hous)
        assert shared
        assert stripes.lane_of(asp.id) != stripes.lane_of(hous.id)
        y = min(shared) - tr.scroll_offset.y
        got = drawn(stripes, tr)[tr.scroll_offset.y + y]
        assert len(got) == 3
        assert (MINE, codes["aspiration"].colour.lower()) in got
        assert ("b", codes["housing"].colour.lower()) in got
        # ana's long coding runs beside both
        assert (MINE, codes["leadership"].colour.lower()) in got


@SIZES
async def test_legend_and_memo_marks(project, size):
    iv, codes, ids, pm = seed(project)
    app = make_app(project, IV)
    async with app.run_test(size=size) as pilot:
        screen = await ready(app, pilot)
        await pilot.pause()
        tr, stripes = screen.transcript, screen.query_one(Stripes)
        legend = str(screen.query_one(StripeLegend).render())
        assert "ana (you)" in legend and "ben" not in legend and "memo" in legend
        await everyone(screen, pilot)
        legend = str(screen.query_one(StripeLegend).render())
        assert f"{MINE} ana (you)" in legend and "b ben" in legend and "c cons" in legend
        assert f"{MEMO} memo" in legend
        shown = {s.id: s for s in screen.shown_spans}
        memo_row = min(expected_rows(tr, shown[ids["asp"]]))
        passage_row = tr.wrapped_document.location_to_offset(tr.lines.to_location(pm)).y
        tr.scroll_to(y=max(0, passage_row - 2), animate=False)
        await pilot.pause(0.2)
        for top in (tr.scroll_offset.y,):
            marked = {top + y for y in range(stripes.size.height)
                      if stripes.render_line(y).text.rstrip().endswith(MEMO)}
            want = {r for r in (memo_row, passage_row) if top <= r < top + stripes.size.height}
            assert passage_row in want
            assert marked == want
        tr.scroll_to(y=0, animate=False)
        await pilot.pause(0.2)
        marked = {y for y in range(stripes.size.height) if stripes.render_line(y).text.rstrip().endswith(MEMO)}
        assert memo_row in marked


@SIZES
async def test_o_cycles_mine_everyone_each_coder_consensus(project, size):
    iv, codes, ids, _pm = seed(project)
    app = make_app(project, IV)
    async with app.run_test(size=size) as pilot:
        screen = await ready(app, pilot)
        tr, stripes = screen.transcript, screen.query_one(Stripes)
        by_code = {codes["leadership"].colour.lower(): "ana", codes["aspiration"].colour.lower(): "ana",
                   codes["housing"].colour.lower(): "ben", codes["community-confidence"].colour.lower(): "cons"}

        def coders_drawn() -> set[str]:
            seen = set()
            top = 0
            while top < tr.virtual_size.height:
                tr.scroll_to(y=top, animate=False)
                tr.refresh()
                for marks in drawn(stripes, tr).values():
                    seen |= {by_code[c] for _, c in marks}
                top += max(1, stripes.size.height)
            tr.scroll_to(y=0, animate=False)
            return seen

        seen = []
        for _ in range(5):
            await pilot.pause(0.1)
            seen.append((screen.coder_view, coders_drawn(), screen.sub_title))
            await pilot.press("o")
        views = [v for v, _, _ in seen]
        assert views == ["mine", "everyone", "coder:ben", "consensus", "mine"]
        assert [c for _, c, _ in seen] == [{"ana"}, {"ana", "ben", "cons"}, {"ben"}, {"cons"}, {"ana"}]
        assert "showing ben's" in seen[2][2] and "showing consensus" in seen[3][2]


async def test_stripes_are_laid_out_once_per_change_not_per_repaint(project):
    seed(project)
    app = make_app(project, IV)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        stripes, tr = screen.query_one(Stripes), screen.transcript
        await pilot.pause()
        n = stripes.layouts
        for _ in range(6):
            await pilot.press("down")
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.pause()
        assert tr.scroll_offset.y > 0
        assert stripes.layouts == n          # moving and scrolling never lays the stripes out again
        await pilot.press("f2")
        await pilot.pause(0.2)
        assert stripes.layouts > n           # a re-wrap does


def test_legend_never_reads_a_coder_name_as_markup():
    from fieldcode.tui.stripes import coder_marks, legend_text

    spans = [Span(1, 1, "[bold]x[/bold]", 0, 3), Span(2, 1, "ana", 0, 3)]
    marks = coder_marks(["[bold]x[/bold]", "ana"], "ana")
    t = legend_text(spans, "ana", marks, memos=False, more=False)
    assert "[bold]x[/bold]" in t.plain and t.plain.startswith(f"{MINE} ana (you)")


async def test_stripes_of_the_next_interview_are_its_own(project):
    seed(project)
    iv2 = project.store.interview("leeds-improving-02-community-group")
    t = iv2.text
    a = t.find(".", 200) + 2
    project.store.add_coding(iv2.id, "housing", a, a + 120, "ben")
    project.store.add_coding(iv2.id, "leadership", a + 60, a + 300, "ana")
    app = make_app(project, IV)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await everyone(screen, pilot)
        stripes = screen.query_one(Stripes)
        record_paints(stripes)
        screen.open_interview(iv2.id)
        screen.transcript.move_to_offset(a)
        await pilot.pause(0.3)
        assert screen.iv_id == iv2.id
        assert {s.coder for s in screen.shown_spans} == {"ana", "ben"}
        check_stripes(screen)


@SIZES
def test_snapshot_stripes_after_a_rewrap(snap_compare, project, size):
    """Everyone's codings, a coding memo and a passage memo, then F2 (the text re-wraps wider, no
    scroll): the stripes, memo marks and legend as they are drawn."""
    seed(project)
    from sqlalchemy import text

    with project.store.engine.begin() as conn:      # fixed times: the details panel is stable
        conn.execute(text("UPDATE coding SET created_at = '2025-05-01 10:00:00.000000', "
                          "updated_at = '2025-05-01 10:00:00.000000'"))

    async def before(pilot):
        screen = await ready(pilot.app, pilot)
        screen.action_toggle_coders()
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause(0.5)

    assert snap_compare(make_app(project, IV), terminal_size=size, run_before=before)
