"""``fieldcode agreement`` and ``fieldcode export agreement`` through the CLI (CliRunner)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fieldcode import cli


def run(p, *args):
    return CliRunner().invoke(cli.app, ["--project", str(p.root), "--db", p.store.url, *args])


@pytest.fixture
def two_coders(mini):
    """The mini study; ana and ben each code one passage of interview a, overlapping."""
    text = mini.store.interview("a").text
    s1 = text.find("Twenty years.")
    s2 = text.find("We meet on Tuesdays.")
    mini.store.add_coding("a", "leadership", s1, s1 + len("Twenty years."), "ana")
    mini.store.add_coding("a", "leadership", s1, s2 + len("We meet on Tuesdays."), "ben")
    return mini


def test_agreement_table_and_csv(two_coders):
    root = two_coders
    r = run(root, "agreement", "--unit", "turn", "--codes", "leadership")
    assert r.exit_code == 0, r.output
    assert "Agreement of ana, ben: unit turn; 1 of 2 interviews coded by two or more of them" in r.stdout
    # interview a has three participant turns (Jean's) -- the coders coded only interview a.
    # ana: turn 1; ben: turns 1 and 2.  po = 2/3, pe = (1*2 + 2*1)/9 = 4/9: kappa = (6/9-4/9)/(5/9) = 0.4
    assert "0.400" in r.stdout
    r = run(root, "agreement", "--unit", "turn", "--codes", "leadership", "--format", "csv")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("code,label,code_path,group_by,group,coders,unit,units,coded_units")
    f = lines[1].split(",")
    assert f[:9] == ["leadership", "Leadership", "leadership", "", "(all)", "ana+ben", "turn", "3", "2"]
    assert float(f[11]) == pytest.approx(0.4, abs=1e-12)


def test_export_agreement_writes_csv_and_sidecar(two_coders, tmp_path):
    out = tmp_path / "res" / "agreement.csv"
    r = run(two_coders, "export", "agreement", "-o", str(out), "--unit", "word", "--by", "arm")
    assert r.exit_code == 0, r.output
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["export"] == "agreement" and side["unit"] == "word"
    assert "analysed word" in side["units"]["word"]
    assert set(side["measures"]) >= {"observed", "positive", "kappa", "alpha"}
    assert side["differential"]["by"] == "arm"
    assert "krippendorff_alpha,weak,coded_units_by_coder,units_are,missing_reason" in out.read_text(encoding="utf-8").splitlines()[0]


def test_errors_are_clear(two_coders):
    r = run(two_coders, "agreement", "--coders", "ana")
    assert r.exit_code == 2 and "two or more coders" in r.stderr
    r = run(two_coders, "agreement", "--unit", "paragraph")
    assert r.exit_code == 2 and "--unit must be one of char, word, sentence, turn, interview" in r.stderr
    r = run(two_coders, "agreement", "--codes", "nope")
    assert r.exit_code == 2 and "no code 'nope'" in r.stderr
    assert "Traceback" not in r.output
