r"""Fault suite, issue 19 point 3: user regular expressions have a time limit, and attributes.csv
is read strictly.

Every case: a named error (the file and line, or the pattern, and what to do), a non-zero exit,
no traceback, and the database (sqlite3 ``iterdump``) and codebook.yaml byte-identical.

The runaway pattern is ``(.|\s)*\d{5}`` over text without five digits in a row: ``.`` and
``\s`` both match a space, so a backtracking matcher tries 2**(spaces) ways at every start
(Python's ``re`` never returns on a paragraph of 40 words; ``regex`` without a limit neither).  The time limit is set low through FIELDCODE_REGEX_SECONDS
so the cases run quickly.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner
from textual.widgets import Input, Label

from fieldcode.cli import app
from fault_helpers import dump
from fieldcode.tui import make_app
from fieldcode.tui.study_search import StudySearchScreen
from test_tui import IV, project, ready, study, tui_template  # noqa: F401 - fixtures

RUNAWAY = r"(.|\s)*\d{5}"
CODEBOOK = """\
study:
  name: Pattern study
  arms: [improving, lagging]
codes:
  - key: housing
    name: Housing
    colour: "#1f77b4"
"""
GOOD = """\
---
pair: Leeds
neighbourhood: Ashcliffe
arm: improving
role: resident
---
Interviewer: How long have you lived here?

Jean: Twenty years. The tenants' group runs everything now, and we meet at the hall on the corner
of the estate every other week to talk about the buses, the repairs and who is moving away.
"""
# paragraphs for 'turns: paragraphs' (each line pair a paragraph of ~40 spaces)
ORAL = ("1.02 where were you born and where did your family live when you were a child in the city\n\n"
        "In Sydney, with my mother and my three brothers, in a small house near the river that my father "
        "built with his own hands after the war, and we stayed there until nineteen fifty two\n")


def run(*args, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)




@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """One interview imported and coded by two coders: the state every case must keep."""
    root = tmp_path_factory.mktemp("patterns") / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews" / "good.md").write_text(GOOD, encoding="utf-8")
    assert run("-C", root, "import").exit_code == 0
    for coder, quote in (("ana", "Twenty years."), ("ben", "who is moving away")):
        r = run("-C", root, "--coder", coder, "code", "add", "good.md", "housing", "--quote", quote)
        assert r.exit_code == 0, r.output
    return root


@pytest.fixture
def study_dir(base, tmp_path) -> Path:
    dst = tmp_path / "study"
    shutil.copytree(base, dst)
    return dst


class Unchanged:
    """The database dump and codebook bytes, before; ``check()`` after.  ``new_codebook``: the
    case edited codebook.yaml, whose new version the next writer records by design (rows added
    to codebook_version): those rows are left out of the comparison, nothing else."""

    def __init__(self, root: Path, new_codebook: bool = False) -> None:
        self.root = root
        conn = sqlite3.connect(root / "fieldcode.db")
        self.versions = conn.execute("SELECT max(id) FROM codebook_version").fetchone()[0] if new_codebook else None
        conn.close()
        self.db, self.codebook = self._dump(), (root / "codebook.yaml").read_bytes()

    def _dump(self) -> str:
        if self.versions is None:
            return dump(self.root / "fieldcode.db")
        src, mem = sqlite3.connect(self.root / "fieldcode.db"), sqlite3.connect(":memory:")
        try:
            src.backup(mem)
            mem.execute("DELETE FROM codebook_version WHERE id > ?", (self.versions,))
            return "\n".join(mem.iterdump())
        finally:
            src.close()
            mem.close()

    def check(self) -> None:
        assert self._dump() == self.db
        assert (self.root / "codebook.yaml").read_bytes() == self.codebook


def no_traceback(output: str) -> None:
    assert "Traceback" not in output and "Error:" not in output.replace("error:", "")


# --------------------------------------------------------------------------- search --regex


def test_runaway_search_pattern_stops_at_the_time_limit(study_dir):
    keep = Unchanged(study_dir)
    t0 = time.monotonic()
    r = run("-C", study_dir, "search", RUNAWAY, "--regex", "--include-interviewer",
            env={"FIELDCODE_REGEX_SECONDS": "0.3"})
    wall = time.monotonic() - t0
    assert r.exit_code == 2, r.output
    no_traceback(r.output)
    out = " ".join(r.output.split())
    assert f"the pattern '{RUNAWAY}' ran for more than 0.3 s and was stopped" in out
    assert "Simplify the pattern" in out and "FIELDCODE_REGEX_SECONDS" in out
    assert wall < 60   # stdlib re: never returns
    keep.check()


def test_issue_pattern_finishes(study_dir):
    """The issue's '(\\w+\\s?)+$' ran past 60 s with Python's re (it does on this text too: the
    words run on across line breaks, and '$' fails after the final full stop).  By hand: the
    text ends "moving away.\\n", so no run of words reaches its end and there is no hit."""
    t0 = time.monotonic()
    r = run("-C", study_dir, "search", r"(\w+\s?)+$", "--regex", "--include-interviewer", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[1:] == []
    assert time.monotonic() - t0 < 60


def test_bad_time_limit_setting_is_named(study_dir):
    keep = Unchanged(study_dir)
    r = run("-C", study_dir, "search", "hall", "--regex", env={"FIELDCODE_REGEX_SECONDS": "soon"})
    assert r.exit_code == 2 and "FIELDCODE_REGEX_SECONDS is 'soon'" in r.output, r.output
    no_traceback(r.output)
    keep.check()


def test_runaway_search_on_postgresql(db_url, tmp_path):
    """The same limit over a PostgreSQL study (the texts come from the server)."""
    root = tmp_path / "pg"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews" / "good.md").write_text(GOOD, encoding="utf-8")
    assert run("-C", root, "--db", db_url, "import").exit_code == 0
    r = run("-C", root, "--db", db_url, "search", RUNAWAY, "--regex", env={"FIELDCODE_REGEX_SECONDS": "0.3"})
    assert r.exit_code == 2 and "ran for more than 0.3 s" in r.output, r.output
    no_traceback(r.output)


def test_ctrl_c_stops_a_running_regex_search(study_dir):
    """A real process, a real SIGINT while the pattern runs (limit an hour): it ends at once."""
    keep = Unchanged(study_dir)
    env = dict(os.environ, FIELDCODE_REGEX_SECONDS="3600")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "fieldcode"), "-C", str(study_dir), "search", RUNAWAY, "--regex",
         "--include-interviewer"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(6)   # start-up, then well into the pattern
        assert proc.poll() is None, proc.communicate()
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
        stopped_in = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert stopped_in < 10, stopped_in
    assert b"Traceback" not in err, err
    keep.check()


# --------------------------------------------------------------------------- interviewer_lines


def _oral(root: Path, where: str) -> list[str]:
    """An unlabelled transcript whose interviewer_lines pattern runs away, given in ``where``."""
    folder = root / "oral"
    folder.mkdir()
    if where == "front-matter":
        (folder / "oral.txt").write_text(f"---\nturns: paragraphs\ninterviewer_lines: '{RUNAWAY}'\n---\n" + ORAL,
                                         encoding="utf-8")
    else:
        (folder / "oral.txt").write_text(ORAL, encoding="utf-8")
    if where == "attributes.csv":
        (folder / "attributes.csv").write_text(f'file,turns,interviewer_lines\noral.txt,paragraphs,"{RUNAWAY}"\n',
                                               encoding="utf-8")
    return [folder / "oral.txt"]


@pytest.mark.parametrize("where", ["attributes.csv", "front-matter", "codebook"])
def test_runaway_interviewer_lines_pattern_fails_the_file_only(study_dir, where):
    if where == "codebook":
        cb = CODEBOOK.replace("  arms: [improving, lagging]\n",
                              f"  arms: [improving, lagging]\n  turns: paragraphs\n  interviewer_lines: '{RUNAWAY}'\n")
        (study_dir / "codebook.yaml").write_text(cb, encoding="utf-8")
    keep = Unchanged(study_dir, new_codebook=where == "codebook")
    args = _oral(study_dir, where)
    r = run("-C", study_dir, "import", *args, env={"FIELDCODE_REGEX_SECONDS": "0.3"})
    assert r.exit_code != 0, r.output
    no_traceback(r.output)
    out = " ".join(r.output.split())
    assert f"interviewer_lines '{RUNAWAY}' ran for more than 0.3 s and was stopped" in out, r.output
    # a codebook setting applies to the interviews already imported too: the import re-marks
    # good.md under it first (before reading oral.txt), and that is where the pattern is stopped
    assert ("good.md" if where == "codebook" else "oral.txt") in out and "Simplify the pattern" in out
    keep.check()


# --------------------------------------------------------------------------- attributes.csv

SIDECARS = {
    # case: (attributes.csv bytes, fragments of the message)
    "unclosed-quote": (b'file,pair,arm\nx.txt,"Leeds,improving\n',
                       ["attributes.csv:2:", "never closed"]),
    "unclosed-quote-swallows-rows": (b'file,pair,arm\nx.txt,"Leeds,improving\ny.txt,Hull",lagging\n',
                                     ["attributes.csv:2:", "cell 2 holds a line break", "closes on line 3"]),
    "text-after-closing-quote": (b'file,pair,arm\nx.txt,"Leeds"x,improving\n',
                                 ["attributes.csv:2:", "malformed CSV"]),
    "nul-byte": (b"file,pair,arm\nx.txt,Le\x00eds,improving\n", ["attributes.csv:2:", "NUL byte"]),
    "nul-byte-later-line": (b"file,pair,arm\nx.txt,Leeds,improving\ny.txt,Hull,lag\x00ging\n",
                            ["attributes.csv:3:", "NUL byte"]),
    "cell-over-128k": (b"file,pair,arm\nx.txt," + b"L" * 200_000 + b",improving\n",
                       ["attributes.csv:2:", "longer than 4,096 characters"]),
    "cell-over-limit": (b"file,pair,arm\nx.txt," + b"L" * 5000 + b",improving\n",
                        ["attributes.csv:2:", "cell 2 is 5,000 characters", "the limit for one value is 4,096"]),
    "cell-without-column": (b"file,pair,arm\nx.txt,Leeds,improving,resident\n",
                            ["attributes.csv:2:", "4 cells but the header names 3 columns", "'resident' has no column"]),
    "column-named-twice": (b"file,pair,arm,pair\nx.txt,Leeds,improving,Hull\n",
                           ["attributes.csv:1:", "'pair' is named twice (columns 2 and 4)"]),
    "unnamed-column": (b"file,pair,,arm\nx.txt,Leeds,x,improving\n",
                       ["attributes.csv:1:", "bad attribute column name '' (column 3)"]),
}


@pytest.mark.parametrize("case", sorted(SIDECARS))
@pytest.mark.parametrize("named", ["folder", "file alone"])
def test_bad_attributes_csv_is_a_named_error(study_dir, case, named):
    content, fragments = SIDECARS[case]
    folder = study_dir / "batch"
    folder.mkdir()
    (folder / "x.txt").write_text("Jean: a line.\n", encoding="utf-8")
    (folder / "y.txt").write_text("Sam: another.\n", encoding="utf-8")
    (folder / "attributes.csv").write_bytes(content)
    keep = Unchanged(study_dir)
    r = run("-C", study_dir, "import", folder if named == "folder" else folder / "x.txt")
    assert r.exit_code != 0, r.output
    no_traceback(r.output)
    out = " ".join(r.output.split())
    for fragment in fragments:
        assert fragment in out, (fragment, r.output)
    assert str(folder / "attributes.csv").split("/")[-1] in out
    keep.check()


def test_row_for_a_missing_file_is_reported_when_one_transcript_is_named(study_dir):
    """Re-importing good.md alone (unchanged: nothing to write) still reads its folder's
    attributes.csv, so a row naming a file that is not there is reported, with its line."""
    folder = study_dir / "interviews"
    (folder / "attributes.csv").write_text("file,role\nghost.txt,resident\n", encoding="utf-8")
    keep = Unchanged(study_dir)
    r = run("-C", study_dir, "import", folder / "good.md")
    assert r.exit_code != 0, r.output
    no_traceback(r.output)
    out = " ".join(r.output.split())
    assert "attributes.csv:2: lists 'ghost.txt', which is not in" in out and "fix the name or remove the row" in out
    keep.check()


def test_valid_attributes_csv_still_reads(study_dir):
    """Quoted commas and doubled quotes, a BOM, CRLF, a blank line and trailing empty cells."""
    folder = study_dir / "ok"
    folder.mkdir()
    (folder / "x.txt").write_text("Jean: a line.\n", encoding="utf-8")
    (folder / "attributes.csv").write_bytes(
        b'\xef\xbb\xbffile,pair,neighbourhood,arm\r\nx.txt,Leeds,"Ashcliffe, ""the Heights""",improving,,\r\n\r\n')
    r = run("-C", study_dir, "import", folder)
    assert r.exit_code == 0, r.output
    conn = sqlite3.connect(study_dir / "fieldcode.db")
    got = dict(conn.execute("SELECT a.name, a.value FROM attribute a JOIN interview i ON i.id = a.interview_id "
                            "WHERE i.name = 'x.txt'").fetchall())
    conn.close()
    assert got == {"pair": "Leeds", "neighbourhood": 'Ashcliffe, "the Heights"', "arm": "improving"}


# --------------------------------------------------------------------------- the TUI's / search


async def _start_runaway(pilot, app):
    await ready(app, pilot)
    await pilot.press("slash")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, StudySearchScreen)
    await pilot.press("ctrl+t", "ctrl+t")            # lemma -> exact -> regex
    screen.query_one("#query", Input).focus()
    await pilot.press(*RUNAWAY, "enter")
    return screen


async def test_tui_runaway_regex_keeps_the_screen_and_quit_working(project, monkeypatch):
    """While the pattern runs (limit 20 s of processor time) the screen takes keys, and ctrl+q
    ends the app at once: nobody waits for the pattern."""
    monkeypatch.setenv("FIELDCODE_REGEX_SECONDS", "20")
    before = project.store.last_event_id()
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        t0 = time.monotonic()
        screen = await _start_runaway(pilot, app)
        idle = time.monotonic() - t0              # the same number of keys, nothing running
        await pilot.pause(0.3)
        assert screen.busy
        t0 = time.monotonic()
        # type in the query box: a few keys, so the pattern (20 s of processor time) is
        # still running when they have been handled, even on a loaded machine
        await pilot.press("end", "x", "y")
        busy_typing = time.monotonic() - t0
        # generous (the pattern's thread takes one of the machine's cores); Python's re held the
        # interpreter's lock for the whole match, and no key was handled until it ended
        assert busy_typing < max(15, 10 * idle), (busy_typing, idle)
        assert screen.query_one("#query", Input).value == RUNAWAY + "xy" and screen.busy
        t0 = time.monotonic()
        await pilot.press("ctrl+q")
        for _ in range(200):
            if app.return_code is not None:
                break
            await asyncio.sleep(0.05)
        assert app.return_code is not None and time.monotonic() - t0 < 10
    assert project.store.last_event_id() == before


async def test_tui_runaway_regex_is_a_message_naming_the_pattern(project, monkeypatch):
    monkeypatch.setenv("FIELDCODE_REGEX_SECONDS", "0.3")
    before = project.store.last_event_id()
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_runaway(pilot, app)
        for _ in range(1200):
            await pilot.pause(0.05)
            if not screen.busy:
                break
        msg = " ".join(str(screen.query_one("#count", Label).render()).split())
        assert "Search failed" in msg and "ran for more than 0.3 s and was stopped" in msg, msg
        assert app.screen is screen
    assert project.store.last_event_id() == before
