"""Changing who the interviewer is after import re-marks the turns on the next command, says
so, and the counts and the sidecar follow (the earlier release kept the old marks)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fieldcode.analysis import crosstab
from fieldcode.cli import app
from fieldcode.project import Project

runner = CliRunner()


def test_relabelling_the_interviewer_remarks_turns_and_counts_follow(mini_dir, tmp_path):
    p = Project.open(mini_dir, coder="ana")
    assert p.import_files().ok
    text = p.store.interview("a.md").text
    q = "How long have you lived here?"
    s = text.index(q)
    p.store.add_coding("a.md", "leadership", s, s + len(q), "ana")     # the interviewer's question
    ct = crosstab(p.store, by=("interview",))
    # a.md by hand: Jean 2 + 6 + 4 + 5 + 4 = 21 analysed words; the interviewer's 6 + 3 are left out
    assert ct.group_words.tolist() == [21, 9]        # b.md: Sam 9 ("The flats are damp. Half of them are empty.")
    assert ct.table("segments")[0].tolist() == [0, 0]
    p.close()

    cb = mini_dir / "codebook.yaml"
    cb.write_text(cb.read_text().replace("interviewer_speakers: [Interviewer]", "interviewer_speakers: []"))
    out = tmp_path / "c.csv"
    r = runner.invoke(app, ["-C", str(mini_dir), "export", "counts", "-o", str(out)], env={})
    assert r.exit_code == 0, r.output
    # export only reads: it uses the new marks without storing them, and says so
    assert "stored turn marks of 2 interview(s): a.md, b.md are out of date" in r.stderr
    side = json.loads(out.with_suffix(".json").read_text())
    assert {t["name"]: (t["interviewer_labels"], t["interviewer_turns"]) for t in side["transcripts"]} == {
        "a.md": ([], 0), "b.md": ([], 0)}
    w = runner.invoke(app, ["-C", str(mini_dir), "codebook", "sync"], env={})   # a command that writes
    assert w.exit_code == 0, w.output
    # a.md has two interviewer turns, b.md one
    assert "re-marked turns of 2 interview(s): a.md (2 turn(s) changed role), b.md (1 turn(s) changed role)" in w.stderr
    r2 = runner.invoke(app, ["-C", str(mini_dir), "crosstab"], env={})
    assert r2.exit_code == 0 and "re-marked" not in r2.stderr and "out of date" not in r2.stderr  # stored once
    p = Project.open(mini_dir, coder="ana")
    try:
        ct = crosstab(p.store, by=("interview",))
        assert ct.group_words.tolist() == [21 + 6 + 3, 9 + 6]   # "What is it like living here?" 6
        assert ct.table("segments")[0].tolist() == [1, 0]     # the question's coding now counts
    finally:
        p.close()


def test_interviewer_attribute_counts_as_a_label(mini_dir):
    a = mini_dir / "interviews" / "a.md"
    a.write_text(a.read_text().replace("role: resident\n", "role: resident\ninterviewer: Jean\n"))
    p = Project.open(mini_dir, coder="ana")
    try:
        assert p.import_files().ok
        turns = p.store.turns(p.store.interview("a.md").id)
        assert all(t.is_interviewer for t in turns)           # Interviewer (study) and Jean (attribute)
        assert p.store.interviewer_label_state()[p.store.interview("a.md").id][1] == ["Interviewer", "Jean"]
    finally:
        p.close()
