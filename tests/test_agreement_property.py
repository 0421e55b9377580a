"""fieldcode's alpha against the krippendorff package, and its kappa against a plain per-unit
computation, on random codings (seeded), to 1e-9.

One store holds many random cases; each case is a few interviews tagged ``case=N`` and is
measured on its own with ``--where case=N``.  The independent side builds, per code and coder,
a dense 0/1 vector over the units (NaN where the coder never coded that interview) straight from
the codings the test itself made, without fieldcode's sweep."""

from __future__ import annotations

import math
import random

import pytest

from agreement_helpers import make_store
from fieldcode.team.reliability import ALL, agreement

krippendorff = pytest.importorskip("krippendorff")
np = pytest.importorskip("numpy")

N_CASES = 25
CODERS = ["ana", "ben", "cy", "dee"]
KEYS = ["k1", "k2", "k3"]


def build_cases(db_url, tmp_path, seed=7):
    rng = random.Random(seed)
    ivs, cases = [], []
    for case in range(N_CASES):
        n_iv = rng.randint(1, 3)
        coders = rng.sample(CODERS, rng.randint(2, 4))
        items = []
        for j in range(n_iv):
            n = rng.randint(15, 70)
            text = "".join(rng.choice("abc ") for _ in range(n - 1)) + "."
            cuts = sorted(rng.sample(range(1, n), rng.randint(0, min(4, n - 1))))
            bounds = [0, *cuts, n]
            sents = [(a, b) for a, b in zip(bounds, bounds[1:])]
            name = f"c{case}-{j}"
            ivs.append({"name": name, "text": text, "sentences": sents, "attributes": {"case": str(case)}})
            codings = []
            for c in coders:
                if j > 0 and rng.random() < 0.25:
                    continue                                  # this coder never coded this interview
                for _ in range(rng.randint(1, 6)):
                    a = rng.randrange(n)
                    b = rng.randint(a + 1, min(n, a + rng.randint(1, 30)))
                    codings.append((rng.choice(KEYS), a, b, c))
            items.append((name, n, sents, codings))
        cases.append((coders, items))
    store = make_store(db_url, tmp_path, ivs)
    specs = [(name, key, a, b, c, "") for _coders, items in cases for name, _n, _s, cods in items
             for key, a, b, c in cods]
    store.add_codings(specs)
    return store, cases


def dense(items, coders, key, unit):
    """coders x units matrix of 0/1/NaN for one code, computed unit by unit."""
    rows = {c: [] for c in coders}
    for _name, n, sents, codings in items:
        rated = {c for _k, _a, _b, c in codings}
        units = [(i, i + 1) for i in range(n)] if unit == "char" else sents
        for ua, ub in units:
            for c in coders:
                if c not in rated:
                    rows[c].append(math.nan)
                else:
                    hit = any(k == key and cc == c and a < ub and b > ua for k, a, b, cc in codings)
                    rows[c].append(1.0 if hit else 0.0)
    return np.array([rows[c] for c in coders], dtype=float)


def plain_kappa(x, y):
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n == 0:
        return math.nan
    po = float(np.mean(x == y))
    pe = float(np.mean(x) * np.mean(y) + (1 - np.mean(x)) * (1 - np.mean(y)))
    return math.nan if pe == 1 else (po - pe) / (1 - pe)


def plain_alpha(m):
    kept = m[:, (~np.isnan(m)).sum(axis=0) >= 2]
    values = set(np.unique(kept[~np.isnan(kept)]).tolist())
    if len(values) < 2:
        return math.nan
    return krippendorff.alpha(reliability_data=m, level_of_measurement="nominal")


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=0, abs_tol=1e-9)


@pytest.fixture(scope="module")
def random_store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("agreement-property")
    store, cases = build_cases(f"sqlite:///{tmp / 'p.db'}", tmp)
    yield store, cases
    store.close()


@pytest.mark.parametrize("unit", ["char", "sentence"])
def test_alpha_and_kappa_match_independent_computations(random_store, unit):
    store, cases = random_store
    checked = 0
    for case, (coders, items) in enumerate(cases):
        present = sorted({c for _n, _l, _s, cods in items for *_x, c in cods})
        if len(present) < 2:
            continue
        res = agreement(store, unit=unit, filters={"case": [str(case)]})
        assert res.coders == present
        for key in KEYS:
            m = dense(items, present, key, unit)
            r = next(r for r in res.rows if r.key == key)
            got = r.everyone[ALL].alpha
            want = plain_alpha(m)
            assert same(got, want), (case, key, unit, got, want)
            for (a, b), per in r.pairs.items():
                k = plain_kappa(m[present.index(a)], m[present.index(b)])
                assert same(per[ALL].kappa, k), (case, key, unit, a, b)
                assert same(per[ALL].alpha, plain_alpha(m[[present.index(a), present.index(b)]]))
            checked += 1
    assert checked >= 3 * 20
