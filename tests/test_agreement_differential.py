"""Differential reliability (``agreement --by arm``) only warns where both coders coded enough
units, shows each coder's coded units, and the "(all codes)" row counts what it pools.

Every expected value is worked out in the comments by hand.  Two interviews of 1,000 characters
(unit: char), one per arm; coders ana and ben:

    k1  improving: ana [0, 100), ben nothing        lagging: ana [0, 100), ben [0, 100)
    k2  improving: ana [200, 300), ben [250, 350)   lagging: ana [200, 300), ben [200, 300)
    k3  nobody

ben rated the improving interview (he coded k2 there), so his "not k1" there is a judgement."""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest
from rich.console import Console

from agreement_helpers import code, make_store
from fieldcode.cli.agreement import render
from fieldcode.team.reliability import ALL, ALL_CODES, agreement, agreement_csv

TEXT_1000 = "abcdefghi " * 100


def close(x, y):
    return math.isclose(x, float(y), rel_tol=0, abs_tol=1e-12)


def row(res, key):
    return next(r for r in res.rows if r.key == key)


@pytest.fixture
def arms(db_url, tmp_path):
    s = make_store(db_url, tmp_path, [{"name": "i", "text": TEXT_1000, "attributes": {"arm": "improving"}},
                                      {"name": "l", "text": TEXT_1000, "attributes": {"arm": "lagging"}}])
    code(s, "i", "k1", 0, 100, "ana")
    code(s, "l", "k1", 0, 100, "ana")
    code(s, "l", "k1", 0, 100, "ben")
    code(s, "i", "k2", 200, 300, "ana")
    code(s, "i", "k2", 250, 350, "ben")
    code(s, "l", "k2", 200, 300, "ana")
    code(s, "l", "k2", 200, 300, "ben")
    yield s
    s.close()


def compute(store, **kw):
    return agreement(store, unit="char", by="arm", order={"arm": ["improving", "lagging"]}, threshold=0.1, **kw)


def test_no_warning_where_a_coder_never_used_the_code(arms):
    res = compute(arms)
    k1 = row(res, "k1")
    # improving, k1: 1,000 units, ana coded 100, ben 0: o01 = 100, o11 = 0, o00 = 2 * 900 = 1800;
    # n0 = 1900, n1 = 100, n = 2000: alpha = 1 - 1999 * 100 / (1900 * 100) = -99/1900 (near 0 by
    # construction); lagging: perfect agreement, alpha 1.  |difference| > 0.1, but ben coded 0 < 10.
    assert close(k1.everyone["improving"].alpha, F(-99, 1900))
    assert close(k1.everyone["lagging"].alpha, 1)
    assert k1.everyone["improving"].coder_units == (("ana", 100), ("ben", 0))
    assert k1.everyone["lagging"].coder_units == (("ana", 100), ("ben", 100))
    assert not any(w.startswith("'k1'") for w in res.warnings)
    # k2: both coded 100 units in each arm; alpha improving 1601/3600 (o11 = 100, o01 = 100,
    # o00 = 1700), lagging 1: warned, with the threshold of coded units and the counts in the text
    [k2w] = [w for w in res.warnings if w.startswith("'k2'")]
    assert "where every coder compared coded at least 10 units in each group" in k2w
    assert "improving 0.445 (coded units ana=100, ben=100)" in k2w
    # with --min-coded 0 the k1 difference is warned about again
    assert any(w.startswith("'k1'") for w in compute(arms, min_coded=0).warnings)


def test_the_table_shows_each_coders_coded_units_and_why_a_difference_is_not_flagged(arms):
    res = compute(arms)
    con = Console(record=True, width=250)
    con.print(render(res))
    lines = con.export_text().splitlines()
    k1 = next(ln for ln in lines if ln.startswith("│ One")).replace("│", " ")
    k2 = next(ln for ln in lines if ln.startswith("│ Two")).replace("│", " ")
    header = next(i for i, ln in enumerate(lines) if "α improving" in ln)
    assert lines[header - 1].count("coded") == 2          # two-line headers: "coded" over each arm
    assert "improving" in lines[header].split("┃")[2] and "lagging" in lines[header].split("┃")[3]
    assert k1.split()[1:3] == ["100/0", "100/100"] and "few coded" in k1
    assert k2.split()[1:3] == ["100/100", "100/100"] and "differs > 0.1" in k2


def test_the_all_codes_row_counts_judgements_throughout(arms):
    res = compute(arms)
    tot = row(res, ALL_CODES)
    # all interviews: 2,000 characters x 3 codes = 6,000 unit x code judgements.
    # coded (judgements anyone made): k1 100 (i) + 100 (l) = 200; k2 [200, 350) = 150 (i) + 100 (l)
    # = 250; k3 0 -> 450.  ana: k1 200 + k2 200 = 400; ben: k1 100 + k2 200 = 300.
    e = tot.everyone[ALL]
    assert (e.units, e.coded) == (6000, 450)
    assert e.coder_units == (("ana", 400), ("ben", 300))
    # improving: 3,000 judgements; coded k1 100 + k2 150 = 250; ana 100 + 100, ben 0 + 100
    imp = tot.everyone["improving"]
    assert (imp.units, imp.coded, imp.coder_units) == (3000, 250, (("ana", 200), ("ben", 100)))
    # the pair's own row says the same
    assert tot.pairs[("ana", "ben")][ALL].units == 6000
    # a code's row keeps its own units: 2,000 characters
    assert row(res, "k2").everyone[ALL].units == 2000
    # CSV: the row says what its units are
    lines = [ln.split(",") for ln in agreement_csv(res).splitlines()]
    head = lines[0]
    all_row = next(r for r in lines[1:] if r[0] == ALL_CODES and r[4] == ALL)
    assert all_row[head.index("units")] == "6000" and all_row[head.index("coded_units")] == "450"
    assert all_row[head.index("units_are")] == "unit x code judgements"
    assert all_row[head.index("coded_units_by_coder")] == "ana=400;ben=300"
    k2_row = next(r for r in lines[1:] if r[0] == "k2" and r[4] == ALL)
    assert k2_row[head.index("units_are")] == "units"
