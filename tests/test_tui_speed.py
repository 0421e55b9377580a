"""What keeps the coding screen fast must not change what it shows (no timings here: the ratios
are benchmarks/bench_tui.py's).  After a code is applied by key, the stripes lay out only the new
coding: the result must be what a layout from scratch under the same rule gives (each earlier
coding keeps its lane, the new one takes the lowest lane no coding on its rows uses, no two
codings on one row share a lane, every coding's rows as the wrapping puts them), once per
change.  The transcript keeps its wrapped height between re-wraps: it must equal the sum over
the lines after every re-wrap.  A real SQLite copy of the bundled study coded by ana and ben."""

from __future__ import annotations


import pytest

from fieldcode.tui import make_app
from fieldcode.tui.coding import CodingScreen
from fieldcode.tui.stripes import MAX_LANES, Stripes, row_starts, screen_rows

IV = "leeds-improving-01-resident"


@pytest.fixture
def study(coded_study):
    return coded_study


async def ready(app, pilot) -> CodingScreen:
    for _ in range(300):
        await pilot.pause()
        if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
            await pilot.pause()
            return app.screen
    raise AssertionError("the coding screen did not open")


def fresh_rows(tr, spans) -> dict[int, tuple[int, int]]:
    """Every coding's first and last screen row, from the transcript's wrapping as it is now."""
    wd = tr.wrapped_document
    wraps = [wd.get_offsets(r) for r in range(tr.document.line_count)]
    starts = row_starts(wraps)
    return {s.id: screen_rows(tr.lines, wraps, starts, s) for s in spans}


def true_height(tr) -> int:
    wd = tr.wrapped_document
    return sum(len(wd.get_offsets(r)) + 1 for r in range(tr.document.line_count))


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_stripes_after_each_added_coding_are_a_layout_from_scratch(study, size):
    app = make_app(study, IV)
    async with app.run_test(size=size) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("o")                       # everyone's codings: ana's and ben's
        await pilot.pause()
        stripes = screen.query_one(Stripes)
        tr = screen.transcript
        tr.focus()
        added = 0
        for step in range(6):
            before = {s.id: stripes.lane_of(s.id) for s in screen.shown_spans}
            n_layouts = stripes.layouts
            await pilot.press("down", "down", "down", "s", "1")
            await pilot.pause()
            spans = screen.shown_spans
            new = [s for s in spans if s.id not in before]
            assert len(new) == 1 and new[0].coder == "ana", step
            added += 1
            assert stripes.layouts == n_layouts + 1              # once per change
            rows = fresh_rows(tr, spans)
            lanes = {s.id: stripes.lane_of(s.id) for s in spans}
            for sid, lane in before.items():                      # earlier codings keep their lanes
                assert lanes[sid] == lane
            for s in spans:
                assert stripes.rows_of(s.id) == rows[s.id]
            a, b = rows[new[0].id]
            used = {lanes[o] for o in lanes if o != new[0].id and rows[o][0] <= b and rows[o][1] >= a}
            assert lanes[new[0].id] == min(set(range(len(used) + 1)) - used)
            for x in spans:                                      # never two on one row in one lane
                for y in spans:
                    if x.id < y.id and rows[x.id][0] <= rows[y.id][1] and rows[y.id][0] <= rows[x.id][1]:
                        assert lanes[x.id] != lanes[y.id]
            # what is drawn on each visible row: the lanes of the codings on it
            top = tr.scroll_offset.y
            for yy in range(tr.size.height):
                want = sorted(lanes[s.id] for s in spans
                              if rows[s.id][0] <= top + yy <= rows[s.id][1] and lanes[s.id] < MAX_LANES)
                got = [m[0] for m in stripes.marks_at(yy)]
                if "+" not in {m[1] for m in stripes.marks_at(yy)}:
                    assert got == want, (step, yy)
        assert added == 6


async def test_wrapped_height_is_kept_only_between_rewraps(study):
    app = make_app(study, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        h0 = tr.wrapped_document.height
        assert h0 == true_height(tr) and h0 > tr.document.line_count
        await pilot.press("f2")                      # the side panel goes: wider lines, fewer rows
        await pilot.pause()
        await pilot.pause()
        h1 = tr.wrapped_document.height
        assert h1 == true_height(tr) and h1 < h0
        await pilot.resize_terminal(70, 30)          # narrower: more rows
        await pilot.pause()
        await pilot.pause()
        h2 = tr.wrapped_document.height
        assert h2 == true_height(tr) and h2 > h1
        assert tr.virtual_size.height == h2
        await pilot.press("right_curly_bracket")     # another transcript: another wrapped document
        for _ in range(50):
            await pilot.pause()
            if screen.transcript.lines.text != "" and screen.iv_name != IV:
                break
        assert screen.iv_name != IV
        assert screen.transcript.wrapped_document.height == true_height(screen.transcript)


async def test_whose_codings_cycled_twice_rewraps_the_text_at_most_in_the_first_round(study):
    """o changes the lanes in use; the stripe column only grows within one transcript, so the
    text (re-wrapped on every width change, seconds on a long transcript) re-wraps at most
    while the column first widens, never in the second round, and every lane still fits."""
    app = make_app(study, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        stripes = screen.query_one(Stripes)
        tr = screen.transcript
        seen = []
        for _ in range(12):                          # mine, everyone, ben, ana, consensus ... twice and more
            await pilot.press("o")
            await pilot.pause()
            await pilot.pause()
            seen.append((tr.wrap_generation, stripes.size.width, stripes.lanes))
        assert max(n for _g, _w, n in seen) > min(n for _g, _w, n in seen)   # the lanes did change
        for _g, w, n in seen:
            assert w >= max(1, n) + 1
        half = len(seen) // 2
        assert seen[half][0] == seen[-1][0]          # no re-wrap in the second half


def wrap_offsets(wd, n_lines: int) -> list:
    return [wd.get_offsets(r) for r in range(n_lines)]


def test_a_wrap_is_skipped_only_when_it_repeats_the_last_one(monkeypatch):
    """The transcript's wrapped document skips a wrap at the width, tab width and document of
    the one before (TextArea asks for several on opening); any other wrap is done, and the
    offsets always equal a fresh wrap's."""
    from textual.document._document import Document
    from textual.document._wrapped_document import WrappedDocument

    from fieldcode.tui.transcript import CountedWraps

    doc = Document("\n".join(f"Maggie: line {i} " + "word " * (i * 7 % 60) for i in range(40)))
    wd = WrappedDocument(doc, width=0)
    wd.__class__ = CountedWraps
    wd.adopt()
    done = []
    real = WrappedDocument.wrap
    monkeypatch.setattr(WrappedDocument, "wrap", lambda self, width, tab_width=None: done.append(width) or real(self, width, tab_width))
    for width in (0, 40, 40, 0, 30, 30, 40):
        wd.wrap(width)
        fresh = WrappedDocument(doc, width=width)
        assert wrap_offsets(wd, doc.line_count) == wrap_offsets(fresh, doc.line_count), width
        assert wd.height == fresh.height
        assert done.pop() == width    # the fresh document's own wrap
    assert done == [40, 0, 30, 40]
    wd.wrap(40, tab_width=8)    # another tab width: wrapped again
    assert done == [40, 0, 30, 40, 40]


async def test_the_wrapping_always_equals_a_fresh_one(study):
    """Skipped wraps never leave an old wrapping behind: after F2 (the side panel), resizes
    (back to an earlier width, too) and another transcript, the offsets are a fresh wrap's."""
    from textual.document._wrapped_document import WrappedDocument

    app = make_app(study, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)

        def same() -> bool:
            tr = screen.transcript
            fresh = WrappedDocument(tr.document, width=tr.wrap_width, tab_width=tr.indent_width)
            n = tr.document.line_count
            return wrap_offsets(tr.wrapped_document, n) == wrap_offsets(fresh, n)

        assert same()
        for step in ("f2", "f2", (70, 30), (120, 40), "right_curly_bracket", (90, 30)):
            if isinstance(step, tuple):
                await pilot.resize_terminal(*step)
            else:
                await pilot.press(step)
            for _ in range(3):
                await pilot.pause()
            assert same(), step


async def test_the_collector_is_tuned_while_the_app_runs_and_restored_after(study):
    """While the screen runs, the loaded interview is frozen out of collections and young
    collections are rarer; when the app exits both are undone, so the objects can be
    collected (a process running the app many times, like this suite, does not keep them)."""
    import gc

    from fieldcode.tui.collector import YOUNG_THRESHOLD

    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    app = make_app(study, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        for _ in range(5):
            await pilot.pause()
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)])
async def test_opening_wraps_the_text_once_at_its_final_width(study, size, monkeypatch):
    """The screen's estimate of the transcript's wrap width before its first layout is the
    width the layout gives (side panel, details column, stripes, padding and scrollbar), and
    the stripe column is widened before the first wrap: the text is wrapped once at a real
    width on opening, not once more when the column widens."""
    from textual.document._wrapped_document import WrappedDocument

    widths = []
    real = WrappedDocument.wrap
    monkeypatch.setattr(WrappedDocument, "wrap",
                        lambda self, width, tab_width=None: widths.append(width) or real(self, width, tab_width))
    app = make_app(study, IV)
    async with app.run_test(size=size) as pilot:
        screen = await ready(app, pilot)
        for _ in range(5):
            await pilot.pause()
        tr = screen.transcript
        stripes = screen.query_one(Stripes)
        assert screen._expected_wrap_width() == tr.wrap_width + stripes.size.width - 2
        assert [w for w in widths if w] == [tr.wrap_width]
        assert stripes.size.width >= stripes.lanes + 1
