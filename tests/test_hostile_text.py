"""Text is data, never markup or terminal control: hostile transcripts, file names, code names
and memos through the CLI (asserting on the bytes printed) and the coding screen (asserting on
the rendered lines)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from fieldcode.cli import app
from fieldcode.project import Project
from fieldcode.safe import clean, literal, plain
from fieldcode.ingest.segment import PIECE_CHARS, pieces
from fieldcode.text import normalise_counted, remove_controls

ESC = "\x1b"
# A CHAT/CLAN retracing marker, bracketed annotations, and six controls: a screen clear (CSI),
# a window re-title (OSC 0), a clipboard write (OSC 52), an 8-bit CSI, a bell and a DEL.
HOSTILE = (
    "Interviewer: Tell me about the estate.\n\n"
    "Ruth: I was [/] I was born here [laughs]. It's [inaudible] now.\x1b[2J\n\n"
    "Ruth: The \x1b]0;pwned\x07council \x1b]52;c;ZXZpbCBjb21tYW5k\x07left\x9b31m us.\x07 Gone\x7f.\n"
)
CLEAN_BODY = (
    "Interviewer: Tell me about the estate.\n\n"
    "Ruth: I was [/] I was born here [laughs]. It's [inaudible] now.\n\n"
    "Ruth: The council left us. Gone.\n"
)
CODEBOOK = """\
study:
  name: "[bold]Hostile[/bold] study"
  arms: [improving, lagging]
  required_attributes: []
codes:
  - key: retracing
    name: "[/] retracing [red]marker"
    colour: "#1f77b4"
  - key: place
    name: Place
    colour: "#2ca02c"
"""
IV = "[b]ruth[i].txt"


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def hostile(tmp_path):
    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews" / IV).write_text(HOSTILE, encoding="utf-8")
    return root


def test_remove_controls_unit():
    assert remove_controls(HOSTILE) == (HOSTILE.replace("\x1b[2J", "").replace("\x1b]0;pwned\x07", "")
                                        .replace("\x1b]52;c;ZXZpbCBjb21tYW5k\x07", "").replace("\x9b31m", "")
                                        .replace("\x07", "").replace("\x7f", ""), 6)
    assert normalise_counted(HOSTILE) == (CLEAN_BODY, 6)
    # tab and newline are text; an unterminated string loses its introducer only
    assert remove_controls("a\tb\nc") == ("a\tb\nc", 0)
    assert remove_controls("x\x1b]no end\nnext line") == ("xno end\nnext line", 1)
    assert remove_controls("\x00\x01\x1f\x80\x9f") == ("", 5)


def test_safe_helpers():
    assert plain("[/] \x1b[31mred") == "\\[/] red"
    assert literal("[bold]x[/bold]\x1b]52;c;AA\x07").plain == "[bold]x[/bold]"
    assert clean(None) == ""


def test_import_removes_controls_and_counts_them(hostile):
    r = run("-C", hostile, "import")
    assert r.exit_code == 0, r.output
    assert "removed 6 control character(s) or terminal escape sequence(s)" in r.output
    p = Project.open(hostile)
    try:
        assert p.store.interview(IV).text == CLEAN_BODY
    finally:
        p.close()


def test_cli_prints_hostile_text_literally(hostile):
    assert run("-C", hostile, "import").exit_code == 0
    text = CLEAN_BODY
    a = text.index("I was [/]")
    assert run("-C", hostile, "--coder", "ana", "code", "add", IV, "retracing", "--start", a,
               "--end", a + len("I was [/] I was born here [laughs]")).exit_code == 0
    memo = "see \x1b]52;c;ZXZpbA==\x07[red]the[/red] \x1b[2Jmarker [/]"
    assert run("-C", hostile, "--coder", "ana", "code", "memo", "1", memo).exit_code == 0

    r = run("-C", hostile, "code", "list")
    assert r.exit_code == 0, r.output
    out = r.stdout_bytes
    assert ESC.encode() not in out and b"\x07" not in out
    flat = re.sub(r"[\s│┃|]+", " ", r.stdout)  # table borders and folding out of the way
    assert "I was [/] I was born here [laughs]" in flat
    assert "[b]ruth[i].txt" in flat
    assert "see [red]the[/red] marker [/]" in flat

    for args in (["interviews"], ["codebook", "show"], ["summary"], ["crosstab"], ["log"]):
        r = run("-C", hostile, *args)
        assert r.exit_code == 0, (args, r.output)
        assert ESC.encode() not in r.stdout_bytes, args
    assert "[/] retracing [red]marker" in run("-C", hostile, "codebook", "show").stdout
    assert "[bold]Hostile[/bold] study" in run("-C", hostile, "summary").stdout
    assert "[b]ruth[i]" in run("-C", hostile, "interviews").stdout
    assert "[/] retracing [red]marker" in run("-C", hostile, "crosstab").stdout


def test_error_messages_are_printed_literally(hostile):
    r = run("-C", hostile, "code", "list", "--code", "[red]nope\x1b[2J")
    assert r.exit_code != 0
    assert "[red]nope" in r.output and ESC not in r.output and "Traceback" not in r.output


def test_codebook_names_with_controls_are_refused(hostile):
    cb = hostile / "codebook.yaml"
    cb.write_text(CODEBOOK.replace("name: Place", 'name: "Pla\\e]0;x\\ace"'), encoding="utf-8")
    r = run("-C", hostile, "codebook", "check")
    assert r.exit_code == 2
    assert "code 'place': name contains control characters or terminal escape sequences" in r.output
    assert ESC not in r.output


def test_csv_export_neutralises_formula_cells(hostile, tmp_path):
    assert run("-C", hostile, "import").exit_code == 0
    text = CLEAN_BODY
    a = text.index("The council")
    assert run("-C", hostile, "--coder", "=cmd|' /C calc'!A0", "code", "add", IV, "place", "--start", a,
               "--end", a + 11, "--memo", "@SUM(1+1)").exit_code == 0
    out = tmp_path / "segs.csv"
    assert run("-C", hostile, "export", "segments", "-o", out).exit_code == 0
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["coder"] == "'=cmd|' /C calc'!A0" and rows[0]["memo"] == "'@SUM(1+1)"
    assert rows[0]["text"] == "The council" and rows[0]["start"] == str(a)


def test_pieces_cut_long_paragraphs_at_sentence_marks():
    text = "One two three. " * 10 + "x" * 30
    spans = pieces(text, 0, len(text), limit=50)
    assert all(e - s <= 50 for s, e in spans)
    assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")
    assert all(text[s:e].endswith(".") for s, e in spans[:-1])  # sentence marks where there are some
    word = "y" * 120
    assert pieces(word, 0, 120, limit=50) == [(0, 50), (50, 100), (100, 120)]
    assert pieces("short", 0, 5) == [(0, 5)] and PIECE_CHARS < 1_000_000


async def test_coding_screen_shows_hostile_text_literally(hostile):
    from fieldcode.tui import make_app
    from fieldcode.tui.coding import CodingScreen
    from fieldcode.tui.widgets import DetailsPanel

    assert run("-C", hostile, "import").exit_code == 0
    a = CLEAN_BODY.index("I was [/]")
    assert run("-C", hostile, "--coder", "ana", "code", "add", IV, "retracing", "--start", a, "--end", a + 9,
               "--memo", "memo \x1b]52;c;ZXZpbA==\x07[bold]kept[/bold]").exit_code == 0
    project = Project.open(hostile, coder="ana")
    try:
        app = make_app(project, IV)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                await pilot.pause()
                if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
                    break
            screen = app.screen
            await pilot.pause()
            tr = screen.transcript
            lines = ["".join(seg.text for seg in tr.render_line(y)) for y in range(tr.size.height)]
            shown = "\n".join(lines)
            assert "I was [/] I was born here [laughs]. It's [inaudible] now." in shown
            assert ESC not in shown
            await pilot.press("n")  # to the coding: the details panel shows code, coder and memo
            await pilot.pause()
            details = str(screen.query_one(DetailsPanel).render())
            assert "[/] retracing [red]marker" in details
            assert "memo [bold]kept[/bold]" in details and ESC not in details
            screen.notify("code [/] named \x1b[2J")  # a notification made from data
            await pilot.pause()
            toasts = [str(n.message) for n in app._notifications]
            assert any("code \\[/] named " == m or "code [/] named " in m for m in toasts), toasts
            assert not any(ESC in m for m in toasts)
    finally:
        project.close()
