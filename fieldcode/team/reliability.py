"""Intercoder reliability statistics: observed and positive agreement, Cohen's kappa for each
pair of coders, Krippendorff's alpha for any number of coders, per code and overall, optionally
per group of interviews (``--by arm``: differential reliability).

Headless.  The units and the histogram they come in are built by ``fieldcode.team.agreement``; here
everything is arithmetic on that small array (codes x interviews x sets of coders).

Measures (``MEASURE_DEFINITIONS``, shown in ``--help``, the README and the export sidecar)
-----------------------------------------------------------------------------------------
Each code is judged on its own: per unit, each coder either coded it with the code (1) or not
(0).  Over the units of the interviews that at least two of the coders coded, with ``o`` the
coincidence matrix of Krippendorff (each unit with ``m`` coders adds its ``m(m-1)`` ordered pairs
of values, weighted ``1/(m-1)``):

* observed agreement  ``(o00 + o11) / n``  (two coders: the share of units they agree on);
* positive (specific) agreement  ``o11 / (o11 + o01)`` (two coders: ``2 n11 / (2 n11 + n10 + n01)``),
  agreement on the units anyone coded, which the mass of text nobody coded cannot inflate;
* Krippendorff's alpha (nominal)  ``1 - (n - 1) o01 / (n0 n1)``; missing values allowed;
* Cohen's kappa for each pair  ``(po - pe) / (1 - pe)``, ``pe`` from each coder's own marginals,
  over the units of the interviews both coded.

The "(all codes)" row pools every code's judgements (each unit x code is one binary judgement):
its coincidence matrices and 2x2 tables are the sums over the codes, and so are its counts: its
``units`` are unit x code judgements (the units times the number of codes) and its ``coded``
the judgements at least one coder made, so every figure in the row counts the same thing.

Each measure also carries each coder's coded units (``coder_units``: the units that coder coded
with the code, over the same units as the measure).  Differential reliability (``--by``) warns
about a difference between groups only where every coder it compares coded at least
``min_coded`` units (default :data:`MIN_CODED`) in every group: where one coder never used the
code in a group, alpha there is near 0 (or undefined) by construction, not a finding.

Edge cases (defined, documented, tested): a code nobody used has observed agreement 1 and no
positive agreement, kappa or alpha (no variation: shown as "—", empty in CSV); so does a code
every coder applied to every unit.  Perfect agreement with variation gives 1.  A scope with fewer
than two coders is an error.  A group where fewer than two coders coded any interview has no
units (all measures "—").
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from fieldcode.team.agreement import UNIT_DEFINITIONS, UNITS, UnitHistogram, resolve_scope, unit_histogram
# fieldcode.analysis (the database layer) is imported where it is used: the CLI reads this
# module's definitions for its help text.

ALL = "(all)"
ALL_CODES = "(all codes)"
MIN_CODED = 10      # differential reliability: coded units each coder needs in each group
WEAK = 0.667        # Krippendorff (2004): below 0.667, no conclusions
TENTATIVE = 0.800   # 0.667-0.800: tentative conclusions only
MEASURE_DEFINITIONS = {
    "observed": "observed agreement (o00 + o11) / n from Krippendorff's coincidence matrix; "
                "two coders: the share of units they agree on",
    "positive": "positive (specific) agreement o11 / (o11 + o01); two coders: 2 n11 / (2 n11 + n10 + n01), "
                "agreement on the units anyone coded",
    "kappa": "Cohen's kappa for a pair of coders (po - pe) / (1 - pe), pe from each coder's own marginals, "
             "over the units of the interviews both coded; binary per code (coded / not coded)",
    "alpha": "Krippendorff's alpha, nominal, any number of coders, missing values allowed: "
             "1 - (n - 1) o01 / (n0 n1)",
    "all codes": "every code's judgements pooled: each unit x code is one binary judgement; the row's units "
                 "and coded units count those judgements (units x codes)",
    "coded_units_by_coder": "each coder's coded units: the units that coder coded with the code, over the "
                            "same units as the measure ((all codes): judgements)",
    "differential": f"with --by, a difference between groups is warned about only where every coder compared "
                    f"coded at least --min-coded units (default {MIN_CODED}) in every group",
    "weak": f"alpha below {WEAK} (weak) or below {TENTATIVE} (tentative), after Krippendorff (2004)",
    "undefined": "a measure with no variation (a code nobody used, or every unit coded by everyone) or no "
                 "units is undefined: shown as a dash, empty in CSV",
}


@dataclass(frozen=True)
class Measures:
    units: int          # units rated by at least two of the coders (a pair: by both)
    coded: int          # of those, units at least one of them coded
    observed: float
    positive: float
    alpha: float
    kappa: float = math.nan   # pairs only
    coder_units: tuple[tuple[str, int], ...] = ()   # (coder, units that coder coded), in coder order
    # fieldcode.team.coefficients (put on by fieldcode.team.bootstrap.attach)
    ac1: float = math.nan
    bp: float = math.nan
    pabak: float = math.nan      # pairs only, with the prevalence and bias indices
    prevalence: float = math.nan
    bias: float = math.nan
    fleiss: float = math.nan     # three or more coders together only
    ci: tuple[tuple[str, float, float], ...] = ()   # with --ci: (coefficient, low, high)

    def interval(self, name: str) -> tuple[float, float]:
        """The bootstrap interval of coefficient ``name`` (NaN, NaN when there is none)."""
        for c, lo, hi in self.ci:
            if c == name:
                return lo, hi
        return math.nan, math.nan

    def coded_by(self) -> str:
        """Each coder's coded units, e.g. ``ana=12;ben=0``."""
        return ";".join(f"{c}={n}" for c, n in self.coder_units)


@dataclass
class AgreementRow:
    key: str
    label: str
    path: str
    depth: int
    everyone: dict[str, Measures]                            # group -> all coders together
    pairs: dict[tuple[str, str], dict[str, Measures]]        # pair -> group -> measures
    difference: dict[str, float] = field(default_factory=dict)   # "alpha", "kappa A/B" -> between groups

    @property
    def overall(self) -> bool:
        return self.key == ALL_CODES


@dataclass
class Agreement:
    unit: str
    coders: list[str]
    pairs: list[tuple[str, str]]
    by: str | None
    groups: list[str]            # ALL first, then the values of ``by``
    rows: list[AgreementRow]     # codes in tree order, then ALL_CODES
    n_interviews: int            # interviews in scope
    n_compared: int              # of them, coded by at least two of the coders
    warnings: list[str]
    options: dict
    threshold: float
    min_coded: int = MIN_CODED

    def compared(self) -> list[str]:
        """The groups a difference is taken between (all values of ``by`` except missing)."""
        from fieldcode.analysis import MISSING

        return [g for g in self.groups[1:] if g != MISSING]


def grade(alpha: float) -> str:
    if math.isnan(alpha):
        return ""
    return "weak" if alpha < WEAK else "tentative" if alpha < TENTATIVE else ""


# =============================================================================================
# Arithmetic on the histogram
# =============================================================================================


def _popcount(x):
    import numpy as np

    x = np.asarray(x, dtype=np.int64)
    out = np.zeros_like(x)
    for b in range(63):
        out += (x >> b) & 1
        if not (x >> (b + 1)).any():
            break
    return out


def coincidences(h: UnitHistogram, subset: int, member):
    """Krippendorff coincidences of the coders in ``subset`` (a bit mask) per code x group.

    ``member``: interviews x groups 0/1 matrix.  Returns (o00, o11, o01, units, coded) arrays
    (codes x groups); ``units`` = units of interviews rated by at least two coders of the subset,
    ``coded`` = of those, units at least one of them coded."""
    import numpy as np

    n_masks = h.hist.shape[2]
    masks = np.arange(n_masks, dtype=np.int64)
    k_of = _popcount(masks & subset)                     # coders of the subset in each mask
    m = int(_popcount(np.array([subset]))[0])
    m_iv = _popcount(h.rated & subset)                   # raters of the subset per interview
    onehot = (k_of[:, None] == np.arange(m + 1)[None, :]).astype(np.float64)
    ck = h.hist.astype(np.float64) @ onehot              # codes x interviews x (m+1)
    ck[:, :, 0] = h.n_units[None, :] - ck[:, :, 1:].sum(axis=2)
    ks = np.arange(m + 1, dtype=np.float64)[None, :]
    mi = m_iv.astype(np.float64)[:, None]
    ok = (m_iv >= 2)[:, None] & (ks <= mi)
    den = np.where(ok, mi - 1, 1.0)
    w11 = np.where(ok, ks * (ks - 1) / den, 0.0)
    w00 = np.where(ok, (mi - ks) * (mi - ks - 1) / den, 0.0)
    w01 = np.where(ok, ks * (mi - ks) / den, 0.0)
    pairable = (m_iv >= 2).astype(np.float64)
    o11 = np.einsum("rik,ik,ig->rg", ck, w11, member)
    o00 = np.einsum("rik,ik,ig->rg", ck, w00, member)
    o01 = np.einsum("rik,ik,ig->rg", ck, w01, member)
    units = np.broadcast_to((h.n_units * pairable) @ member, o11.shape)
    coded = np.einsum("rik,i,ig->rg", ck[:, :, 1:], pairable, member)
    return o00, o11, o01, units, coded


def pair_tables(h: UnitHistogram, a: int, b: int, member):
    """Cohen 2x2 counts of coders ``a`` and ``b`` (indices) per code x group over the interviews
    both coded: (n, n_a, n_b, n_ab)."""
    import numpy as np

    masks = np.arange(h.hist.shape[2], dtype=np.int64)
    has_a = ((masks >> a) & 1).astype(np.float64)
    has_b = ((masks >> b) & 1).astype(np.float64)
    both = ((h.rated >> a) & 1) & ((h.rated >> b) & 1)
    mem = member * both[:, None]
    hist = h.hist.astype(np.float64)
    n_a = np.einsum("rim,m,ig->rg", hist, has_a, mem)
    n_b = np.einsum("rim,m,ig->rg", hist, has_b, mem)
    n_ab = np.einsum("rim,m,ig->rg", hist, has_a * has_b, mem)
    n = np.broadcast_to(h.n_units.astype(np.float64) @ mem, n_a.shape)
    return n, n_a, n_b, n_ab


def alpha_from(o00: float, o11: float, o01: float) -> float:
    n0, n1 = o00 + o01, o11 + o01
    n = n0 + n1
    if n0 <= 0 or n1 <= 0 or n <= 1:
        return math.nan
    return 1.0 - (n - 1.0) * o01 / (n0 * n1)


def kappa_from(n: float, n_a: float, n_b: float, n_ab: float) -> float:
    if n <= 0:
        return math.nan
    po = (n - n_a - n_b + 2 * n_ab) / n
    pe = (n_a * n_b + (n - n_a) * (n - n_b)) / (n * n)
    if pe >= 1.0:
        return math.nan
    return (po - pe) / (1.0 - pe)


def coder_tables(h: UnitHistogram, subset: int, member):
    """Units each coder of ``subset`` coded, per code x group, over the units of the interviews
    rated by at least two coders of the subset (the units of :func:`coincidences`): a list of
    (coder index, codes x groups array)."""
    import numpy as np

    masks = np.arange(h.hist.shape[2], dtype=np.int64)
    pairable = (_popcount(h.rated & subset) >= 2).astype(np.float64)
    mem = member * pairable[:, None]
    hist = h.hist.astype(np.float64)
    return [(c, np.einsum("rim,m,ig->rg", hist, ((masks >> c) & 1).astype(np.float64), mem))
            for c in range(int(subset).bit_length()) if (subset >> c) & 1]


def _measures(o00, o11, o01, units, coded, kappa=math.nan, coder_units=()) -> Measures:
    n = o00 + o11 + 2 * o01
    return Measures(units=int(round(units)), coded=int(round(coded)),
                    observed=(o00 + o11) / n if n > 0 else math.nan,
                    positive=o11 / (o11 + o01) if o11 + o01 > 0 else math.nan,
                    alpha=alpha_from(o00, o11, o01), kappa=kappa,
                    coder_units=tuple((c, int(round(x))) for c, x in coder_units))


# =============================================================================================
# The report
# =============================================================================================


def agreement(store, *, level: int | None = None, unit: str = "sentence", coders: Sequence[str] | None = None,
              codes: Sequence[str] | None = None, filters: dict[str, list[str]] | None = None,
              include_interviewer: bool = False, by: str | None = None,
              order: dict[str, Sequence[str]] | None = None, threshold: float = 0.1,
              min_coded: int = MIN_CODED, ci: bool = False, seed: int | None = None,
              resamples: int | None = None, ci_level: float | None = None, same_version: bool = False) -> Agreement:
    """Agreement per code and overall (see the module docstring for every definition).

    * ``unit``: one of ``fieldcode.team.agreement.UNITS``.
    * ``coders``: two or more (default: every coder with codings in the interviews in scope).
    * ``by``: an interview attribute; each of its values is a group with its own measures, and
      each code gets the difference between groups (two groups: first minus second, in
      ``order``; more: largest minus smallest), with a warning when it exceeds ``threshold``
      and every coder compared coded at least ``min_coded`` units in every group.
    * ``ci``: percentile bootstrap intervals on every coefficient (``fieldcode.team.bootstrap``;
      ``seed``, ``resamples`` and ``ci_level`` default to its DEFAULT_*), recorded in ``options``.
    * ``same_version``: the caller restricted the codings read to those made under their code's
      current definition (``fieldcode.team.pinned``); said in the warnings and ``options``.  Either
      way a code whose compared codings were made under different definitions is warned about.
    """
    from fieldcode.analysis import MISSING, load_code_tree

    import numpy as np

    scope = resolve_scope(store, coders=coders, codes=codes, filters=filters,
                          include_interviewer=include_interviewer, level=level)
    h = unit_histogram(store, scope, unit)
    n_iv = len(scope.interview_ids)
    groups = [ALL]
    if by:
        vals = [scope.attributes[i].get(by) or MISSING for i in scope.interview_ids]
        pref = list((order or {}).get(by, ()))
        groups += sorted(set(vals), key=lambda v: (v == MISSING, pref.index(v) if v in pref else len(pref), v))
    member = np.zeros((n_iv, len(groups)), dtype=np.float64)
    member[:, 0] = 1.0
    if by:
        gi = {g: j for j, g in enumerate(groups)}
        for i, v in enumerate(vals):
            member[i, gi[v]] = 1.0
    m = len(scope.coders)
    full = (1 << m) - 1
    pairs = list(combinations(range(m), 2))
    o00, o11, o01, units, coded = coincidences(h, full, member)
    each = coder_tables(h, full, member)
    # a pair's own coincidences (its alpha, observed and positive agreement) and its kappa
    pair_stats = {}
    for a, b in pairs:
        sub = coincidences(h, (1 << a) | (1 << b), member)
        pair_stats[(a, b)] = (sub, pair_tables(h, a, b, member))
    tree = load_code_tree(store)
    rows: list[AgreementRow] = []
    top = min((tree.by_key[k].depth for k in scope.keys), default=0)
    n_rows = len(scope.keys)
    for r in range(n_rows + 1):
        sel = slice(None) if r == n_rows else slice(r, r + 1)   # last row: pooled over codes

        def tot(x, g):
            return float(np.asarray(x)[sel, g].sum())

        # (all codes): every count is summed over the codes, like its judgements
        if r == n_rows:
            key, label, path, depth = ALL_CODES, ALL_CODES, "", top
        else:
            c = tree.by_key[scope.keys[r]]
            key, label, path, depth = c.key, c.name, c.path, c.depth
        everyone = {}
        per_pair: dict[tuple[str, str], dict[str, Measures]] = {}
        for g, name in enumerate(groups):
            everyone[name] = _measures(tot(o00, g), tot(o11, g), tot(o01, g), tot(units, g), tot(coded, g),
                                       coder_units=[(scope.coders[ci], tot(x, g)) for ci, x in each])
        for (a, b), (sub, tab) in pair_stats.items():
            pk = (scope.coders[a], scope.coders[b])
            per_pair[pk] = {}
            for g, name in enumerate(groups):
                kap = kappa_from(tot(tab[0], g), tot(tab[1], g), tot(tab[2], g), tot(tab[3], g))
                per_pair[pk][name] = _measures(tot(sub[0], g), tot(sub[1], g), tot(sub[2], g),
                                               tot(sub[3], g), tot(sub[4], g), kap,
                                               coder_units=[(pk[0], tot(tab[1], g)), (pk[1], tot(tab[2], g))])
            if m == 2:
                # two coders: "everyone" is the pair, and carries its kappa
                everyone = {name: per_pair[pk][name] for name in groups}
        rows.append(AgreementRow(key, label, path, depth, everyone, per_pair))
    result = Agreement(unit=unit, coders=list(scope.coders),
                       pairs=[(scope.coders[a], scope.coders[b]) for a, b in pairs], by=by, groups=groups,
                       rows=rows, n_interviews=n_iv, n_compared=int((_popcount(h.rated) >= 2).sum()), warnings=[], threshold=threshold,
                       min_coded=min_coded,
                       options={"unit": unit, "coders": list(scope.coders), "codes": list(codes) if codes else None,
                                "filters": filters or {}, "include_interviewer": include_interviewer, "by": by,
                                "threshold": threshold, "min_coded": min_coded})
    from fieldcode.team import bootstrap as boot
    from fieldcode.team.pinned import definition_notes

    result.warnings += definition_notes(store, scope, same_version=same_version)
    result.options["same_version"] = same_version
    result.options["ci"] = None
    boot.attach(result, h, member, ci=ci, seed=boot.DEFAULT_SEED if seed is None else seed,
                resamples=boot.DEFAULT_RESAMPLES if resamples is None else resamples,
                level=boot.DEFAULT_LEVEL if ci_level is None else ci_level)
    if by:
        _differences(result)
    return result


def _spread(values: dict[str, float], groups: list[str]) -> float:
    vals = [values[g] for g in groups]
    if any(math.isnan(v) for v in vals) or len(vals) < 2:
        return math.nan
    return vals[0] - vals[1] if len(vals) == 2 else max(vals) - min(vals)


def enough_coded(per: dict[str, Measures], groups: list[str], min_coded: int) -> bool:
    """Every coder of the measures coded at least ``min_coded`` units in every group."""
    return all(n >= min_coded for g in groups for _c, n in per[g].coder_units)


def differs(row: AgreementRow, res: Agreement) -> list[str]:
    """The differences of ``row`` that are warned about: over the threshold, and with enough
    coded units from every coder compared in every group."""
    cmp = res.compared()
    out = []
    for what, d in row.difference.items():
        per = row.everyone if what == "alpha" else row.pairs[tuple(what[6:].split("/"))]
        if not math.isnan(d) and abs(d) > res.threshold and enough_coded(per, cmp, res.min_coded):
            out.append(what)
    return out


def _differences(res: Agreement) -> None:
    cmp = res.compared()
    how = (f"{cmp[0]} minus {cmp[1]}" if len(cmp) == 2 else "largest minus smallest")
    for row in res.rows:
        row.difference["alpha"] = _spread({g: row.everyone[g].alpha for g in cmp}, cmp)
        for pk, per in row.pairs.items():
            row.difference[f"kappa {pk[0]}/{pk[1]}"] = _spread({g: per[g].kappa for g in cmp}, cmp)
        over = []
        for what in differs(row, res):
            d = row.difference[what]
            per = (row.everyone if what == "alpha" else row.pairs[tuple(what[6:].split("/"))])
            vals = ", ".join(f"{g} {_val(per[g].alpha if what == 'alpha' else per[g].kappa)} "
                             f"(coded units {per[g].coded_by().replace(';', ', ')})" for g in cmp)
            over.append(f"{what} {d:+.3f} ({vals})")
        if over:
            res.warnings.append(f"'{row.key}': reliability differs between {res.by} groups by more than "
                                f"{res.threshold:g} ({how}), where every coder compared coded at least "
                                f"{res.min_coded} units in each group: {'; '.join(over)}")
    if len(cmp) < 2:
        res.warnings.append(f"only {len(cmp)} value(s) of '{res.by}' in scope: no difference between groups")


def _val(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.3f}"


# =============================================================================================
# Output
# =============================================================================================


def fmt(x: float, digits: int = 3) -> str:
    return "—" if math.isnan(x) else f"{x:.{digits}f}"


def fmt_interval(lo: float, hi: float) -> str:
    """A bootstrap interval as the CLI and the agreement panel print it."""
    return "—" if math.isnan(lo) or math.isnan(hi) else f"{lo:.2f}–{hi:.2f}"


def ci_note(res: Agreement) -> str:
    """What the intervals are, with the seed and the number of resamples ('' without them)."""
    b = res.options.get("ci")
    if not b:
        return ""
    within = f"; for each {res.by} group in the CSV, from that group's" if res.by else ""
    return (f"Intervals: {b['level']:.0%} percentile bootstrap, {b['resamples']:,} resamples of the interviews "
            f"two or more coders coded (drawn with replacement{within}), seed {b['seed']}; "
            f"rerun with --seed {b['seed']} --resamples {b['resamples']} for the same intervals.")


CSV_COLUMNS = ["code", "label", "code_path", "group_by", "group", "coders", "unit", "units", "coded_units",
               "observed_agreement", "positive_agreement", "cohen_kappa", "krippendorff_alpha", "weak",
               "coded_units_by_coder", "units_are", "missing_reason",
               # fieldcode.team.coefficients; the intervals only with --ci (the bootstrap's seed and resamples)
               "gwet_ac1", "brennan_prediger", "pabak", "prevalence_index", "bias_index", "fleiss_kappa",
               *[f"{c}_ci_{e}" for c in ("cohen_kappa", "krippendorff_alpha", "gwet_ac1", "brennan_prediger", "pabak",
                                         "fleiss_kappa") for e in ("low", "high")],
               "ci_level", "ci_resamples", "ci_seed"]
CI_NAMES = {"kappa": "cohen_kappa", "alpha": "krippendorff_alpha", "ac1": "gwet_ac1", "bp": "brennan_prediger",
            "pabak": "pabak", "fleiss": "fleiss_kappa"}
# (all codes) pools judgements: its units and coded units count unit x code judgements
UNITS_ARE = {False: "units", True: "unit x code judgements"}


def missing_reason(ms: Measures, n_coders: int) -> str:
    """Why a row's measure cells are empty (numeric columns hold a number or nothing), or ""."""
    empty = [name for name, x in (("observed", ms.observed), ("positive", ms.positive), ("kappa", ms.kappa),
                                  ("alpha", ms.alpha)) if math.isnan(x)]
    if not empty:
        return ""
    if not ms.units:
        return "no units: fewer than two of these coders coded these interviews"
    parts = []
    if "kappa" in empty and n_coders > 2:
        parts.append("kappa: per pair only")
        empty.remove("kappa")
    if empty:
        parts.append(f"{', '.join(empty)}: no variation (nobody coded it, or everyone coded every unit)")
    return "; ".join(parts)


def agreement_csv(res: Agreement) -> str:
    """One row per code x group x set of coders (every pair, and all coders together when there
    are more than two); undefined measures are empty."""
    from fieldcode.analysis.export import csv_writer  # formula-like cells neutralised, as in every CSV

    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(CSV_COLUMNS)

    def num(x: float) -> str:
        return "" if math.isnan(x) else repr(round(x, 12))

    boot = res.options.get("ci") or {}
    run = [boot.get("level", ""), boot.get("resamples", ""), boot.get("seed", "")]

    for row in res.rows:
        for g in res.groups:
            sets: list[tuple[str, Measures, int]] = []
            if len(res.coders) > 2:
                sets.append(("+".join(res.coders), row.everyone[g], len(res.coders)))
            for pk, per in row.pairs.items():
                sets.append(("+".join(pk), per[g], 2))
            for who, ms, n_coders in sets:
                w.writerow([row.key, row.label, row.path, res.by or "", g, who, res.unit, ms.units, ms.coded,
                            num(ms.observed), num(ms.positive), num(ms.kappa), num(ms.alpha), grade(ms.alpha),
                            ms.coded_by(), UNITS_ARE[row.overall], missing_reason(ms, n_coders),
                            num(ms.ac1), num(ms.bp), num(ms.pabak), num(ms.prevalence), num(ms.bias), num(ms.fleiss),
                            *[num(x) for c in CI_NAMES for x in ms.interval(c)], *run])
    return buf.getvalue()


def sidecar_extra(res: Agreement) -> dict:
    from fieldcode.analysis.export import csv_text_policy
    from fieldcode.team.bootstrap import BOOTSTRAP_DEFINITION
    from fieldcode.team.coefficients import COEFFICIENT_DEFINITIONS

    return {"unit": res.unit, "units": UNIT_DEFINITIONS, "csv_text": csv_text_policy(),
            "measures": MEASURE_DEFINITIONS, "coefficients": COEFFICIENT_DEFINITIONS,
            "bootstrap": ({**res.options["ci"], "definition": BOOTSTRAP_DEFINITION} if res.options.get("ci") else None),
            "coders": res.coders, "interviews": res.n_interviews,
            "interviews_coded_by_two_or_more": res.n_compared,
            "differential": ({"by": res.by, "groups": res.compared(), "threshold": res.threshold,
                              "min_coded_units": res.min_coded,
                              "difference": "first minus second group" if len(res.compared()) == 2
                              else "largest minus smallest group",
                              "warnings": res.warnings} if res.by else None)}


__all__ = ["agreement", "agreement_csv", "Agreement", "AgreementRow", "Measures", "UNITS", "UNIT_DEFINITIONS",
           "MEASURE_DEFINITIONS", "ALL", "ALL_CODES", "MIN_CODED", "grade", "fmt", "sidecar_extra", "alpha_from", "kappa_from",
           "differs", "enough_coded"]
