"""The analysis screen driven by real keys (Textual Pilot).

Most tests run on a tiny study whose counts are worked out by hand below; one test checks the
bundled study (with the example codings of ana and ben) against a plain SQL count, and one
snapshot shows the screen on it.  No expected number is read off the screen's own output.

The tiny study: two pairs, one improving and one lagging interview each, all residents.

    i1  P1 improving  "Interviewer: Who leads here?"                    (interviewer: 3 words)
                      "Ann: Our chair leads the tenants. Housing is good now."   Ann: 5 + 4 = 9
    i2  P1 lagging    "Interviewer: Any leaders?"                        (2)
                      "Ben: Nobody leads here. The flats are damp and cold."     Ben: 3 + 6 = 9
    i3  P2 improving  "Interviewer: And housing?"                        (2)
                      "Cal: Repairs are quick. Our councillor leads well."       Cal: 3 + 4 = 7
    i4  P2 lagging    "Interviewer: What about leaders?"                 (3)
                      "Dee: We have none. Repairs take months."                  Dee: 3 + 3 = 6

Codings (coder):
    i1  leadership "Our chair leads the tenants" (ana, 5 words)
        leadership "chair leads"                 (ben, 2 words, inside the one above)
        leadership "Who leads here"              (ana, inside the interviewer's turn: left out by default)
        housing    "Housing is good now"         (ana, 4 words)
    i2  leadership "Nobody leads here"           (ana, 3)
        housing    "The flats are damp and cold" (ben, 6)
    i3  repairs    "Repairs are quick"           (ana, 3)
        leadership "Our councillor leads well"   (ana, 4)
    i4  repairs    "Repairs take months"         (ben, 3)

Columns (pair x arm): P1/improving, P1/lagging, P2/improving, P2/lagging; analysed words 9, 9, 7, 6.
Rows in codebook order: Place, Housing (child of Place), Repairs (child of Housing), Leadership,
Aspiration.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable, OptionList, Static

from conftest import coding_screen as coding_ready

from fieldcode.project import Project
from fieldcode.tui import make_app
from fieldcode.tui.analysis_screen import AnalysisScreen, SegmentListScreen
from fieldcode.tui.coding import CodingScreen

from test_analysis_fixtures import attrs, code, make_project, span

REPO = Path(__file__).resolve().parents[1]

I1 = "Interviewer: Who leads here?\n\nAnn: Our chair leads the tenants. Housing is good now.\n"
I2 = "Interviewer: Any leaders?\n\nBen: Nobody leads here. The flats are damp and cold.\n"
I3 = "Interviewer: And housing?\n\nCal: Repairs are quick. Our councillor leads well.\n"
I4 = "Interviewer: What about leaders?\n\nDee: We have none. Repairs take months.\n"

ROWS = ["Place", "Housing", "Repairs", "Leadership", "Aspiration"]
GROUPS = [("P1", "improving"), ("P1", "lagging"), ("P2", "improving"), ("P2", "lagging")]


def _build(folder: Path) -> None:
    p = make_project(folder, {
        "i1": (attrs("P1", "improving"), I1),
        "i2": (attrs("P1", "lagging"), I2),
        "i3": (attrs("P2", "improving"), I3),
        "i4": (attrs("P2", "lagging"), I4),
    })
    code(p, "i1", "leadership", "Our chair leads the tenants")
    code(p, "i1", "leadership", "chair leads", coder="ben")
    code(p, "i1", "leadership", "Who leads here")
    code(p, "i1", "housing", "Housing is good now")
    code(p, "i2", "leadership", "Nobody leads here")
    code(p, "i2", "housing", "The flats are damp and cold", coder="ben")
    code(p, "i3", "repairs", "Repairs are quick")
    code(p, "i3", "leadership", "Our councillor leads well")
    code(p, "i4", "repairs", "Repairs take months", coder="ben")
    p.close()


@pytest.fixture(scope="module")
def tiny_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny") / "study"
    _build(folder)
    return folder


@pytest.fixture
def tiny(tiny_template, tmp_path):
    dst = tmp_path / "tiny"
    shutil.copytree(tiny_template, dst)
    p = Project.open(dst, coder="ana")
    yield p
    p.close()


@pytest.fixture(scope="module")
def bundled_template(bundled_coded) -> Path:
    """The bundled study with both coders' example codings (conftest's template, built once)."""
    return bundled_coded


@pytest.fixture
def bundled_project(bundled_template, tmp_path):
    dst = tmp_path / "bundled"
    shutil.copytree(bundled_template, dst)
    p = Project.open(dst, coder="ana")
    yield p
    p.close()


# -- helpers ---------------------------------------------------------------------------------------

async def settle(screen, pilot) -> None:
    """Wait until the screen shows the result of its latest computation."""
    for _ in range(400):
        await pilot.pause()
        if not screen.busy:
            await pilot.pause()
            return
    raise AssertionError("the analysis did not finish")


async def open_analysis(app, pilot) -> AnalysisScreen:
    await coding_ready(app, pilot)
    await pilot.press("a")                          # the app's binding (id "analysis")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, AnalysisScreen)
    await settle(screen, pilot)
    return screen


def grid(screen: AnalysisScreen, table: str = "#crosstab") -> dict[str, list[str]]:
    """{row label (stripped): [cell texts]} as the DataTable holds them."""
    dt = screen.query_one(table, DataTable)
    out = {}
    for r in range(dt.row_count):
        cells = [dt.get_cell_at(Coordinate(r, c)).plain.strip() for c in range(len(dt.columns))]
        out[cells[0]] = cells[1:]
    return out


def headers(screen: AnalysisScreen, table: str = "#crosstab") -> list[str]:
    dt = screen.query_one(table, DataTable)
    return [str(col.label) for col in dt.ordered_columns]


def status(screen: AnalysisScreen) -> str:
    return str(screen.query_one("#status", Static).render())


# -- the crosstab ------------------------------------------------------------------------------------

async def test_crosstab_counts_and_units(tiny):
    app = make_app(tiny)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_analysis(app, pilot)
        # columns: the code, then pair x arm in the codebook's arm order
        assert [h.replace("\n", "/") for h in headers(screen)[1:]] == ["/".join(g) for g in GROUPS]
        g = grid(screen)
        assert list(g) == ROWS
        # coded segments, interviewer turns left out: ana's "Our chair leads the tenants" and
        # ben's "chair leads" overlap, so i1 has one leadership passage (several coders counted
        # together) - "Who leads here" lies in the interviewer's turn
        assert g["Leadership"] == ["1", "1", "1", "0"]
        assert g["Housing"] == ["1", "1", "0", "0"]
        assert g["Repairs"] == ["0", "0", "1", "1"]
        assert g["Place"] == ["0", "0", "0", "0"]
        assert g["Aspiration"] == ["0", "0", "0", "0"]
        text = status(screen)
        assert "coded segments" in text and "interviewer turns left out" in text and "pair × arm" in text

        await pilot.press("u")                      # interviews mentioning the theme
        g = grid(screen)
        assert g["Leadership"] == ["1", "1", "1", "0"]
        assert g["Housing"] == ["1", "1", "0", "0"]
        assert g["Repairs"] == ["0", "0", "1", "1"]
        assert "interviews mentioning the theme" in status(screen)

        await pilot.press("u")                      # coded words: unions, nothing counted twice
        g = grid(screen)
        assert g["Leadership"] == ["5", "3", "4", "0"]   # ben's "chair leads" lies inside ana's 5 words
        assert g["Housing"] == ["4", "6", "0", "0"]
        assert g["Repairs"] == ["0", "0", "3", "3"]

        await pilot.press("u")                      # per 1,000 analysed words (9, 9, 7, 6)
        g = grid(screen)
        assert g["Leadership"] == [f"{1000 * 5 / 9:.1f}", f"{1000 * 3 / 9:.1f}", f"{1000 * 4 / 7:.1f}", "0.0"]
        assert g["Repairs"] == ["0.0", "0.0", f"{1000 * 3 / 7:.1f}", f"{1000 * 3 / 6:.1f}"]
        assert "per 1,000 analysed words" in status(screen)

        await pilot.press("u")                      # and round again
        assert grid(screen)["Leadership"] == ["1", "1", "1", "0"]

        await pilot.press("u", "u", "d")            # coded words with denominators
        await pilot.pause()
        g = grid(screen)
        assert g["Leadership"] == ["5/9", "3/9", "4/7", "0/6"]
        assert "(1 iv, 9 w)" in headers(screen)[1]


async def test_toggles_rollup_interviewer_coder_grouping(tiny):
    app = make_app(tiny)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_analysis(app, pilot)

        await pilot.press("r")                      # roll children up into their parents
        await settle(screen, pilot)
        g = grid(screen)
        # Place = Place + Housing + Repairs; Housing = Housing + Repairs (segments add up)
        assert g["Place (incl. children)"] == ["1", "1", "1", "1"]
        assert g["Housing (incl. children)"] == ["1", "1", "1", "1"]
        assert g["Repairs"] == ["0", "0", "1", "1"]
        assert "rolled up" in status(screen)
        await pilot.press("r")
        await settle(screen, pilot)

        await pilot.press("i")                      # count the interviewer's turns too
        await settle(screen, pilot)
        # (ana's + ben's overlapping codings: one passage) + "Who leads here"
        assert grid(screen)["Leadership"] == ["2", "1", "1", "0"]
        assert "interviewer turns included" in status(screen)
        await pilot.press("u", "u")                 # words: + "Who leads here" (3); i1 now has 12 words
        g = grid(screen)
        assert g["Leadership"] == ["8", "3", "4", "0"]
        await pilot.press("u", "u")                 # per 1,000, then back to segments
        assert "unit: coded segments" in status(screen)
        await pilot.press("i")
        await settle(screen, pilot)
        assert "interviewer turns left out" in status(screen)

        await pilot.press("c")                      # coders: all -> ana
        await settle(screen, pilot)
        g = grid(screen)
        assert g["Leadership"] == ["1", "1", "1", "0"]
        assert g["Housing"] == ["1", "0", "0", "0"]
        assert g["Repairs"] == ["0", "0", "1", "0"]
        assert "coders: ana" in status(screen)
        await pilot.press("c")                      # -> ben
        await settle(screen, pilot)
        g = grid(screen)
        assert g["Leadership"] == ["1", "0", "0", "0"]
        assert g["Housing"] == ["0", "1", "0", "0"]
        assert g["Repairs"] == ["0", "0", "0", "1"]
        await pilot.press("c")                      # -> all again
        await settle(screen, pilot)
        assert "coders: all" in status(screen)

        await pilot.press("g")                      # by arm
        await settle(screen, pilot)
        assert headers(screen)[1:] == ["improving", "lagging"]
        assert grid(screen)["Leadership"] == ["2", "1"]   # i1 (one passage) + i3; i2
        await pilot.press("g")                      # by pair
        await settle(screen, pilot)
        assert headers(screen)[1:] == ["P1", "P2"]
        assert grid(screen)["Leadership"] == ["2", "1"]   # P1: i1 (one passage) + i2; P2: i3
        assert grid(screen)["Repairs"] == ["0", "2"]
        await pilot.press("g")                      # by role: everyone is a resident
        await settle(screen, pilot)
        assert headers(screen)[1:] == ["resident"]
        assert grid(screen)["Leadership"] == ["3"]   # i1 one passage, i2, i3
        await pilot.press("g")                      # by interview
        await settle(screen, pilot)
        assert headers(screen)[1:] == ["i1", "i2", "i3", "i4"]
        assert grid(screen)["Leadership"] == ["1", "1", "1", "0"]
        await pilot.press("g")                      # back to pair x arm
        await settle(screen, pilot)
        assert len(headers(screen)) == 5

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)


async def test_enter_lists_cell_segments_and_opens_the_transcript(tiny):
    t1 = tiny.store.interview("i1").text
    chair = span(t1, "Our chair leads the tenants")
    ben = span(t1, "chair leads")
    app = make_app(tiny, "i4")                      # start elsewhere: the span is in another interview
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_analysis(app, pilot)
        dt = screen.query_one("#crosstab", DataTable)
        assert dt.has_focus
        dt.move_cursor(row=ROWS.index("Leadership"), column=1)   # Leadership x P1/improving
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        seg_screen = app.screen
        assert isinstance(seg_screen, SegmentListScreen)
        await settle(seg_screen, pilot)
        # ana's and ben's segments, not the one in the interviewer's turn
        assert [(s.interview, s.start, s.end, s.coder) for s in seg_screen.segments] == [
            ("i1.md", *chair, "ana"), ("i1.md", *ben, "ben")]
        assert seg_screen.query_one(OptionList).option_count == 2
        # the cell counts one passage; the list shows both codings and says so
        assert "2 codings (1 passage: overlapping codings count once) in 1 interview" in str(
            seg_screen.query_one("#count").render())

        await pilot.press("escape")                 # back to the table, nothing opened
        await pilot.pause()
        assert app.screen is screen

        dt.move_cursor(row=ROWS.index("Repairs"), column=0)     # the code column: every group
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        seg_screen = app.screen
        await settle(seg_screen, pilot)
        assert [(s.interview, s.coder) for s in seg_screen.segments] == [("i3.md", "ana"), ("i4.md", "ben")]
        await pilot.press("escape")
        await pilot.pause()

        dt.move_cursor(row=ROWS.index("Leadership"), column=1)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        seg_screen = app.screen
        await settle(seg_screen, pilot)
        await pilot.press("enter")                  # open the first: ana's "Our chair leads the tenants"
        for _ in range(20):
            await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        assert coding.iv_name == "i1.md"
        assert coding.transcript.selection_offsets == chair
        assert coding.transcript.has_focus


async def test_enter_in_a_rolled_up_row_includes_children(tiny):
    app = make_app(tiny)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_analysis(app, pilot)
        await pilot.press("r")
        await settle(screen, pilot)
        dt = screen.query_one("#crosstab", DataTable)
        dt.move_cursor(row=0, column=4)             # Place (incl. children) x P2/lagging
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        seg_screen = app.screen
        await settle(seg_screen, pilot)
        assert [(s.interview, s.code_key, s.coder) for s in seg_screen.segments] == [("i4.md", "repairs", "ben")]


async def test_paired_comparison_and_chart(tiny):
    app = make_app(tiny)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_analysis(app, pilot)
        await pilot.press("v")
        await settle(screen, pilot)
        assert "Paired comparison" in status(screen)
        h = headers(screen, "#compare-table")
        assert h[3].startswith("P1") and h[4].startswith("P2")
        g = grid(screen, "#compare-table")
        # Leadership per 1,000 words: P1 555.6 - 333.3 = +222.2; P2 571.4 - 0 = +571.4;
        # improving higher in 2 of 2 pairs; sign test 2 x (1/2)^2 = 0.5
        lead = g["Leadership"]
        assert lead[0] == "2 of 2" and lead[1] == "0.500"
        assert lead[2].split() == ["555.6", "/", "333.3", "+222.2"]
        assert lead[3].split() == ["571.4", "/", "0.0", "+571.4"]
        # Housing: P1 444.4 - 666.7 = -222.2; P2 0 - 0: a tie
        assert g["Housing"][0] == "0 of 1, 1 tied"
        assert g["Housing"][2].split()[-1] == "-222.2"
        # the chart follows the highlighted theme
        dt = screen.query_one("#compare-table", DataTable)
        dt.move_cursor(row=list(g).index("Leadership"), column=3)
        await pilot.pause()
        note = str(screen.query_one("#chart-note", Static).render())
        assert note.startswith("Leadership: improving − lagging per pair, per 1,000 words")
        chart = screen.query_one("#chart")
        rendered = "\n".join(line.text for line in chart.render_lines(chart.region.reset_offset))
        assert "P1 +222.2" in rendered and "P2 +571.4" in rendered

        await pilot.press("u")                      # share of interviews: 1 - 1 = 0 and 1 - 0 = 1
        await settle(screen, pilot)
        g = grid(screen, "#compare-table")
        assert g["Leadership"][2].split() == ["1.00", "/", "1.00", "0.00"]   # a tie prints unsigned
        assert g["Leadership"][3].split() == ["1.00", "/", "0.00", "+1.00"]
        assert "share of interviews" in status(screen)

        screen.query_one("#compare-table", DataTable).move_cursor(column=4)
        await pilot.pause()
        await pilot.press("enter")                  # Leadership x P2 (both arms): i3's segment
        await pilot.pause()
        seg_screen = app.screen
        assert isinstance(seg_screen, SegmentListScreen)
        await settle(seg_screen, pilot)
        assert [(s.interview, s.code_key) for s in seg_screen.segments] == [("i3.md", "leadership")]
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("v")                      # back to the crosstab
        await settle(screen, pilot)
        assert grid(screen)["Leadership"] == ["1", "1", "1", "0"]


# -- the bundled study -------------------------------------------------------------------------------

def sql_counts(db: Path, role: str | None = None) -> dict[tuple[str, str, str], int]:
    """Coded passages per (code key, pair, arm): codings read with plain SQL (all coders; only
    interviews with that role, if given), then overlapping codings of a code in an interview
    merged into one passage by hand."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute("""
            SELECT code.key, p.value, a.value, coding.interview_id, coding.start, coding."end"
            FROM coding JOIN code ON code.id = coding.code_id
            JOIN attribute p ON p.interview_id = coding.interview_id AND p.name = 'pair'
            JOIN attribute a ON a.interview_id = coding.interview_id AND a.name = 'arm'
            JOIN attribute r ON r.interview_id = coding.interview_id AND r.name = 'role'
            WHERE ? IS NULL OR r.value = ?
            ORDER BY code.key, coding.interview_id, coding.start""", (role, role)).fetchall()
    finally:
        con.close()
    out: dict[tuple[str, str, str], int] = {}
    reach: dict[tuple[str, int], int] = {}
    for k, p, a, iid, st, en in rows:
        if st >= reach.get((k, iid), -1):
            out[(k, p, a)] = out.get((k, p, a), 0) + 1
        reach[(k, iid)] = max(reach.get((k, iid), -1), en)
    return out


async def test_bundled_study_matches_a_plain_sql_count(bundled_project):
    expected = sql_counts(Path(bundled_project.root) / "fieldcode.db")
    names = {c.name: c.key for c in bundled_project.store.codes()}
    app = make_app(bundled_project)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_analysis(app, pilot)
        await pilot.press("i")                      # every coding counts once interviewer turns are in
        await settle(screen, pilot)
        groups = [tuple(h.split("\n")) for h in headers(screen)[1:]]
        assert len(groups) == 6
        g = grid(screen)
        total = 0
        for label, cells in g.items():
            key = names[label]
            for (pair, arm), cell in zip(groups, cells):
                assert int(cell) == expected.get((key, pair, arm), 0), (label, pair, arm)
                total += int(cell)
        assert total == sum(expected.values()) < 462   # fewer passages than ana's 280 + ben's 182 codings

        await pilot.press("f")                      # roles in name order: agency first
        await settle(screen, pilot)
        assert "role: agency" in status(screen)
        expected = sql_counts(Path(bundled_project.root) / "fieldcode.db", role="agency")
        groups = [tuple(h.split("\n")) for h in headers(screen)[1:]]
        for label, cells in grid(screen).items():
            for (pair, arm), cell in zip(groups, cells):
                assert int(cell) == expected.get((names[label], pair, arm), 0), (label, pair, arm)
        assert sum(expected.values()) > 0


def test_shading_grows_with_the_value():
    from textual.color import Color

    from fieldcode.tui.analysis_screen import shade

    base, accent = Color.parse("#1e1e1e"), Color.parse("#0178d4")
    zero = shade(0, 10, base, accent)
    assert zero.bgcolor is None                    # nothing to shade: plain (dim) text
    low, high = shade(2, 10, base, accent), shade(10, 10, base, accent)

    def distance(style) -> float:                  # how far the background is from the accent
        r, g, b = style.bgcolor.get_truecolor()
        return abs(r - accent.r) + abs(g - accent.g) + abs(b - accent.b)

    assert distance(high) < distance(low)
    assert shade(float("nan"), 10, base, accent).bgcolor is None


SIZE = (100, 30)


def test_snapshot_analysis_screen(snap_compare, bundled_project):
    async def before(pilot):
        await coding_ready(pilot.app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await settle(pilot.app.screen, pilot)
        pilot.app.screen.query_one("#crosstab", DataTable).move_cursor(row=1, column=1)
        await pilot.pause(0.3)

    assert snap_compare(make_app(bundled_project), terminal_size=SIZE, run_before=before)


def test_snapshot_paired_comparison(snap_compare, bundled_project):
    async def before(pilot):
        await coding_ready(pilot.app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await settle(pilot.app.screen, pilot)
        await pilot.press("v")
        await settle(pilot.app.screen, pilot)
        await pilot.press("down")
        await pilot.pause(0.3)

    assert snap_compare(make_app(bundled_project), terminal_size=(80, 24), run_before=before)


async def test_palette_opens_the_paired_comparison_and_keys_can_be_remapped(tiny):
    app = make_app(tiny)
    async with app.run_test(size=(100, 30)) as pilot:
        await coding_ready(app, pilot)
        app.set_keymap({"analysis.unit": "n"})      # as a user's [keys] table in settings.toml would
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"paired comparison")
        for _ in range(20):
            await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnalysisScreen)
        await settle(screen, pilot)
        assert screen.options.view == "compare"
        assert "Paired comparison" in status(screen)
        await pilot.press("v")                      # to the crosstab, then the remapped unit key
        await settle(screen, pilot)
        await pilot.press("n")
        await pilot.pause()
        assert "unit: interviews mentioning the theme" in status(screen)
        assert grid(screen)["Leadership"] == ["1", "1", "1", "0"]


async def test_settings_kept_when_jumping_to_a_quote_and_back(tiny):
    """Change unit and rollup, open a cell's segment in the transcript, press a: the analysis
    comes back as it was left."""
    app = make_app(tiny)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_analysis(app, pilot)
        await pilot.press("u", "u")                 # coded words
        await pilot.press("r")                      # rolled up
        await settle(screen, pilot)
        before = (status(screen), grid(screen))
        assert "coded words" in before[0] and "rolled up" in before[0]
        dt = screen.query_one("#crosstab", DataTable)
        dt.move_cursor(row=list(before[1]).index("Leadership"), column=1)
        await pilot.pause()
        await pilot.press("enter")                  # the cell's segments
        await pilot.pause()
        await settle(app.screen, pilot)
        await pilot.press("enter")                  # open the first in the transcript
        for _ in range(20):
            await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        await pilot.press("a")                      # back to the analysis
        for _ in range(10):
            await pilot.pause()
        again = app.screen
        assert isinstance(again, AnalysisScreen)
        await settle(again, pilot)
        assert (status(again), grid(again)) == before


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_snapshot_analysis_screen_sizes(snap_compare, bundled_project, size):
    async def before(pilot):
        await coding_ready(pilot.app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await settle(pilot.app.screen, pilot)
        await pilot.pause(0.3)

    assert snap_compare(make_app(bundled_project), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_snapshot_segment_list_sizes(snap_compare, bundled_project, size):
    async def before(pilot):
        await coding_ready(pilot.app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await settle(pilot.app.screen, pilot)
        pilot.app.screen.query_one("#crosstab", DataTable).move_cursor(row=1, column=1)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await settle(pilot.app.screen, pilot)
        await pilot.pause(0.3)

    assert snap_compare(make_app(bundled_project), terminal_size=size, run_before=before)
