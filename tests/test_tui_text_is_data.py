"""Text is data in the terminal UI (issue 19, point 4), driven by real key presses (Pilot):
``[/]`` typed into every input box of the app (the study search box, find in this transcript,
the code picker's filter, the memo editor, the new-code and who-is-coding dialogs) neither
crashes a screen nor disappears, and notifications show ``[Laughs]``, ``[INAUDIBLE]`` and
``[Pause]`` literally."""

from __future__ import annotations

from textual.widgets import Input, Label, TextArea
from textual.widgets._toast import Toast

from fieldcode.project import Project
from fieldcode.tui import make_app
from fieldcode.tui.modals import CodePicker, MemoEditor, Prompt
from fieldcode.tui.study_search import StudySearchScreen
from test_tui import project, ready, study, tui_template  # noqa: F401 - fixtures

MARKUP = "[/]"
KEYS = {"[": "left_square_bracket", "]": "right_square_bracket", "/": "slash", " ": "space"}


def keys(text: str) -> list[str]:
    return [KEYS.get(ch, ch) for ch in text]


def toasts(app) -> list[str]:
    return [t.render().plain for t in app.screen.query(Toast)]


def shown(widget) -> str:
    """What a Label/Static shows (its visual rendered to plain text)."""
    return str(widget.render())


async def settle(pilot, n: int = 3) -> None:
    for _ in range(n):
        await pilot.pause()


async def test_notifications_show_bracketed_annotations_literally(project):
    app = make_app(project)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        screen = await ready(app, pilot)
        screen.notify("She said [Laughs] then [INAUDIBLE] and [Pause] [/] [b]x[/b]")
        app.notify("[Laughs]", title="[Pause] \x1b]52;c;QUFB\x07")
        await settle(pilot)
        texts = toasts(app)
        assert any("She said [Laughs] then [INAUDIBLE] and [Pause] [/] [b]x[/b]" in t for t in texts), texts
        assert any(t.startswith("[Pause] \n[Laughs]") or "[Pause]" in t and "[Laughs]" in t for t in texts), texts
        assert not any("\x1b" in t for t in texts)


async def test_study_search_box_takes_markup(project):
    app = make_app(project)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await ready(app, pilot)
        await pilot.press("slash")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StudySearchScreen)
        box = screen.query_one("#query", Input)
        box.value = ""
        await pilot.press(*keys(MARKUP))
        assert box.value == MARKUP
        await pilot.press("enter")
        for _ in range(200):
            await pilot.pause(0.05)
            if not screen.busy:
                break
        await settle(pilot)
        assert app.screen is screen                           # no crash, still there
        count = shown(screen.query_one("#count", Label))
        assert "[/]" in count, count


async def test_find_prompt_code_picker_and_memo_take_markup(project):
    app = make_app(project)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        screen = await ready(app, pilot)
        # find in this transcript: the Prompt's box, then the "not found" notification
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, Prompt)
        box = app.screen.query_one(Input)
        await pilot.press("ctrl+a", "ctrl+k", *keys(MARKUP))
        assert box.value == MARKUP
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert any("does not contain '[/]'" in t for t in toasts(app)), toasts(app)

        # the code picker's filter
        await pilot.press("s")                                  # select a sentence
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*keys(MARKUP))
        await settle(pilot)
        assert app.screen.query_one("#picker-input", Input).value == MARKUP
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen

        # a memo of the interview / passage
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MemoEditor)
        ta = app.screen.query_one(TextArea)
        ta.text = ""
        await pilot.press(*keys("[/] [Laughs]"))
        assert ta.text == "[/] [Laughs]"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
    from fieldcode import store as storemod

    assert "[/] [Laughs]" in [m.text for m in storemod.memos(project.store, author="ana")]


async def test_new_code_named_with_markup(project):
    app = make_app(project)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("n")                                  # n: new top-level code
        await settle(pilot)
        assert isinstance(app.screen, Prompt), app.screen
        await pilot.press(*keys("[/] [Laughs]"), "enter")
        await settle(pilot, 6)
        assert app.screen is screen
        assert any("New code '[/] [Laughs]'" in t for t in toasts(app)), toasts(app)
    assert "[/] [Laughs]" in [c.name for c in project.store.codes()]


async def test_who_is_coding_prompt_takes_markup_and_refuses_controls(study):
    p = Project.open(study)                                   # no coder: the app asks
    try:
        app = make_app(p)
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, Prompt)
            box = app.screen.query_one(Input)
            box.value = "ana\x1b]52;c;QUFB\x07"               # pasted with a terminal escape
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, Prompt)             # refused, asked again
            assert any("control character" in t for t in toasts(app)), toasts(app)
            await pilot.press(*keys("ana [/]"), "enter")
            await ready(app, pilot)
            assert p.coder == "ana [/]"
            assert "ana [/]" in app.screen.sub_title
    finally:
        p.close()


async def test_review_prompt_refuses_a_consensus_coder_with_controls(mini_dir):
    from fieldcode.tui.review import ReviewScreen

    p = Project.open(mini_dir, coder="ana")
    try:
        assert p.import_files().ok
        s1 = p.store.interview("a").text.find("Twenty years.")
        p.store.add_coding("a", "leadership", s1, s1 + 5, "ana")
        p.store.add_coding("a", "housing", s1, s1 + 5, "ben [/]")
        app = make_app(p)
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*"Review disagreements")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, Prompt)
            box = app.screen.query_one(Input)
            assert box.value == "ana,ben [/] as consensus"        # coders listed literally
            box.value = "ana,ben [/] as cons\x1b]0;owned\x07"
            await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, ReviewScreen)
            assert any("consensus coder: the coder name" in t for t in toasts(app)), toasts(app)
        assert not [c for c in p.store.codings() if c.coder.startswith("cons")]
    finally:
        p.close()



async def test_export_dialog_takes_markup_in_the_file_name(project):
    """ctrl+e's file box: a name with markup is shown literally (the warning, the files it writes)
    and the files are written under exactly that name."""
    from textual.widgets import Static

    from fieldcode import store as storemod
    from fieldcode.tui.exporting import ExportDialog
    from fieldcode.tui.memos import MemoListScreen

    iv = project.store.interview_infos()[0].id
    storemod.add_memo(project.store, "ana", "[b]ana's memo[/b] [/]", interview_id=iv)
    storemod.add_memo(project.store, "ben", "[Laughs] ben's memo", interview_id=iv)
    app = make_app(project, iv)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(app, pilot)
        await pilot.press("M")
        await settle(pilot, 6)
        assert isinstance(app.screen, MemoListScreen)
        await pilot.press("ctrl+e")
        await settle(pilot, 6)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        box = dialog.query_one(Input)
        await pilot.press("ctrl+a", "ctrl+k", *keys("[/] [Laughs]"))
        assert box.value == "[/] [Laughs]"
        await pilot.press("enter")                              # not .csv: a warning, nothing written
        await settle(pilot)
        assert app.screen is dialog
        warning = shown(dialog.query_one("#export-warning", Static))
        assert warning.startswith("'] [Laughs]' does not end in .csv"), warning   # the name after the '/'
        name = "[bold]x[/bold] [Laughs].csv"                  # a folder '[bold]x[', a file 'bold] [Laughs].csv'
        await pilot.press("ctrl+a", "ctrl+k", *keys(name))
        await settle(pilot)
        assert box.value == name
        files = shown(dialog.query_one("#export-files", Static))
        assert files.startswith("writes bold] [Laughs].csv, bold] [Laughs].json"), files
        await pilot.press("enter")
        await settle(pilot, 6)
        assert not isinstance(app.screen, ExportDialog)
        assert any("Wrote bold] [Laughs].csv" in t for t in toasts(app)), toasts(app)
    out = project.root / "[bold]x[" / "bold] [Laughs].csv"
    assert app.last_export[0] == out and out.exists()
    text = out.read_text(encoding="utf-8")
    assert "[b]ana's memo[/b] [/]" in text and "[Laughs] ben's memo" in text


async def test_framework_cell_editor_takes_markup(project):
    """The framework cell's summary box: markup typed there is saved as typed, and shown literally
    in the matrix and to the next coder opening the cell."""
    from textual.widgets import DataTable, Static

    from fieldcode.store.framework import summaries
    from fieldcode.tui.framework import FrameworkScreen
    from fieldcode.tui.framework_cell import FrameworkCellScreen

    text = "[bold]x[/bold] [/] [Laughs]"
    cells = []
    for coder in ("ana", "ben"):
        project.coder = coder
        app = make_app(project)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await ready(app, pilot)
            await pilot.press("F")
            await settle(pilot, 6)
            assert isinstance(app.screen, FrameworkScreen)
            await pilot.press("enter")
            await settle(pilot, 6)
            cell = app.screen
            assert isinstance(cell, FrameworkCellScreen)
            cells.append((cell.cell.interview_id, cell.cell.theme.key))
            if coder == "ben":                                  # ana's summary, shown literally
                others = shown(cell.query_one("#fwc-others", Static))
                assert others == f"ana: ana {text}", others
            await pilot.press("tab")
            ta = cell.query_one(TextArea)
            assert ta.has_focus
            await pilot.press(*keys(f"{coder} {text}"))
            assert ta.text == f"{coder} {text}"
            await pilot.press("ctrl+s")
            await settle(pilot, 6)
            assert isinstance(app.screen, FrameworkScreen)
            row = app.screen.query_one(DataTable).get_row_at(0)
            assert any(f"{coder} [bold]x[/b" in str(c) for c in row), [str(c) for c in row]   # its start
    assert cells[0] == cells[1]
    iid, key = cells[0]
    got = summaries(project.store, interview_ids=[iid], code_ids=[project.store.code(key).id])
    assert sorted((s.author, s.text) for s in got) == [("ana", f"ana {text}"), ("ben", f"ben {text}")]

def test_every_input_box_is_typed_into_above():
    """The classes that hold an Input or TextArea are exactly those the tests above type ``[/]``
    into: a new input box fails here until it gets its own check."""
    import ast
    from pathlib import Path

    import fieldcode.tui

    holders = set()
    for path in Path(fieldcode.tui.__file__).parent.glob("*.py"):
        for cls in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(cls, ast.ClassDef):
                for node in ast.walk(cls):
                    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Input", "TextArea"):
                        holders.add(f"{path.stem}.{cls.name}")
    assert holders == {"modals.CodePicker", "modals.Prompt", "modals.MemoEditor", "study_search.StudySearchScreen",
                       "exporting.ExportDialog", "framework_cell.FrameworkCellScreen"}
