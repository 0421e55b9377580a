"""The coding screen driven by real key presses (Textual Pilot).  Each test asserts on the
database rows AND on what the transcript renders.  Expected offsets are worked out from the
stored text with str.find, never copied from the app."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from textual.widgets import Tree

from conftest import copy_study

from fieldcode.project import Project
from fieldcode.study.settings import Settings
from fieldcode.tui import make_app
from fieldcode.tui.coding import CODING_KEYS, CodingScreen
from fieldcode.tui.transcript import Transcript
from fieldcode.tui.widgets import CodebookTree, DetailsPanel, Navigator

REPO = Path(__file__).resolve().parents[1]
IV = "leeds-improving-01-resident"


@pytest.fixture(scope="session")
def tui_template(bundled_imported) -> Path:
    """The bundled study imported once per session (conftest's template); tests copy the folder."""
    return bundled_imported


@pytest.fixture
def study(tui_template, tmp_path) -> Path:
    return copy_study(tui_template, tmp_path / "study")


@pytest.fixture
def project(study):
    p = Project.open(study, coder="ana")
    yield p
    p.close()


async def ready(app, pilot) -> CodingScreen:
    for _ in range(100):
        await pilot.pause()
        if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None and app.screen.is_mounted:
            break
    screen = app.screen
    assert isinstance(screen, CodingScreen)
    await pilot.pause()
    return screen


def typed(text: str) -> list[str]:
    names = {" ": "space", "-": "minus"}
    return [names.get(ch, ch) for ch in text]


async def search(pilot, term: str) -> None:
    await pilot.press("ctrl+f")   # find in this transcript (/ searches the study)
    await pilot.pause()
    await pilot.press("ctrl+a", "ctrl+k", *typed(term), "enter")
    await pilot.pause()


def coded_columns(tr: Transcript, row: int) -> set[int]:
    """Columns of a line painted as my coding (background filled) in the styled line."""
    line = tr.get_line(row)
    cols: set[int] = set()
    for sp in line.spans:
        style = sp.style
        if getattr(style, "bgcolor", None) is not None:
            cols.update(range(sp.start, sp.end))
    return cols


def rendered_row(tr: Transcript, needle: str):
    """The on-screen strip (list of segments) whose text contains ``needle``."""
    for y in range(tr.size.height):
        strip = tr.render_line(y)
        text = "".join(seg.text for seg in strip)
        if needle in text:
            return strip, text
    raise AssertionError(f"{needle!r} is not on screen")


def cols_for(tr: Transcript, start: int, end: int) -> tuple[int, set[int]]:
    (r1, c1), (r2, c2) = tr.lines.to_location(start), tr.lines.to_location(end)
    assert r1 == r2
    return r1, set(range(c1, c2))


# --- layout -------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_layout_navigator_codebook_header(project, size):
    app = make_app(project)
    async with app.run_test(size=size) as pilot:
        screen = await ready(app, pilot)
        assert f"coder: ana" in screen.sub_title and screen.title.endswith(project.root.name)
        nav = screen.query_one(Navigator)
        pairs = [str(n.label) for n in nav.root.children]
        assert pairs == sorted({"Leeds", "Liverpool", "Middlesbrough"})
        leeds = nav.root.children[0]
        hoods = [str(n.label) for n in leeds.children]
        # the improving (focal) arm first, each neighbourhood labelled with its arm
        assert hoods[0].endswith("(improving)") and hoods[1].endswith("(lagging)")
        leaf = leeds.children[0].children[0]
        assert "0%" in str(leaf.label)
        tree = screen.query_one(CodebookTree)
        top = [str(n.label) for n in tree.root.children]
        assert any("1 Leadership 0/0" in t for t in top)
        lead = next(n for n in tree.root.children if "Leadership" in str(n.label))
        kids = [str(c.label) for c in lead.children]
        # a long name is shortened with an ellipsis, never the counts
        assert any(k.startswith("■ 9 Resident lea") and k.endswith(" 0/0") for k in kids), kids
        if size[0] >= 120:
            assert any("Resident leaders 0/0" in k for k in kids)
        for node in [*tree.root.children, *lead.children]:
            label = str(node.label)
            assert len(label) <= tree.size.width - 1
        tr = screen.transcript
        assert tr.region.width >= 40 and tr.region.height >= 8
        # speaker labels are bold, the interviewer's turn is dim
        first = tr.get_line(0)
        assert any(s.style.bold and s.start == 0 and s.end == len("Interviewer:") + 1 for s in first.spans
                   if hasattr(s.style, "bold"))
        assert any(getattr(s.style, "dim", False) for s in first.spans)


# --- selecting and coding -----------------------------------------------------------------------

async def test_sentence_select_extend_shrink_and_hotkey(project):
    iv = project.store.interview(IV)
    text = iv.text
    s1 = text.find("Eleven years.")
    s2 = text.find("We moved here")
    s2_end = text.find("next ward.") + len("next ward.")
    s3_end = text.find("with a garden.") + len("with a garden.")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        await pilot.press("down", "down")       # onto "Shazia: Eleven years. ..."
        await pilot.press("s")
        assert tr.selection_offsets == (s1, s1 + len("Eleven years."))
        await pilot.press("S", "S")
        assert tr.selection_offsets == (s1, s3_end)
        await pilot.press("D")
        assert tr.selection_offsets == (s1, s2_end)
        await pilot.press("1")
        await pilot.pause()
        rows = project.store.codings(iv.id)
        lead = project.store.code("leadership")
        assert [(r.code_id, r.start, r.end, r.coder) for r in rows] == [(lead.id, s1, s2_end, "ana")]
        assert s2 < s2_end
        row, _ = tr.lines.to_location(s1)
        assert coded_columns(tr, row) == set(range(s1 - tr.lines.starts[row], s2_end - tr.lines.starts[row]))
        strip, line = rendered_row(tr, "Eleven years.")
        col = line.find("Eleven")
        # on screen: the coded words sit on a different background from the speaker label
        label_bg = next(seg.style.bgcolor for seg in strip if "Shazia" in seg.text)
        painted = "".join(seg.text for seg in strip if seg.style and seg.style.bgcolor != label_bg)
        assert painted.startswith("Eleven years.") and "Shazia" not in painted
        assert col > 0


async def test_turn_word_and_shift_arrow_selection_with_picker(project):
    iv = project.store.interview(IV)
    text = iv.text
    t_start = text.find("Eleven years.")
    t_end = text.find("seven and four.") + len("seven and four.")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        await pilot.press("down", "down", "t")
        assert tr.selection_offsets == (t_start, t_end)
        await search(pilot, "regnan")
        await pilot.press("w")
        # the cursor sits inside "pregnant": w selects the whole word
        word = text.find("pregnant")
        assert tr.selection_offsets == (word, word + len("pregnant"))
        await pilot.press("home", "up", "up", "home")
        row = tr.cursor_location[0]
        start = tr.lines.starts[row]
        assert text[start:start + len("Interviewer:")] == "Interviewer:"
        await pilot.press(*["shift+right"] * len("Interviewer"))
        assert tr.selected_text == "Interviewer"
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*typed("aspir"), "enter")
        await pilot.pause()
        asp = project.store.code("aspiration")
        rows = project.store.codings(iv.id)
        assert [(r.code_id, r.start, r.end) for r in rows] == [(asp.id, start, start + len("Interviewer"))]
        assert coded_columns(tr, row) == set(range(len("Interviewer")))


async def test_mouse_drag_selects_and_tree_applies(project):
    iv = project.store.interview(IV)
    text = iv.text
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        _, line = rendered_row(tr, "Shazia: Eleven")
        y = next(y for y in range(tr.size.height) if "Shazia: Eleven" in "".join(s.text for s in tr.render_line(y)))
        x0 = line.find("Eleven")  # no padding: the stripes column beside it keeps a gap
        await pilot.mouse_down(tr, offset=(x0, y))
        await pilot.hover(tr, offset=(x0 + len("Eleven years"), y))
        await pilot.mouse_up(tr, offset=(x0 + len("Eleven years"), y))
        await pilot.pause()
        a = text.find("Eleven years")
        assert tr.selection_offsets == (a, a + len("Eleven years"))
        # apply from the codebook tree: highlight "Housing" and press enter
        tree = screen.query_one(CodebookTree)
        tree.focus()
        await pilot.pause()
        housing = project.store.code("housing")
        for _ in range(30):
            if tree.cursor_node is not None and tree.cursor_node.data == housing.id:
                break
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause(0.5)                      # counts in the tree refresh just after the repaint
        rows = project.store.codings(iv.id)
        assert [(r.code_id, r.start, r.end) for r in rows] == [(housing.id, a, a + len("Eleven years"))]
        for _ in range(50):                         # the side panels refresh just after the repaint
            if str(tree.cursor_node.label).endswith("Housing 1/1"):
                break
            await pilot.pause(0.1)
        assert str(tree.cursor_node.label).endswith("Housing 1/1")


async def test_in_vivo_writes_codebook_keeping_comments(project, study):
    iv = project.store.interview(IV)
    text = iv.text
    before_yaml = (study / "codebook.yaml").read_text(encoding="utf-8")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await search(pilot, "ginnel")
        await pilot.press("w", "v")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *typed("Ginnel tipping"), "enter")
        await pilot.pause()
        a = text.find("ginnel")
        yaml_text = (study / "codebook.yaml").read_text(encoding="utf-8")
        assert yaml_text.startswith(before_yaml.rstrip("\n")[:2000])     # comments and order kept
        assert "ginnel-tipping" in yaml_text and "Ginnel tipping" in yaml_text
        assert yaml_text.index("key: leadership") < yaml_text.index("ginnel-tipping")
        # only the new code's own lines were added (key, name, colour + a blank separator)
        import difflib

        diff = [d for d in difflib.unified_diff(before_yaml.splitlines(), yaml_text.splitlines(), lineterm="", n=0)
                if d[:1] in "+-" and not d.startswith(("+++", "---"))]
        assert len(diff) == 4 and all(d.startswith("+") for d in diff), diff
        code = project.store.code("ginnel-tipping")
        rows = project.store.codings(iv.id)
        assert [(r.code_id, r.start, r.end) for r in rows] == [(code.id, a, a + len("ginnel"))]
        assert any("Ginnel tipping" in str(n.label) for n in screen.query_one(CodebookTree).root.children)


async def test_remove_change_memo_extend_shrink_with_undo_redo(project):
    iv = project.store.interview(IV)
    text = iv.text
    s1 = text.find("Eleven years.")
    s1_end = s1 + len("Eleven years.")
    s2_end = text.find("next ward.") + len("next ward.")
    lead, asp = project.store.code("leadership"), project.store.code("aspiration")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        row = tr.lines.to_location(s1)[0]
        await pilot.press("down", "down", "s", "1")
        await pilot.press("home", "right", "right", "right", "right", "right", "right", "right", "right", "right")
        await pilot.pause()

        def rows():
            return [(r.code_id, r.start, r.end, r.memo) for r in project.store.codings(iv.id)]

        assert rows() == [(lead.id, s1, s1_end, "")]
        # extend by a sentence, shrink back
        await pilot.press("right_square_bracket")
        assert rows() == [(lead.id, s1, s2_end, "")]
        assert max(coded_columns(tr, row)) == s2_end - tr.lines.starts[row] - 1
        await pilot.press("left_square_bracket")
        assert rows() == [(lead.id, s1, s1_end, "")]
        # change the code through the picker
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*typed("aspiration"), "enter")
        await pilot.pause()
        assert rows() == [(asp.id, s1, s1_end, "")]
        # memo
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*typed("first move"), "ctrl+s")
        await pilot.pause()
        assert rows() == [(asp.id, s1, s1_end, "first move")]
        details = str(screen.query_one(DetailsPanel).render())
        assert "first move" in details and "Aspiration" in details and "ana" in details
        assert "Eleven years." in details
        # remove; the line is no longer painted
        await pilot.press("x")
        await pilot.pause()
        assert rows() == []
        assert coded_columns(tr, row) == set()
        # undo walks back through every change, redo forward again
        expected_back = [
            [(asp.id, s1, s1_end, "first move")],
            [(asp.id, s1, s1_end, "")],
            [(lead.id, s1, s1_end, "")],
            [(lead.id, s1, s2_end, "")],
            [(lead.id, s1, s1_end, "")],
            [],
        ]
        for want in expected_back:
            await pilot.press("ctrl+z")
            await pilot.pause()
            assert rows() == want
        assert coded_columns(tr, row) == set()
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert rows() == [(lead.id, s1, s1_end, "")]
        assert coded_columns(tr, row) == set(range(s1 - tr.lines.starts[row], s1_end - tr.lines.starts[row]))

    # after a restart, undo still reaches the log
    app2 = make_app(project, IV)
    async with app2.run_test(size=(120, 40)) as pilot:
        await ready(app2, pilot)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert project.store.codings(iv.id) == []
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert [(r.start, r.end) for r in project.store.codings(iv.id)] == [(s1, s1_end)]


# --- moving around ------------------------------------------------------------------------------

async def test_next_prev_coding_uncoded_turn_and_interviews(project):
    iv = project.store.interview(IV)
    text = iv.text
    a = text.find("Eleven years.")
    b = text.find("Honestly? Mixed.")
    project.store.add_coding(iv.id, "leadership", a, a + 6, "ana")
    project.store.add_coding(iv.id, "place", b, b + 9, "ana")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        await pilot.press("n")
        assert tr.cursor_offset == a
        await pilot.press("n")
        assert tr.cursor_offset == b
        await pilot.press("N")
        assert tr.cursor_offset == a
        # next uncoded participant turn after "Eleven years" is the one after "Honestly" (coded)
        await pilot.press("u")
        nxt = text.find("So we're at the end of a row")
        assert tr.cursor_offset == nxt
        order = screen.query_one(Navigator).order
        await pilot.press("right_curly_bracket")
        assert screen.iv_id == order[order.index(iv.id) + 1]
        await pilot.press("left_curly_bracket")
        assert screen.iv_id == iv.id
        await pilot.press("left_curly_bracket")
        assert screen.iv_id == order[order.index(iv.id) - 1]


async def test_search_next_previous(project):
    iv = project.store.interview(IV)
    text = iv.text
    hits = []
    i = text.lower().find("ginnel")
    while i != -1:
        hits.append(i)
        i = text.lower().find("ginnel", i + 1)
    assert len(hits) >= 3
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        await search(pilot, "ginnel")
        assert tr.selection_offsets == (hits[0], hits[0] + 6)
        await pilot.press("f3")
        assert tr.selection_offsets == (hits[1], hits[1] + 6)
        await pilot.press("greater_than_sign")
        assert tr.selection_offsets == (hits[2], hits[2] + 6)
        await pilot.press("shift+f3")
        assert tr.selection_offsets == (hits[1], hits[1] + 6)
        await pilot.press("less_than_sign")
        assert tr.selection_offsets == (hits[0], hits[0] + 6)


async def test_command_palette_jumps_to_interview_and_code(project):
    target = project.store.interview("middlesbrough-lagging-03-resident")
    iv = project.store.interview(IV)
    b = iv.text.find("Honestly? Mixed.")
    project.store.add_coding(iv.id, "aspiration", b, b + 9, "ana")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*typed("Go to code Aspiration"))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.transcript.cursor_offset == b
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*typed("open interview middlesbrough-lagging-03"))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.iv_id == target.id
        assert screen.transcript.text == target.text


# --- retrieval ----------------------------------------------------------------------------------

async def settle(rs, pilot) -> None:
    """Wait until the retrieval screen shows the results of its latest query."""
    for _ in range(200):
        await pilot.pause()
        if not rs.busy:
            return
    raise AssertionError("retrieval query did not finish")


async def test_retrieval_lists_filters_and_opens(project):
    from textual.widgets import OptionList, Select

    from fieldcode.tui.retrieval import RetrievalScreen

    a_iv = project.store.interview(IV)
    b_iv = project.store.interview("leeds-lagging-01-resident")
    a = a_iv.text.find("the rubbish is still a disgrace")
    project.store.add_coding(a_iv.id, "crime-and-grime", a, a + 31, "ana")
    b = b_iv.text.find(".") + 1
    project.store.add_coding(b_iv.id, "place", 0, b, "ben")
    project.store.add_coding(b_iv.id, "leadership", 0, b, "ben")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("o")                      # everyone's codings, so retrieval lists ben's too
        screen.query_one(CodebookTree).focus()
        await pilot.pause()
        place = project.store.code("place")
        screen.query_one(CodebookTree).select_code(place.id)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RetrievalScreen)
        rs = app.screen
        await settle(rs, pilot)
        # "place" with its children (crime-and-grime), every coder: two segments
        assert sorted((s.interview_id, s.start, s.coder) for s in rs.segments) == sorted(
            [(a_iv.id, a, "ana"), (b_iv.id, 0, "ben")])
        ol = rs.query_one("#results", OptionList)
        first = str(ol.get_option_at_index(0).prompt)
        assert "Ashcliffe" in first or "Kelder" in first
        assert "rubbish is still a disgrace" in " ".join(
            str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count) if ol.get_option_at_index(i))
        # filter by arm
        rs.query_one("#f-arm", Select).value = "lagging"
        await pilot.pause()
        await settle(rs, pilot)
        assert [(s.interview_id, s.coder) for s in rs.segments] == [(b_iv.id, "ben")]
        # children off and arm any: only the direct "place" coding
        rs.query_one("#f-arm", Select).clear()
        await pilot.press("ctrl+o")
        await pilot.pause()
        await settle(rs, pilot)
        assert [(s.code_key, s.coder) for s in rs.segments] == [("place", "ben")]
        rs.query_one("#children").value = True
        await pilot.pause()
        await settle(rs, pilot)
        # open the crime-and-grime quote
        idx = next(i for i, s in enumerate(rs.segments) if s.code_key == "crime-and-grime")
        ol.focus()
        ol.highlighted = None
        await pilot.pause()
        for _ in range(idx + 1):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.iv_id == a_iv.id
        assert screen.transcript.selection_offsets == (a, a + 31)


# --- coders -------------------------------------------------------------------------------------

async def test_mine_everyone_toggle(project):
    iv = project.store.interview(IV)
    text = iv.text
    b = text.find("Eleven years.")
    project.store.add_coding(iv.id, "leadership", b, b + 13, "ben")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        row, cols = cols_for(tr, b, b + 13)
        assert "showing mine" in screen.sub_title
        assert tr.runs(row) == []
        await pilot.press("o")
        await pilot.pause()
        assert "showing everyone" in screen.sub_title
        runs = tr.runs(row)
        assert [(r[0], r[1]) for r in runs] == [(min(cols), max(cols) + 1)]
        styles = [s.style for s in tr.get_line(row).spans if s.start == min(cols)]
        # another coder's coding: coloured, underlined letters, no background fill
        assert any(getattr(st, "underline", False) and st.bgcolor is None for st in styles)
        await pilot.press("n")
        await pilot.pause()
        assert "ben" in str(screen.query_one(DetailsPanel).render())
        # ben's coding is not mine to remove
        await pilot.press("x")
        await pilot.pause()
        assert len(project.store.codings(iv.id)) == 1


async def test_other_instance_changes_appear(project, study):
    """Two coders on one SQLite file: the screen picks up the other coder's new codings."""
    iv = project.store.interview(IV)
    other = Project.open(study, coder="ben")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("o")
        a = iv.text.find("Eleven years.")
        other.store.add_coding(iv.id, "place", a, a + 6, "ben")
        screen._poll()
        await pilot.pause()
        row, _ = cols_for(screen.transcript, a, a + 6)
        assert [sp.coder for r in screen.transcript.runs(row) for sp in r[2]] == ["ben"]
    other.close()


# --- keys ---------------------------------------------------------------------------------------

async def test_every_binding_has_an_id_and_is_in_help(project):
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        ids = set()
        for node in (screen, app, screen.transcript):
            for bindings in node._bindings.key_to_bindings.values():
                for b in bindings:
                    assert b.id, f"binding {b.key} -> {b.action} has no id"
                    ids.add(b.id)
        await pilot.press("question_mark")
        await pilot.pause()
        from fieldcode.tui.help import HelpScreen, help_rows

        assert isinstance(app.screen, HelpScreen)
        rows = help_rows(screen)
        listed = {r[3] for r in rows}
        for bid, *_ in CODING_KEYS:
            assert bid in listed
        assert ids <= listed | {"ctrl+c"}, ids - listed
        assert {"help", "quit", "code.leadership", "code.housing"} <= listed
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_keys_remapped_from_settings(study):
    settings = Settings(keys={"select_sentence": "z", "code.aspiration": "a"})
    project = Project.open(study, coder="ana", settings=settings)
    iv = project.store.interview(IV)
    s1 = iv.text.find("Eleven years.")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        await pilot.press("down", "down", "s")
        assert tr.selection_offsets[0] == tr.selection_offsets[1]   # s no longer selects
        await pilot.press("z")
        assert tr.selection_offsets == (s1, s1 + len("Eleven years."))
        await pilot.press("a")
        await pilot.pause()
        asp = project.store.code("aspiration")
        assert [(r.code_id, r.start) for r in project.store.codings(iv.id)] == [(asp.id, s1)]
        from fieldcode.tui.help import help_rows

        rows = {r[3]: r[1] for r in help_rows(screen)}
        assert rows["select_sentence"] == "z"
    project.close()


async def test_errors_are_notified_not_raised(project):
    """Coding with nothing selected warns; the app keeps running."""
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("1", "x", "ctrl+z")
        await pilot.pause()
        assert project.store.codings() == []
        assert len(app._notifications) >= 3
        assert app.screen is screen


async def test_unknown_coder_is_asked_for_and_shown(study):
    project = Project.open(study)            # no --coder, no FIELDCODE_CODER, empty settings
    assert project.coder is None
    iv = project.store.interview(IV)
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        from fieldcode.tui.modals import Prompt

        assert isinstance(app.screen, Prompt)
        await pilot.press(*typed("carla"), "enter")
        screen = await ready(app, pilot)
        assert "coder: carla" in screen.sub_title
        await pilot.press("down", "down", "s", "1")
        await pilot.pause()
        assert [r.coder for r in project.store.codings(iv.id)] == ["carla"]
    project.close()


async def test_overlap_fit_cycle_and_code_info(project):
    iv = project.store.interview(IV)
    text = iv.text
    s1 = text.find("Eleven years.")
    we = text.find("We moved here")
    s2_end = text.find("next ward.") + len("next ward.")
    lead, asp = project.store.code("leadership"), project.store.code("aspiration")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        await pilot.press("down", "down", "s", "S", "1")          # leadership on two sentences
        await search(pilot, "We moved")
        await pilot.press("s", "3")                                # aspiration on the second one
        await pilot.pause()
        row = tr.lines.to_location(s1)[0]
        c = lambda off: off - tr.lines.starts[row]  # noqa: E731
        runs = [(a, b, tuple(sp.code_id for sp in cover)) for a, b, cover in tr.runs(row)]
        assert runs == [(c(s1), c(we), (lead.id,)), (c(we), c(s2_end), (lead.id, asp.id))]
        # the overlap keeps leadership's background, letters stay readable (black or white), bold
        # and underlined; the stripes draw both codes, each in its own lane
        from fieldcode.study.palette import contrast

        line = tr.get_line(row)
        single = [s.style for s in line.spans if s.start == c(s1)][-1]
        double = [s.style for s in line.spans if s.start == c(we)][-1]
        assert single.bgcolor == double.bgcolor and double.underline and not single.underline and double.bold
        bg = single.bgcolor.triplet.hex
        assert contrast(bg, double.color.triplet.hex) >= 4.5
        stripes = screen.query_one("#stripes")
        y = next(y for y in range(tr.size.height) if "We moved" in "".join(g.text for g in tr.render_line(y)))
        assert {(m[1], m[2]) for m in stripes.marks_at(y)} == {("▌", lead.colour), ("▌", asp.colour)}
        # the side list names both codes on this line
        assert "Leadership" in str(screen.query_one("#line-codes").render())
        assert "Aspiration" in str(screen.query_one("#line-codes").render())
        # "." cycles which of the two codings under the cursor is current; "=" fits it to a selection
        first = screen.current_coding
        await pilot.press("full_stop")
        assert screen.current_coding != first
        await pilot.press("full_stop")
        assert screen.current_coding == first
        cur = next(s for s in screen.all_spans if s.id == first)
        await search(pilot, "We moved here")
        await pilot.press("equals_sign")
        await pilot.pause()
        got = {r.id: (r.start, r.end) for r in project.store.codings(iv.id)}
        assert got[cur.id] == (we, we + len("We moved here"))
        # a code's definition on demand
        tree = screen.query_one(CodebookTree)
        tree.focus()
        tree.select_code(asp.id)
        await pilot.press("i")
        await pilot.pause()
        from fieldcode.tui.modals import InfoScreen

        assert isinstance(app.screen, InfoScreen)
        body = str(app.screen.query_one("#info-body").render())
        assert asp.definition.split()[0] in body and "Use when" in body


async def test_reload_codebook_from_palette(project, study):
    iv = project.store.interview(IV)
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        cb = study / "codebook.yaml"
        cb.write_text(cb.read_text(encoding="utf-8").rstrip("\n") + "\n" + textwrap.indent(textwrap.dedent("""\
              - key: trust
                name: Trust in institutions
                colour: "#00d7af"
                hotkey: "y"
                definition: Whether people trust the council, police and agencies.
                use_when: Trust or distrust is voiced.
                not_when: Mere contact with an institution.
                example: "You can't trust them, they never come back."
            """), "  "), encoding="utf-8")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*typed("Reload codebook"))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        tree = screen.query_one(CodebookTree)
        assert any("Trust in institutions" in str(n.label) for n in tree.root.children)
        # its hotkey now applies it
        await pilot.press("down", "down", "s", "y")
        await pilot.pause()
        trust = project.store.code("trust")
        assert [r.code_id for r in project.store.codings(iv.id)] == [trust.id]


async def test_paragraphs_act_as_turns_without_speaker_labels(study):
    body = ("We came here in 1961, when the pits were still open. Everyone worked.\n\n"
            "The shop on the corner closed first. Then the school.\n\n"
            "Now my grandson drives to Leeds for work.\n")
    (study / "interviews" / "plain-notes.md").write_text(
        "---\npair: Leeds\nneighbourhood: Ashcliffe\narm: improving\nrole: resident\n---\n" + body,
        encoding="utf-8")
    project = Project.open(study, coder="ana")
    assert project.import_files().ok
    iv = project.store.interview("plain-notes")
    text = iv.text
    p2, p3 = text.find("The shop"), text.find("Now my grandson")
    project.store.add_coding(iv.id, "place", 0, 20, "ana")
    app = make_app(project, "plain-notes")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        await pilot.press("u")                  # first paragraph is coded: the next uncoded one
        assert tr.cursor_offset == p2
        await pilot.press("t")
        assert tr.selection_offsets == (p2, text.find("the school.") + len("the school."))
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("u")
        assert tr.cursor_offset == p3
    project.close()


async def test_same_code_on_same_text_is_not_duplicated(project):
    iv = project.store.interview(IV)
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("down", "down", "s", "1", "1", "2")
        await pilot.pause()
        codes = sorted(project.store.code(r.code_id).key for r in project.store.codings(iv.id))
        assert codes == ["leadership", "outward-looking"]
