"""Krippendorff's unitizing alpha (u-alpha): agreement on *where* the coded passages are.

Headless; every query goes through ``fieldcode.store`` (by way of ``fieldcode.team.agreement``).

What is measured (``UNITIZED_DEFINITIONS``; the same text is in ``--help`` and the docs)
-----------------------------------------------------------------------------------------
The **continuum** is the analysed text of the interviews that *every* compared coder coded (at
least one coding of any code), laid end to end in interview-name order: speaker labels and,
unless included, interviewer turns are not part of it (``fieldcode.analysis.analysed_ranges``),
and codings are clipped to it.  For each code separately, each coder's continuum is cut into
**sections**: the coder's *units* (their codings of the code; overlapping codings of one coder
are one unit, touching ones stay two) and the *gaps* between them.  A gap ends where an interview
ends.

The binary unitizing alpha of one code (Krippendorff 1995, "On the reliability of unitizing
continuous data", Sociological Methodology 25; Content Analysis, 2nd ed. 2004, section 12.4; the
per-category |u-alpha of ATLAS.ti) is ``1 - D_o / D_e`` with, for ``m`` coders and a continuum of
length ``L`` (characters):

* the distance between two coders' sections ``g`` and ``h`` (begin ``b``, length ``l``):
  ``(b_g - b_h)^2 + (b_g + l_g - b_h - l_h)^2`` when both are units and they overlap;
  ``l_g^2`` when ``g`` is a unit lying wholly inside the gap ``h`` (and the other way round);
  0 otherwise;
* ``D_o = sum over ordered pairs of coders i != j and their sections g, h of the distance,
  / (m (m - 1) L^2)``;
* ``D_e = (2 / L) sum over every unit g of every coder [ (N - 1) l_g (l_g - 1)(2 l_g - 1) / 3
  + l_g^2 sum over every gap h of every coder with l_h >= l_g of (l_h - l_g + 1) ]
  / (m L (m L - 1) - sum over units of l_g (l_g - 1))``, ``N`` the number of units of the code
  (all coders): the disagreement expected when the same units and gaps are placed at random.

The pooled alpha over several codes is ``1 - sum D_o / sum D_e`` (Krippendorff 2004).  A code no
coder used has no units and no alpha (undefined).

How it scales: per pair of coders, the overlapping units are found with two binary searches per
unit (each coder's units are sorted and disjoint), the gap sums with one sort and a cumulative
sum: nothing is done per character.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

from fieldcode.errors import InvalidInput

UNITIZED = "unitized"
UNITIZED_DEFINITIONS = {
    "continuum": "the analysed text of the interviews every compared coder coded, end to end (speaker labels "
                 "and, unless included, interviewer turns are not part of it; codings are clipped to it)",
    "unit": "a coder's coded passage of the code (overlapping codings of one coder are one unit); the rest of "
            "the coder's continuum is gaps, and a gap ends where an interview ends",
    "u-alpha": "Krippendorff's unitizing alpha, binary per code: 1 - D_o / D_e, where D_o sums the squared "
               "differences of begins and ends of overlapping units and the squared length of a unit inside "
               "the other coder's gap, and D_e is the same disagreement with the units and gaps placed at "
               "random (Krippendorff 1995; Content Analysis 2004, 12.4); pooled: 1 - sum D_o / sum D_e",
}

UNITIZED_HELP = ("unitized: Krippendorff's unitizing alpha (u-alpha, binary per code) on where the coded passages "
                 "start and end, over " + UNITIZED_DEFINITIONS["continuum"])


@dataclass(frozen=True)
class Disagreement:
    """One code's observed and expected disagreement (normalised as in Krippendorff 2004)."""

    d_o: float
    d_e: float

    @property
    def alpha(self) -> float:
        if not self.d_e or math.isnan(self.d_e):
            return math.nan
        return 1.0 - self.d_o / self.d_e


def _gap_lengths(starts, ends, length: int, cuts):
    """Lengths of the gaps of one coder: the complement of the units in [0, length), cut at
    ``cuts`` (the starts of the interviews after the first)."""
    import numpy as np

    pts = np.unique(np.concatenate([[0, length], starts, ends, cuts]).astype(np.int64))
    lo, hi = pts[:-1], pts[1:]
    if len(starts):
        j = np.searchsorted(starts, lo, side="right") - 1
        inside = (j >= 0) & (lo < ends[np.maximum(j, 0)])
    else:
        inside = np.zeros(len(lo), dtype=bool)
    return (hi - lo)[~inside]


def disagreement(length: int, units: Sequence[tuple], cuts=()) -> Disagreement:
    """Observed and expected unitizing disagreement of one code.

    ``length``: the continuum's length; ``units``: per coder, (starts, ends) of their units,
    sorted and disjoint (touching allowed), within [0, length); ``cuts``: positions where one
    interview ends and the next begins (gaps end there)."""
    import numpy as np

    m = len(units)
    if m < 2:
        raise InvalidInput("unitizing alpha needs two or more coders")
    L = float(length)
    us = [(np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64)) for s, e in units]
    cuts = np.asarray(sorted(set(int(c) for c in cuts if 0 < c < length)), dtype=np.int64)
    if length <= 0:
        return Disagreement(math.nan, math.nan)
    # observed: per unordered pair of coders, U (overlapping units) + each coder's units lying
    # in the other's gaps; the ordered pairs (i, j) and (j, i) count it twice
    total = 0.0
    for (si, ei), (sj, ej) in combinations(us, 2):
        pair = 0.0
        for (sa, ea), (sb, eb), first in (((si, ei), (sj, ej), True), ((sj, ej), (si, ei), False)):
            if not len(sa):
                continue
            # units of b overlapping each unit of a: a contiguous index range [lo, hi)
            lo = np.searchsorted(eb, sa, side="right")
            hi = np.searchsorted(sb, ea, side="left")
            n = np.maximum(hi - lo, 0)
            pair += float(np.sum(((ea - sa)[n == 0].astype(np.float64)) ** 2))   # a's unit in b's gap
            if first and n.sum():
                ia = np.repeat(np.arange(len(sa)), n)
                ib = np.concatenate([np.arange(x, y) for x, y in zip(lo[n > 0].tolist(), hi[n > 0].tolist())])
                db = (sa[ia] - sb[ib]).astype(np.float64)
                de = (ea[ia] - eb[ib]).astype(np.float64)
                pair += float(np.sum(db * db + de * de))   # overlapping units
        total += 2.0 * pair
    d_o = total / (m * (m - 1) * L * L)
    # expected
    lens = np.concatenate([e - s for s, e in us]).astype(np.float64) if us else np.zeros(0)
    n_units = len(lens)
    if not n_units:
        return Disagreement(d_o, math.nan)
    gaps = np.sort(np.concatenate([_gap_lengths(s, e, length, cuts) for s, e in us]).astype(np.float64))
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])     # sum of gaps[k:]
    k = np.searchsorted(gaps, lens, side="left")                     # gaps with length >= l: k..end
    count = len(gaps) - k
    fits = suffix[k] - count * (lens - 1.0)                          # sum (l_h - l + 1)
    terms = (n_units - 1) * lens * (lens - 1) * (2 * lens - 1) / 3.0 + lens * lens * fits
    denom = m * L * (m * L - 1) - float(np.sum(lens * (lens - 1)))
    d_e = (2.0 / L) * float(np.sum(terms)) / denom if denom > 0 else math.nan
    return Disagreement(d_o, d_e)


def pooled(ds: Sequence[Disagreement]) -> Disagreement:
    """Several codes together: the sums of their disagreements (Krippendorff 2004)."""
    ok = [d for d in ds if not math.isnan(d.d_e)]
    if not ok:
        return Disagreement(math.nan, math.nan)
    return Disagreement(sum(d.d_o for d in ok), sum(d.d_e for d in ok))


def merge_units(starts, ends):
    """One coder's ranges of one code -> sorted units, overlapping ranges merged (touching ones
    stay apart)."""
    import numpy as np

    s = np.asarray(starts, dtype=np.int64)
    e = np.asarray(ends, dtype=np.int64)
    keep = e > s
    s, e = s[keep], e[keep]
    if not len(s):
        return s, e
    order = np.lexsort((e, s))
    s, e = s[order], e[order]
    run = np.maximum.accumulate(e)
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] >= run[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(s) - 1)
    return s[first], run[last]


# =============================================================================================
# Over the study
# =============================================================================================


@dataclass
class UnitizedRow:
    key: str                      # code key, or "(all codes)"
    label: str
    path: str
    depth: int
    overall: bool
    by_group: dict[str, Disagreement] = field(default_factory=dict)
    units: dict[str, dict[str, int]] = field(default_factory=dict)   # group -> coder -> units


@dataclass
class Unitized:
    coders: list[str]
    groups: list[str]
    rows: list[UnitizedRow]
    by: str | None
    lengths: dict[str, int]                 # group -> continuum length (characters)
    n_interviews: dict[str, int]            # group -> interviews in the continuum
    n_in_scope: int
    options: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _group_values(scope, by: str | None, order: Sequence[str] | None) -> dict[str, list[int]]:
    from fieldcode.analysis import MISSING

    if not by:
        return {"(all)": list(scope.interview_ids)}
    groups: dict[str, list[int]] = {}
    for iid in scope.interview_ids:
        groups.setdefault(scope.attributes[iid].get(by, MISSING), []).append(iid)
    known = list(order or [])
    names = sorted(groups, key=lambda g: (g not in known, known.index(g) if g in known else 0, g))
    return {g: groups[g] for g in names}


def unitized_agreement(store, *, coders: Sequence[str] | None = None, codes: Sequence[str] | None = None,
                       filters: dict[str, list[str]] | None = None, include_interviewer: bool = False,
                       by: str | None = None, order: dict[str, list[str]] | None = None,
                       level: int | None = None) -> Unitized:
    """Unitizing alpha per code and pooled (and per group of interviews with ``by``), over the
    analysed text of the interviews every compared coder coded."""
    import numpy as np

    from fieldcode.analysis import load_code_tree
    from fieldcode.store import q_coding_arrays_by_coder
    from fieldcode.team.agreement import build_layout, resolve_scope

    scope = resolve_scope(store, coders=coders, codes=codes, filters=filters, include_interviewer=include_interviewer,
                          level=level)
    tree = load_code_tree(store)
    everyone = set(scope.coders)
    full = [i for i in scope.interview_ids if everyone <= scope.coders_by_interview.get(i, set())]
    grouped = _group_values(replace(scope, interview_ids=full), by, (order or {}).get(by or "", None))
    top = min((tree.by_key[k].depth for k in scope.keys), default=0)
    rows = [UnitizedRow(k, tree.by_key[k].name, tree.by_key[k].path, tree.by_key[k].depth, False) for k in scope.keys]
    rows.append(UnitizedRow("(all codes)", "(all codes)", "", top, True))
    res = Unitized(coders=list(scope.coders), groups=list(grouped), rows=rows, by=by, lengths={}, n_interviews={},
                   n_in_scope=len(scope.interview_ids),
                   options={"include_interviewer": include_interviewer, "filters": filters or {}, "by": by,
                            "level": level})
    left_out = len(scope.interview_ids) - len(full)
    if left_out:
        res.warnings.append(f"{left_out} of {len(scope.interview_ids)} interviews in scope were not coded by every "
                            f"one of {', '.join(scope.coders)} and are not part of the continuum")
    row_of = {cid: r for r, cid in enumerate(scope.code_ids)}
    row_of.update({cid: row_of[to] for cid, to in scope.folded.items() if to in row_of})   # --level
    for g, iids in grouped.items():
        sub = replace(scope, interview_ids=iids)
        lay = build_layout(store, sub, "char")
        length = int(lay.iv_c_start[-1]) if len(lay.iv_c_start) else 0
        res.lengths[g], res.n_interviews[g] = length, len(iids)
        cuts = lay.iv_c_start[1:-1]
        pos = {iid: k for k, iid in enumerate(iids)}
        arrays = q_coding_arrays_by_coder(store, interview_ids=iids, code_ids=list(row_of), coders=scope.coders) if iids else {}
        per: dict[tuple[int, str], tuple[list, list]] = {}
        for (iid, coder), (cid, st, en) in arrays.items():
            if iid not in pos or not len(cid):
                continue
            k = pos[iid]
            off = lay.iv_char_off[k]
            gs = lay.compress(off + st.astype(np.int64))
            ge = lay.compress(off + en.astype(np.int64))
            r = np.array([row_of.get(int(c), -1) for c in cid.tolist()], dtype=np.int64)
            for rr in np.unique(r[r >= 0]).tolist():
                sel = (r == rr) & (ge > gs)
                acc = per.setdefault((rr, coder), ([], []))
                acc[0].append(gs[sel])
                acc[1].append(ge[sel])
        ds = []
        for r, row in enumerate(rows[:-1]):
            units = []
            counts = {}
            for c in scope.coders:
                s_l, e_l = per.get((r, c), ([], []))
                s, e = merge_units(np.concatenate(s_l) if s_l else [], np.concatenate(e_l) if e_l else [])
                units.append((s, e))
                counts[c] = len(s)
            d = disagreement(length, units, cuts) if length else Disagreement(math.nan, math.nan)
            row.by_group[g] = d
            row.units[g] = counts
            ds.append(d)
        rows[-1].by_group[g] = pooled(ds)
        rows[-1].units[g] = {c: sum(rw.units[g][c] for rw in rows[:-1]) for c in scope.coders}
    return res


CSV_COLUMNS = ["code", "label", "code_path", "group_by", "group", "coders", "unit", "continuum_chars", "interviews",
               "units_per_coder", "observed_disagreement", "expected_disagreement", "unitizing_alpha"]


def unitized_csv(res: Unitized) -> str:
    """One row per code x group; undefined measures are empty.  Written through the project's
    one CSV writer (formula-like cells neutralised)."""
    from fieldcode.analysis.export import csv_text

    def num(x: float) -> str:
        return "" if math.isnan(x) else repr(round(x, 12))

    out = []
    for row in res.rows:
        for g in res.groups:
            d = row.by_group[g]
            out.append([row.key, row.label, row.path, res.by or "", g, "+".join(res.coders), UNITIZED,
                        res.lengths[g], res.n_interviews[g],
                        " ".join(f"{c}={row.units[g][c]}" for c in res.coders),
                        num(d.d_o), num(d.d_e), num(d.alpha)])
    return csv_text(CSV_COLUMNS, out)
