"""Exports: exact CSV bytes through the CLI, determinism, round trips, XLSX, quote matrix, sidecar.

Counts come from the hand-counted project of test_crosstab.py (its docstring has the words)."""

from __future__ import annotations

import json
import sqlite3

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from fieldcode.analysis import segments
from fieldcode.cli import app
from fieldcode.analysis.export import quotes_markdown, segments_csv

from test_analysis_fixtures import attrs, code, make_project
from test_crosstab import proj  # noqa: F401

runner = CliRunner()


def run(*args):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r


# housing:    segments 3 1 0, interviews 2 1 0, words 11 4 0, per 1000 = 11/22, 4/9, 0/5
# leadership: segments 1 1 0, interviews 1 1 0, words  6 3 0, per 1000 =  6/22, 3/9, 0/5
# housing in P1/improving: c1 and c2 overlap (one passage) + c7 = 2 segments
EXPECTED_LONG = """\
code,label,code_path,rollup,pair,arm,unit,value,interviews_in_group,words_in_group,value_missing
housing,Housing,place/housing,no,P1,improving,segments,2,2,22,
housing,Housing,place/housing,no,P1,improving,interviews,2,2,22,
housing,Housing,place/housing,no,P1,improving,words,11,2,22,
housing,Housing,place/housing,no,P1,improving,per1000,500.000,2,22,
housing,Housing,place/housing,no,P1,lagging,segments,1,1,9,
housing,Housing,place/housing,no,P1,lagging,interviews,1,1,9,
housing,Housing,place/housing,no,P1,lagging,words,4,1,9,
housing,Housing,place/housing,no,P1,lagging,per1000,444.444,1,9,
housing,Housing,place/housing,no,P2,improving,segments,0,1,5,
housing,Housing,place/housing,no,P2,improving,interviews,0,1,5,
housing,Housing,place/housing,no,P2,improving,words,0,1,5,
housing,Housing,place/housing,no,P2,improving,per1000,0.000,1,5,
leadership,Leadership,leadership,no,P1,improving,segments,1,2,22,
leadership,Leadership,leadership,no,P1,improving,interviews,1,2,22,
leadership,Leadership,leadership,no,P1,improving,words,6,2,22,
leadership,Leadership,leadership,no,P1,improving,per1000,272.727,2,22,
leadership,Leadership,leadership,no,P1,lagging,segments,1,1,9,
leadership,Leadership,leadership,no,P1,lagging,interviews,1,1,9,
leadership,Leadership,leadership,no,P1,lagging,words,3,1,9,
leadership,Leadership,leadership,no,P1,lagging,per1000,333.333,1,9,
leadership,Leadership,leadership,no,P2,improving,segments,0,1,5,
leadership,Leadership,leadership,no,P2,improving,interviews,0,1,5,
leadership,Leadership,leadership,no,P2,improving,words,0,1,5,
leadership,Leadership,leadership,no,P2,improving,per1000,0.000,1,5,
"""

EXPECTED_WIDE = """\
code,label,code_path,unit,P1 / improving,P1 / lagging,P2 / improving
housing,Housing,place/housing,segments,2,1,0
housing,Housing,place/housing,interviews,2,1,0
housing,Housing,place/housing,words,11,4,0
housing,Housing,place/housing,per1000,500.000,444.444,0.000
leadership,Leadership,leadership,segments,1,1,0
leadership,Leadership,leadership,interviews,1,1,0
leadership,Leadership,leadership,words,6,3,0
leadership,Leadership,leadership,per1000,272.727,333.333,0.000
(denominator),interviews in group,,interviews,2,1,1
(denominator),analysed words in group,,words,22,9,5
"""


def test_export_counts_exact_bytes_and_deterministic(proj, tmp_path):  # noqa: F811
    out = tmp_path / "res" / "counts.csv"
    run("-C", proj.root, "export", "counts", "-o", out, "--codes", "housing,leadership")
    assert out.read_bytes() == EXPECTED_LONG.encode()
    assert (tmp_path / "res" / "counts_wide.csv").read_bytes() == EXPECTED_WIDE.encode()
    first = out.read_bytes(), (tmp_path / "res" / "counts_wide.csv").read_bytes()
    run("-C", proj.root, "export", "counts", "-o", out, "--codes", "housing,leadership")
    assert (out.read_bytes(), (tmp_path / "res" / "counts_wide.csv").read_bytes()) == first
    side = json.loads((tmp_path / "res" / "counts.json").read_text())
    assert side["tool"] == "fieldcode" and side["export"] == "counts"
    # the codebook file's hash as sha256sum prints it, and the content version beside it
    import hashlib
    assert side["codebook"]["sha256"] == hashlib.sha256((proj.root / "codebook.yaml").read_bytes()).hexdigest()
    assert side["codebook"]["content_version"] == proj.codebook.hash
    assert side["command"] == f"fieldcode -C {proj.root} export counts -o {out} --codes housing,leadership"
    # c6 ("housing" in the interviewer's question) is the one coding the interviewer rule leaves out
    assert side["codings_covering_no_analysed_word"] == 1
    from fieldcode.text import ANALYSED_TEXT_RULE

    assert side["analysed_text"] == ANALYSED_TEXT_RULE
    assert "a passage is counted once however many coders coded it" in side["coder_pooling"]
    # codings per coder: ana c1 c2 c3 c4 c6 c7 c9 = 7, ben c5 c8 = 2
    assert side["codings_per_coder"] == {"ana": 7, "ben": 2}
    trans = {t["name"]: t for t in side["transcripts"]}
    i1 = proj.store.interview("i1.md")
    assert trans["i1.md"]["sha256"] == hashlib.sha256(i1.text.encode("utf-8")).hexdigest()
    assert trans["i1.md"]["interviewer_labels"] == ["Interviewer"]
    assert (trans["i1.md"]["turns"], trans["i1.md"]["interviewer_turns"]) == (4, 2)
    assert side["coders_in_data"] == ["ana", "ben"] and side["coders_included"] == "all"
    assert side["interviewer_turns"] == "left out"
    assert set(side["units"]) >= {"segments", "interviews", "words", "per1000", "analysed words"}
    assert side["codes"] == ["housing", "leadership"] and side["created_at"]
    # the long form reads back with its denominators
    df = pd.read_csv(out)
    row = df[(df.code == "housing") & (df.arm == "lagging") & (df.unit == "words")].iloc[0]
    assert (row.value, row.interviews_in_group, row.words_in_group) == (4, 1, 9)


def test_export_counts_filters_and_full_table(proj, tmp_path):  # noqa: F811
    out = tmp_path / "c.csv"
    run("-C", proj.root, "export", "counts", "-o", out, "--coder", "ben", "--role", "resident", "--by", "arm",
        "--rollup", "--include-interviewer")
    df = pd.read_csv(out, keep_default_na=False)
    # 5 rows (place and housing rolled up) x 2 arms x 4 units
    assert len(df) == 40
    # residents: improving I1 + I4 = 24 + 10 words with interviewer turns, lagging I3 = 16
    assert sorted(set(zip(df.arm, df.words_in_group))) == [("improving", 34), ("lagging", 16)]
    # ben: c5 (leadership, I1) and c8 (housing, I3); place (incl. children) in lagging = c8's 4 words
    r = df[(df.code == "place") & (df.arm == "lagging") & (df.unit == "words")].iloc[0]
    assert (r.label, r.rollup, r.value) == ("Place (incl. children)", "yes", 4)
    side = json.loads((tmp_path / "c.json").read_text())
    assert side["filters"] == {"role": ["resident"]} and side["coders_included"] == ["ben"]
    assert side["interviewer_turns"] == "included" and side["rollup"] is True


TRICKY = 'He said, "no way",\nthen left; 50% = "sure"'


@pytest.fixture
def tricky(tmp_path):
    body = (f"Interviewer: Hello?\n\nEd: {TRICKY}\n\nInterviewer: And?\n\nEd: =SUM(A1) is a formula.\n")
    p = make_project(tmp_path / "t", {"e1": (attrs("P1", "improving"), body),
                                      "e2": (attrs("P1", "lagging", role="agency"), body)})
    code(p, "e1", "leadership", TRICKY, memo='memo, with "quotes"\nand a newline')
    code(p, "e1", "aspiration", "=SUM(A1)", memo="=1+1")
    code(p, "e2", "leadership", "then left", coder="ben")
    yield p
    p.close()


def test_segments_csv_round_trip_and_xlsx(tricky, tmp_path):
    out = tmp_path / "x" / "segs.csv"
    run("-C", tricky.root, "export", "segments", "-o", out)
    df = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert list(df.columns) == ["coding_id", "interview", "pair", "neighbourhood", "arm", "role", "speaker", "coder",
                                "code_key", "code_path", "code_name", "start", "end", "text", "memo", "counted",
                                "made_blind", "codebook_version", "definition_hash"]
    # the coding protocol's columns, as plain SQL reads the database file (a study that is not
    # blind: every coding made seeing, pinned to the codebook version recorded at import)
    con = sqlite3.connect(tricky.root / "fieldcode.db")
    want = {str(i): ("true" if b else "false", cb, dh) for i, b, cb, dh in
            con.execute("SELECT id, blind, codebook_hash, definition_hash FROM coding")}
    con.close()
    assert {w[0] for w in want.values()} == {"false"} and all(len(w[1]) == len(w[2]) == 64 for w in want.values())
    assert {i: (b, cb, dh) for i, b, cb, dh in zip(df.coding_id, df.made_blind, df.codebook_version,
                                                     df.definition_hash)} == want
    # codebook order: leadership (e1, e2), aspiration
    assert df.code_key.tolist() == ["leadership", "leadership", "aspiration"]
    # formula-like cells are neutralised by default (a spreadsheet would run them) ...
    assert df.text.tolist() == [TRICKY, "then left", "'=SUM(A1)"]
    assert df.memo.tolist() == ['memo, with "quotes"\nand a newline', "", "'=1+1"]
    # ... and kept exactly with --exact-text, which the sidecar records
    exact = tmp_path / "x" / "exact.csv"
    run("-C", tricky.root, "export", "segments", "-o", exact, "--exact-text")
    dfe = pd.read_csv(exact, keep_default_na=False, dtype=str)
    assert dfe.text.tolist() == [TRICKY, "then left", "=SUM(A1)"] and dfe.memo.tolist()[2] == "=1+1"
    assert json.loads(exact.with_suffix(".json").read_text())["csv_text"].startswith("exact:")
    assert df.speaker.tolist() == ["Ed", "Ed", "Ed"]
    assert df.role.tolist() == ["resident", "agency", "resident"]
    text = tricky.store.interview("e1").text
    assert df.start.tolist()[0] == str(text.index(TRICKY))
    again = tmp_path / "x" / "again.csv"
    run("-C", tricky.root, "export", "segments", "-o", again)
    assert again.read_bytes() == out.read_bytes()
    wb = openpyxl.load_workbook(out.with_suffix(".xlsx"))
    ws = wb["segments"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == list(df.columns)
    assert values[1][13] == TRICKY and values[3][13] == "=SUM(A1)" and values[3][14] == "=1+1"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["export"] == "segments" and side["segments"] == 3 and side["files"] == ["segs.csv", "segs.xlsx"]
    assert side["csv_text"].startswith("formula-like cells neutralised")


def test_segments_csv_function_filters(tricky):
    only_ben = segments_csv(segments(tricky.store, coders=["ben"]))
    con = sqlite3.connect(tricky.root / "fieldcode.db")
    (cb, dh), = con.execute("SELECT codebook_hash, definition_hash FROM coding WHERE coder = 'ben'").fetchall()
    con.close()
    assert only_ben.count("\n") == 2 and only_ben.endswith(f",then left,,true,false,{cb},{dh}\n")


def test_quotes_matrix(tricky, tmp_path):
    out = tmp_path / "q.md"
    run("-C", tricky.root, "export", "quotes", "-o", out)
    md = out.read_text()
    assert "## Leadership (`leadership`)" in md
    assert "| improving (P1-improving) | lagging (P1-lagging) |" in md
    # the newline inside the quote becomes " / " so the table row stays one line
    assert ('| \u201cHe said, "no way", / then left; 50% = "sure"\u201d \u2014 e1.md, Ed, coder ana | '
            '\u201cthen left\u201d \u2014 e2.md, Ed, coder ben |') in md
    assert "## Aspiration (`aspiration`)" in md
    assert "| \u201c=SUM(A1)\u201d \u2014 e1.md, Ed, coder ana | (none) |" in md
    assert json.loads(out.with_suffix(".json").read_text())["export"] == "quotes"


def test_quotes_matrix_limits_and_pipes():
    from fieldcode.analysis import Segment

    def seg(i, arm, text):
        return Segment(i, 1, f"iv{i}", {"pair": "P", "arm": arm}, "k", "K", "k", "ana", 0, 1, None, text, "", "", "")

    segs = [seg(1, "improving", "a | b"), seg(2, "improving", "c"), seg(3, "improving", "d"), seg(4, "lagging", "e")]
    md = quotes_markdown(segs, arms=("improving", "lagging"), max_quotes=2)
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert rows == [
        "| improving | lagging |",
        "| \u201ca \\| b\u201d \u2014 iv1, coder ana | \u201ce\u201d \u2014 iv4, coder ana |",
        "| \u201cc\u201d \u2014 iv2, coder ana |  |",
        "| and 1 more |  |",
    ]


def test_group_without_analysed_words_has_an_empty_per1000_cell(tmp_path):
    from fieldcode.analysis import crosstab
    from fieldcode.analysis.export import counts_long_csv

    # P9/lagging holds only interviewer speech: 0 analysed words, so per 1,000 is undefined
    p = make_project(tmp_path / "nan", {
        "q1": (attrs("P9", "improving"), "Interviewer: Hi?\n\nZoe: Hello you.\n\nInterviewer: Ok.\n\nZoe: Bye.\n"),
        "q2": (attrs("P9", "lagging"), "Interviewer: Hello there.\n\nInterviewer: Anyone home?\n"),
    })
    code(p, "q1", "aspiration", "Hello you")
    ct = crosstab(p.store, unit="all", codes=["aspiration"])
    assert ct.group_words.tolist() == [3, 0]           # "Hello you" + "Bye"; nothing in q2
    lines = counts_long_csv(ct, units=["per1000"]).splitlines()
    assert lines[1:] == [
        "aspiration,Aspiration,aspiration,no,P9,improving,per1000,666.667,1,3,",   # 1000 * 2 / 3
        "aspiration,Aspiration,aspiration,no,P9,lagging,per1000,,1,0,no analysed words in the group",
    ]
    assert ct.display("per1000")[1] == [["Aspiration", "666.7", "\u2014"]]
    p.close()


def test_export_comparison_exact_bytes(tmp_path):
    # Three pairs where improving codes 2 of 10 words as housing and lagging 1 of 10; P4 ties at 0.
    body = "alpha beta gamma delta epsilon zeta eta theta iota kappa.\n"
    ivs = {f"{p}-{a}": (attrs(p, a), body) for p in ("P1", "P2", "P4") for a in ("improving", "lagging")}
    p = make_project(tmp_path / "cmp", ivs)
    for pr in ("P1", "P2"):
        code(p, f"{pr}-improving", "housing", "alpha beta")
        code(p, f"{pr}-lagging", "housing", "alpha")
    p.close()
    out = tmp_path / "o" / "comparison.csv"
    run("-C", tmp_path / "cmp", "export", "comparison", "-o", out, "--codes", "housing")
    # per 1000: 1000 * 2 / 10 = 200, 1000 * 1 / 10 = 100; each arm 1 interview, 10 words
    assert out.read_text() == (
        "code,label,code_path,pair,unit,focal_arm,focal_value,comparison_arm,comparison_value,difference,"
        "focal_interviews,focal_words,comparison_interviews,comparison_words,counted_as\n"
        "housing,Housing,place/housing,P1,per1000,improving,200.000,lagging,100.000,100.000,1,10,1,10,higher\n"
        "housing,Housing,place/housing,P2,per1000,improving,200.000,lagging,100.000,100.000,1,10,1,10,higher\n"
        "housing,Housing,place/housing,P4,per1000,improving,0.000,lagging,0.000,0.000,1,10,1,10,tie\n")
    # 2 of 2 non-tied pairs higher: p = 2 * (1/2)^2 = 0.5
    assert (tmp_path / "o" / "comparison_summary.csv").read_text() == (
        "code,label,code_path,unit,pairs,focal_higher,focal_lower,ties,sign_test_p,sign_test_missing,"
        "untied_pairs,min_p,min_p_missing,alpha,min_p_above_alpha\n"
        # 2 untied pairs: the smallest p is 2 x 0.5^2 = 0.5, above alpha 0.05
        "housing,Housing,place/housing,per1000,3,2,0,1,0.500000,,2,0.500000,,0.05,true\n")
    side = json.loads((tmp_path / "o" / "comparison.json").read_text())
    assert side["pairs_compared"] == ["P1", "P2", "P4"] and side["balance_warnings"] == []
    assert "descriptive" in side["sign_test"]
