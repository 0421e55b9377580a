"""Agreement with bootstrap intervals at scale, as a ratio against a plain numpy computation doing
the same resampling in the same run.

    .venv/bin/python benchmarks/bench_bootstrap.py                  # 500 interviews, 3 coders, 300,000 codings, 1,000 resamples
    .venv/bin/python benchmarks/bench_bootstrap.py --interviews 50 --codings 30000
    .venv/bin/python benchmarks/bench_bootstrap.py --quick         # seconds: does it still work?

The corpus is the agreement benchmark's (``bench_agreement.build``: interviews of alternating
Interviewer and respondent turns, a sentence every ten words, word-aligned random codings of
random codes by three coders, every coder coding every interview).

fieldcode: ``fieldcode.team.reliability.agreement(..., ci=True, resamples=1000, seed=1)`` at the
sentence unit: the point estimates and, for every code and the pooled row, percentile intervals
on Cohen's kappa, alpha, AC1, Brennan-Prediger and PABAK of each pair and on alpha, AC1, BP and
Fleiss' kappa of the three coders together.

Baseline (no fieldcode code): raw ``sqlite3`` fetches and dense numpy, as the agreement
benchmark's baseline (a boolean analysed-text mask over the whole corpus, each code and coder's
coverage from a difference array, sentence units from prefix sums); then per code and interview
the sums every coefficient is a formula of (units, the agreement and coded-share sums, the
coincidences, a pair's 2x2 table), by ``bincount``; then the same resampling (one
``numpy.random.default_rng(seed)``, ``integers(0, n, (resamples, n))`` over the interviews two
or more coders coded, each resample's sums as a weighted sum over interviews), the coefficients
of every resample and ``nanpercentile``.  Every interval is checked equal (1e-9) to fieldcode's
before the times are printed.
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import sqlite3
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_agreement as ba  # noqa: E402
from fieldcode.project import Project  # noqa: E402

CODERS = ba.CODERS
LEVEL = 0.95
RESAMPLING: list[float] = []   # the baseline's time from the units to the intervals (each run)


def units_and_codings(db: Path, unit: str, code_ids: list[int]):
    """(unit -> interview index, units x coders rated, {code: units x coders coded}, interviews)."""
    con = sqlite3.connect(db)
    ivs = con.execute("SELECT id, n_chars FROM interview ORDER BY name").fetchall()
    pos = {iid: k for k, (iid, _n) in enumerate(ivs)}
    lens = np.array([n for _i, n in ivs], dtype=np.int64)
    off = np.concatenate([[0], np.cumsum(lens)])
    total = int(off[-1])
    analysed = np.zeros(total, dtype=bool)
    with_turns = set()
    for iid, cs, en, inter in con.execute("SELECT interview_id, content_start, \"end\", is_interviewer FROM turn"):
        with_turns.add(iid)
        if not inter:
            o = off[pos[iid]]
            analysed[o + cs:o + en] = True
    for iid, k in pos.items():
        if iid not in with_turns:
            analysed[off[k]:off[k + 1]] = True
    rated = np.zeros((len(ivs), len(CODERS)), dtype=bool)
    cods = np.array(con.execute(
        "SELECT interview_id, CASE coder " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CODERS))
        + " END, code_id, start, \"end\" FROM coding").fetchall(), dtype=np.int64)
    iv_index = np.zeros(max(pos) + 1, dtype=np.int64)
    iv_index[list(pos)] = list(pos.values())
    civ = iv_index[cods[:, 0]]
    ccoder, ccode = cods[:, 1], cods[:, 2]
    cs_, ce_ = off[civ] + cods[:, 3], off[civ] + cods[:, 4]
    rated[civ, ccoder] = True
    iv_of_char = np.repeat(np.arange(len(ivs)), lens)
    if unit == "sentence":
        srows = np.array(con.execute("SELECT interview_id, start, \"end\" FROM sentence").fetchall(), dtype=np.int64)
        so = off[[pos[i] for i in srows[:, 0]]]
        ss, se = so + srows[:, 1], so + srows[:, 2]
        acum = np.concatenate([[0], np.cumsum(analysed)])
        keep = acum[se] - acum[ss] > 0
        ss, se = ss[keep], se[keep]
        unit_iv = iv_of_char[ss]
    else:
        unit_iv = iv_of_char[analysed]
    con.close()
    coded = {}
    for code_id in code_ids:
        xs = []
        for c in range(len(CODERS)):
            sel = (ccode == code_id) & (ccoder == c)
            diff = np.bincount(cs_[sel], minlength=total + 1) - np.bincount(ce_[sel], minlength=total + 1)
            cov = (np.cumsum(diff[:-1]) > 0) & analysed
            if unit == "sentence":
                ccum = np.concatenate([[0], np.cumsum(cov)])
                xs.append((ccum[se] - ccum[ss]) > 0)
            else:
                xs.append(cov[analysed])
        coded[code_id] = np.stack(xs, axis=1)
    return unit_iv, rated[unit_iv], coded, rated, len(ivs)


def sums_per_interview(unit_iv, unit_rated, x, subset: list[int], n_iv: int) -> dict:
    """Per interview sums over the units two or more coders of ``subset`` rated."""
    r = unit_rated[:, subset]
    m = r.sum(axis=1).astype(np.float64)
    k = (x[:, subset] & r).sum(axis=1).astype(np.float64)
    ok = m >= 2
    iv, m, k = unit_iv[ok], m[ok], k[ok]

    def per(w) -> np.ndarray:
        return np.bincount(iv, weights=w, minlength=n_iv)

    out = {"N": per(np.ones_like(m)), "A": per((k * (k - 1) + (m - k) * (m - k - 1)) / (m * (m - 1))),
           "P": per(k / m), "o11": per(k * (k - 1) / (m - 1)), "o00": per((m - k) * (m - k - 1) / (m - 1)),
           "o01": per(k * (m - k) / (m - 1))}
    if len(subset) == 2:
        a, b = x[ok][:, subset[0]].astype(np.float64), x[ok][:, subset[1]].astype(np.float64)
        out.update(na=per(a), nb=per(b), nab=per(a * b))
    return out


def coefficients(s: dict, pair: bool) -> dict:
    """Each coefficient from resampled sums (arrays); NaN where it is undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        N = s["N"]
        pa = np.where(N > 0, s["A"] / N, np.nan)
        pi = np.where(N > 0, s["P"] / N, np.nan)
        pe = 2 * pi * (1 - pi)
        out = {"ac1": (pa - pe) / (1 - pe), "bp": 2 * pa - 1}
        n0, n1 = s["o00"] + s["o01"], s["o11"] + s["o01"]
        n = n0 + n1
        out["alpha"] = np.where((n0 > 0) & (n1 > 0) & (n > 1), 1 - (n - 1) * s["o01"] / (n0 * n1), np.nan)
        if pair:
            na, nb, nab = s["na"], s["nb"], s["nab"]
            po = (N - na - nb + 2 * nab) / N
            pk = (na * nb + (N - na) * (N - nb)) / (N * N)
            out["kappa"] = np.where((N > 0) & (pk < 1), (po - pk) / (1 - pk), np.nan)
            out["pabak"] = np.where(N > 0, 2 * po - 1, np.nan)
        else:
            pf = pi * pi + (1 - pi) * (1 - pi)
            out["fleiss"] = np.where(pf < 1 - 1e-12, (pa - pf) / (1 - pf), np.nan)
    return out


def baseline(db: Path, unit: str, code_ids: list[int], *, resamples: int, seed: int) -> dict:
    """code id (or 'pool') -> subset ('*' or a pair of names) -> coefficient -> (low, high)."""
    unit_iv, unit_rated, coded, rated, n_iv = units_and_codings(db, unit, code_ids)
    t0 = time.perf_counter()
    compared = np.flatnonzero(rated.sum(axis=1) >= 2)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(compared), size=(resamples, len(compared)))
    w = np.zeros((resamples, len(compared)))
    for r in range(resamples):
        w[r] = np.bincount(idx[r], minlength=len(compared))
    subsets = {"*": [0, 1, 2], **{(CODERS[a], CODERS[b]): [a, b] for a, b in combinations(range(len(CODERS)), 2)}}
    out: dict = {}
    for key, subset in subsets.items():
        per_code = {cid: sums_per_interview(unit_iv, unit_rated, coded[cid], subset, n_iv) for cid in code_ids}
        names = list(per_code[code_ids[0]])
        # interviews x (codes + pool) per sum, then resamples x (codes + pool)
        stacked = {nm: np.stack([per_code[cid][nm][compared] for cid in code_ids], axis=1) for nm in names}
        boot = {nm: np.hstack([w @ v, (w @ v).sum(axis=1, keepdims=True)]) for nm, v in stacked.items()}
        for coef, vals in coefficients(boot, key != "*").items():
            lo, hi = np.nanpercentile(vals, [100 * (1 - LEVEL) / 2, 100 * (1 + LEVEL) / 2], axis=0)
            for j, cid in enumerate([*code_ids, "pool"]):
                out.setdefault(cid, {}).setdefault(key, {})[coef] = (lo[j], hi[j])
    RESAMPLING.append(time.perf_counter() - t0)
    return out


def check(res, base: dict, codes) -> int:
    """Every interval of fieldcode's result against the baseline's; the number compared."""
    from fieldcode.team.bootstrap import GROUP_CI, PAIR_CI
    from fieldcode.team.reliability import ALL, ALL_CODES

    rows = {r.key: r for r in res.rows}
    n = 0
    for cid, key in [*[(c.id, c.key) for c in codes], ("pool", ALL_CODES)]:
        r = rows[key]
        for subset, names, ms in [("*", GROUP_CI, r.everyone[ALL]),
                                  *[(pk, PAIR_CI, r.pairs[pk][ALL]) for pk in r.pairs]]:
            for coef in names:
                got = ms.interval(coef)
                want = base[cid][subset][coef]
                for g, x in zip(got, want):
                    assert ba.same(g, float(x)), (key, subset, coef, got, want)
                    n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--interviews", type=int, default=500)
    ap.add_argument("--codings", type=int, default=300_000)
    ap.add_argument("--words", type=int, default=4000, help="words per interview")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--unit", default="sentence", choices=("sentence", "char"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the corpus in this folder")
    ap.add_argument("--quick", action="store_true",
                    help="a tiny corpus (10 interviews x 500 words, 2,000 codings, 100 resamples, 1 repeat): the "
                         "test suite's check that the script still works (its times mean nothing)")
    args = ap.parse_args()
    if args.quick:
        args.interviews, args.codings, args.words, args.resamples, args.repeat = 10, 2000, 500, 100, 1

    from fieldcode.team.reliability import agreement

    folder = args.keep or Path(tempfile.mkdtemp(prefix="fieldcode-bench-bootstrap-"))
    if not args.keep:
        atexit.register(shutil.rmtree, folder, True)
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if (folder / "fieldcode.db").exists() and args.keep:
        p = Project.open(folder, coder="bench")
        print(f"reusing {folder}")
    else:
        p = ba.build(folder, args.interviews, args.codings, args.words)
        print(f"built {args.interviews} interviews x {len(CODERS)} coders, {args.codings:,} codings in "
              f"{time.perf_counter() - t0:.1f} s ({folder})")
    db = folder / "fieldcode.db"
    codes = list(p.store.codes())
    t_base, base = ba.timed(lambda: baseline(db, args.unit, [c.id for c in codes], resamples=args.resamples,
                                             seed=args.seed), args.repeat)
    t_fc, res = ba.timed(lambda: agreement(p.store, unit=args.unit, coders=CODERS, ci=True,
                                           resamples=args.resamples, seed=args.seed), args.repeat)
    t_point, _ = ba.timed(lambda: agreement(p.store, unit=args.unit, coders=CODERS), args.repeat)
    n = check(res, base, codes)
    print(f"{args.unit} units, {args.resamples:,} resamples of {res.n_compared} interviews: baseline (sqlite3 + dense "
          f"numpy, the same resampling) {t_base:.3f} s, fieldcode agreement --ci {t_fc:.3f} s, ratio "
          f"{t_fc / t_base:.2f}x (target <= 1.5x: {'met' if t_fc / t_base <= 1.5 else 'NOT met'}); "
          f"{n:,} interval ends equal")
    t_res = min(RESAMPLING)
    print(f"resampling alone: baseline (sums per interview, resamples, coefficients, percentiles) {t_res:.3f} s, "
          f"fieldcode --ci adds {max(t_fc - t_point, 0.0):.3f} s to agreement's {t_point:.3f} s, ratio "
          f"{max(t_fc - t_point, 0.0) / t_res:.2f}x")
    p.close()


if __name__ == "__main__":
    main()
