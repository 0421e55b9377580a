"""Intercoder agreement, worked out by hand (every expected value is derived in the comments,
never copied from fieldcode's output)."""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest

from agreement_helpers import code, make_store
from fieldcode.errors import InvalidInput
from fieldcode.team.reliability import ALL, ALL_CODES, agreement, agreement_csv


def row(res, key):
    return next(r for r in res.rows if r.key == key)


def close(x, y):
    return math.isclose(x, float(y), rel_tol=0, abs_tol=1e-12)


# --- the issue's example: 1,000 characters, 100 coded by each coder, 50 of them the same ----------

TEXT_1000 = "abcdefghi " * 100


@pytest.fixture
def thousand(db_url, tmp_path):
    s = make_store(db_url, tmp_path, [{"name": "t", "text": TEXT_1000, "attributes": {"arm": "improving"}}])
    code(s, "t", "k1", 0, 100, "ana")
    code(s, "t", "k1", 50, 150, "ben")
    yield s
    s.close()


def test_issue_example_chars(thousand):
    assert len(TEXT_1000) == 1000
    res = agreement(thousand, unit="char")
    assert res.coders == ["ana", "ben"]
    k1 = row(res, "k1").everyone[ALL]
    # n11 = 50, n10 = n01 = 50, n00 = 850
    assert k1.units == 1000 and k1.coded == 150
    assert close(k1.observed, F(900, 1000))
    # pe = 0.1 * 0.1 + 0.9 * 0.9 = 0.82; kappa = (0.90 - 0.82) / (1 - 0.82) = 4/9
    assert close(k1.kappa, F(4, 9))
    # positive agreement 2*50 / (2*50 + 50 + 50) = 1/2
    assert close(k1.positive, F(1, 2))
    # coincidences o11 = 100, o01 = 100, o00 = 1700; n = 2000, n1 = 200, n0 = 1800:
    # alpha = 1 - 1999 * 100 / (1800 * 200) = 1601/3600
    assert close(k1.alpha, F(1601, 3600))
    # nobody used k2: observed 1, the rest undefined
    k2 = row(res, "k2").everyone[ALL]
    assert close(k2.observed, 1) and k2.coded == 0
    assert all(math.isnan(x) for x in (k2.positive, k2.kappa, k2.alpha))
    # pooled over k1, k2, k3: o00 = 1700 + 2000 + 2000, o11 = 100, o01 = 100, n = 6000
    # alpha = 1 - 5999 * 100 / (5800 * 200); kappa from the summed 2x2 table: n = 3000,
    # n_a = n_b = 100, n_ab = 50: po = 2900/3000, pe = (100^2 + 2900^2) / 3000^2 -> 14/29
    tot = row(res, ALL_CODES).everyone[ALL]
    assert close(tot.observed, F(5800, 6000))
    assert close(tot.positive, F(1, 2))
    assert close(tot.alpha, 1 - F(5999 * 100, 5800 * 200))
    assert close(tot.kappa, F(14, 29))


def test_issue_example_csv_has_every_measure(thousand):
    res = agreement(thousand, unit="char", codes=["k1"])
    lines = agreement_csv(res).splitlines()
    assert lines[0].startswith("code,label,code_path,group_by,group,coders,unit,units,coded_units,observed_agreement,"
                               "positive_agreement,cohen_kappa,krippendorff_alpha,weak,coded_units_by_coder,units_are,"
                               "missing_reason,gwet_ac1,brennan_prediger,pabak,prevalence_index,bias_index,fleiss_kappa,")
    k1 = lines[1].split(",")
    assert k1[:9] == ["k1", "One", "k1", "", ALL, "ana+ben", "char", "1000", "150"]
    assert [float(x) for x in k1[9:13]] == pytest.approx([0.9, 0.5, 4 / 9, 1601 / 3600], abs=1e-12)
    assert k1[13] == "weak"
    # ana coded characters 0-99, ben 50-149: 100 each
    assert k1[14:17] == ["ana=100;ben=100", "units", ""]
    # 2x2: a = 50 both, b = c = 50 one only, d = 850 neither.  PABAK = 2*0.9 - 1 = 0.8 = BP;
    # PI = |50 - 850|/1000 = 0.8, BI = 0; AC1: pi = 200/2000 = 0.1, pe = 2*0.1*0.9 = 0.18,
    # (0.9 - 0.18)/0.82 = 0.72/0.82; Fleiss: two coders, empty; no intervals without --ci
    assert [float(x) for x in k1[17:22]] == pytest.approx([0.72 / 0.82, 0.8, 0.8, 0.8, 0.0], abs=1e-12)
    assert k1[22:] == [""] * 16


# --- every unit, three coders, missing data, interviewer turns and labels left out --------------

X = ("Interviewer: Why?\n"
     "Jean: Because. It is good.\n"
     "Interviewer: And?\n"
     "Jean: Yes.\n")
Y = "One. Two."


def spans_of(text, *parts):
    out = []
    for p in parts:
        i = text.find(p)
        assert i >= 0 and text.count(p) == 1, p
        out.append((i, i + len(p)))
    return out


@pytest.fixture
def three(db_url, tmp_path):
    # X's sentences: the interviewer's two (left out), and "Jean: Because." which starts with a
    # label (only its analysed characters "Because." count), "It is good.", "Jean: Yes."
    xs = spans_of(X, "Why?", "Jean: Because.", "It is good.", "And?", "Jean: Yes.")
    ys = spans_of(Y, "One.", "Two.")
    s = make_store(db_url, tmp_path, [
        {"name": "x", "text": X, "labelled": True, "sentences": xs, "attributes": {"arm": "improving"}},
        {"name": "y", "text": Y, "sentences": ys, "attributes": {"arm": "lagging"}},
    ])

    def at(iv, text, part, key, coder):
        (a, b), = spans_of(text, part)
        code(s, iv, key, a, b, coder)

    at("x", X, "Because", "k1", "ana")
    at("x", X, "Because. It", "k1", "ben")
    at("x", X, "Why?", "k1", "cy")                   # in an interviewer turn: clipped away
    (a, _), = spans_of(X, "Jean: Because")
    code(s, "x", "k2", a, a + len("Jean: "), "cy")    # only the label: clipped to nothing
    at("y", Y, "One", "k1", "ana")
    at("y", Y, "Two", "k2", "ben")                    # cy never coded y: missing for cy
    yield s
    s.close()


def test_sentences_three_coders_missing_data(three):
    res = agreement(three, unit="sentence")
    assert res.coders == ["ana", "ben", "cy"]
    k1 = row(res, "k1")
    # units: x: S1 "Because." (ana 1, ben 1, cy 0), S2 "It is good." (0, 1, 0), S3 "Yes." (0, 0, 0);
    # y (cy missing): T1 "One." (ana 1, ben 0), T2 "Two." (0, 0).
    # coincidences (weight 1/(m-1)): S1 o11 += 1, o01 += 1; S2 o00 += 1, o01 += 1; S3 o00 += 3;
    # T1 o01 += 1; T2 o00 += 2.  o11 = 1, o00 = 6, o01 = 3, n = 13, n1 = 4, n0 = 9.
    e = k1.everyone[ALL]
    assert e.units == 5 and e.coded == 3
    assert close(e.observed, F(7, 13))
    assert close(e.positive, F(1, 4))
    assert close(e.alpha, 1 - F(12 * 3, 9 * 4))       # = 0
    assert math.isnan(e.kappa)                          # kappa is per pair
    # ana/ben: 5 units both coded; ana {S1, T1}, ben {S1, S2}: po = 3/5, pe = (2*2 + 3*3)/25
    ab = k1.pairs[("ana", "ben")][ALL]
    assert ab.units == 5
    assert close(ab.kappa, (F(3, 5) - F(13, 25)) / (1 - F(13, 25)))   # 1/6
    # ana/cy: only x (3 units): ana {S1}, cy {}: po = 2/3, pe = (0 + 2*3)/9 -> kappa 0
    ac = k1.pairs[("ana", "cy")][ALL]
    assert ac.units == 3 and close(ac.kappa, 0)
    # ben/cy: ben {S1, S2}: po = 1/3, pe = (0 + 1*3)/9 = 1/3 -> kappa 0
    assert close(k1.pairs[("ben", "cy")][ALL].kappa, 0)
    # k2: x all 0 (cy's label-only coding clipped away): o00 += 3 x 3; y: T1 o00 += 2, T2 o01 += 1
    # o00 = 11, o01 = 1, n = 13, n0 = 12, n1 = 1: alpha = 1 - 12 * 1 / (12 * 1) = 0; positive 0
    k2 = row(res, "k2").everyone[ALL]
    assert close(k2.alpha, 0) and close(k2.positive, 0) and close(k2.observed, F(11, 13))


def test_sentences_alpha_matches_krippendorff_package(three):
    krippendorff = pytest.importorskip("krippendorff")
    nan = float("nan")
    # the same judgements as in the test above, coders x units (S1 S2 S3 T1 T2)
    data = [[1, 0, 0, 1, 0], [1, 1, 0, 0, 0], [0, 0, 0, nan, nan]]
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    res = agreement(three, unit="sentence", codes=["k1"])
    assert math.isclose(row(res, "k1").everyone[ALL].alpha, expected, abs_tol=1e-12)


def test_turns_words_interviews(three):
    # turns: x has two participant turns (y has no speaker labels: no turns).
    # k1: turn 1: ana 1, ben 1, cy 0 -> o11 += 1, o01 += 1; turn 2: o00 += 3.
    # n = 6, n1 = 2, n0 = 4: alpha = 1 - 5 * 1 / (4 * 2) = 3/8
    t = row(agreement(three, unit="turn"), "k1").everyone[ALL]
    assert t.units == 2 and close(t.alpha, F(3, 8))
    # words: x: Because It is good Yes (5); y: One Two (2).  k1: ana {Because, One}, ben {Because, It}
    w = row(agreement(three, unit="word", coders=["ana", "ben"]), "k1").everyone[ALL]
    assert w.units == 7 and w.coded == 3
    # n11 = 1, n_a = 2, n_b = 2, n = 7: po = 5/7, pe = (4 + 25)/49
    assert close(w.kappa, (F(5, 7) - F(29, 49)) / (1 - F(29, 49)))
    # interviews (presence): x: ana 1, ben 1, cy 0 (cy's k1 coding is in an interviewer turn);
    # y: ana 1, ben 0.  o11 = 1, o01 = 1 + 1, o00 = 0; n = 5, n1 = 3, n0 = 2:
    # alpha = 1 - 4 * 2 / (2 * 3) = -1/3
    i = row(agreement(three, unit="interview"), "k1").everyone[ALL]
    assert i.units == 2 and close(i.alpha, F(-1, 3))


def test_interviewer_turns_included(three):
    # with interviewer turns, cy's "Why?" counts: sentence "Why?" (cy 1) becomes a unit
    res = agreement(three, unit="sentence", include_interviewer=True)
    e = row(res, "k1").everyone[ALL]
    # x now has 5 sentences; y 2 -> 7 units; coded: Why?, S1, S2, T1
    assert e.units == 7 and e.coded == 4


# --- edge cases -----------------------------------------------------------------------------------

def test_one_coder_is_an_error(db_url, tmp_path):
    s = make_store(db_url, tmp_path, [{"name": "t", "text": TEXT_1000}])
    code(s, "t", "k1", 0, 10, "ana")
    with pytest.raises(InvalidInput, match="two or more coders"):
        agreement(s, unit="char")
    with pytest.raises(InvalidInput, match="'zed' has no codings"):
        agreement(s, unit="char", coders=["ana", "zed"])
    code(s, "t", "k1", 0, 10, "ben")
    with pytest.raises(InvalidInput, match="unknown unit 'paragraph'"):
        agreement(s, unit="paragraph")
    s.close()


def test_perfect_agreement_and_no_variation(db_url, tmp_path):
    s = make_store(db_url, tmp_path, [{"name": "t", "text": TEXT_1000}])
    code(s, "t", "k1", 10, 20, "ana")
    code(s, "t", "k1", 10, 20, "ben")
    code(s, "t", "k2", 0, 1000, "ana")     # everyone coded every unit: no variation
    code(s, "t", "k2", 0, 1000, "ben")
    res = agreement(s, unit="char")
    k1 = row(res, "k1").everyone[ALL]
    assert (k1.observed, k1.positive, k1.kappa, k1.alpha) == (1.0, 1.0, 1.0, 1.0)
    k2 = row(res, "k2").everyone[ALL]
    assert k2.observed == 1.0 and k2.positive == 1.0
    assert math.isnan(k2.kappa) and math.isnan(k2.alpha)
    s.close()


def test_overlapping_codings_of_one_coder_count_once(db_url, tmp_path):
    s = make_store(db_url, tmp_path, [{"name": "t", "text": TEXT_1000}])
    code(s, "t", "k1", 0, 60, "ana")
    code(s, "t", "k1", 40, 100, "ana")      # overlaps the first: ana covers [0, 100) once
    code(s, "t", "k1", 50, 150, "ben")
    k1 = row(agreement(s, unit="char"), "k1").everyone[ALL]
    assert close(k1.kappa, F(4, 9)) and k1.coded == 150
    s.close()


# --- differential reliability -------------------------------------------------------------------

def test_by_arm_difference_and_warning(db_url, tmp_path):
    s = make_store(db_url, tmp_path, [
        {"name": "i", "text": TEXT_1000, "attributes": {"arm": "improving"}},
        {"name": "l", "text": TEXT_1000, "attributes": {"arm": "lagging"}},
    ])
    code(s, "i", "k1", 0, 100, "ana")
    code(s, "i", "k1", 50, 150, "ben")
    code(s, "l", "k1", 0, 100, "ana")
    code(s, "l", "k1", 0, 100, "ben")
    res = agreement(s, unit="char", codes=["k1"], by="arm", order={"arm": ["improving", "lagging"]},
                    threshold=0.2)
    assert res.groups == [ALL, "improving", "lagging"]
    k1 = row(res, "k1")
    assert close(k1.everyone["improving"].kappa, F(4, 9))
    assert close(k1.everyone["lagging"].kappa, 1)
    assert close(k1.difference["kappa ana/ben"], F(4, 9) - 1)
    assert close(k1.difference["alpha"], F(1601, 3600) - 1)
    # all interviews: n = 2000, n_a = n_b = 200, n_ab = 150: po = 1900/2000,
    # pe = (200^2 + 1800^2) / 2000^2 = 0.82 -> kappa = (0.95 - 0.82) / 0.18 = 13/18
    assert close(k1.everyone[ALL].kappa, F(13, 18))
    assert len(res.warnings) == 2 and res.warnings[1].startswith("'(all codes)': ")   # k1 is the only code
    assert res.warnings[0] == ("'k1': reliability differs between arm groups by more than 0.2 "
                               "(improving minus lagging), where every coder compared coded at least 10 units "
                               "in each group: alpha -0.555 (improving 0.445 (coded units ana=100, ben=100), "
                               "lagging 1.000 (coded units ana=100, ben=100)); "
                               "kappa ana/ben -0.556 (improving 0.444 (coded units ana=100, ben=100), "
                               "lagging 1.000 (coded units ana=100, ben=100))")
    lagging = [ln for ln in agreement_csv(res).splitlines() if ",lagging," in ln]
    assert lagging and lagging[0].startswith("k1,One,k1,arm,lagging,ana+ben,char,1000,100,1.0,1.0,1.0,1.0,")
    s.close()
