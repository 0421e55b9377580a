"""Bootstrap intervals on every agreement coefficient (fieldcode.team.bootstrap): a seeded run is
deterministic; each interval equals the one this test computes with its own resampling loop
(interviews drawn by the documented protocol, each resample's coefficient recomputed from the
per-unit ratings with the krippendorff and irrCAC packages and plain 2x2 arithmetic, then numpy
percentiles); the seed and resamples are printed and recorded (CSV, sidecar); bad options fail
clearly."""

from __future__ import annotations

import json
import math
import random
import warnings

import pytest
from typer.testing import CliRunner

from agreement_helpers import make_store
from test_agreement_property import dense
from fieldcode import cli
from fieldcode.team.reliability import ALL, ALL_CODES, agreement

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
irr = pytest.importorskip("irrCAC.raw")
krippendorff = pytest.importorskip("krippendorff")

CODERS = ["ana", "ben", "cy"]
KEYS = ["k1", "k2", "k3"]
B = 60


def build(db_url, tmp_path, seed=5):
    """Twelve interviews (names in order), arms alternating; ana and ben code every one, cy most;
    interview iv11 is coded by ana alone (not compared, so never resampled)."""
    rng = random.Random(seed)
    ivs, items = [], []
    for j in range(12):
        n = rng.randint(30, 60)
        text = "".join(rng.choice("abc ") for _ in range(n - 1)) + "."
        cuts = sorted(rng.sample(range(1, n), 6))
        bounds = [0, *cuts, n]
        sents = list(zip(bounds, bounds[1:]))
        name = f"iv{j:02d}"
        ivs.append({"name": name, "text": text, "sentences": sents,
                    "attributes": {"arm": "improving" if j % 2 == 0 else "lagging"}})
        who = ["ana"] if j == 11 else ["ana", "ben"] + (["cy"] if j % 4 != 3 else [])
        codings = []
        for c in who:
            for _ in range(rng.randint(1, 5)):
                a = rng.randrange(n)
                b = rng.randint(a + 1, min(n, a + rng.randint(1, 25)))
                codings.append((rng.choice(KEYS), a, b, c))
        items.append((name, n, sents, codings))
    store = make_store(db_url, tmp_path, ivs)
    store.add_codings([(name, k, a, b, c, "") for name, _n, _s, cods in items for k, a, b, c in cods])
    return store, items


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("agreement-ci")
    store, items = build(f"sqlite:///{tmp / 'ci.db'}", tmp)
    yield store, items
    store.close()


def cac(m, what):
    keep = (~np.isnan(m)).sum(axis=0) >= 2
    kept = m[:, keep]
    vals = kept[~np.isnan(kept)]
    if keep.sum() < 2 or vals.min() == vals.max():
        return math.nan          # fieldcode: no variation is undefined (Fleiss); too few units for irrCAC
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(getattr(irr.CAC(pd.DataFrame(kept.T), categories=[0.0, 1.0], digits=15), what)()
                     ["est"]["coefficient_value"])


def alpha(m):
    kept = m[:, (~np.isnan(m)).sum(axis=0) >= 2]
    if len(set(kept[~np.isnan(kept)].tolist())) < 2:
        return math.nan
    return krippendorff.alpha(reliability_data=m, level_of_measurement="nominal")


def kappa(x, y):
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    if not len(x):
        return math.nan
    po = float(np.mean(x == y))
    pe = float(np.mean(x) * np.mean(y) + (1 - np.mean(x)) * (1 - np.mean(y)))
    return math.nan if pe == 1 else (po - pe) / (1 - pe)


def pabak(x, y):
    ok = ~np.isnan(x) & ~np.isnan(y)
    return 2 * float(np.mean(x[ok] == y[ok])) - 1 if ok.any() else math.nan


def own_interval(values):
    v = np.array(values, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return math.nan, math.nan
    lo, hi = np.percentile(v, [2.5, 97.5])
    return float(lo), float(hi)


def close(got, want):
    return all((math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9 for a, b in zip(got, want))


def test_seeded_run_is_deterministic(study):
    store, _items = study
    one = agreement(store, unit="sentence", ci=True, seed=3, resamples=B)
    two = agreement(store, unit="sentence", ci=True, seed=3, resamples=B)
    other = agreement(store, unit="sentence", ci=True, seed=4, resamples=B)
    cis = [[(r.key, pk, ms[ALL].ci) for r in res.rows for pk, ms in r.pairs.items()] +
           [(r.key, r.everyone[ALL].ci) for r in res.rows] for res in (one, two, other)]
    assert cis[0] == cis[1]
    assert cis[0] != cis[2]
    assert one.options["ci"] == {"method": "percentile bootstrap over interviews", "level": 0.95,
                                 "resamples": B, "seed": 3}
    # every coefficient has an interval: kappa, alpha, AC1, BP, PABAK per pair; alpha, AC1, BP, Fleiss together
    r = one.rows[0]
    assert [c for c, _lo, _hi in r.pairs[("ana", "ben")][ALL].ci] == ["kappa", "alpha", "ac1", "bp", "pabak"]
    assert [c for c, _lo, _hi in r.everyone[ALL].ci] == ["alpha", "ac1", "bp", "fleiss"]
    # without --ci: none, and the options say so
    assert agreement(store, unit="sentence").options["ci"] is None


def test_intervals_equal_an_own_resampling_loop(study):
    store, items = study
    seed = 17
    res = agreement(store, unit="sentence", ci=True, seed=seed, resamples=B, by="arm")
    assert res.groups == [ALL, "improving", "lagging"]
    # per interview and code: the coders x units matrix, built from the test's own codings
    per_iv = {it[0]: {k: dense([it], CODERS, k, "sentence") for k in KEYS} for it in items}
    compared = [it for it in items if len({c for *_x, c in it[3]}) >= 2]       # iv11 is not
    assert len(compared) == 11
    arm = {it[0]: "improving" if int(it[0][2:]) % 2 == 0 else "lagging" for it in items}
    rng = np.random.default_rng(seed)       # the documented protocol: one generator, groups in order
    draws = {}
    for g in res.groups:
        pool = [it[0] for it in compared if g == ALL or arm[it[0]] == g]
        draws[g] = [[pool[i] for i in row] for row in rng.integers(0, len(pool), size=(B, len(pool)))]
    for g in (ALL, "lagging"):
        for key in ["k2", ALL_CODES]:
            keys = KEYS if key == ALL_CODES else [key]
            vals: dict[str, list] = {}
            for names in draws[g]:
                m = np.hstack([per_iv[n][k] for n in names for k in keys])
                vals.setdefault("alpha", []).append(alpha(m))
                vals.setdefault("ac1", []).append(cac(m, "gwet"))
                vals.setdefault("bp", []).append(cac(m, "bp"))
                vals.setdefault("fleiss", []).append(cac(m, "fleiss"))
                vals.setdefault("kappa", []).append(kappa(m[0], m[2]))
                vals.setdefault("pabak", []).append(pabak(m[0], m[2]))
                vals.setdefault("pair alpha", []).append(alpha(m[[0, 2]]))
            row = next(r for r in res.rows if r.key == key)
            e = row.everyone[g]
            for c in ("alpha", "ac1", "bp", "fleiss"):
                assert close(e.interval(c), own_interval(vals[c])), (g, key, c, e.interval(c), own_interval(vals[c]))
            p = row.pairs[("ana", "cy")][g]
            assert close(p.interval("kappa"), own_interval(vals["kappa"])), (g, key)
            assert close(p.interval("pabak"), own_interval(vals["pabak"])), (g, key)
            assert close(p.interval("alpha"), own_interval(vals["pair alpha"])), (g, key)
            lo, hi = e.interval("alpha")
            assert lo <= hi


def run(root, *args):
    return CliRunner().invoke(cli.app, ["--project", str(root), *args])


def test_cli_prints_and_records_seed_and_resamples(bundled_coded, tmp_path):
    from conftest import copy_study

    root = copy_study(bundled_coded, tmp_path / "s")
    r = run(root, "agreement", "--coefficients", "all", "--ci", "--resamples", "40", "--seed", "9")
    assert r.exit_code == 0, r.output
    assert "40 resamples" in r.stdout and "seed 9" in r.stdout
    assert "AC1" in r.stdout and "PABAK" in r.stdout and "bootstrap intervals" in r.stdout
    r = run(root, "agreement", "--ci", "--resamples", "40", "--seed", "9", "--format", "csv")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    head = lines[0].split(",")
    first = dict(zip(head, lines[1].split(",")))
    assert (first["ci_seed"], first["ci_resamples"], first["ci_level"]) == ("9", "40", "0.95")
    assert first["gwet_ac1"] and first["cohen_kappa_ci_high"]
    assert "seed 9" in r.stderr
    out = tmp_path / "agreement.csv"
    r = run(root, "export", "agreement", "-o", str(out), "--ci", "--resamples", "40", "--seed", "9")
    assert r.exit_code == 0, r.output
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["bootstrap"]["seed"] == 9 and side["bootstrap"]["resamples"] == 40
    assert "ac1" in side["coefficients"] and "1/q" in side["coefficients"]["bp"]
    # the same seed gives the same file
    first_csv = out.read_text(encoding="utf-8")
    r = run(root, "export", "agreement", "-o", str(out), "--ci", "--resamples", "40", "--seed", "9")
    assert out.read_text(encoding="utf-8") == first_csv


@pytest.mark.parametrize("args,says", [(["--ci", "--resamples", "0"], "--resamples"),
                                       (["--coefficients", "some"], "--coefficients must be basic or all"),
                                       (["--unit", "unitized", "--ci"], "not to --unit unitized")])
def test_bad_options_are_refused_clearly(bundled_coded, tmp_path, args, says):
    from conftest import copy_study

    root = copy_study(bundled_coded, tmp_path / "s")
    r = run(root, "agreement", *args)
    assert r.exit_code != 0
    assert says in r.stderr and "Traceback" not in r.output
