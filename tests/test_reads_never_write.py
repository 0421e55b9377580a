"""Commands that only read never write (issue 20, point 4).

After the interviewer labels or the turn settings change in codebook.yaml, every read-only command
is run against the bundled study (two coders' codings) and the SQLite file's plain ``.dump``
(Python's sqlite3, not fieldcode) must be the same before and after; the figures those reads
give must already follow the new marks (the analysed words of each interview, counted here by
hand from the stored text), and the next command that writes stores the marks and says so once.

The commands are enumerated from the CLI app itself: a command that is in none of the lists below
fails the test until it is classified, so a new read-only command is covered from the start.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from conftest import copy_study
from fieldcode.cli import app

runner = CliRunner()
WORD = re.compile(r"\w+(?:['\u2019\-]\w+)*")
SAMPLE = "leeds-improving-01-resident.md"   # Interviewer and Shazia speak

# Commands that write to the database (not run here), and screens (not run here).
WRITERS = {
    "init", "import", "undo", "redo", "merge", "codebook sync", "code add", "code import", "code remove",
    "code memo", "code change", "codes new", "codes rename", "codes recolour", "codes move", "codes merge", "codes split",
    "codes rekey", "suggest search", "suggest keywords", "suggest accept", "suggest reject", "suggest run",
    "suggest train", "interviews rename", "interviews remove", "interviews restore", "turns set", "turns clear",
    "memo add", "memo edit", "memo remove", "pseudonyms scan", "pseudonyms accept", "pseudonyms reject",
    "pseudonyms add", "blind end", "blind unblind", "handin", "reopen", "next", "recheck keep", "recheck recode", "recheck remove", "framework set", "framework delete",
}
NO_DATABASE = {"settings", "codebook check", "codebook show"}   # they never open the database
SLOW = {"suggest evaluate"}   # cross-validation takes seconds: run after one of the two changes
MAY_REFUSE = {"pseudonyms list", "framework history"}   # needs a key file the bundled study has not got: refuses, clearly
SCREENS = {"open", "review", "code", "code open", "suggest review"}


def read_commands(out: Path) -> dict[str, list[str]]:
    """Every read-only command with the arguments it runs with here."""
    iv = SAMPLE.removesuffix(".md")
    return {
        "summary": [], "settings": [], "log": [], "crosstab": [], "compare": [], "frequencies": [],
        "cooccurrence": [], "coverage": [], "agreement": [], "disagreements": ["--coders", "ana,ben"], "show": [iv],
        "search": ["rubbish"], "codebook check": [], "codebook show": [], "code list": [iv],
        "export counts": ["-o", str(out / "counts.csv")], "export comparison": ["-o", str(out / "cmp.csv")],
        "export segments": ["-o", str(out / "seg.csv")], "export memos": ["-o", str(out / "memos.csv")],
        "export quotes": ["-o", str(out / "quotes.md")], "export qdpx": ["-o", str(out / "s.qdpx")],
        "export qdc": ["-o", str(out / "s.qdc")], "export agreement": ["-o", str(out / "agr.csv")],
        "suggest list": [], "suggest evaluate": [],
        "interviews": [], "turns list": [iv], "saturation": [],
        "report": ["-o", str(out / "report"), "--resamples", "20", "--format", "html,md"],   # files only
        "pseudonyms list": [],
        "blind status": [],
        "recheck": [], "codebook history": [], "codebook diff": ["1"],
        "framework list": [], "framework history": [iv, "place"], "export framework": ["-o", str(out / "fw.xlsx")],
    }


def all_commands() -> list[str]:
    root = typer.main.get_command(app)

    def walk(cmd, path):  # noqa: ANN001, ANN202
        if isinstance(cmd, TyperGroup):
            if cmd.invoke_without_command:
                yield path
            for name, sub in cmd.commands.items():
                yield from walk(sub, f"{path} {name}")
        else:
            yield path

    return [p for name, c in root.commands.items() for p in walk(c, name)]


def dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def texts(db: Path) -> dict[str, str]:
    con = sqlite3.connect(db)
    try:
        return dict(con.execute("select name, text from interview"))
    finally:
        con.close()


def label_words(text: str, interviewer: set[str], pattern: re.Pattern[str] = WORD) -> int:
    """Analysed words with speaker labels: each line 'Name: ...' starts a turn (a line without one
    goes on with the turn before); the words after the label of every turn not spoken by an
    interviewer label (or the matches of ``pattern`` there)."""
    n, speaking = 0, None
    for line in text.split("\n"):
        m = re.match(r"([A-Z][\w.'\-]*(?: [\w.'\-]+){0,3}): ", line)
        if m:
            speaking, line = m.group(1), line[m.end():]
        if speaking is not None and speaking not in interviewer:
            n += len(pattern.findall(line))
    return n


def paragraph_words(text: str, interviewer_start: str, pattern: re.Pattern[str] = WORD) -> int:
    """Analysed words with 'turns: paragraphs': every paragraph not starting with the interviewer's
    mark is a participant turn, counted whole (its 'Name:' is a word of it now)."""
    return sum(len(pattern.findall(par)) for par in re.split(r"\n[ \t]*\n", text)
               if par.strip() and not par.lstrip().startswith(interviewer_start))


RUBBISH = re.compile(r"\brubbish\b", re.I)


def analysed_by_interview(root: Path) -> dict[str, int]:
    from fieldcode.analysis import crosstab
    from fieldcode.project import Project

    p = Project.open(root, write=False)
    try:
        ct = crosstab(p.store, by=("interview",))
        return {str(g[0]) if isinstance(g, tuple) else str(g): int(w) for g, w in zip(ct.groups, ct.group_words)}
    finally:
        p.close()


CHANGES = {
    # Shazia's turns become the interviewer's: a label change, the turns themselves unchanged
    "labels": ("interviewer_speakers: [Interviewer]", "interviewer_speakers: [Interviewer, Shazia]"),
    # paragraphs instead of labels: every turn detected again from the stored text
    "paragraphs": ("interviewer_speakers: [Interviewer]",
                   "interviewer_speakers: [Interviewer]\n  turns: paragraphs\n  interviewer_lines: 'Interviewer:'"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_read_only_command_leaves_the_database_as_it_was(bundled_coded, tmp_path, change):
    root = copy_study(bundled_coded, tmp_path / "study")
    db = root / "fieldcode.db"
    stored = texts(db)
    # the hand count agrees with fieldcode before the change (so it is the same rule)
    before = analysed_by_interview(root)
    assert {k: v for k, v in before.items() if k in stored} == \
        {name: label_words(t, {"Interviewer"}) for name, t in stored.items()}

    cb = root / "codebook.yaml"
    old, new = CHANGES[change]
    assert old in cb.read_text()
    cb.write_text(cb.read_text().replace(old, new))
    want = ({name: label_words(t, {"Interviewer", "Shazia"}) for name, t in stored.items()} if change == "labels"
            else {name: paragraph_words(t, "Interviewer:") for name, t in stored.items()})
    assert want != {k: v for k, v in before.items() if k in stored}     # the change matters

    reads = read_commands(tmp_path)
    commands = all_commands()
    unclassified = [c for c in commands if c not in reads and c not in WRITERS and c not in SCREENS]
    assert not unclassified, f"classify these commands in {__file__}: {unclassified}"

    snapshot = dump(db)
    for name in commands:
        if name not in reads or (name in SLOW and change != "labels"):
            continue
        r = runner.invoke(app, ["-C", str(root), "--coder", "ana", *name.split(), *reads[name]], env={})
        assert r.exit_code == 0 or name in MAY_REFUSE, (name, r.output)
        assert dump(db) == snapshot, f"'fieldcode {name}' changed the database"
        if name not in NO_DATABASE and r.exit_code == 0:
            assert "out of date" in r.stderr, (name, r.stderr)
        assert "re-marked" not in r.stderr, name

    # the figures a read gives already follow the new marks: search's hits (interviewer turns left out) ...
    hits = (sum(label_words(t, {"Interviewer", "Shazia"}, RUBBISH) for t in stored.values()) if change == "labels"
            else sum(paragraph_words(t, "Interviewer:", RUBBISH) for t in stored.values()))
    before_hits = sum(label_words(t, {"Interviewer"}, RUBBISH) for t in stored.values())
    r = runner.invoke(app, ["-C", str(root), "search", "rubbish"], env={})
    assert f"{hits} hit(s) in" in r.output and (change != "labels" or hits < before_hits), r.output
    # ... and the analysed words of every interview (crosstab's denominators)
    got = analysed_by_interview(root)
    assert {k: v for k, v in got.items() if k in stored} == want
    assert dump(db) == snapshot

    # the next command that writes (any: here a memo on a coding... the codebook sync) stores them, once
    w = runner.invoke(app, ["-C", str(root), "--coder", "ana", "codebook", "sync"], env={})
    assert w.exit_code == 0, w.output
    assert "re-marked turns of" in w.stderr
    if change == "labels":
        assert "re-marked turns of 1 interview(s): leeds-improving-01-resident.md" in w.stderr
    assert dump(db) != snapshot
    again = runner.invoke(app, ["-C", str(root), "crosstab"], env={})
    assert again.exit_code == 0 and "re-marked" not in again.stderr and "out of date" not in again.stderr
    assert {k: v for k, v in analysed_by_interview(root).items() if k in stored} == want
