"""The crosstab against tables worked out by hand.

The study: pair P1 has two improving interviews (I1 resident, I2 agency) and one lagging (I3);
pair P2 has one improving interview (I4, no codings) and no lagging one.

Word counts (labels such as "Ann:" are never analysed words):

I1  Interviewer: "What is the housing like?" 5, "Is it getting better?" 4      -> 9 interviewer words
    Ann: "The houses are damp and cold." 6 + "Our chair runs the repairs group." 6, "Repairs are slow." 3 -> 15
I2  Interviewer: "Tell me about the area." 5, "And housing?" 2                 -> 7
    Bob: "People are proud here." 4, "Housing is fine." 3                    -> 7
I3  Interviewer: "What is the housing like?" 5, "Any leaders?" 2               -> 7
    Cat: "Damp flats and broken lifts everywhere." 6, "Nobody leads here." 3 -> 9
I4  Interviewer: "How is work?" 3, "Anything else?" 2                          -> 5
    Dan: "Work is steady now." 4, "No." 1                                    -> 5

Analysed words, interviewer turns left out: P1/improving 15 + 7 = 22, P1/lagging 9, P2/improving 5.
Interviewer turns included: P1/improving 24 + 14 = 38, P1/lagging 16, P2/improving 10.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fieldcode.analysis import analysed_words, crosstab, word_bounds
from fieldcode.store import q_interview_rows, q_turn_spans
from fieldcode.text import WORD_RE

from test_analysis_fixtures import attrs, code, make_project

I1 = ("Interviewer: What is the housing like?\n\n"
      "Ann: The houses are damp and cold. Our chair runs the repairs group.\n\n"
      "Interviewer: Is it getting better?\n\n"
      "Ann: Repairs are slow.\n")
I2 = ("Interviewer: Tell me about the area.\n\nBob: People are proud here.\n\n"
      "Interviewer: And housing?\n\nBob: Housing is fine.\n")
I3 = ("Interviewer: What is the housing like?\n\nCat: Damp flats and broken lifts everywhere.\n\n"
      "Interviewer: Any leaders?\n\nCat: Nobody leads here.\n")
I4 = "Interviewer: How is work?\n\nDan: Work is steady now.\n\nInterviewer: Anything else?\n\nDan: No.\n"

G = [("P1", "improving"), ("P1", "lagging"), ("P2", "improving")]
ROWS = ["place", "housing", "repairs", "leadership", "aspiration"]


def build(folder, db=None):
    p = make_project(folder, {
        "i1": (attrs("P1", "improving"), I1),
        "i2": (attrs("P1", "improving", role="agency"), I2),
        "i3": (attrs("P1", "lagging"), I3),
        "i4": (attrs("P2", "improving"), I4),
    }, db=db)
    code(p, "i1", "housing", "The houses are damp and cold")                   # c1: 6 words
    code(p, "i1", "housing", "damp and cold. Our chair")                       # c2: two sentences, 5 words, 3 shared with c1
    code(p, "i1", "repairs", "Repairs are slow")                               # c3: 3 words
    code(p, "i1", "leadership", "Our chair runs the repairs group", coder="ben")  # c5: 6 words
    code(p, "i1", "housing", "housing")                                        # c6: inside the interviewer's question
    code(p, "i2", "housing", "Housing is fine")                                # c7: 3 words
    # c4: spans Cat's answer, the interviewer's "Any leaders?" and Cat's next turn
    code(p, "i3", "place", "broken lifts everywhere", end_phrase="Nobody leads")
    code(p, "i3", "housing", "flats and broken lifts", coder="ben")            # c8: 4 words, overlaps c4
    code(p, "i3", "leadership", "Nobody leads here")                           # c9: 3 words
    return p


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    p = build(tmp_path_factory.mktemp("ct"))
    yield p
    p.close()


def table(ct, unit):
    """{code: [values in G order]} for the rows and groups of ``ct``."""
    assert ct.groups == G
    return {r.key: [v if not isinstance(v, float) else round(v, 3) for v in ct.table(unit)[i].tolist()]
            for i, r in enumerate(ct.rows)}


def test_denominators(proj):
    ct = crosstab(proj.store, unit="all", order={"arm": ["improving", "lagging"]})
    assert ct.groups == G
    assert ct.group_interviews.tolist() == [2, 1, 1]
    assert ct.group_words.tolist() == [22, 9, 5]
    inc = crosstab(proj.store, unit="all", include_interviewer=True)
    assert inc.group_words.tolist() == [38, 16, 10]


def test_default_units(proj):
    ct = crosstab(proj.store, unit="all")
    assert [r.key for r in ct.rows] == ROWS
    assert [r.label for r in ct.rows] == ["Place", "Housing", "Repairs", "Leadership", "Aspiration"]
    # segments are passages: c1 and c2 overlap, so they are one passage of housing in I1;
    # c6 lies inside the interviewer's question and does not count; + c7 in I2 = 2
    assert table(ct, "segments") == {
        "place": [0, 1, 0], "housing": [2, 1, 0], "repairs": [1, 0, 0], "leadership": [1, 1, 0], "aspiration": [0, 0, 0]}
    # presence: housing in I1 and I2 (P1/improving), I3 (P1/lagging)
    assert table(ct, "interviews") == {
        "place": [0, 1, 0], "housing": [2, 1, 0], "repairs": [1, 0, 0], "leadership": [1, 1, 0], "aspiration": [0, 0, 0]}
    # words: housing I1 = union(c1, c2) = "The houses are damp and cold Our chair" = 8, + I2 3 = 11
    #        place I3 = "broken lifts everywhere" 3 + "Nobody leads" 2 = 5 ("Any leaders" is the interviewer's)
    assert table(ct, "words") == {
        "place": [0, 5, 0], "housing": [11, 4, 0], "repairs": [3, 0, 0], "leadership": [6, 3, 0], "aspiration": [0, 0, 0]}
    # per 1000: 1000 * words / [22, 9, 5]
    assert table(ct, "per1000") == {
        "place": [0.0, 555.556, 0.0], "housing": [500.0, 444.444, 0.0], "repairs": [136.364, 0.0, 0.0],
        "leadership": [272.727, 333.333, 0.0], "aspiration": [0.0, 0.0, 0.0]}


def test_same_tables_on_sqlite_and_postgres(db_url, tmp_path):
    """The read-only SQL runs on both backends (PostgreSQL when a server is reachable)."""
    p = build(tmp_path / "p", db=db_url)
    try:
        ct = crosstab(p.store, unit="all", rollup=True)
        assert table(ct, "segments")["place"] == [3, 1, 0]
        assert table(ct, "words") == {
            "place": [14, 7, 0], "housing": [14, 4, 0], "repairs": [3, 0, 0], "leadership": [6, 3, 0],
            "aspiration": [0, 0, 0]}
        assert ct.group_words.tolist() == [22, 9, 5]
        from fieldcode.analysis import segments

        assert len(segments(p.store, exclude_interviewer=True)) == 8
    finally:
        p.close()


def test_include_interviewer(proj):
    ct = crosstab(proj.store, unit="all", include_interviewer=True)
    # c6 now counts: housing in P1/improving = (c1 + c2, one passage), c6, c7
    assert table(ct, "segments")["housing"] == [3, 1, 0]
    # I1 housing = 8 + "housing" 1 = 9, + I2 3 = 12; place I3 = 5 + "Any leaders" 2 = 7
    assert table(ct, "words")["housing"] == [12, 4, 0]
    assert table(ct, "words")["place"] == [0, 7, 0]
    assert table(ct, "per1000")["place"] == [0.0, 437.5, 0.0]   # 1000 * 7 / 16


def test_rollup_is_a_union(proj):
    ct = crosstab(proj.store, unit="all", rollup=True)
    assert [r.label for r in ct.rows] == [
        "Place (incl. children)", "Housing (incl. children)", "Repairs", "Leadership", "Aspiration"]
    # passages of the union over the subtree: P1/improving = (c1 + c2), c3 in I1 and c7 in I2 = 3;
    # P1/lagging: c4 (place) and c8 (housing) overlap: one passage
    assert table(ct, "segments")["place"] == [3, 1, 0]
    assert table(ct, "segments")["housing"] == [3, 1, 0]
    assert table(ct, "interviews")["place"] == [2, 1, 0]
    # words: I1 union(c1, c2, c3) = 8 + 3 = 11, I2 3 -> 14
    #        I3 union(c4, c8) = "flats and broken lifts everywhere Nobody leads" = 7, not 5 + 4 = 9
    assert table(ct, "words")["place"] == [14, 7, 0]
    assert table(ct, "words")["housing"] == [14, 4, 0]


def test_filters_coders_codes_and_one_group(proj):
    ben = crosstab(proj.store, unit="all", coders=["ben"])
    assert table(ben, "segments") == {
        "place": [0, 0, 0], "housing": [0, 1, 0], "repairs": [0, 0, 0], "leadership": [1, 0, 0], "aspiration": [0, 0, 0]}
    residents = crosstab(proj.store, unit="all", filters={"role": ["resident"]})
    assert residents.group_interviews.tolist() == [1, 1, 1]    # I2 (agency) is out
    assert residents.group_words.tolist() == [15, 9, 5]
    assert table(residents, "segments")["housing"] == [1, 1, 0]     # (c1 + c2) in I1; c8 in I3
    sub = crosstab(proj.store, unit="segments", codes=["leadership", "housing"])
    assert [r.key for r in sub.rows] == ["leadership", "housing"]
    assert sub.words is None
    one = crosstab(proj.store, unit="all", by=())
    assert one.groups == [()]
    assert one.group_interviews.tolist() == [4] and one.group_words.tolist() == [36]   # 22 + 9 + 5
    assert one.table("segments")[1].tolist() == [3]      # housing: (c1 + c2), c7, c8
    assert one.table("words")[1].tolist() == [15]        # 11 + 4
    by_iv = crosstab(proj.store, unit="all", by=("interview",))
    assert by_iv.groups == [("i1.md",), ("i2.md",), ("i3.md",), ("i4.md",)]
    assert by_iv.group_words.tolist() == [15, 7, 9, 5]


def test_any_code_row_is_the_coded_share(proj):
    ct = crosstab(proj.store, unit="all", any_code=True)
    last = ct.rows[-1]
    assert last.key == "(any code)"
    # I1: union of c1, c2, c3, c5 = "The houses are damp and cold Our chair runs the repairs group" 12
    #     + "Repairs are slow" 3 = 15 (all of Ann's words); I2 3 -> 18.  I3: union(c4, c8, c9) = 7 + "here" = 8
    assert ct.table("words")[-1].tolist() == [18, 8, 0]
    assert ct.table("interviews")[-1].tolist() == [2, 1, 0]


def test_long_form_carries_denominators(proj):
    ct = crosstab(proj.store, unit="all")
    df = ct.long()
    assert list(df.columns) == ["code", "label", "code_path", "rollup", "pair", "arm", "unit", "value",
                                "interviews_in_group", "words_in_group"]
    assert len(df) == 5 * 3 * 4
    r = df[(df.code == "housing") & (df.pair == "P1") & (df.arm == "lagging") & (df.unit == "per1000")].iloc[0]
    assert math.isclose(r.value, 1000 * 4 / 9)
    assert (r.interviews_in_group, r.words_in_group, r.code_path) == (1, 9, "place/housing")


def test_analysed_words_formula_matches_word_positions(proj):
    """The denominator (from turn rows) equals counting word positions outside labels and
    interviewer turns one by one."""
    ivs = q_interview_rows(proj.store)
    turns = q_turn_spans(proj.store)
    for iid, (name, n_words, _a) in ivs.items():
        text = proj.store.interview(iid).text
        ts = turns[iid]
        for inc in (False, True):
            out = [(t.start, t.end if (t.is_interviewer and not inc) else t.content_start) for t in ts]
            n = sum(1 for m in WORD_RE.finditer(text) if not any(a <= m.start() < b for a, b in out))
            assert analysed_words(n_words, ts, inc) == n, (name, inc)


@pytest.mark.parametrize("text", ["", "a", "don't", "a-'b c--d e-f-g", "’tis x’ y'", "café 5½ ٣٤ naïve_x",
                                  "well-known\u2019s\n\nQ: \u00e9t\u00e9", "__ -a- '"])
def test_word_bounds_examples(text):
    a, b = word_bounds(text)
    assert list(zip(a.tolist(), b.tolist())) == [m.span() for m in WORD_RE.finditer(text)]
