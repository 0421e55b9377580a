"""More chance-corrected agreement coefficients: Gwet's AC1, Brennan–Prediger, PABAK with the
prevalence and bias indices, and Fleiss' kappa; and the per-interview sums they (and kappa and
alpha) are computed from, so the bootstrap (``fieldcode.team.bootstrap``) can resample interviews
by summing.

Headless and pure: numpy over the histogram of ``fieldcode.team.agreement`` (codes x interviews x
sets of coders), or over a plain per-unit ratings matrix (:func:`from_ratings`, units x raters, 0/1,
NaN for missing), which is what the tests compare with the ``irrCAC`` package.

Definitions (``COEFFICIENT_DEFINITIONS``; binary judgements, ``q = 2`` categories: coded / not
coded).  Over the units of the interviews that two or more of the coders coded (``N`` units), with
``m_u`` the coders who rated unit ``u`` and ``k_u`` of them coding it:

* percent agreement (Gwet's, for any number of raters and missing ratings)
  ``p_a = (1/N) sum_u [k_u (k_u - 1) + (m_u - k_u)(m_u - k_u - 1)] / (m_u (m_u - 1))``;
* the share coded ``pi = (1/N) sum_u k_u / m_u``;
* **Gwet's AC1** ``(p_a - p_e) / (1 - p_e)``, ``p_e = 2 pi (1 - pi)`` (``sum_k pi_k (1 - pi_k) / (q - 1)``);
* **Brennan–Prediger** ``(p_a - 1/q) / (1 - 1/q) = 2 p_a - 1``: chance agreement ``1/q = 0.5``;
* **Fleiss' kappa** (three or more coders) ``(p_a - p_e) / (1 - p_e)``, ``p_e = pi^2 + (1 - pi)^2``;
* **PABAK** (a pair) ``2 p_o - 1`` with the 2x2 table ``a`` (both coded), ``d`` (neither), ``b``,
  ``c`` (one only), ``p_o = (a + d) / n``; **prevalence index** ``|a - d| / n``; **bias index**
  ``|b - c| / n`` (Byrt, Bishop & Carlin 1993).

Each is a sum over interviews (``N``, ``p_a N``, ``pi N``, the 2x2 cells, Krippendorff's
coincidences) pushed through a formula, so a group's value, the "(all codes)" pool (sums over the
codes) and a bootstrap resample (sums with multiplicities) are all the same function.
"""

from __future__ import annotations

import math

COEFFICIENTS = ("kappa", "alpha", "ac1", "bp", "pabak", "fleiss")
COEFFICIENT_LABELS = {"kappa": "κ", "alpha": "α", "ac1": "AC1", "bp": "BP", "pabak": "PABAK", "fleiss": "Fleiss κ"}
COEFFICIENT_DEFINITIONS = {
    "percent_agreement": "Gwet's p_a: over the units of interviews two or more coders coded, the mean share of "
                         "agreeing pairs of coders per unit, [k(k-1) + (m-k)(m-k-1)] / (m(m-1)) for m raters of "
                         "whom k coded it",
    "ac1": "Gwet's AC1 (p_a - p_e) / (1 - p_e), chance p_e = 2 pi (1 - pi), pi the mean share of raters coding a "
           "unit; any number of coders, missing ratings allowed",
    "bp": "Brennan-Prediger (p_a - 1/q) / (1 - 1/q) with q = 2 categories (coded / not coded): chance agreement "
          "1/q = 0.5, so BP = 2 p_a - 1",
    "fleiss": "Fleiss' kappa (three or more coders) (p_a - p_e) / (1 - p_e), chance p_e = pi^2 + (1 - pi)^2",
    "pabak": "prevalence- and bias-adjusted kappa of a pair, 2 p_o - 1, p_o = (a + d) / n from the 2x2 table "
             "(a both coded, d neither, b and c one only)",
    "prevalence_index": "|a - d| / n, for a pair (Byrt, Bishop & Carlin 1993)",
    "bias_index": "|b - c| / n, for a pair (Byrt, Bishop & Carlin 1993)",
}


def _popcount(x):
    import numpy as np

    x = np.asarray(x, dtype=np.int64)
    out = np.zeros_like(x)
    for b in range(63):
        if not (x >> b).any():
            break
        out += (x >> b) & 1
    return out


# =============================================================================================
# Formulas over sums (any array shape; NaN where undefined)
# =============================================================================================


def coefficients_from(s: dict) -> dict:
    """Coefficients from sums over units: ``N``, ``A`` (sum of per-unit agreement), ``P`` (sum of
    per-unit share coded), ``o00``, ``o11``, ``o01`` (coincidences); for a pair also ``n``, ``na``,
    ``nb``, ``nab`` (the 2x2 table: units, each coder's coded, both coded).  Arrays broadcast."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        N = np.asarray(s["N"], dtype=np.float64)
        pa = np.where(N > 0, s["A"] / N, np.nan)
        pi = np.where(N > 0, s["P"] / N, np.nan)
        pe_g = 2.0 * pi * (1.0 - pi)
        out = {"ac1": (pa - pe_g) / (1.0 - pe_g), "bp": 2.0 * pa - 1.0}
        pe_f = pi * pi + (1.0 - pi) * (1.0 - pi)
        out["fleiss"] = np.where(pe_f < 1.0 - 1e-12, (pa - pe_f) / (1.0 - pe_f), np.nan)
        o00, o11, o01 = (np.asarray(s[k], dtype=np.float64) for k in ("o00", "o11", "o01"))
        n0, n1 = o00 + o01, o11 + o01
        n = n0 + n1
        ok = (n0 > 0) & (n1 > 0) & (n > 1)
        out["alpha"] = np.where(ok, 1.0 - (n - 1.0) * o01 / (n0 * n1), np.nan)
        if "n" in s:
            nn, na, nb, nab = (np.asarray(s[k], dtype=np.float64) for k in ("n", "na", "nb", "nab"))
            a, d = nab, nn - na - nb + nab
            b, c = na - nab, nb - nab
            po = (a + d) / nn
            pe = (na * nb + (nn - na) * (nn - nb)) / (nn * nn)
            out["kappa"] = np.where((nn > 0) & (pe < 1.0), (po - pe) / (1.0 - pe), np.nan)
            out["pabak"] = np.where(nn > 0, 2.0 * po - 1.0, np.nan)
            out["prevalence"] = np.where(nn > 0, np.abs(a - d) / nn, np.nan)
            out["bias"] = np.where(nn > 0, np.abs(b - c) / nn, np.nan)
    return out


def interview_sums(h, subset: int) -> dict:
    """Per code x interview sums for the coders in ``subset`` (bit mask over ``h.coders``) over the
    units of the interviews two or more of them coded: see :func:`coefficients_from`.  For a pair
    (two bits) the 2x2 table too."""
    import numpy as np

    n_masks = h.hist.shape[2]
    masks = np.arange(n_masks, dtype=np.int64)
    k_of = _popcount(masks & subset)
    m = int(_popcount(np.array([subset]))[0])
    m_iv = _popcount(h.rated & subset).astype(np.float64)            # raters per interview
    onehot = (k_of[:, None] == np.arange(m + 1)[None, :]).astype(np.float64)
    hist = h.hist.astype(np.float64)
    ck = hist @ onehot                                              # codes x interviews x (m+1)
    ck[:, :, 0] = h.n_units[None, :] - ck[:, :, 1:].sum(axis=2)
    ks = np.arange(m + 1, dtype=np.float64)[None, :]
    mi = m_iv[:, None]
    ok = (m_iv >= 2)[:, None] & (ks <= mi)
    den = np.where(ok, mi * (mi - 1.0), 1.0)
    w_pa = np.where(ok, (ks * (ks - 1.0) + (mi - ks) * (mi - ks - 1.0)) / den, 0.0)
    w_pi = np.where(ok, ks / np.where(ok, mi, 1.0), 0.0)
    d1 = np.where(ok, mi - 1.0, 1.0)
    w11 = np.where(ok, ks * (ks - 1.0) / d1, 0.0)
    w00 = np.where(ok, (mi - ks) * (mi - ks - 1.0) / d1, 0.0)
    w01 = np.where(ok, ks * (mi - ks) / d1, 0.0)
    pairable = (m_iv >= 2).astype(np.float64)
    out = {"N": np.broadcast_to(h.n_units * pairable, ck.shape[:2]).copy(),
           "A": np.einsum("rik,ik->ri", ck, w_pa), "P": np.einsum("rik,ik->ri", ck, w_pi),
           "o00": np.einsum("rik,ik->ri", ck, w00), "o11": np.einsum("rik,ik->ri", ck, w11),
           "o01": np.einsum("rik,ik->ri", ck, w01)}
    if m == 2:
        a, b = [j for j in range(int(subset).bit_length()) if subset >> j & 1]
        has_a = ((masks >> a) & 1).astype(np.float64)
        has_b = ((masks >> b) & 1).astype(np.float64)
        out["n"] = out["N"].copy()
        out["na"] = np.einsum("rim,m,i->ri", hist, has_a, pairable)
        out["nb"] = np.einsum("rim,m,i->ri", hist, has_b, pairable)
        out["nab"] = np.einsum("rim,m,i->ri", hist, has_a * has_b, pairable)
    return out


def pooled(sums: dict, member) -> dict:
    """Sums per (codes + the "(all codes)" pool) x group: ``member`` is interviews x groups 0/1."""
    import numpy as np

    out = {}
    for k, v in sums.items():
        g = v @ member
        out[k] = np.vstack([g, g.sum(axis=0, keepdims=True)])
    return out


# =============================================================================================
# A plain ratings matrix (the tests' and the textbooks' form)
# =============================================================================================


def from_ratings(ratings) -> dict:
    """Every coefficient from a units x raters matrix of 0/1 with NaN for a missing rating; units
    with fewer than two ratings are left out.  PABAK, the indices and kappa need exactly two raters
    (NaN otherwise); Fleiss three or more."""
    import numpy as np

    r = np.asarray(ratings, dtype=np.float64)
    rated = ~np.isnan(r)
    m = rated.sum(axis=1)
    keep = m >= 2
    r, rated, m = r[keep], rated[keep], m[keep].astype(np.float64)
    k = np.where(rated, r, 0.0).sum(axis=1)
    N = float(len(m))
    s = {"N": N, "A": float(((k * (k - 1) + (m - k) * (m - k - 1)) / (m * (m - 1))).sum()) if N else 0.0,
         "P": float((k / m).sum()) if N else 0.0,
         "o11": float((k * (k - 1) / (m - 1)).sum()), "o00": float(((m - k) * (m - k - 1) / (m - 1)).sum()),
         "o01": float((k * (m - k) / (m - 1)).sum())}
    two = r.shape[1] == 2
    if two:
        x, y = r[:, 0], r[:, 1]
        s.update(n=N, na=float(x.sum()), nb=float(y.sum()), nab=float((x * y).sum()))
    out = {key: float(v) for key, v in coefficients_from(s).items()}
    if r.shape[1] < 3:
        out["fleiss"] = math.nan
    for key in ("kappa", "pabak", "prevalence", "bias"):
        out.setdefault(key, math.nan)
    out["pa"] = s["A"] / N if N else math.nan
    out["pi"] = s["P"] / N if N else math.nan
    return out


__all__ = ["COEFFICIENTS", "COEFFICIENT_LABELS", "COEFFICIENT_DEFINITIONS", "coefficients_from", "interview_sums",
           "pooled", "from_ratings"]
