"""Numbers as printed and exported (issue 20 point 6):

* a paired difference is printed rounded as the table prints its values, through
  ``fieldcode.analysis.paired.format_value``: one that rounds to zero is a tie and prints as an
  unsigned zero, never "-0.0" (which read as "lagging higher" beside a tie in the sign test);
* every numeric column of every CSV export holds a number or nothing, and where it is empty a
  text column beside it says why (the summary CSV used to hold the text "n/a" in ``sign_test_p``);
* the segments export says whether each segment counts (``counted``): it covers at least one
  analysed word (fieldcode.text.ANALYSED_TEXT_RULE)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import copy_study
from fieldcode.cli import app
from fieldcode.project import Project
from fieldcode.study.settings import Settings
from test_analysis_fixtures import attrs, code, make_project

runner = CliRunner()


def run(*args):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r


def body(n: int) -> str:
    return "Interviewer: Go on.\n\nAnn: " + " ".join(["words"] * (n - 1)) + " jobs.\n"


@pytest.fixture
def tied(tmp_path):
    """One pair whose per-1,000 difference is -0.0154 (improving 2,600 analysed words with one
    coded, lagging 2,500 with one coded: 1000/2600 - 1000/2500 = -0.01538...), shown at one
    decimal as zero: a tie.  ana and ben both code the word "jobs" in each interview."""
    p = make_project(tmp_path / "t", {"a": (attrs("P1", "improving"), body(2600)),
                                      "b": (attrs("P1", "lagging"), body(2500))})
    for coder in ("ana", "ben"):
        code(p, "a", "aspiration", "jobs", coder=coder)
        code(p, "b", "aspiration", "jobs", coder=coder)
    yield p
    p.close()


def test_compare_prints_a_tie_as_an_unsigned_zero(tied):
    r = run("-C", tied.root, "compare", "--codes", "aspiration")
    # the values 0.4 (1000/2600 = 0.3846) and 0.4 (1000/2500); the difference shown as a tie
    assert "0.4 / 0.4" in r.stdout
    assert "(0.0)" in r.stdout and "(-0.0)" not in r.stdout and "(+0.0)" not in r.stdout
    assert "0 of 0 (1 tied)" in r.stdout


def test_the_comparison_csv_says_how_the_sign_test_counted_each_pair(tied, tmp_path):
    out = tmp_path / "o" / "cmp.csv"
    run("-C", tied.root, "export", "comparison", "-o", out, "--codes", "aspiration")
    df = pd.read_csv(out, keep_default_na=False, dtype=str)
    [row] = df.to_dict("records")
    assert float(row["difference"]) == pytest.approx(1000 / 2600 - 1000 / 2500, abs=5e-4)
    assert row["counted_as"] == "tie"
    summary = pd.read_csv(out.with_name("cmp_summary.csv"), keep_default_na=False, dtype=str)
    [s] = summary.to_dict("records")
    # no untied pair: no p-value (empty, not the text "n/a"), and the reason beside it
    assert (s["focal_higher"], s["focal_lower"], s["ties"], s["sign_test_p"]) == ("0", "0", "1", "")
    assert s["sign_test_missing"] == "no untied pair: nothing to test"


NUMERIC = {
    "counts.csv": ["value", "interviews_in_group", "words_in_group"],
    "comparison.csv": ["focal_value", "comparison_value", "difference", "focal_interviews", "focal_words",
                       "comparison_interviews", "comparison_words"],
    "comparison_summary.csv": ["pairs", "focal_higher", "focal_lower", "ties", "sign_test_p", "untied_pairs",
                               "min_p", "alpha"],
    "segments.csv": ["coding_id", "start", "end"],
    "memos.csv": [],
    "agreement.csv": ["units", "coded_units", "observed_agreement", "positive_agreement", "cohen_kappa",
                      "krippendorff_alpha"],
}
# an empty numeric cell must have its reason in this column of the same row
REASON = {"counts.csv": {"value": "value_missing"},
          "comparison_summary.csv": {"sign_test_p": "sign_test_missing", "min_p": "min_p_missing"},
          "agreement.csv": {c: "missing_reason" for c in ("observed_agreement", "positive_agreement",
                                                           "cohen_kappa", "krippendorff_alpha")}}


def numeric_problems(df: pd.DataFrame, cols: list[str], reasons: dict[str, str]) -> list[str]:
    bad = []
    for c in cols:
        for i, cell in enumerate(df[c]):
            if cell == "":
                if c not in reasons or not df[reasons[c]][i]:
                    bad.append(f"{c} row {i}: empty without a reason")
                continue
            try:
                x = float(cell)
            except ValueError:
                bad.append(f"{c} row {i}: {cell!r} is not a number")
                continue
            if not math.isfinite(x):
                bad.append(f"{c} row {i}: {cell!r}")
    return bad


def export_all(root, res) -> list:
    run("-C", root, "export", "counts", "-o", res / "counts.csv")
    run("-C", root, "export", "segments", "-o", res / "segments.csv")
    run("-C", root, "export", "memos", "-o", res / "memos.csv")
    run("-C", root, "export", "agreement", "-o", res / "agreement.csv", "--by", "arm")
    for unit in ("per1000", "share", "segments_per_interview"):
        run("-C", root, "export", "comparison", "-o", res / unit / "comparison.csv", "--unit", unit)
    files = sorted(res.rglob("*.csv"))
    assert {f.name for f in files} == set(NUMERIC) | {"counts_wide.csv"}
    return files


def check_numeric(files) -> set:
    """Check every numeric column; return the (file, column) pairs that had an empty cell."""
    seen_empty = set()
    for f in files:
        df = pd.read_csv(f, keep_default_na=False, dtype=str)
        if f.name == "counts_wide.csv":
            cols = list(df.columns[4:])          # one column per group, the denominators included
            reasons = {}
        else:
            cols, reasons = NUMERIC[f.name], REASON.get(f.name, {})
            assert set(cols) <= set(df.columns), f.name
        assert not numeric_problems(df, cols, reasons), (f, numeric_problems(df, cols, reasons)[:5])
        # and pandas reads each such column as numbers
        for c in cols:
            assert pd.api.types.is_numeric_dtype(pd.read_csv(f)[c]), (f.name, c)
        seen_empty |= {(f.name, c) for c in cols if (df[c] == "").any()}
    return seen_empty


def test_every_csv_export_has_numbers_or_nothing_in_its_numeric_columns(bundled_coded, tied, tmp_path):
    root = copy_study(bundled_coded, tmp_path / "study")
    check_numeric(export_all(root, tmp_path / "bundled"))
    seg = pd.read_csv(tmp_path / "bundled" / "segments.csv")
    assert seg["counted"].dtype == bool
    # the tied study has the missing values: no untied pair (no p), codes nobody used (no alpha)
    empty = check_numeric(export_all(tied.root, tmp_path / "tied"))
    assert ("comparison_summary.csv", "sign_test_p") in empty
    assert ("comparison_summary.csv", "min_p") in empty
    assert ("agreement.csv", "krippendorff_alpha") in empty


def test_the_segments_export_says_which_segments_count(tmp_path):
    """By hand: "Interviewer: Where do you work?" is an interviewer turn, "Jean: " a speaker
    label; only Jean's words are analysed.  ana codes the label alone (counts nowhere), ben the
    interviewer's question (counts nowhere), ana "the pit" (counts), ben from the question into
    Jean's answer (covers "At": counts)."""
    p = make_project(tmp_path / "c", {"a": (attrs("P1", "improving"),
                                            "Interviewer: Where do you work?\n\nJean: At the pit.\n")})
    try:
        label = code(p, "a", "aspiration", "Jean: ", coder="ana")
        question = code(p, "a", "aspiration", "Where do you work?", coder="ben")
        pit = code(p, "a", "aspiration", "the pit", coder="ana")
        across = code(p, "a", "aspiration", "work?", end_phrase="At", coder="ben")
    finally:
        p.close()
    out = tmp_path / "segs.csv"
    run("-C", tmp_path / "c", "export", "segments", "-o", out)
    df = pd.read_csv(out, keep_default_na=False, dtype=str)
    got = dict(zip(df.coding_id.astype(int), df.counted))
    assert got == {label: "false", question: "false", pit: "true", across: "true"}
    side = (tmp_path / "segs.json").read_text(encoding="utf-8")
    assert "at least one analysed word" in side
    # --exclude-interviewer leaves out exactly the two that do not count
    run("-C", tmp_path / "c", "export", "segments", "-o", out, "--exclude-interviewer")
    df = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert sorted(df.coding_id.astype(int)) == sorted([pit, across])
