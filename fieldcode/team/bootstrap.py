"""Percentile bootstrap intervals on every agreement coefficient, resampling interviews; and the
step that puts the coefficients of ``fieldcode.team.coefficients`` (with their intervals) on an
``Agreement`` built by ``fieldcode.team.reliability``.

How (``BOOTSTRAP_DEFINITION``): the interviews that two or more of the coders coded are the
resampled units (within each group with ``--by``: that group's such interviews).  For each group,
in order, ``numpy.random.default_rng(seed).integers(0, n, size=(resamples, n))`` draws, for every
resample, ``n`` interviews with replacement (one generator for the whole run, so a seed gives the
same intervals every time).  Every coefficient is a function of sums over interviews
(``coefficients.interview_sums``), so a resample's value is the same formula over the sums
weighted by how often each interview was drawn.  The interval is the (1 - level)/2 and
(1 + level)/2 percentiles (numpy's default linear interpolation) of the resampled values; a
resample where a coefficient is undefined (no variation) is left out of that coefficient's
percentiles, and when every one is, the interval is undefined.  Units inside an interview are
not independent (a coder's one long coding covers many), which is why whole interviews are
resampled.
"""

from __future__ import annotations

import dataclasses
import math

from fieldcode.team.coefficients import coefficients_from, interview_sums, pooled

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 1
DEFAULT_LEVEL = 0.95
BOOTSTRAP_DEFINITION = (
    "percentile bootstrap: the interviews two or more of the coders coded (within each group with --by) are "
    "drawn with replacement, as many as there are, numpy default_rng(seed).integers per group in order; each "
    "coefficient is recomputed from the resampled interviews' sums; the interval is the (1-level)/2 and "
    "(1+level)/2 percentiles of the resampled values (resamples where it is undefined are left out)")
# which coefficients get intervals: a pair's, and all the coders' together when more than two
PAIR_CI = ("kappa", "alpha", "ac1", "bp", "pabak")
GROUP_CI = ("alpha", "ac1", "bp", "fleiss")


def resample_counts(rng, n: int, resamples: int):
    """resamples x n: how often each of ``n`` interviews is drawn in each resample."""
    import numpy as np

    idx = rng.integers(0, n, size=(resamples, n))
    flat = idx + (np.arange(resamples, dtype=np.int64) * n)[:, None]
    return np.bincount(flat.ravel(), minlength=resamples * n).reshape(resamples, n).astype(np.float64)


def percentile_interval(values, level: float):
    """(low, high) per column of ``values`` (resamples x ...), NaN resamples left out."""
    import warnings

    import numpy as np

    q = [100.0 * (1.0 - level) / 2.0, 100.0 * (1.0 + level) / 2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # an all-undefined column: NaN
        lo, hi = np.nanpercentile(values, q, axis=0)
    return lo, hi


def intervals(sums: dict, member, compared, *, seed: int, resamples: int, level: float) -> dict:
    """For each set of coders in ``sums`` (key -> per code x interview sums): coefficient ->
    (low, high), each (codes + pool) x groups.  ``compared``: per interview, coded by two or more
    coders (the interviews resampled)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n_groups = member.shape[1]
    n_rows = next(iter(sums.values()))["N"].shape[0] + 1
    out: dict = {}
    for g in range(n_groups):
        sel = np.flatnonzero((member[:, g] > 0) & compared)
        if not len(sel):
            continue
        w = resample_counts(rng, len(sel), resamples)
        for key, s in sums.items():
            boot = {}
            for k, v in s.items():
                b = w @ v[:, sel].T                                  # resamples x codes
                boot[k] = np.hstack([b, b.sum(axis=1, keepdims=True)])
            for coef, vals in coefficients_from(boot).items():
                lo, hi = percentile_interval(vals, level)
                slot = out.setdefault(key, {}).setdefault(coef, (np.full((n_rows, n_groups), np.nan),
                                                                 np.full((n_rows, n_groups), np.nan)))
                slot[0][:, g], slot[1][:, g] = lo, hi
    return out


def attach(result, h, member, *, ci: bool = False, seed: int = DEFAULT_SEED, resamples: int = DEFAULT_RESAMPLES,
           level: float = DEFAULT_LEVEL) -> None:
    """Put AC1, Brennan–Prediger, PABAK with its indices (pairs) and Fleiss' kappa (three or more
    coders) on every measure of ``result`` (an ``Agreement``), and with ``ci`` the intervals."""
    import numpy as np

    m = len(result.coders)
    idx = {c: j for j, c in enumerate(result.coders)}
    subsets = {pk: (1 << idx[pk[0]]) | (1 << idx[pk[1]]) for pk in result.pairs}
    if m > 2:
        subsets["*"] = (1 << m) - 1
    sums = {key: interview_sums(h, mask) for key, mask in subsets.items()}
    point = {key: coefficients_from(pooled(s, member)) for key, s in sums.items()}
    cis = {}
    if ci:
        compared = _popcount_ge2(h.rated & ((1 << m) - 1))
        cis = intervals(sums, member, compared, seed=seed, resamples=resamples, level=level)
        result.options["ci"] = {"method": "percentile bootstrap over interviews", "level": level,
                                "resamples": resamples, "seed": seed}

    def val(arr, r, g) -> float:
        x = float(np.asarray(arr)[r, g])
        return x if not math.isnan(x) else math.nan

    def ci_of(key, names, r, g):
        got = cis.get(key, {})
        return tuple((c, val(got[c][0], r, g), val(got[c][1], r, g)) for c in names if c in got)

    for r, row in enumerate(result.rows):
        for g, name in enumerate(result.groups):
            for pk in result.pairs:
                p = point[pk]
                row.pairs[pk][name] = dataclasses.replace(
                    row.pairs[pk][name], ac1=val(p["ac1"], r, g), bp=val(p["bp"], r, g), pabak=val(p["pabak"], r, g),
                    prevalence=val(p["prevalence"], r, g), bias=val(p["bias"], r, g), ci=ci_of(pk, PAIR_CI, r, g))
            if m == 2:
                row.everyone[name] = row.pairs[result.pairs[0]][name]
            else:
                p = point["*"]
                row.everyone[name] = dataclasses.replace(
                    row.everyone[name], ac1=val(p["ac1"], r, g), bp=val(p["bp"], r, g), fleiss=val(p["fleiss"], r, g),
                    ci=ci_of("*", GROUP_CI, r, g))


def _popcount_ge2(x):
    import numpy as np

    x = np.asarray(x, dtype=np.int64)
    return (x & (x - 1)) != 0      # more than one bit set


__all__ = ["attach", "intervals", "resample_counts", "percentile_interval", "BOOTSTRAP_DEFINITION",
           "DEFAULT_RESAMPLES", "DEFAULT_SEED", "DEFAULT_LEVEL", "PAIR_CI", "GROUP_CI"]
