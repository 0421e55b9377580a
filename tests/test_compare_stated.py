"""The paired comparison stated fully (issue 24 point 4): per theme, how many pairs point each
way (k of n, ties apart), the exact sign test's p and the smallest p the number of pairs allows,
a warning when that smallest p is above the reader's threshold (--alpha), and, by coder, each
coder's result beside the pooled one and the consensus coder's, with whether the coders'
directions agree.

Every expected p is worked out here: by a binomial sum written in this file, by
scipy.stats.binomtest as a second method, and the smallest p by hand (2 x 0.5^n)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from scipy.stats import binomtest
from typer.testing import CliRunner

from fieldcode.analysis.paired import DEFAULT_ALPHA, compare, min_p, min_p_warnings, sign_test
from fieldcode.analysis.paired_coders import compare_by_coder, consensus_coders
from fieldcode.cli import app
from fieldcode.errors import InvalidInput
from fieldcode.store import write_consensus
from test_analysis_fixtures import attrs, code, make_project

runner = CliRunner()
ARMS = ("improving", "lagging")


# --- the sign test and its smallest p ----------------------------------------------------------

def own_two_sided(k: int, n: int) -> float:
    """Two-sided exact binomial p (p = 1/2) as the sum of the probabilities of every outcome no
    more likely than the one observed: a different route from fieldcode's doubled tail."""
    pmf = [math.comb(n, i) / 2 ** n for i in range(n + 1)]
    return min(1.0, sum(q for q in pmf if q <= pmf[k] * (1 + 1e-12)))


@pytest.mark.parametrize("n", range(1, 11))
def test_sign_test_equals_an_own_binomial_sum_and_scipy(n):
    for higher in range(n + 1):
        lower = n - higher
        got = sign_test(higher, lower)
        assert got == pytest.approx(own_two_sided(higher, n), abs=1e-12), (higher, lower)
        assert got == pytest.approx(binomtest(higher, n, 0.5).pvalue, abs=1e-12), (higher, lower)


# 2 x 0.5^n by hand, capped at 1: n = 1 -> 1 (2 x 0.5 = 1), 2 -> 0.5, 3 -> 0.25, ...
@pytest.mark.parametrize("n, expected", [(1, 1.0), (2, 0.5), (3, 0.25), (4, 0.125), (5, 0.0625), (6, 0.03125)])
def test_the_smallest_p_n_pairs_allow(n, expected):
    assert min_p(n) == expected
    # it is the p of n pairs all one way, and no split of n pairs goes below it
    assert sign_test(n, 0) == sign_test(0, n) == expected
    assert min(sign_test(k, n - k) for k in range(n + 1)) == expected
    assert binomtest(n, n, 0.5).pvalue == pytest.approx(expected, abs=1e-15)


def test_no_untied_pair_has_no_smallest_p():
    assert min_p(0) is None


def test_the_warning_when_the_pairs_cannot_reach_alpha():
    (w,) = min_p_warnings([], 5, 0.05)           # 2 x 0.5^5 = 0.0625 > 0.05
    assert "with 5 pair(s)" in w and "cannot give a p below 0.0625" in w and "alpha = 0.05" in w
    (w,) = min_p_warnings([], 3, 0.05)
    assert "cannot give a p below 0.25" in w
    assert min_p_warnings([], 6, 0.05) == []     # 0.03125 <= 0.05
    assert min_p_warnings([], 5, 0.1) == []      # 0.0625 <= 0.1
    assert min_p_warnings([], 0, 0.05) == []     # nothing compared


# --- a study where two coders disagree on one theme's direction ---------------------------------

def body() -> str:
    """A participant turn of exactly 100 analysed words, w00 ... w99 (the interviewer's turn and
    the speaker label are not analysed)."""
    return "Interviewer: Go on.\n\nAnn: " + " ".join(f"w{i:02d}" for i in range(100)) + ".\n"


def words(first: int, n: int) -> str:
    return " ".join(f"w{i:02d}" for i in range(first, first + n))


# coded words per interview (each interview has 100 analysed words, so per 1,000 = 10 x words).
# ana codes from w10, ben from w50, the consensus coder from w80: never overlapping, so the
# pooled coded words are ana's plus ben's.
#                 pair: (improving, lagging)
ASPIRATION = {"ana": {"P1": (4, 1), "P2": (4, 1), "P3": (4, 1), "P4": (4, 1)},     # 4 higher
              "ben": {"P1": (1, 2), "P2": (1, 2), "P3": (1, 2), "P4": (2, 2)}}     # 3 lower, 1 tie
HOUSING = {c: {"P1": (2, 1), "P2": (2, 1), "P3": (1, 2), "P4": (0, 0)} for c in ("ana", "ben")}
CONSENSUS_ASPIRATION = {"P1": (2, 1), "P2": (2, 1)}                                 # P3, P4 nothing
START = {"ana": 10, "ben": 50}


def build(tmp_path, db=None, consensus=True):
    ivs = {f"{pr}-{arm}": (attrs(pr, arm), body()) for pr in ("P1", "P2", "P3", "P4") for arm in ARMS}
    p = make_project(tmp_path, ivs, db=db)
    for key, plan in (("aspiration", ASPIRATION), ("housing", HOUSING)):
        for coder, pairs in plan.items():
            # housing after aspiration's words: ana w20.., ben w60..
            first = START[coder] + (10 if key == "housing" else 0)
            for pr, counts in pairs.items():
                for arm, n in zip(ARMS, counts):
                    if n:
                        code(p, f"{pr}-{arm}", key, words(first, n), coder=coder)
    if consensus:
        cid = p.store.code("aspiration").id
        rows = []
        for pr, counts in CONSENSUS_ASPIRATION.items():
            for arm, n in zip(ARMS, counts):
                iv = p.store.interview(f"{pr}-{arm}")
                a = iv.text.index(words(80, n))
                rows.append({"interview_id": iv.id, "code_id": cid, "start": a, "end": a + len(words(80, n)),
                             "memo": "", "sources": []})
        write_consensus(p.store, coder="cons", rows=rows, decision={"decision": "agreed", "written": len(rows)})
    return p


@pytest.fixture
def study(tmp_path):
    p = build(tmp_path / "s")
    yield p
    p.close()


def summary(th):
    return th.higher, th.lower, th.ties, th.p_value, th.min_p


def test_the_fixture_is_what_the_hand_counts_assume(study):
    cmp = compare(study.store, arms=ARMS, coders=["ana"])
    assert cmp.pairs == ["P1", "P2", "P3", "P4"]
    assert all(s.words == 100 and s.interviews == 1 for pr in cmp.sizes.values() for s in pr.values())
    asp = next(t for t in cmp.themes if t.row.key == "aspiration")
    assert [(v.focal, v.comparison) for v in asp.pairs] == [(40.0, 10.0)] * 4


def test_by_coder_each_coder_beside_the_pooled_and_the_consensus(db_url, tmp_path):
    p = build(tmp_path / "s", db=db_url)
    try:
        assert consensus_coders(p.store) == ["cons"]
        bc = compare_by_coder(p.store, arms=ARMS)
        assert list(bc.coders) == ["ana", "ben"] and list(bc.consensus) == ["cons"]
        th = {t.key: t for t in bc.themes}
        asp, hou = th["aspiration"], th["housing"]
        # ana 4 of 4 higher: p = 2 x 0.5^4 = 0.125; ben 0 of 3 (3 lower, P4 tied): p = 2 x 0.5^3 = 0.25
        assert summary(asp.coders["ana"]) == (4, 0, 0, 0.125, 0.125)
        assert summary(asp.coders["ben"]) == (0, 3, 1, 0.25, 0.25)
        # pooled words: P1-P3 improving 4 + 1 = 5, lagging 1 + 2 = 3; P4 4 + 2 = 6 vs 1 + 2 = 3: all higher
        assert summary(asp.pooled) == (4, 0, 0, 0.125, 0.125)
        assert [(v.focal, v.comparison) for v in asp.pooled.pairs] == [(50.0, 30.0)] * 3 + [(60.0, 30.0)]
        # the consensus coder: P1, P2 2 vs 1 higher; P3, P4 nothing (ties): 2 of 2, p = 2 x 0.25 = 0.5
        assert summary(asp.consensus["cons"]) == (2, 0, 2, 0.5, 0.5)
        assert asp.agreement == "differ" and asp.agreement_text == "differ: ana higher, ben lower"
        # housing: both coders 2 higher, 1 lower, 1 tie; p = P(X<=1 | n=3) x 2 = 2 x 4/8 = 1
        for c in ("ana", "ben"):
            assert summary(hou.coders[c]) == (2, 1, 1, 1.0, 0.25)
        assert summary(hou.pooled) == (2, 1, 1, 1.0, 0.25)
        assert hou.agreement == "agree" and hou.agreement_text == "agree: improving higher"
        assert hou.consensus["cons"].untied == 0      # the consensus coder coded no housing
        assert th["leadership"].agreement == "no difference"
    finally:
        p.close()


def test_by_coder_refuses_one_coder_and_an_unknown_one(study):
    with pytest.raises(InvalidInput, match="two or more coders"):
        compare_by_coder(study.store, arms=ARMS, coders=["ana"])
    with pytest.raises(InvalidInput, match="coder 'zoe' has no codings"):
        compare_by_coder(study.store, arms=ARMS, coders=["ana", "zoe"])


def test_no_consensus_coder_no_consensus_column(tmp_path):
    p = build(tmp_path / "s", consensus=False)
    try:
        assert consensus_coders(p.store) == []
        assert compare_by_coder(p.store, arms=ARMS).consensus == {}
    finally:
        p.close()


# --- the CLI ------------------------------------------------------------------------------------

def run(*args, code=0):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r


def test_compare_states_k_of_n_the_smallest_p_and_warns(study):
    r = run("-C", study.root, "compare", "--codes", "aspiration,housing")
    out = " ".join(r.stdout.split())
    assert "higher (k of n)" in r.stdout and "smallest p" in r.stdout
    # housing pooled: 2 of 3 with 1 tied, 1 lower, p 1.000, smallest p with 3 untied pairs 0.25
    assert "2 of 3 (1 tied)" in r.stdout
    # 4 pairs: 2 x 0.5^4 = 0.125 > 0.05
    assert ("Warning: with 4 pair(s) the exact two-sided sign test cannot give a p below 0.125 (2 x 0.5^4), "
            "which is above the threshold alpha = 0.05") in out
    assert "the smallest p it allows is 0.125; alpha = 0.05" in out
    assert "Traceback" not in r.output


def test_alpha_option_moves_the_warning_to_the_themes_whose_ties_keep_them_above_it(study):
    r = run("-C", study.root, "compare", "--codes", "aspiration,housing", "--alpha", "0.2")
    out = " ".join(r.stdout.split())
    assert "cannot give a p below" not in out                  # 0.125 <= 0.2
    # pooled housing has 3 untied pairs: smallest p 0.25 > 0.2; aspiration 4: 0.125 <= 0.2
    assert "1 theme(s) have so many tied pairs that the sign test cannot reach alpha = 0.2" in out
    assert "(their smallest p is above it): Housing" in out and "Aspiration" not in out.split("Warning:")[1]


@pytest.mark.parametrize("bad", ["0", "1", "1.5", "-0.1"])
def test_a_bad_alpha_is_refused_clearly(study, bad):
    r = runner.invoke(app, ["-C", str(study.root), "compare", "--alpha", bad])
    assert r.exit_code != 0
    assert "--alpha must be a number between 0 and 1" in r.output and "Traceback" not in r.output


def test_by_coder_with_one_coder_is_refused_clearly(study):
    r = runner.invoke(app, ["-C", str(study.root), "compare", "--by-coder", "--coder", "ana"])
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "needs two or more coders" in r.output and "--coder A --coder B" in r.output


def test_a_coder_without_pairs_that_differ_reads_as_no_difference():
    from fieldcode.analysis.paired_coders import agreement

    assert agreement({"ana": "higher", "ben": "none"}, "improving") == (
        "differ", "differ: ana higher, ben no difference")
    assert agreement({"ana": "even", "ben": "none"}, "improving") == (
        "no difference", "no direction: no coder's pairs lean one way")
    assert agreement({"ana": "even", "ben": "higher"}, "improving")[0] == "differ"
    assert agreement({"ana": "lower", "ben": "lower"}, "improving") == ("agree", "agree: improving lower")


def test_compare_by_coder_table(study):
    r = run("-C", study.root, "compare", "--codes", "aspiration,housing", "--by-coder")
    assert "By coder" in r.stdout and "(consensus)" in r.stdout and "cons" in r.stdout
    assert "differ: ana higher, ben lower" in r.stdout
    assert "agree: improving higher" in r.stdout
    assert "0 of 3 (1 tied)" in r.stdout and "p 0.125" in r.stdout and "p 0.500" in r.stdout


def test_export_comparison_by_coder_csv_and_sidecar(study, tmp_path):
    out = tmp_path / "res" / "cmp.csv"
    r = run("-C", study.root, "export", "comparison", "-o", out, "--codes", "aspiration,housing", "--by-coder")
    assert "warning:" in r.output
    s = pd.read_csv(out.with_name("cmp_summary.csv"))
    for col in ("pairs", "focal_higher", "focal_lower", "ties", "untied_pairs", "sign_test_p", "min_p", "alpha"):
        assert pd.api.types.is_numeric_dtype(s[col]), col
    row = s.set_index("code").loc["housing"]
    assert (row.untied_pairs, row.min_p, row.alpha, bool(row.min_p_above_alpha)) == (3, 0.25, 0.05, True)
    bc = pd.read_csv(out.with_name("cmp_by_coder.csv"), keep_default_na=False, dtype=str)
    asp = bc[bc.code == "aspiration"].set_index("coder")
    assert list(asp.index) == ["ana+ben", "ana", "ben", "cons"]
    assert list(asp.result) == ["pooled", "coder", "coder", "consensus"]
    assert (asp.loc["ben", "focal_higher"], asp.loc["ben", "focal_lower"], asp.loc["ben", "ties"]) == ("0", "3", "1")
    assert float(asp.loc["ben", "sign_test_p"]) == 0.25 and float(asp.loc["ana", "sign_test_p"]) == 0.125
    assert float(asp.loc["cons", "min_p"]) == 0.5 and set(asp.coders_agree) == {"differ"}
    # an empty number has its reason beside it: the consensus coder coded no housing
    hc = bc[(bc.code == "housing") & (bc.coder == "cons")].iloc[0]
    assert hc.sign_test_p == "" and hc.sign_test_missing and hc.min_p == "" and hc.min_p_missing
    num = pd.read_csv(out.with_name("cmp_by_coder.csv"))
    for col in ("focal_higher", "focal_lower", "ties", "untied_pairs", "sign_test_p", "min_p"):
        assert pd.api.types.is_numeric_dtype(num[col]), col
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["alpha"] == DEFAULT_ALPHA and side["min_p"]["smallest_p"] == 0.125 and side["min_p"]["pairs"] == 4
    assert "cannot give a p below 0.125" in side["min_p_warnings"][0]
    assert side["by_coder"]["coders"] == ["ana", "ben"] and side["by_coder"]["consensus_coders"] == ["cons"]


def test_the_bundled_study_three_pairs_cannot_go_below_a_quarter(bundled_coded, tmp_path):
    from conftest import copy_study

    root = copy_study(bundled_coded, tmp_path / "b")
    r = run("-C", root, "compare", "--by-coder")
    out = " ".join(r.stdout.split())
    assert "with 3 pair(s) the exact two-sided sign test cannot give a p below 0.25 (2 x 0.5^3)" in out
    assert "pooled" in r.stdout and "ana" in r.stdout and "ben" in r.stdout
