"""Krippendorff's unitizing alpha (``fieldcode agreement --unit unitized``, fieldcode.team.unitized).

Checked three ways:

* the published worked examples: Krippendorff, K. (2004) Content Analysis: An Introduction to Its
  Methodology, 2nd ed., section 12.4, the example on p. 254 (a continuum of 300 from 150 to 450,
  two coders, categories c and k: |u-alpha_c = 0.7286, u-alpha = 0.8591), with D_o and D_e worked by
  hand below; and Krippendorff, K. (1995) "On the reliability of unitizing continuous data",
  Sociological Methodology 25: 47-76, the four pairs of coders on p. 57 (A: 0.553, B: -0.926,
  D: 0.066 for a long continuum; its pair C is left out: the published D_e of C is slightly off,
  as the DKPro Statistics authors note in their test of the same example);
* a brute-force implementation written here, character by character (sections found by walking
  the characters, every pair of sections compared by their sets of characters, the expected
  disagreement's sums enumerated position by position), on random unitizations of two and three
  coders;
* on a real store (SQLite and PostgreSQL): interviews with speaker labels and interviewer turns,
  whose characters are not part of the continuum, two and three coders.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from typer.testing import CliRunner

from agreement_helpers import make_store
from fieldcode.team.unitized import disagreement, pooled, unitized_agreement


def arrays(units):
    return (np.array([s for s, _ in units], dtype=np.int64), np.array([e for _, e in units], dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# Krippendorff (2004), p. 254
# ---------------------------------------------------------------------------------------------

B0 = 150   # the continuum runs from 150 to 450; positions below are shifted to start at 0
C_I = [(225, 295), (370, 400)]                 # coder i, category c
C_J = [(220, 300), (355, 375), (400, 420)]     # coder j, category c
K_I = K_J = [(180, 240), (300, 350)]           # both coders, category k


def shifted(units):
    return arrays([(s - B0, e - B0) for s, e in units])


def test_krippendorff_2004_worked_example():
    c = disagreement(300, [shifted(C_I), shifted(C_J)])
    # D_o by hand: overlapping units (225,295)/(220,300): 5^2 + 5^2 = 50; (370,400)/(355,375):
    # 15^2 + 25^2 = 850; j's (400,420) lies inside i's gap (400,450): 20^2 = 400.  1300 per
    # ordered pair of coders, both orders: 2600 / (m (m-1) L^2) = 2600 / (2 * 300^2)
    assert c.d_o == pytest.approx(2600 / 180000, abs=1e-15)
    # D_e by hand: N = 5 units (70, 30, 80, 20, 20); gaps: i 75, 75, 50; j 70, 55, 25, 30.
    #   l=70: 4 * 70*69*139/3 = 895160, fits in gaps >= 70: (75-69)+(75-69)+(70-69) = 13 -> 13*4900
    #   l=30: 4 * 30*29*59/3 = 68440, fits: 46+46+41+26+21+1 = 181 -> 181*900
    #   l=80: 4 * 80*79*159/3 = 1339840, no gap is that long
    #   l=20 (twice): 4 * 20*19*39/3 = 19760, fits: 56+56+51+36+31+11+6 = 247 -> 247*400
    s = (895160 + 13 * 4900) + (68440 + 181 * 900) + 1339840 + 2 * (19760 + 247 * 400)
    denom = 600 * 599 - (70 * 69 + 30 * 29 + 80 * 79 + 2 * 20 * 19)
    assert c.d_e == pytest.approx((2 / 300) * s / denom, rel=1e-12)
    assert round(c.d_o, 4) == 0.0144 and round(c.d_e, 4) == 0.0532    # the book's figures
    assert round(c.alpha, 4) == 0.7286
    k = disagreement(300, [shifted(K_I), shifted(K_J)])
    assert k.d_o == 0 and round(k.d_e, 4) == 0.0490 and k.alpha == 1.0
    # u-alpha over both categories: 1 - (0.0144 + 0) / (0.0532 + 0.0490) = 0.8591 from the book's
    # rounded figures; unrounded it is 0.8587
    both = pooled([c, k])
    assert both.alpha == pytest.approx(0.8591, abs=5e-4)
    assert both.alpha == pytest.approx(1 - (c.d_o + k.d_o) / (c.d_e + k.d_e), abs=1e-15)


# Krippendorff (1995), p. 57: four pairs of coders on a continuum of 24 (begin, length)
K1995 = {
    "A": ([(2, 8), (14, 6)], [(4, 4), (15, 2)], 0.553),
    "B": ([(0, 18)], [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)], -0.926),
    "D": ([(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)], [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)], 0.066),
}


@pytest.mark.parametrize("pair", sorted(K1995))
def test_krippendorff_1995_examples(pair):
    a, b, published = K1995[pair]
    stretch = 50_000   # the published alphas are for a continuum long against the units' grain
    units = [arrays([(s * stretch, (s + n) * stretch) for s, n in coder]) for coder in (a, b)]
    assert disagreement(24 * stretch, units).alpha == pytest.approx(published, abs=5e-3)
    # D_o does not depend on the stretch; pair A at stretch 1 by hand: (2,10)/(4,8): 2^2+2^2 = 8;
    # (14,20)/(15,17): 1^2+3^2 = 10; 18 per order, 36 / (2 * 24^2) = 0.03125
    if pair == "A":
        assert disagreement(24, [arrays([(s, s + n) for s, n in c]) for c in (a, b)]).d_o == pytest.approx(36 / 1152)


# ---------------------------------------------------------------------------------------------
# Brute force, character by character
# ---------------------------------------------------------------------------------------------

def brute(length, coders, cuts=()):
    """(D_o, D_e) by walking characters: each coder's sections (units: runs of characters of one
    unit; gaps: runs of uncoded characters, ending at the cuts), then every pair of sections of
    two different coders compared through their sets of characters."""
    m = len(coders)
    cutset = set(cuts)
    secs = []
    for units in coders:
        owner = [-1] * length
        for k, (s, e) in enumerate(units):
            for x in range(s, e):
                owner[x] = k
        mine, x = [], 0
        while x < length:
            y = x + 1
            while y < length and owner[y] == owner[x] and y not in cutset:
                y += 1
            mine.append((x, y - x, owner[x] >= 0))
            x = y
        secs.append(mine)
    total = 0
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            for bg, lg, ug in secs[i]:
                cg = set(range(bg, bg + lg))
                for bh, lh, uh in secs[j]:
                    ch = set(range(bh, bh + lh))
                    if ug and uh and cg & ch:
                        total += (bg - bh) ** 2 + (bg + lg - bh - lh) ** 2
                    elif ug and not uh and cg <= ch:
                        total += lg * lg
                    elif uh and not ug and ch <= cg:
                        total += lh * lh
    d_o = total / (m * (m - 1) * length * length)
    units = [lg for mine in secs for _, lg, u in mine if u]
    gaps = [(bh, lh) for mine in secs for bh, lh, u in mine if not u]
    n = len(units)
    if not n:
        return d_o, math.nan
    s = 0
    for lg in units:
        s += (n - 1) * sum(2 * k * k for k in range(1, lg))      # the unit against itself, shifted
        for bh, lh in gaps:                                       # every position it fits in a gap
            s += lg * lg * sum(1 for p in range(bh, bh + lh) if p + lg <= bh + lh)
    denom = m * length * (m * length - 1) - sum(lg * (lg - 1) for lg in units)
    return d_o, (2 / length) * s / denom


def random_units(rnd, length, cuts):
    """Disjoint units (touching allowed) that never cross a cut."""
    bounds = [0, *sorted(cuts), length]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        x = a
        while x < b:
            x += rnd.randint(0, 6)
            if x >= b:
                break
            e = min(b, x + rnd.randint(1, 8))
            if rnd.random() < 0.6:
                out.append((x, e))
            x = e
    return out


@pytest.mark.parametrize("m", [2, 3])
def test_equals_brute_force_on_random_unitizations(m):
    rnd = random.Random(1995 + m)
    for _ in range(150):
        length = rnd.randint(1, 50)
        cuts = sorted(set(rnd.randint(1, length - 1) for _ in range(rnd.randint(0, 3)))) if length > 1 else []
        coders = [random_units(rnd, length, cuts) for _ in range(m)]
        d = disagreement(length, [arrays(u) for u in coders], cuts)
        bo, be = brute(length, coders, cuts)
        assert d.d_o == pytest.approx(bo, rel=1e-12, abs=1e-15)
        if math.isnan(be):
            assert math.isnan(d.d_e)
        else:
            assert d.d_e == pytest.approx(be, rel=1e-12, abs=1e-15)


def test_brute_force_reproduces_the_2004_figure_too():
    bo, be = brute(300, [[(s - B0, e - B0) for s, e in C_I], [(s - B0, e - B0) for s, e in C_J]])
    assert round(1 - bo / be, 4) == 0.7286


# ---------------------------------------------------------------------------------------------
# On a store: the continuum is the analysed text
# ---------------------------------------------------------------------------------------------

TEXTS = {
    "iv1": "Interviewer: Hello there, welcome.\n\nJean: One two three four five six.\n\n"
           "Interviewer: Go on then.\n\nJean: Seven eight nine ten.\n",
    "iv2": "Interviewer: Next question please.\n\nSam: Alpha beta gamma delta epsilon zeta eta.\n",
    "iv3": "Interviewer: Last one.\n\nAmy: Red green blue.\n",
}
BODIES = {"iv1": ["One two three four five six.", "Seven eight nine ten."],
          "iv2": ["Alpha beta gamma delta epsilon zeta eta."],
          "iv3": ["Red green blue."]}


@pytest.fixture
def store(db_url, tmp_path):
    st = make_store(db_url, tmp_path, [{"name": n, "text": t, "labelled": True, "attributes": {"arm": a}}
                                       for (n, t), a in zip(TEXTS.items(), ["improving", "lagging", "improving"])])
    yield st
    st.engine.dispose()


def continuum(names):
    """position in the continuum of every analysed character: (interview, offset) -> position,
    worked out from the participants' words with str.index; and where each interview starts."""
    pos, n, starts = {}, 0, []
    for name in names:
        starts.append(n)
        text = TEXTS[name]
        for body in BODIES[name]:
            b = text.index(body)
            for x in range(b, b + len(body)):
                pos[(name, x)] = n
                n += 1
    return pos, n, starts


def expected_from_codings(codings, coders, names, key):
    """Brute force from the codings: mark each coder's analysed characters, take runs."""
    pos, length, starts = continuum(names)
    per = []
    for c in coders:
        marked = [False] * length
        for (iv, k, s, e, who) in codings:
            if who == c and k == key and iv in names:
                for x in range(s, e):
                    if (iv, x) in pos:
                        marked[pos[(iv, x)]] = True
        units, x = [], 0
        while x < length:
            if marked[x]:
                y = x
                while y < length and marked[y] and (y == x or y not in starts):
                    y += 1
                units.append((x, y))
                x = y
            else:
                x += 1
        per.append(units)
    return brute(length, per, starts[1:])


def span(name, phrase, end_phrase=None):
    t = TEXTS[name]
    s = t.index(phrase)
    e = t.index(end_phrase) + len(end_phrase) if end_phrase else s + len(phrase)
    return s, e


def place(store, plan):
    for iv, k, s, e, who in plan:
        store.add_coding(iv, k, s, e, who)


def test_two_coders_on_a_store_with_interviewer_turns(store):
    plan = [
        ("iv1", "k1", *span("iv1", "two three"), "ana"),
        ("iv1", "k1", *span("iv1", "three four"), "ben"),
        # runs across the interviewer's turn: only the participant's characters are in the continuum
        ("iv1", "k1", *span("iv1", "six.", "Seven eight"), "ana"),
        ("iv1", "k1", *span("iv1", "five six."), "ben"),
        ("iv1", "k2", *span("iv1", "Hello there"), "ana"),       # interviewer turn only: no unit
        ("iv1", "k2", *span("iv1", "nine ten"), "ben"),
        ("iv2", "k1", *span("iv2", "Alpha beta gamma"), "ana"),
        ("iv2", "k1", *span("iv2", "Alpha beta gamma"), "ben"),
        ("iv2", "k2", *span("iv2", "epsilon"), "ana"),
        ("iv2", "k2", *span("iv2", "delta epsilon zeta"), "ben"),
        ("iv3", "k1", *span("iv3", "green"), "ana"),
        ("iv3", "k3", *span("iv3", "Red"), "ben"),
    ]
    place(store, plan)
    res = unitized_agreement(store, coders=["ana", "ben"])
    names = ["iv1", "iv2", "iv3"]
    assert res.lengths["(all)"] == continuum(names)[1] == sum(len(b) for bs in BODIES.values() for b in bs)
    rows = {r.key: r for r in res.rows}
    d_o_sum = d_e_sum = 0.0
    for key in ("k1", "k2", "k3"):
        bo, be = expected_from_codings(plan, ["ana", "ben"], names, key)
        got = rows[key].by_group["(all)"]
        assert got.d_o == pytest.approx(bo, rel=1e-12, abs=1e-15), key
        assert got.d_e == pytest.approx(be, rel=1e-12), key
        d_o_sum, d_e_sum = d_o_sum + bo, d_e_sum + be
    assert rows["k2"].units["(all)"] == {"ana": 1, "ben": 2}   # ana's interviewer-turn coding is no unit
    assert rows["(all codes)"].by_group["(all)"].alpha == pytest.approx(1 - d_o_sum / d_e_sum, rel=1e-12)
    assert not res.warnings


def test_three_coders_and_an_interview_one_of_them_did_not_code(store):
    plan = [
        ("iv1", "k1", *span("iv1", "One two"), "ana"),
        ("iv1", "k1", *span("iv1", "One two three"), "ben"),
        ("iv1", "k1", *span("iv1", "two"), "cy"),
        ("iv1", "k1", *span("iv1", "eight nine"), "cy"),
        ("iv2", "k1", *span("iv2", "beta gamma"), "ana"),
        ("iv2", "k1", *span("iv2", "gamma delta"), "ben"),
        ("iv2", "k1", *span("iv2", "zeta eta"), "cy"),
        ("iv3", "k1", *span("iv3", "Red green"), "ana"),        # cy never coded iv3
        ("iv3", "k1", *span("iv3", "green blue"), "ben"),
    ]
    place(store, plan)
    res = unitized_agreement(store, coders=["ana", "ben", "cy"], codes=["k1"])
    bo, be = expected_from_codings(plan, ["ana", "ben", "cy"], ["iv1", "iv2"], "k1")
    got = {r.key: r for r in res.rows}["k1"].by_group["(all)"]
    assert got.d_o == pytest.approx(bo, rel=1e-12) and got.d_e == pytest.approx(be, rel=1e-12)
    assert res.n_interviews["(all)"] == 2
    assert any("1 of 3 interviews" in w for w in res.warnings)
    # two of them: iv3 is back in the continuum
    two = unitized_agreement(store, coders=["ana", "ben"], codes=["k1"])
    bo2, be2 = expected_from_codings(plan, ["ana", "ben"], ["iv1", "iv2", "iv3"], "k1")
    assert {r.key: r for r in two.rows}["k1"].by_group["(all)"].alpha == pytest.approx(1 - bo2 / be2, rel=1e-12)


def test_per_arm(store):
    plan = [
        ("iv1", "k1", *span("iv1", "One two"), "ana"),
        ("iv1", "k1", *span("iv1", "two three"), "ben"),
        ("iv2", "k1", *span("iv2", "beta"), "ana"),
        ("iv2", "k1", *span("iv2", "beta"), "ben"),
        ("iv3", "k1", *span("iv3", "Red"), "ana"),
        ("iv3", "k1", *span("iv3", "blue"), "ben"),
    ]
    place(store, plan)
    res = unitized_agreement(store, coders=["ana", "ben"], codes=["k1"], by="arm",
                             order={"arm": ["improving", "lagging"]})
    assert res.groups == ["improving", "lagging"]
    row = {r.key: r for r in res.rows}["k1"]
    for g, names in (("improving", ["iv1", "iv3"]), ("lagging", ["iv2"])):
        bo, be = expected_from_codings(plan, ["ana", "ben"], names, "k1")
        assert row.by_group[g].alpha == pytest.approx(1 - bo / be, rel=1e-12), g
    assert row.by_group["lagging"].alpha == 1.0     # identical units


def test_cli_agreement_unit_unitized(store, tmp_path):
    from fieldcode import cli

    place(store, [("iv1", "k1", *span("iv1", "One two"), "ana"), ("iv1", "k1", *span("iv1", "two three"), "ben"),
                  ("iv2", "k1", *span("iv2", "beta"), "ana"), ("iv2", "k1", *span("iv2", "beta"), "ben")])
    root = tmp_path
    args = ["--project", str(root), "--db", store.url, "agreement", "--unit", "unitized", "--codes", "k1"]
    r = CliRunner().invoke(cli.app, args)
    assert r.exit_code == 0, r.output
    bo, be = expected_from_codings([("iv1", "k1", *span("iv1", "One two"), "ana"),
                                    ("iv1", "k1", *span("iv1", "two three"), "ben"),
                                    ("iv2", "k1", *span("iv2", "beta"), "ana"),
                                    ("iv2", "k1", *span("iv2", "beta"), "ben")], ["ana", "ben"], ["iv1", "iv2"], "k1")
    assert f"{1 - bo / be:.3f}" in r.stdout
    assert "unitizing" in r.stdout.lower()
    r = CliRunner().invoke(cli.app, [*args, "--format", "csv"])
    assert r.exit_code == 0, r.output
    head, first = r.stdout.splitlines()[:2]
    assert head.startswith("code,label,code_path,group_by,group,coders,unit,continuum_chars")
    assert float(first.split(",")[-1]) == pytest.approx(1 - bo / be, rel=1e-9)


def test_methods_page_quotes_the_definitions_as_the_code_has_them():
    from pathlib import Path

    from fieldcode.team.levels import LEVEL_RULE
    from fieldcode.team.unitized import UNITIZED_DEFINITIONS

    methods = (Path(__file__).resolve().parents[1] / "docs" / "methods.md").read_text(encoding="utf-8")
    for text in (*UNITIZED_DEFINITIONS.values(), LEVEL_RULE):
        assert text in methods


def test_interviewer_turns_join_the_continuum_when_included(store):
    place(store, [("iv1", "k2", *span("iv1", "Hello there"), "ana"),      # interviewer's turn
                  ("iv1", "k2", *span("iv1", "nine ten"), "ben"),
                  ("iv2", "k2", *span("iv2", "beta"), "ana"), ("iv2", "k2", *span("iv2", "beta"), "ben"),
                  ("iv3", "k2", *span("iv3", "Red"), "ana"), ("iv3", "k2", *span("iv3", "Red"), "ben")])
    left_out = {r.key: r for r in unitized_agreement(store, coders=["ana", "ben"]).rows}
    included_res = unitized_agreement(store, coders=["ana", "ben"], include_interviewer=True)
    included = {r.key: r for r in included_res.rows}
    assert left_out["k2"].units["(all)"] == {"ana": 2, "ben": 3}
    assert included["k2"].units["(all)"] == {"ana": 3, "ben": 3}
    questions = ["Hello there, welcome.", "Go on then.", "Next question please.", "Last one."]
    bodies = sum(len(b) for bs in BODIES.values() for b in bs)
    assert included_res.lengths["(all)"] == bodies + sum(len(q) for q in questions)


def test_export_agreement_unitized_writes_the_table_and_sidecar(tmp_path):
    """``export agreement --unit unitized`` writes what ``agreement --unit unitized --format csv``
    prints, with a sidecar naming the unit and the continuum."""
    import json

    from typer.testing import CliRunner

    from fieldcode.cli import app
    from fieldcode.project import Project

    from conftest import MINI_A, MINI_B, MINI_CODEBOOK

    root = tmp_path / "s"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    (root / "interviews" / "a.md").write_text(MINI_A, encoding="utf-8")
    (root / "interviews" / "b.md").write_text(MINI_B, encoding="utf-8")
    p = Project.open(root, coder="ana")
    try:
        assert p.import_files().ok
        text = p.store.interview("a.md").text
        s = text.index("Twenty years")
        p.store.add_coding("a.md", "leadership", s, s + 12, "ana")
        p.store.add_coding("a.md", "leadership", s, s + 20, "ben")
        t = p.store.interview("b.md").text.index("The flats")
        p.store.add_coding("b.md", "housing", t, t + 9, "ana")
        p.store.add_coding("b.md", "housing", t, t + 9, "ben")
    finally:
        p.close()
    runner = CliRunner()
    printed = runner.invoke(app, ["-C", str(root), "agreement", "--coders", "ana,ben", "--unit", "unitized",
                                  "--format", "csv"])
    assert printed.exit_code == 0, printed.output
    out = tmp_path / "u.csv"
    r = runner.invoke(app, ["-C", str(root), "export", "agreement", "--coders", "ana,ben", "--unit", "unitized",
                            "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == printed.stdout
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["unit"] == "unitized" and side["units"]["u-alpha"] and "continuum" in side
    assert "segments" not in side["units"]          # the crosstab's units are not this export's
    r = runner.invoke(app, ["-C", str(root), "export", "agreement", "--coders", "ana,ben", "--unit", "unitized",
                            "--ci", "-o", str(tmp_path / "v.csv")])
    assert r.exit_code != 0 and "--ci is not available with --unit unitized" in r.output
    assert not (tmp_path / "v.csv").exists()
