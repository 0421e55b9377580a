"""Corrections of single turns, and turns re-marked when their settings change (issue 20, point 2).

The study is conftest's mini study: a.md (Interviewer and Jean), b.md (Interviewer and Sam).  Every
expected figure is the words of the quoted passages, counted here with ``str.split`` on the
passages as written (no punctuation is glued to a word that fieldcode would split).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldcode.analysis import crosstab
from fieldcode.cli import app
from fieldcode.project import Project

runner = CliRunner()

# a.md's turns, by hand (see conftest.MINI_A)
A_TURNS = ["How long have you lived here?", "Twenty years. The tenants' group runs everything now.",
           "We meet on Tuesdays.", "And the housing?", "Much better since the repairs. Nobody wants to leave."]
B_PARTICIPANT = "The flats are damp. Half of them are empty."


def words(s: str) -> int:
    return len(s.replace("tenants'", "tenants").split())


def run(root: Path, db: str | None, *args: str, coder: str = "ana"):
    opts = ["-C", str(root), "--coder", coder] + (["--db", db] if db else [])
    return runner.invoke(app, [*opts, *args], env={})


def analysed(root: Path, db: str | None) -> dict[str, int]:
    p = Project.open(root, db=db, write=False)
    try:
        ct = crosstab(p.store, by=("interview",))
        return {str(g[0]): int(w) for g, w in zip(ct.groups, ct.group_words)}
    finally:
        p.close()


def two_coders_code(root: Path, db: str | None) -> None:
    p = Project.open(root, db=db, coder="ana")
    try:
        text = p.store.interview("a.md").text
        for coder, quote in (("ana", "We meet on Tuesdays."), ("ben", "Much better since the repairs.")):
            s = text.index(quote)
            p.store.add_coding("a.md", "leadership", s, s + len(quote), coder)
    finally:
        p.close()


@pytest.fixture
def study(mini_dir, db_url):
    db = None if db_url.startswith("sqlite") else db_url
    r = run(mini_dir, db_url, "import")
    assert r.exit_code == 0, r.output
    two_coders_code(mini_dir, db_url)
    return mini_dir, db_url, db


def test_two_coders_correct_turns_logged_and_counted(study):
    root, url, _ = study
    participant = sum(words(t) for t in A_TURNS[1:3] + A_TURNS[4:])
    assert analysed(root, url)["a.md"] == participant == 21
    r = run(root, url, "turns", "set", "a", "5", "interviewer", coder="ana")
    assert r.exit_code == 0, r.output
    assert "interviewer (was participant; detected participant)" in r.output
    r = run(root, url, "turns", "set", "a", "5", "participant", coder="ben")    # ben overrides ana
    assert r.exit_code == 0 and "replaces ana's correction (interviewer)" in r.output
    r = run(root, url, "turns", "set", "a", "1", "participant", coder="ben")    # the first question counts
    assert r.exit_code == 0, r.output
    assert analysed(root, url)["a.md"] == participant + words(A_TURNS[0])
    listing = run(root, url, "turns", "list", "a")
    assert listing.exit_code == 0, listing.output
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r"^\u2502 *(\d+) .*$", listing.output, re.M)}
    assert "participant" in rows[1] and "corrected by ben" in rows[1]
    assert "participant" in rows[5] and "corrected by ben" in rows[5]
    assert "interviewer" in rows[4] and "label" in rows[4]
    # the log: both coders' corrections, each with what it replaced
    p = Project.open(root, db=url, write=False)
    try:
        events = [(e.coder, e.action, json.loads(e.detail)) for e in reversed(p.store.events(limit=10))
                  if e.action.startswith("turn-")]
    finally:
        p.close()
    assert [(c, a, d["turn"], d["now"]) for c, a, d in events] == [
        ("ana", "turn-set", 5, "interviewer"), ("ben", "turn-set", 5, "participant"), ("ben", "turn-set", 1, "participant")]
    assert events[1][2]["replaced"] == [{"coder": "ana", "role": "interviewer"}]
    # clear: back to what the labels say
    r = run(root, url, "turns", "clear", "a", "1", coder="ana")
    assert r.exit_code == 0 and "back to its detected role, interviewer" in r.output
    assert analysed(root, url)["a.md"] == participant
    # bad input: named, non-zero, nothing changed
    for bad in (["turns", "set", "a", "9", "interviewer"], ["turns", "set", "a", "2", "narrator"],
                ["turns", "set", "nosuch", "1", "interviewer"]):
        r = run(root, url, *bad)
        assert r.exit_code != 0 and "Traceback" not in r.output
    assert analysed(root, url)["a.md"] == participant


def test_a_correction_survives_a_reimport_with_an_inserted_paragraph(study):
    root, url, _ = study
    assert run(root, url, "turns", "set", "a", "5", "interviewer", coder="ben").exit_code == 0
    a = root / "interviews" / "a.md"
    a.write_text(a.read_text().replace("Interviewer: And the housing?",
                                       "Interviewer: Anything else first?\n\nJean: Not really.\n\nInterviewer: And the housing?"))
    r = run(root, url, "import", "--reanchor")
    assert r.exit_code == 0, r.output
    listing = run(root, url, "turns", "list", "a").output
    row7 = next(line for line in listing.splitlines() if re.match(r"\u2502 *7 ", line))
    assert "Much better" in row7 and "interviewer" in row7 and "corrected by ben" in row7
    want = sum(words(t) for t in A_TURNS[1:3]) + words("Not really.")
    assert analysed(root, url)["a.md"] == want


def test_a_turn_setting_change_remarks_on_the_next_write_and_keeps_corrections(study):
    root, url, _ = study
    assert run(root, url, "turns", "set", "a", "5", "interviewer", coder="ana").exit_code == 0
    cb = root / "codebook.yaml"
    cb.write_text(cb.read_text().replace("interviewer_speakers: [Interviewer]",
                                         "interviewer_speakers: [Interviewer]\n  turns: paragraphs\n"
                                         "  interviewer_lines: 'Interviewer:'"))
    # each paragraph is a turn now, and a participant's counts its 'Jean:' too
    want_a = sum(words(t) + 1 for t in A_TURNS[1:3])             # turn 5 stays the interviewer's (ana)
    want_b = words(B_PARTICIPANT) + 1
    read = run(root, url, "crosstab")
    assert read.exit_code == 0 and "out of date" in read.stderr and "re-marked" not in read.stderr
    assert analysed(root, url) == {"a.md": want_a, "b.md": want_b}
    w = run(root, url, "codebook", "sync")
    assert w.exit_code == 0, w.output
    assert "re-marked turns of 2 interview(s): a.md (5 turn(s), were 5), b.md (2 turn(s), were 2)" in w.stderr
    assert analysed(root, url) == {"a.md": want_a, "b.md": want_b}
    listing = run(root, url, "turns", "list", "a").output
    assert "corrected by ana" in listing and "pattern" in listing and "paragraph" in listing
    again = run(root, url, "crosstab")
    assert "re-marked" not in again.stderr and "out of date" not in again.stderr
    # codings never move
    p = Project.open(root, db=url, write=False)
    try:
        text = p.store.interview("a.md").text
        assert sorted((c.coder, text[c.start:c.end]) for c in p.store.codings()) == [
            ("ana", "We meet on Tuesdays."), ("ben", "Much better since the repairs.")]
    finally:
        p.close()


def test_front_matter_and_attributes_csv_changes_remark_on_import(mini_dir, tmp_path):
    root = mini_dir
    assert run(root, None, "import").exit_code == 0
    two_coders_code(root, None)
    b = root / "interviews" / "b.md"
    b.write_text(b.read_text().replace("role: resident\n", "role: resident\nturns: paragraphs\n"
                                                           "interviewer_lines: 'Interviewer:'\n"))
    r = run(root, None, "import")
    assert r.exit_code == 0, r.output
    assert "re-marked" in r.output and "b.md" in r.output
    assert analysed(root, None)["b.md"] == words(B_PARTICIPANT) + 1
    # attributes.csv names Jean as a.md's interviewer: her turns leave the counts
    (root / "interviews" / "attributes.csv").write_text("file,interviewer\na.md,Jean\n")
    r = run(root, None, "import")
    assert r.exit_code == 0, r.output
    assert "re-marked turns of 1 interview(s): a.md (3 turn(s) changed role)" in r.stderr   # Jean speaks turns 2, 3 and 5
    assert analysed(root, None)["a.md"] == 0


def test_coding_screen_key_toggles_the_turn_under_the_cursor(mini_dir):
    import asyncio

    from fieldcode.tui import make_app
    from fieldcode.tui.coding import CodingScreen

    assert run(mini_dir, None, "import").exit_code == 0
    two_coders_code(mini_dir, None)
    p = Project.open(mini_dir, coder="ben")

    async def go() -> None:
        app = make_app(p, "a")
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                await pilot.pause()
                if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
                    break
            screen = app.screen
            tr = screen.transcript
            text = p.store.interview("a.md").text
            tr.move_to_offset(text.index("Much better"))
            row = tr.lines.to_location(text.index("Much better"))[0]
            assert row not in tr._dim_rows                 # a participant's turn: not dimmed
            await pilot.press("T")
            await pilot.pause()
            con = sqlite3.connect(mini_dir / "fieldcode.db")
            try:
                assert con.execute("select coder, is_interviewer, quote from turn_mark").fetchall() == [
                    ("ben", 1, "Much better since the repairs. Nobody wants to leave.")]
            finally:
                con.close()
            assert row in tr._dim_rows                     # drawn as the interviewer's now
            assert screen.turns[4][4] is True
            await pilot.press("T")                         # and back
            await pilot.pause()
            assert row not in tr._dim_rows and screen.turns[4][4] is False

    try:
        asyncio.run(go())
        assert analysed(mini_dir, None)["a.md"] == 21
    finally:
        p.close()


@pytest.mark.corpus
def test_the_import_names_the_paragraphs_it_is_unsure_of(shared, tmp_path):
    root = tmp_path / "oral"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(
        "study:\n  name: oral\n  turns: questions\n  interviewer_lines: '\\d+\\.\\d\\d\\s'\n"
        "codes:\n  - key: a\n    name: A\n", encoding="utf-8")
    src = shared / "corpus" / "transcripts" / "ftf_WATSON_19AUG91.txt"
    (root / "interviews" / "watson.txt").write_bytes(src.read_bytes())
    r = run(root, None, "import")
    assert r.exit_code == 0, r.output
    # the narrator's timestamped self-introduction, marked the interviewer's with p=0.66
    assert "paragraph(s) whose speaker is uncertain" in r.output
    assert re.search(r"turn 3: interviewer, p=0\.6\d .0\.30 My name is Audrey Watson", r.output)
    assert "fieldcode turns set watson.txt N interviewer|participant" in r.output
    listing = run(root, None, "turns", "list", "watson", "--unsure")
    assert listing.exit_code == 0 and "My name is Audrey" in listing.output and "question p=0.6" in listing.output
    # corrected: the note says so no more, the list names the coder
    assert run(root, None, "turns", "set", "watson", "3", "participant").exit_code == 0
    listing = run(root, None, "turns", "list", "watson")
    row3 = next(line for line in listing.output.splitlines() if re.match(r"\u2502 *3 ", line))
    assert "participant" in row3 and "corrected by ana" in row3


def _dump(root: Path) -> list[str]:
    con = sqlite3.connect(root / "fieldcode.db")
    try:
        return list(con.iterdump())
    finally:
        con.close()


def test_front_matter_and_attributes_csv_changes_remark_on_the_next_write(mini_dir):
    """Not only an import: a read already counts with the turn settings the files give now
    (and writes nothing); the next command that writes, whatever it is, stores them and says so."""
    root = mini_dir
    assert run(root, None, "import").exit_code == 0
    two_coders_code(root, None)
    b = root / "interviews" / "b.md"
    b.write_text(b.read_text().replace("role: resident\n", "role: resident\nturns: paragraphs\n"
                                                           "interviewer_lines: 'Interviewer:'\n"))
    (root / "interviews" / "attributes.csv").write_text("file,interviewer\na.md,Jean\n")
    before = _dump(root)
    assert analysed(root, None) == {"a.md": 0, "b.md": words(B_PARTICIPANT) + 1}   # the read: new settings
    r = run(root, None, "crosstab")
    assert r.exit_code == 0, r.output
    assert "out of date" in r.stderr
    assert _dump(root) == before                                                     # ... and no write
    r = run(root, None, "code", "add", "b.md", "housing", "--quote", "Half of them", coder="ben")
    assert r.exit_code == 0, r.output
    assert "turn settings changed in the files of a.md: interviewer (none) -> Jean" in r.stderr
    assert "turn settings changed in the files of b.md: turns (none) -> paragraphs" in r.stderr
    assert "re-marked turns of 2 interview(s)" in r.stderr
    assert analysed(root, None) == {"a.md": 0, "b.md": words(B_PARTICIPANT) + 1}
    con = sqlite3.connect(root / "fieldcode.db")
    try:
        stored = dict(con.execute("select i.name, a.value from attribute a join interview i on i.id = a.interview_id "
                                  "where a.name = 'interviewer'").fetchall())
        coders = sorted(r[0] for r in con.execute("select coder from coding"))
    finally:
        con.close()
    assert stored == {"a.md": "Jean"}
    assert coders == ["ana", "ben", "ben"]            # the two earlier codings untouched, ben's new one added
    r = run(root, None, "code", "add", "b.md", "housing", "--quote", "flats are damp", coder="ana")
    assert r.exit_code == 0 and "turn settings changed" not in r.stderr and "re-marked" not in r.stderr
