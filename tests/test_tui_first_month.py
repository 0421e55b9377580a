"""The coding screen as a team uses it in its first month (issue 12): help that scrolls to its end,
80x24 for real, overlaps and coders in the stripes, no traps, memos and code management from the
screen.  Real key presses; assertions on the database, the YAML file and what is rendered.
Expected offsets come from the stored text with str.find, counts from plain SQL."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import text as sql
from textual.widgets import OptionList

from fieldcode import store as storemod
from fieldcode.project import Project
from fieldcode.tui import make_app
from fieldcode.tui.code_ops import CodeActions
from fieldcode.tui.help import HelpScreen, help_rows
from fieldcode.tui.memos import MemoListScreen
from fieldcode.tui.modals import CodePicker, Prompt
from fieldcode.tui.widgets import CodebookTree, Navigator
from test_tui import IV, project, ready, search, study, tui_template  # noqa: F401 - fixtures


def screen_text(app) -> str:
    """The whole rendered screen as text (from Textual's own SVG export)."""
    svg = app.export_screenshot()
    rows = re.findall(r"<text [^>]*>(.*?)</text>", svg)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", "", r) for r in rows)).replace("\xa0", " ")


def notes(app) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def press_until(pilot, key, cond, n=40):
    for _ in range(n):
        if cond():
            return
        await pilot.press(key)
    assert cond()


# --- 1. help --------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_help_has_a_guide_and_scrolls_to_its_last_binding(project, size):
    app = make_app(project, IV)
    async with app.run_test(size=size) as pilot:
        screen = await ready(app, pilot)
        last = help_rows(screen)[-1]
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        top = screen_text(app)
        assert "Selecting." in top                                          # the guide comes first
        seen = top
        for _ in range(30):                                                  # page through it
            await pilot.press("pagedown")
            await pilot.pause(0.05)
            seen += screen_text(app)
        for part in ("Overlaps and coders.", "Counts.", "Memos.", "Codes.", "Interviewer turns.",
                     "here/study", "Coding."):
            assert part in seen, part
        await pilot.press("end")
        await pilot.pause(0.2)
        vs = app.screen.query_one("#help-scroll")
        assert vs.scroll_y == vs.max_scroll_y and vs.max_scroll_y > 0
        bottom = screen_text(app)
        assert last[3] in bottom and "Remap any key" in bottom
        await pilot.press("home")
        await pilot.pause(0.2)
        assert vs.scroll_y == 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


# --- 2. 80x24 -------------------------------------------------------------------------------------

async def test_80x24_footer_keys_whole_counts_and_open_interview_in_view(project):
    iv = project.store.interview(IV)
    t = iv.text
    a = t.find("Eleven years.")
    for coder in ("ana", "ana", "ben"):
        project.store.add_coding(iv.id, "resident-leaders", a, a + 12, coder) if coder == "ben" else None
    for k in range(12):   # twelve study-wide resident-leaders codings of ana's, one in this interview
        other = project.store.interview_infos()[k % 14]
        project.store.add_coding(other.id, "resident-leaders", 0, 5 + k, "ana")
    app = make_app(project, IV)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await pilot.pause(0.5)
        footer = screen_text(app).splitlines()[-1] if "\n" in screen_text(app) else screen_text(app)
        assert "Help" in footer and "Analysis" in footer
        from textual.widgets._footer import FooterKey

        keys = {fk.description: fk.region for fk in app.screen.query(FooterKey)}
        assert keys["Help"].right <= 80 and keys["Analysis"].right <= 80
        # counts per code, worked out in SQL: ana's codings here / in the study
        with project.store.engine.connect() as c:
            study_n = dict(c.execute(sql("SELECT code.key, count(coding.id) FROM code LEFT JOIN coding ON "
                                         "coding.code_id = code.id AND coding.coder = 'ana' GROUP BY code.key")).all())
            here_n = dict(c.execute(sql(f"SELECT code.key, count(coding.id) FROM code LEFT JOIN coding ON "
                                        f"coding.code_id = code.id AND coding.coder = 'ana' AND coding.interview_id = "
                                        f"{iv.id} GROUP BY code.key")).all())
        assert study_n["resident-leaders"] == 12
        tree = screen.query_one(CodebookTree)
        keys_by_id = {c.id: c.key for c in project.store.codes()}
        stack = list(tree.root.children)
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            label = str(node.label)
            k = keys_by_id[node.data]
            assert label.endswith(f" {here_n[k]}/{study_n[k]}"), label
            name = project.codebook.by_key()[k].name
            assert name in label or "…" in label
        # the open interview stays in view in the navigator, also the last one
        nav = screen.query_one(Navigator)
        screen.open_interview(nav.order[-1])
        await pilot.pause(0.3)
        line = nav.cursor_line
        assert nav.cursor_node.data == nav.order[-1]
        assert nav.scroll_y <= line < nav.scroll_y + nav.size.height


# --- 3. stripes, coders ---------------------------------------------------------------------------

async def test_three_overlapping_codes_each_in_its_own_stripe_and_coders_told_apart(project):
    iv = project.store.interview(IV)
    t = iv.text
    s1 = t.find("Eleven years.")
    project.store.add_coding(iv.id, "housing", s1, s1 + len("Eleven years."), "ben")
    codes = {c.key: c for c in project.store.codes()}
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        await pilot.press("down", "down", "s", "1")
        # the selection cleared, so the new colour shows; the next hotkeys code the same sentence
        assert tr.selection_offsets[0] == tr.selection_offsets[1]
        await pilot.press("3", "4")
        await pilot.pause()
        rows = sorted((r.code_id, r.start, r.end) for r in project.store.codings(iv.id, coder="ana"))
        want = sorted((codes[k].id, s1, s1 + len("Eleven years.")) for k in ("leadership", "aspiration",
                                                                              "community-confidence"))
        assert rows == want
        line = tr.get_line(tr.lines.to_location(s1)[0])
        assert any(sp.style.bgcolor is not None for sp in line.spans if sp.start <= tr.lines.to_location(s1)[1] < sp.end)
        stripes = screen.query_one("#stripes")
        y = next(y for y in range(tr.size.height) if "Eleven years" in "".join(g.text for g in tr.render_line(y)))
        marks = stripes.marks_at(y)
        assert {(ch, col) for _, ch, col in marks} == {("▌", codes[k].colour) for k in
                                                    ("leadership", "aspiration", "community-confidence")}
        assert len({lane for lane, _, _ in marks}) == 3
        bar = str(screen.query_one("#line-codes").render())
        assert all(codes[k].name in bar for k in ("leadership", "aspiration", "community-confidence"))
        # everyone's codings: ben's housing coding is drawn with his initial, in housing's colour
        await pilot.press("o")
        await pilot.pause()
        marks = stripes.marks_at(y)
        assert ("b", codes["housing"].colour) in {(ch, col) for _, ch, col in marks}
        assert "Housing·ben" in str(screen.query_one("#line-codes").render())


# --- 6. no traps ----------------------------------------------------------------------------------

async def test_single_click_in_the_tree_highlights_double_click_applies(project):
    iv = project.store.interview(IV)
    t = iv.text
    s1 = t.find("Eleven years.")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("down", "down", "s")
        tree = screen.query_one(CodebookTree)
        aspiration = project.store.code("aspiration")
        node = tree._by_id[aspiration.id]
        y = node.line - tree.scroll_offset.y
        await pilot.click(tree, offset=(8, y))
        await pilot.pause(0.3)
        assert project.store.codings(iv.id) == []
        assert tree.cursor_node.data == aspiration.id
        await pilot.click(tree, offset=(8, y), times=2)
        await pilot.pause(0.3)
        assert [(r.code_id, r.start) for r in project.store.codings(iv.id)] == [(aspiration.id, s1)]


async def test_picker_shows_the_text_and_the_definition(project):
    app = make_app(project, IV)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("down", "down", "s", "c")
        await pilot.pause()
        assert isinstance(app.screen, CodePicker)
        assert "Eleven years." in str(app.screen.query_one("#picker-quote").render())
        lead = project.codebook.by_key()["leadership"]
        shown = str(app.screen.query_one("#picker-definition").render())
        assert shown.startswith("Leadership: People or organisations taking the lead")
        await pilot.press("down")
        await pilot.pause()
        rs = project.codebook.by_key()["resident-leaders"]
        assert str(app.screen.query_one("#picker-definition").render()).startswith(f"{rs.name}: Residents who take")
        assert lead.definition


async def test_interviewer_turns_warn_when_selected_extended_into_or_coded(project):
    iv = project.store.interview(IV)
    t = iv.text
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("s", "1")                       # the first line is the interviewer's
        await pilot.pause()
        assert "left out of every count" in notes(app)
        assert len(project.store.codings(iv.id)) == 1
        app.clear_notifications()
        # the last sentence of Shazia's first turn, extended: runs into the next question
        last = t.find("I've got three kids now")
        screen.transcript.move_to_offset(last)
        await pilot.press("s", "S")
        await pilot.pause()
        a, b = screen.transcript.selection_offsets
        assert t.find("What's it like living here?") < b
        assert "runs into an interviewer turn" in notes(app)


async def test_sentence_steps_and_paragraph(project):
    iv = project.store.interview(IV)
    t = iv.text
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tr = screen.transcript
        s1 = t.find("Eleven years.")
        tr.move_to_offset(s1)
        await pilot.press("right_parenthesis")
        w = t.find("We moved here")
        assert tr.selection_offsets == (w, t.find("next ward.") + len("next ward."))
        await pilot.press("left_parenthesis")
        assert tr.selection_offsets == (s1, s1 + len("Eleven years."))
        await pilot.press("p")
        para_end = t.find("nine, seven and four.") + len("nine, seven and four.")
        assert tr.selection_offsets == (s1, para_end)       # the turn's words, no "Shazia:" label


async def test_show_only_chosen_codes(project):
    iv = project.store.interview(IV)
    t = iv.text
    s1, w = t.find("Eleven years."), t.find("We moved here")
    project.store.add_coding(iv.id, "leadership", s1, s1 + 12, "ana")
    project.store.add_coding(iv.id, "housing", w, w + 13, "ana")
    lead = project.store.code("leadership")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("n")                           # none ...
        await pilot.press("space")                       # ... then tick the first code (Leadership)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.code_filter == {lead.id}
        assert {s.code_id for s in screen.shown_spans} == {lead.id}
        row = screen.transcript.lines.to_location(s1)[0]
        assert {sp.code_id for _a, _b, cover in screen.transcript.runs(row) for sp in cover} == {lead.id}
        assert "1 of" in screen.sub_title


async def test_last_interview_and_position_come_back(study):
    p = Project.open(study, coder="ana")
    other = "liverpool-lagging-01-resident"
    iv = p.store.interview(other)
    at = iv.text.find("\n\n", 400) + 2
    app = make_app(p, other)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        screen.transcript.move_to_offset(at)
        await pilot.pause()
    p.close()
    p = Project.open(study, coder="ana")
    app = make_app(p)                     # no interview named: where ana left off
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await pilot.pause(0.2)
        assert screen.iv_name.startswith(other) and screen.transcript.cursor_offset == at
    p.close()
    p = Project.open(study, coder="ben")   # ben has his own (none yet): the first interview
    app = make_app(p)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        assert not screen.iv_name.startswith(other)
    p.close()


async def test_analysis_settings_kept_after_jumping_to_a_quote(project):
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("a")
        for _ in range(100):
            await pilot.pause()
            if not getattr(app.screen, "busy", True):
                break
        await pilot.press("u")
        await pilot.pause()
        unit = app.screen.options.unit
        assert unit != "segments"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.options.unit == unit


# --- 4. memos -------------------------------------------------------------------------------------

async def test_memos_on_a_passage_and_the_interview_listed_and_opened(project):
    iv = project.store.interview(IV)
    t = iv.text
    w = t.find("We moved here")
    w_end = t.find("next ward.") + len("next ward.")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        screen.transcript.move_to_offset(w)
        await pilot.press("s", "m")                          # an uncoded passage
        await pilot.pause()
        assert "Memo on the passage" in str(app.screen.query_one(".title").render())
        await pilot.press(*"moved", "ctrl+s")
        await pilot.pause()
        screen.transcript.move_to_offset(0)
        await pilot.press("m")                               # nothing selected: the interview
        await pilot.pause()
        assert "Memo on the interview" in str(app.screen.query_one(".title").render())
        await pilot.press(*"first", "ctrl+s")
        await pilot.pause()
        got = sorted((m.kind, m.start, m.end, m.text, m.author) for m in storemod.memos(project.store))
        assert got == [("interview", None, None, "first", "ana"), ("passage", w, w_end, "moved", "ana")]
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MemoListScreen)
        ol = app.screen.query_one(OptionList)
        assert ol.option_count == 2
        await pilot.press("down", "enter")                   # the passage memo (interview memo first)
        await pilot.pause()
        assert app.screen is screen and screen.transcript.selection_offsets == (w, w_end)


# --- 5. codes managed in the tool -----------------------------------------------------------------

async def test_rename_from_the_screen_changes_one_line(project, study):
    path = study / "codebook.yaml"
    before = path.read_text(encoding="utf-8")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        tree = screen.query_one(CodebookTree)
        tree.focus()
        housing = project.store.code("housing")
        await press_until(pilot, "down", lambda: tree.cursor_node is not None and tree.cursor_node.data == housing.id)
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, CodeActions)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, Prompt)
        await pilot.press("ctrl+a", "ctrl+k", *"Homes", "enter")
        await pilot.pause(0.3)
        after = path.read_text(encoding="utf-8")
        import difflib

        diff = [d for d in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
                if d[:1] in "+-" and not d.startswith(("+++", "---"))]
        assert diff == ["-    name: Housing", "+    name: Homes"]
        assert screen.codes[housing.id].name == "Homes"
        assert "Homes" in str(tree._by_id[housing.id].label)


async def test_in_vivo_with_a_name_in_use_offers_the_existing_code(project, study):
    iv = project.store.interview(IV)
    t = iv.text
    before = (study / "codebook.yaml").read_text(encoding="utf-8")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        await search(pilot, "rubbish")
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"crime and grime", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CodePicker) and "already exists" in app.screen.title_text
        await pilot.press("enter")
        await pilot.pause()
        a = t.find("rubbish")
        cg = project.store.code("crime-and-grime")
        assert [(r.code_id, r.start, r.end) for r in project.store.codings(iv.id)] == [(cg.id, a, a + 7)]
        assert (study / "codebook.yaml").read_text(encoding="utf-8") == before


async def test_a_code_made_in_another_screen_shows_by_name(project, study):
    iv = project.store.interview(IV)
    t = iv.text
    s1 = t.find("Eleven years.")
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(app, pilot)
        other = Project.open(study, coder="ben")          # a colleague's coding screen, same files
        cd = other.add_code("Pride in place")
        other.store.add_coding(iv.id, cd.key, s1, s1 + 12, "ben")
        other.close()
        await pilot.press("o")                           # everyone's codings
        screen._poll()                                   # what the 2-second poll does
        await pilot.pause()
        screen.transcript.move_to_offset(s1)
        await pilot.pause()
        assert any(c.name == "Pride in place" for c in screen.codes.values())
        assert "Pride in place" in str(screen.query_one("#line-codes").render())
        assert "code " not in str(screen.query_one("#details").render()).split("Pride in place")[0][-8:]
        assert screen.project.codebook.by_key().get(cd.key) is not None
