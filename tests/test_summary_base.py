"""``summary`` and ``interviews`` show the base every rate stands on: analysed words
(participant turns without their labels), counted here by hand from conftest's mini study."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from fieldcode.cli import app

from conftest import MINI_A, MINI_B


def participant_words(transcript: str, participant: str) -> int:
    """Words of the participant's turns, by this test's own rule: the text after 'Name:' on each
    of the participant's lines, split on whitespace."""
    body = transcript.split("---\n", 2)[2]
    return sum(len(line.split(":", 1)[1].split()) for line in body.splitlines() if line.startswith(participant + ":"))


def test_summary_and_interviews_show_analysed_words(mini_dir):
    a, b = participant_words(MINI_A, "Jean"), participant_words(MINI_B, "Sam")
    assert (a, b) == (21, 9)   # and by eye: 8 + 4 + 9 words of Jean's, 9 of Sam's
    runner = CliRunner()
    assert runner.invoke(app, ["-C", str(mini_dir), "--coder", "ana", "import"]).exit_code == 0
    r = runner.invoke(app, ["-C", str(mini_dir), "summary"], env={"COLUMNS": "120"})
    assert r.exit_code == 0, r.output
    assert re.search(rf"Leeds\s*│\s*1 \({a} words\)\s*│\s*1 \({b} words\)", r.stdout), r.stdout
    assert f"of them analysed" in r.stdout and f"{a + b} of them analysed" in r.stdout
    r = runner.invoke(app, ["-C", str(mini_dir), "interviews"], env={"COLUMNS": "160"})
    assert r.exit_code == 0, r.output
    rows = {m.group(1): int(m.group(2)) for m in re.finditer(r"│ (a|b)\s+│[^│]*│\s*[\d,]+\s*│\s*([\d,]+)\s*│", r.stdout)}
    assert rows == {"a": a, "b": b}, r.stdout
