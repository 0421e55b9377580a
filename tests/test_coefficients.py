"""Gwet's AC1, Brennan–Prediger, PABAK (with the prevalence and bias indices) and Fleiss' kappa
(fieldcode.team.coefficients, on the agreement result) against the ``irrCAC`` package and plain
per-unit computations on random codings (seeded; two, three and four coders; coders missing from
interviews), to 1e-9; and against textbook-style 2x2 and three-rater tables worked by hand.

The independent side is the per-unit 0/1 matrix that test_agreement_property builds straight from
the codings the test made (NaN where a coder never coded the interview); units of interviews fewer
than two coders coded are left out, as fieldcode does (its definition; irrCAC would count a unit
with one rating in its share coded ``pi``)."""

from __future__ import annotations

import math
import warnings

import pytest

from agreement_helpers import code, make_store
from test_agreement_property import KEYS, build_cases, dense
from fieldcode.team.coefficients import from_ratings
from fieldcode.team.reliability import ALL, agreement

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
irr = pytest.importorskip("irrCAC.raw")
krippendorff = pytest.importorskip("krippendorff")


def same(a, b, tol=1e-9):
    # b is None: irrCAC cannot compute it on a single unit (its variance divides by n - 1)
    return b is None or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=0, abs_tol=tol)


def irrcac(m, what):
    """irrCAC's coefficient ``what`` (gwet, bp, fleiss) of a raters x units matrix; NaN when its
    formula divides by zero (no variation)."""
    keep = (~np.isnan(m)).sum(axis=0) >= 2
    if not keep.any():
        return math.nan
    if keep.sum() == 1:
        return None
    df = pd.DataFrame(m[:, keep].T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cac = irr.CAC(df, categories=[0.0, 1.0], digits=15)
            return float(getattr(cac, what)()["est"]["coefficient_value"])
        except ZeroDivisionError:
            return math.nan


def fleiss_expected(m):
    """irrCAC's Fleiss, except where nobody varies (every kept rating the same): fieldcode calls
    that undefined, as it does kappa and alpha (irrCAC's 0/0 comes out as 1 or NaN)."""
    kept = m[:, (~np.isnan(m)).sum(axis=0) >= 2]
    vals = kept[~np.isnan(kept)]
    if len(vals) == 0 or vals.min() == vals.max():
        return math.nan
    return irrcac(m, "fleiss")


def two_by_two(x, y):
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    a = float(((x == 1) & (y == 1)).sum())
    d = float(((x == 0) & (y == 0)).sum())
    b = float(((x == 1) & (y == 0)).sum())
    c = float(((x == 0) & (y == 1)).sum())
    return a, b, c, d


@pytest.fixture(scope="module")
def random_store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("coefficients")
    store, cases = build_cases(f"sqlite:///{tmp / 'c.db'}", tmp, seed=11)
    yield store, cases
    store.close()


@pytest.mark.parametrize("unit", ["char", "sentence"])
def test_coefficients_match_irrcac_on_random_codings(random_store, unit):
    store, cases = random_store
    checked = {2: 0, 3: 0}
    for case, (_coders, items) in enumerate(cases):
        present = sorted({c for _n, _l, _s, cods in items for *_x, c in cods})
        if len(present) < 2:
            continue
        res = agreement(store, unit=unit, filters={"case": [str(case)]})
        pooled_parts = []
        for key in KEYS:
            m = dense(items, present, key, unit)
            pooled_parts.append(m)
            r = next(r for r in res.rows if r.key == key)
            e = r.everyone[ALL]
            assert same(e.ac1, irrcac(m, "gwet")), (case, key, unit, e.ac1)
            assert same(e.bp, irrcac(m, "bp")), (case, key, unit, e.bp)
            if len(present) >= 3:
                assert same(e.fleiss, fleiss_expected(m)), (case, key, unit, e.fleiss)
                assert math.isnan(e.pabak)            # PABAK is a pair's
            else:
                assert math.isnan(e.fleiss)           # Fleiss only for three or more
            for (a, b), per in r.pairs.items():
                x, y = m[present.index(a)], m[present.index(b)]
                ta, tb, tc, td = two_by_two(x, y)
                n = ta + tb + tc + td
                ms = per[ALL]
                if n == 0:
                    assert math.isnan(ms.pabak)
                    continue
                assert same(ms.pabak, 2 * (ta + td) / n - 1)
                assert same(ms.prevalence, abs(ta - td) / n)
                assert same(ms.bias, abs(tb - tc) / n)
                pair = np.vstack([x, y])
                assert same(ms.ac1, irrcac(pair, "gwet"))
                assert same(ms.bp, irrcac(pair, "bp"))
                assert same(ms.bp, ms.pabak)          # two raters, two categories: the same number
            checked[min(len(present), 3)] += 1
        # (all codes): every code's judgements stacked as units
        allm = np.hstack(pooled_parts)
        e = res.rows[-1].everyone[ALL]
        assert same(e.ac1, irrcac(allm, "gwet")) and same(e.bp, irrcac(allm, "bp"))
        if len(present) >= 3:
            assert same(e.fleiss, fleiss_expected(allm))
    assert checked[2] >= 3 * 3 and checked[3] >= 3 * 15, checked   # two coders: 4 cases (and every pair of the others)


def test_from_ratings_matches_irrcac_and_krippendorff():
    rng = np.random.default_rng(2024)
    for raters in (2, 3, 5):
        for _ in range(10):
            m = (rng.random((raters, 40)) < rng.uniform(0.05, 0.6)).astype(float)
            if raters > 2:
                m[rng.random(m.shape) < 0.2] = np.nan
            got = from_ratings(m.T)
            assert same(got["ac1"], irrcac(m, "gwet"))
            assert same(got["bp"], irrcac(m, "bp"))
            if raters >= 3:
                assert same(got["fleiss"], fleiss_expected(m))
            if not math.isnan(got["alpha"]):
                assert same(got["alpha"], krippendorff.alpha(reliability_data=m, level_of_measurement="nominal"))


def table(a, b, c, d):
    """A 2x2 table as two raters' ratings: a both 1, b rater 1 only, c rater 2 only, d both 0."""
    x = [1] * a + [1] * b + [0] * c + [0] * d
    y = [1] * a + [0] * b + [1] * c + [0] * d
    return np.array([x, y], dtype=float).T


def test_two_by_two_worked_by_hand():
    # Byrt, Bishop & Carlin (1993), "Bias, prevalence and kappa", J Clin Epidemiol 46:423-429:
    # PABAK = 2 po - 1, prevalence index (a - d)/n, bias index (b - c)/n (taken absolute here).
    # Table (ours): a = 40, b = 9, c = 6, d = 45, n = 100.
    #   po = (40 + 45)/100 = 0.85, PABAK = 0.70, PI = |40 - 45|/100 = 0.05, BI = |9 - 6|/100 = 0.03
    #   Cohen: p1 = 49/100, p2 = 46/100, pe = .49*.46 + .51*.54 = .2254 + .2754 = .5008,
    #          kappa = (.85 - .5008)/(1 - .5008) = .3492/.4992 = 0.699519230769...
    #   Gwet (2014, Handbook of Inter-Rater Reliability, ch. 4, AC1 for two raters):
    #          pi = (2a + b + c)/(2n) = 95/200 = .475, pe = 2 pi (1 - pi) = .49875,
    #          AC1 = (.85 - .49875)/(1 - .49875) = .35125/.50125 = 0.700748129675...
    #   Brennan-Prediger: pe = 1/q = .5, BP = (.85 - .5)/.5 = 0.70
    got = from_ratings(table(40, 9, 6, 45))
    assert got["pabak"] == pytest.approx(0.70, abs=1e-12)
    assert got["prevalence"] == pytest.approx(0.05, abs=1e-12)
    assert got["bias"] == pytest.approx(0.03, abs=1e-12)
    assert got["kappa"] == pytest.approx(0.3492 / 0.4992, abs=1e-12)
    assert got["ac1"] == pytest.approx(0.35125 / 0.50125, abs=1e-12)
    assert got["bp"] == pytest.approx(0.70, abs=1e-12)


def test_kappa_paradox_table_worked_by_hand():
    # The high-agreement, low-kappa table of the kappa paradoxes (Feinstein & Cicchetti 1990;
    # Gwet 2008, Br J Math Stat Psychol 61:29-48, motivates AC1 with such tables):
    # a = 118, b = 5, c = 2, d = 0, n = 125.
    #   po = 118/125 = .944; p1 = 123/125 = .984, p2 = 120/125 = .96
    #   kappa: pe = .984*.96 + .016*.04 = .94464 + .00064 = .94528, (.944 - .94528)/.05472 = -0.0233918...
    #   AC1: pi = (236 + 7)/250 = .972, pe = 2*.972*.028 = .054432, (.944 - .054432)/.945568 = 0.940776...
    #   PABAK = 2*.944 - 1 = .888; PI = 118/125 = .944; BI = 3/125 = .024
    got = from_ratings(table(118, 5, 2, 0))
    assert got["kappa"] == pytest.approx(-0.00128 / 0.05472, abs=1e-12)
    assert got["ac1"] == pytest.approx(0.889568 / 0.945568, abs=1e-12)
    assert got["pabak"] == pytest.approx(0.888, abs=1e-12)
    assert got["prevalence"] == pytest.approx(0.944, abs=1e-12)
    assert got["bias"] == pytest.approx(0.024, abs=1e-12)


def test_three_raters_worked_by_hand():
    # Fleiss (1971) kappa and Gwet's AC1 for three raters on six units, k raters coding each unit:
    # k = 3, 3, 3, 2, 0, 0.  Per-unit agreement [k(k-1) + (3-k)(2-k)]/6: 1, 1, 1, 1/3, 1, 1
    #   pa = (5 + 1/3)/6 = 8/9;  pi = (1 + 1 + 1 + 2/3 + 0 + 0)/6 = 11/18
    #   Fleiss: pe = (11/18)^2 + (7/18)^2 = 170/324 = 85/162, kappa = (144/162 - 85/162)/(77/162) = 59/77
    #   AC1: pe = 2 (11/18)(7/18) = 154/324 = 77/162, AC1 = (144/162 - 77/162)/(85/162) = 67/85
    #   BP = 2 pa - 1 = 7/9
    #   Krippendorff alpha: coincidences o11 = 3*3 + 1 = 10, o00 = 2*3 = 6, o01 = 1 (the k = 2 unit),
    #   n1 = 11, n0 = 7, n = 18: alpha = 1 - 17*1/(7*11) = 60/77
    k = [3, 3, 3, 2, 0, 0]
    m = np.array([[1.0 if j < kk else 0.0 for j in range(3)] for kk in k])
    got = from_ratings(m)
    assert got["pa"] == pytest.approx(8 / 9, abs=1e-12)
    assert got["fleiss"] == pytest.approx(59 / 77, abs=1e-12)
    assert got["ac1"] == pytest.approx(67 / 85, abs=1e-12)
    assert got["bp"] == pytest.approx(7 / 9, abs=1e-12)
    assert got["alpha"] == pytest.approx(60 / 77, abs=1e-12)
    assert math.isnan(got["pabak"]) and math.isnan(got["kappa"])


def test_no_variation_and_the_store_path(db_url, tmp_path):
    # Three coders on one interview of four sentences; k1 coded by all three on sentence 0 only,
    # k2 by nobody (no variation: Fleiss undefined, AC1 = BP = 1 since everyone agrees).
    text = "aaa. bbb. ccc. ddd."
    sents = [(0, 4), (5, 9), (10, 14), (15, 19)]
    store = make_store(db_url, tmp_path, [{"name": "iv", "text": text, "sentences": sents}])
    try:
        for c in ("ana", "ben", "cy"):
            code(store, "iv", "k1", 0, 3, c)
        code(store, "iv", "k3", 5, 8, "ana")
        res = agreement(store, unit="sentence", codes=["k1", "k2", "k3"])
        rows = {r.key: r.everyone[ALL] for r in res.rows}
        # k1: units k = 3, 0, 0, 0: pa = 1, pi = 1/4; Fleiss pe = 1/16 + 9/16 = 10/16, kappa = 1
        assert rows["k1"].fleiss == pytest.approx(1.0) and rows["k1"].ac1 == pytest.approx(1.0)
        # k2: nobody: pa = 1, pi = 0: Fleiss undefined (pe = 1), AC1 = (1 - 0)/(1 - 0) = 1, BP = 1
        assert math.isnan(rows["k2"].fleiss) and rows["k2"].ac1 == 1.0 and rows["k2"].bp == 1.0
        # k3: k = 0, 1, 0, 0: pa = (1 + 1/3 + 1 + 1)/4 = 5/6, pi = (1/3)/4 = 1/12
        #   AC1 pe = 2 (1/12)(11/12) = 22/144, AC1 = (120/144 - 22/144)/(122/144) = 98/122
        #   Fleiss pe = 1/144 + 121/144 = 122/144, kappa = (120 - 122)/(144 - 122) = -2/22
        assert rows["k3"].ac1 == pytest.approx(98 / 122, abs=1e-12)
        assert rows["k3"].fleiss == pytest.approx(-2 / 22, abs=1e-12)
        assert rows["k3"].bp == pytest.approx(2 * 5 / 6 - 1, abs=1e-12)
        # a pair (ana, ben) on k3: a = 0, b = 1, c = 0, d = 3: PABAK = 2*3/4 - 1 = .5, PI = 3/4, BI = 1/4
        ms = next(r for r in res.rows if r.key == "k3").pairs[("ana", "ben")][ALL]
        assert (ms.pabak, ms.prevalence, ms.bias) == pytest.approx((0.5, 0.75, 0.25))
    finally:
        store.close()
