"""Paired comparison, sign test, co-occurrence, coverage and frequencies, worked out by hand.

The project is the one of test_crosstab.py (its module docstring has the word counts)."""

from __future__ import annotations

import pytest

from fieldcode.analysis import ALL_CODERS, compare, cooccurrence, coverage, frequencies, sign_test

from test_analysis_fixtures import attrs, code, make_project
from test_crosstab import proj  # noqa: F401  (the shared hand-counted project)


@pytest.mark.parametrize("higher, lower, p", [
    (3, 0, 0.25),            # 2 * (1/2)^3
    (0, 3, 0.25),
    (5, 1, 0.21875),         # 2 * (C(6,0) + C(6,1)) / 2^6 = 2 * 7 / 64
    (8, 2, 0.109375),        # 2 * (1 + 10 + 45) / 1024
    (10, 0, 0.001953125),    # 2 / 1024
    (2, 2, 1.0),             # 2 * 11/16 > 1, capped
    (1, 0, 1.0),
])
def test_sign_test(higher, lower, p):
    assert sign_test(higher, lower) == pytest.approx(p, abs=1e-15)


def test_sign_test_with_no_untied_pair_is_not_a_p_value():
    from fieldcode.analysis import format_p

    assert sign_test(0, 0) is None
    assert format_p(sign_test(0, 0)) == "n/a" and format_p(0.25) == "0.250"


def test_compare_on_the_hand_counted_project(proj):  # noqa: F811
    cmp = compare(proj.store, arms=("improving", "lagging"))
    assert cmp.pairs == ["P1"]          # P2 has no lagging interviews
    assert "pair 'P2' has no 'lagging' interviews: left out of the comparison" in cmp.warnings
    # P1 sizes: improving 2 interviews / 22 words; lagging 1 / 9 -> both ratios >= 2
    assert "pair 'P1' is unbalanced in interviews: improving 2, lagging 1" in cmp.warnings
    assert "pair 'P1' is unbalanced in analysed words: improving 22, lagging 9" in cmp.warnings
    # coded share 18/22 = 0.82 vs 8/9 = 0.89: within 0.15, no warning
    assert not any("share of text" in w for w in cmp.warnings)
    assert cmp.sizes["P1"]["improving"].coded_share == pytest.approx(18 / 22)
    got = {t.row.key: (round(t.pairs[0].focal, 3), round(t.pairs[0].comparison, 3), t.higher, t.lower, t.ties)
           for t in cmp.themes}
    assert got == {
        "place": (0.0, 555.556, 0, 1, 0),
        "housing": (500.0, 444.444, 1, 0, 0),
        "repairs": (136.364, 0.0, 1, 0, 0),
        "leadership": (272.727, 333.333, 0, 1, 0),
        "aspiration": (0.0, 0.0, 0, 0, 1),
    }
    # one untied pair: p = 2 * (1/2) capped at 1; aspiration is tied in its only pair: n/a
    assert {t.row.key: t.p_value for t in cmp.themes} == {
        "place": 1.0, "housing": 1.0, "repairs": 1.0, "leadership": 1.0, "aspiration": None}
    share = compare(proj.store, arms=("improving", "lagging"), unit="share")
    # housing in 2 of 2 improving and 1 of 1 lagging interviews
    assert (share.themes[1].pairs[0].focal, share.themes[1].pairs[0].comparison) == (1.0, 1.0)
    spi = compare(proj.store, arms=("improving", "lagging"), unit="segments_per_interview")
    # housing passages: (c1 + c2) and c7 over 2 improving interviews, c8 over 1 lagging
    assert (spi.themes[1].pairs[0].focal, spi.themes[1].pairs[0].comparison) == (1.0, 1.0)   # 2/2, 1/1


def test_compare_three_of_three_pairs(tmp_path):
    body = "alpha beta gamma delta epsilon zeta eta theta iota kappa.\n"   # 10 words, no speakers
    ivs = {f"{p}-{a}": (attrs(p, a), body) for p in ("P1", "P2", "P3", "P4") for a in ("improving", "lagging")}
    p = make_project(tmp_path, ivs)
    for pr in ("P1", "P2", "P3"):
        code(p, f"{pr}-improving", "housing", "alpha beta")   # 2 words -> 200 per 1000
        code(p, f"{pr}-lagging", "housing", "alpha")          # 1 word  -> 100 per 1000
    code(p, "P4-improving", "aspiration", "kappa")            # P4: housing 0 vs 0, a tie
    code(p, "P4-lagging", "aspiration", "alpha beta gamma")
    cmp = compare(p.store, arms=("improving", "lagging"))
    assert cmp.pairs == ["P1", "P2", "P3", "P4"]
    # P4's coded share: 1/10 vs 3/10 differ by 0.2 >= 0.15 (P1-P3: 2/10 vs 1/10, within 0.15)
    assert cmp.warnings == ["pair 'P4' is unbalanced in share of text coded: improving 10%, lagging 30%"]
    housing = next(t for t in cmp.themes if t.row.key == "housing")
    assert [(v.pair, v.focal, v.comparison, v.difference) for v in housing.pairs] == [
        ("P1", 200.0, 100.0, 100.0), ("P2", 200.0, 100.0, 100.0), ("P3", 200.0, 100.0, 100.0), ("P4", 0.0, 0.0, 0.0)]
    assert (housing.higher, housing.lower, housing.ties, housing.p_value) == (3, 0, 1, 0.25)
    asp = next(t for t in cmp.themes if t.row.key == "aspiration")
    assert (asp.higher, asp.lower, asp.ties) == (0, 1, 3)     # P4: 100 vs 300
    # the coded share is over the compared themes only: housing alone leaves P4 at 0 vs 0
    assert compare(p.store, arms=("improving", "lagging"), codes=["housing"]).warnings == []
    p.close()


KEYS = ["place", "housing", "repairs", "leadership", "aspiration"]


def test_cooccurrence_by_span(proj):  # noqa: F811
    co = cooccurrence(proj.store, mode="span")
    assert co.keys == KEYS
    # kept codings (c6 is interviewer speech): place c4; housing c1 c2 c7 (ana) c8 (ben); repairs c3;
    # leadership c5 (ben) c9 (ana).  Overlaps of different codes: c2/c5 ("Our chair", ana/ben),
    # c4/c8 ("broken lifts", ana/ben), c4/c9 ("Nobody leads", both ana's).  Only c4/c9 is one
    # coder's co-occurrence; the others are two coders coding one passage differently.
    assert co.matrix.tolist() == [
        [1, 0, 0, 1, 0],
        [0, 4, 0, 0, 0],
        [0, 0, 1, 0, 0],
        [1, 0, 0, 2, 0],
        [0, 0, 0, 0, 0],
    ]
    assert "same coder" in co.definition
    across = cooccurrence(proj.store, mode="span", across_coders=True)
    assert across.matrix.tolist() == [
        [1, 1, 0, 1, 0],
        [1, 4, 0, 1, 0],
        [0, 0, 1, 0, 0],
        [1, 1, 0, 2, 0],
        [0, 0, 0, 0, 0],
    ]


def test_cooccurrence_by_turn(proj):  # noqa: F811
    co = cooccurrence(proj.store, mode="turn")
    # I1 Ann turn 1 {housing: ana, leadership: ben}, Ann turn 2 {repairs}; I2 Bob turn 2 {housing};
    # I3 Cat turn 1 {place: ana, housing: ben}, Cat turn 2 {place, leadership: both ana's}
    # (c4 crosses the interviewer's turn).  Within one coder only Cat turn 2 pairs two codes.
    assert co.matrix.tolist() == [
        [2, 0, 0, 1, 0],
        [0, 3, 0, 0, 0],
        [0, 0, 1, 0, 0],
        [1, 0, 0, 2, 0],
        [0, 0, 0, 0, 0],
    ]
    across = cooccurrence(proj.store, mode="turn", across_coders=True)
    assert across.matrix.tolist() == [
        [2, 1, 0, 1, 0],
        [1, 3, 0, 1, 0],
        [0, 0, 1, 0, 0],
        [1, 1, 0, 2, 0],
        [0, 0, 0, 0, 0],
    ]


def test_coverage(proj):  # noqa: F811
    rows = [(r.interview, r.coder, r.segments, r.coded_words, r.analysed_words) for r in coverage(proj.store)]
    assert rows == [
        # segments are coded passages of any code: overlapping codings are one passage
        ("i1.md", "ana", 2, 11, 15),          # (c1 + c2) 8 words, c3 3; c6 is interviewer speech
        ("i1.md", "ben", 1, 6, 15),           # c5
        ("i1.md", ALL_CODERS, 2, 15, 15),     # (c1 + c2 + c5), c3: all of Ann's words
        ("i2.md", "ana", 1, 3, 7),
        ("i2.md", "ben", 0, 0, 7),
        ("i2.md", ALL_CODERS, 1, 3, 7),
        ("i3.md", "ana", 1, 6, 9),            # (c4 + c9): 5 + "here" 1
        ("i3.md", "ben", 1, 4, 9),            # c8
        ("i3.md", ALL_CODERS, 1, 8, 9),       # (c4 + c8 + c9)
        ("i4.md", "ana", 0, 0, 5),
        ("i4.md", "ben", 0, 0, 5),
        ("i4.md", ALL_CODERS, 0, 0, 5),
    ]
    assert coverage(proj.store)[2].share == 1.0


def test_frequencies(proj):  # noqa: F811
    f = frequencies(proj.store)
    assert f.groups == [()]
    assert f.segments[:, 0].tolist() == [1, 3, 1, 2, 0]   # housing: (c1 + c2), c7, c8
    assert f.interviews[:, 0].tolist() == [1, 3, 1, 2, 0]
    assert f.words[:, 0].tolist() == [5, 15, 3, 9, 0]
    assert f.group_interviews.tolist() == [4]


def test_a_difference_that_shows_as_zero_is_a_tie(tmp_path):
    """per 1,000 is shown with one decimal.  Worked by hand: the improving interview has 2,500
    analysed words with 1 coded (0.4 per 1,000), the lagging one 2,600 with 1 coded (0.3846...):
    the difference is +0.0154, shown "0.0" (a tie, so unsigned), so the pair is tied, not
    "improving higher"."""
    from fieldcode.analysis import format_value

    def body(n):
        return "Interviewer: Go on.\n\nAnn: " + " ".join(["words"] * (n - 1)) + " jobs.\n"

    p = make_project(tmp_path / "t", {"a": (attrs("P1", "improving"), body(2500)),
                                      "b": (attrs("P1", "lagging"), body(2600))})
    try:
        code(p, "a", "aspiration", "jobs")
        code(p, "b", "aspiration", "jobs")
        th = next(t for t in compare(p.store, arms=("improving", "lagging")).themes if t.row.key == "aspiration")
        assert th.pairs[0].difference == pytest.approx(1000 / 2500 - 1000 / 2600)
        assert format_value(th.pairs[0].difference, "per1000", signed=True) == "0.0"
        assert format_value(-th.pairs[0].difference, "per1000", signed=True) == "0.0"   # never "-0.0"
        assert (th.higher, th.lower, th.ties, th.p_value) == (0, 0, 1, None)
    finally:
        p.close()
