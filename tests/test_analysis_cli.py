"""The analysis commands through the CLI on the hand-counted project of test_crosstab.py."""

from __future__ import annotations

from typer.testing import CliRunner

from fieldcode.cli import app

from test_crosstab import proj  # noqa: F401

runner = CliRunner()


def run(*args, code=0):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == code, (r.output, r.exception)
    return r


def rows(output: str) -> dict[str, list[str]]:
    """Table body rows of rich's output as {first cell: other cells}."""
    out = {}
    for line in output.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if cells[0]:
                out[cells[0]] = cells[1:]
    return out


def test_crosstab_command(proj):  # noqa: F811
    r = run("-C", proj.root, "crosstab", "--unit", "words", "--denominators")
    body = rows(r.output)
    # words with their denominators: analysed words 22, 9, 5 (see test_crosstab)
    assert body["Housing"] == ["11/22", "4/9", "0/5"]
    assert body["Place"] == ["0/22", "5/9", "0/5"]
    assert body["Repairs"] == ["3/22", "0/9", "0/5"]
    assert "(2 iv, 22 w)" in r.output
    assert "Interviewer turns are left out" in r.output
    r = run("-C", proj.root, "crosstab", "--unit", "per1000", "--rollup", "--codes", "place,leadership")
    body = rows(r.output)
    assert body["Place (incl. children)"] == ["636.4", "777.8", "0.0"]     # 14/22, 7/9
    assert body["Leadership"] == ["272.7", "333.3", "0.0"]
    r = run("-C", proj.root, "crosstab", "--unit", "interviews", "--by", "role", "--include-interviewer")
    body = rows(r.output)
    assert body["Housing"] == ["1", "2"]          # agency: I2; resident: I1, I3
    assert "With interviewer turns included, the interviewer's turn bodies are analysed text too." in " ".join(r.output.split())
    r = run("-C", proj.root, "crosstab", "--unit", "bogus", code=2)
    assert "--unit must be one of" in r.output
    r = run("-C", proj.root, "crosstab", "--codes", "nope", code=2)
    assert "no code 'nope'" in r.output


def test_compare_command(proj):  # noqa: F811
    r = run("-C", proj.root, "compare")
    body = rows(r.output)
    assert body["Housing"][0] == "500.0 / 444.4"
    # 1 of 1 higher, 0 lower, p 1.000, and the smallest p one untied pair allows: 2 x 0.5^1 = 1
    assert body["Housing"][1:] == ["1 of 1", "0", "1.000", "1"]
    assert "descriptive only" in r.output
    assert "pair 'P2' has no 'lagging' interviews" in r.stderr


def test_views_commands(proj):  # noqa: F811
    body = rows(run("-C", proj.root, "frequencies").output)
    # passages: (c1 + c2), c7, c8; 15 / 36 words * 1000
    assert body["Housing"] == ["3", "3", "15", "416.7"]
    r = run("-C", proj.root, "frequencies")
    assert "a passage is counted once however many coders coded it" in r.output
    r = run("-C", proj.root, "cooccurrence", "--by", "turn")
    # within one coder's codings housing meets no other code in a turn (c5 and c8 are ben's)
    assert rows(r.output)["housing"] == ["·", "3", "·", "·", "·"]
    assert "within each coder's own codings" in r.output
    body = rows(run("-C", proj.root, "cooccurrence", "--by", "turn", "--across-coders").output)
    assert body["housing"] == ["1", "3", "·", "1", "·"]
    body = rows(run("-C", proj.root, "coverage", "--coder", "ben").output)
    assert body["i3.md"] == ["P1", "lagging", "ben", "1", "4", "9", "44%"]
