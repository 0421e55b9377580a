"""Code saturation by the rule of Guest, Namey & Chen (2020), per coder and per arm.

Headless; the event log and the codings are read through ``fieldcode.store``.

The rule (Guest G, Namey E, Chen M. A simple method to assess and report thematic saturation
in qualitative research. PLoS ONE 15(5): e0232076, 2020), as implemented here
---------------------------------------------------------------------------------------------
Interviews are taken in the order they were coded.  The **base** is the first ``base``
interviews; its unique codes are the denominator.  A **run** is ``run`` consecutive interviews
after the base; its **new information** is the number of codes that appear in the run and in no
interview before it, divided by the number of unique codes in the base.  The first run starts
right after the base; while its new information is above the **threshold**, the run moves one
interview on.  Saturation is reached at ``k`` interviews when the run of interviews
``k+1 .. k+run`` is the first whose new information is at or below the threshold, reported
"k+run" (e.g. "6+2": six interviews, confirmed by two more that added at most 5 % new codes).
Not reached: fewer than ``base + run`` interviews, no code in the base, or every run above the
threshold (the message says which).

The order (``ORDER_RULE``): for each coder, the order in which they first coded each interview,
from the event log (the earliest logged change to one of their codings there, or an earlier
recorded creation time of one of them, for codings brought in with their original dates).  For all coders together: the earliest of any coder.

A code counts in an interview when the coder (any coder, for all coders together) has a coding
of it there that shares a character with the analysed text.  Codes are identified by the
codebook's stable identity: renaming or re-keying a code keeps it, and merging a code moves its
codings to the code it was merged into, so neither makes a code "new".

This is **code** saturation: the point after which coding more interviews in this order added
few codes to this codebook.  It says nothing about whether the codes' meanings are fully
developed (meaning saturation), and depends on the order, which the bootstrap over random orders
(as in Guest et al.) shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from fieldcode.errors import InvalidInput

ORDER_RULE = ("interviews in the order each coder first coded them (from the event log: the earliest logged "
              "change to one of the coder's codings there, or an earlier recorded creation time of one of "
              "them); for all coders together, the earliest of any coder")
COUNT_RULE = ("a code counts in an interview when it has a coding there sharing a character with the analysed "
              "text; renamed, re-keyed or merged codes keep their identity, so they are not new")
RULE = ("Guest, Namey & Chen (2020): new information of a run = codes first seen in the run / unique codes in "
        "the base; the run starts after the base and moves one interview on until the new information is at "
        "or below the threshold; saturation at k interviews, reported k+run")
ALL_CODERS = "(all coders)"
ALL = "(all)"


@dataclass(frozen=True)
class Step:
    """One interview in the order: the codes it has and those first seen there."""

    interview: str
    codes: frozenset
    new: frozenset
    cumulative: int


@dataclass(frozen=True)
class RunCheck:
    start: int          # interviews before the run
    new: int            # codes first seen in the run
    ratio: float        # new / unique codes in the base


@dataclass(frozen=True)
class GuestResult:
    base: int
    run: int
    threshold: float
    n: int
    base_codes: int
    runs: tuple[RunCheck, ...]
    reached_at: int | None        # k of "k+run", or None
    reason: str                   # why not reached ("" when reached)

    @property
    def label(self) -> str:
        return f"{self.reached_at}+{self.run}" if self.reached_at is not None else "not reached"


def check_parameters(base: int, run: int, threshold: float) -> None:
    if base < 1:
        raise InvalidInput(f"--base must be 1 or more interviews, not {base}")
    if run < 1:
        raise InvalidInput(f"--run must be 1 or more interviews, not {run}")
    if not 0 <= threshold < 1 or math.isnan(threshold):
        raise InvalidInput(f"--threshold must be a share from 0 to below 1 (0.05 = 5 %), not {threshold:g}")


def guest(code_sets: Sequence[frozenset | set], base: int = 4, run: int = 2, threshold: float = 0.05) -> GuestResult:
    """The Guest, Namey & Chen (2020) rule over interviews in order (``code_sets[k]``: the codes
    of interview ``k+1``)."""
    check_parameters(base, run, threshold)
    n = len(code_sets)
    if n < base + run:
        return GuestResult(base, run, threshold, n, 0, (), None,
                           f"only {n} interview{'s' if n != 1 else ''}; the rule needs at least base + run = {base + run}")
    seen: set = set()
    for s in code_sets[:base]:
        seen |= set(s)
    b = len(seen)
    if not b:
        return GuestResult(base, run, threshold, n, 0, (), None, f"no codes in the base (the first {base} interviews)")
    checks = []
    for start in range(base, n - run + 1):
        in_run: set = set()
        for s in code_sets[start:start + run]:
            in_run |= set(s)
        new = len(in_run - seen)
        checks.append(RunCheck(start, new, new / b))
        if new / b <= threshold:
            return GuestResult(base, run, threshold, n, b, tuple(checks), start, "")
        seen |= set(code_sets[start])
    last = checks[-1]
    return GuestResult(base, run, threshold, n, b, tuple(checks), None,
                       f"every run added more than {threshold:.0%} new codes; the last (interviews {last.start + 1}-"
                       f"{last.start + run}) added {last.new} = {last.ratio:.0%} of the base's {b}")


def curve(names: Sequence[str], code_sets: Sequence[frozenset]) -> list[Step]:
    seen: set = set()
    out = []
    for name, s in zip(names, code_sets):
        new = frozenset(s - seen)
        seen |= s
        out.append(Step(name, frozenset(s), new, len(seen)))
    return out


@dataclass(frozen=True)
class Bootstrap:
    resamples: int
    seed: int
    reached: int                     # orders in which saturation was reached
    median: float                    # of k, over the orders that reached it
    low: float                       # 2.5th percentile
    high: float                      # 97.5th percentile


def bootstrap(code_sets: Sequence[frozenset], base: int, run: int, threshold: float, *, resamples: int = 1000,
              seed: int = 0) -> Bootstrap:
    """The rule over ``resamples`` random orders of the same interviews (seeded): how often
    saturation is reached and where (percentile interval of k)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ks = []
    n = len(code_sets)
    for _ in range(resamples):
        perm = rng.permutation(n)
        r = guest([code_sets[i] for i in perm], base, run, threshold)
        if r.reached_at is not None:
            ks.append(r.reached_at)
    if ks:
        a = np.asarray(ks, dtype=float)
        return Bootstrap(resamples, seed, len(ks), float(np.median(a)), float(np.percentile(a, 2.5)),
                         float(np.percentile(a, 97.5)))
    return Bootstrap(resamples, seed, 0, math.nan, math.nan, math.nan)


@dataclass
class Series:
    coder: str                       # a coder, or ALL_CODERS
    group: str                       # an arm (value of --by), or ALL
    steps: list[Step]
    first_coded: list[str]           # ISO time each interview was first coded
    result: GuestResult
    boot: Bootstrap | None


@dataclass
class Saturation:
    by: str | None
    base: int
    run: int
    threshold: float
    series: list[Series] = field(default_factory=list)
    code_names: dict = field(default_factory=dict)          # code id -> key
    warnings: list[str] = field(default_factory=list)


def interview_codes(store, include_interviewer: bool = False) -> dict[tuple[str, int], frozenset]:
    """(coder, interview id) -> the code ids of the coder's codings there that share a character
    with the analysed text."""
    import numpy as np

    from fieldcode.analysis.units import analysed_ranges
    from fieldcode.store import q_coders, q_coding_arrays_by_coder, q_n_chars, q_turn_spans

    coders = q_coders(store)
    if not coders:
        return {}
    arrays = q_coding_arrays_by_coder(store, interview_ids=None, code_ids=None, coders=coders)
    iids = sorted({iid for iid, _ in arrays})
    turns = q_turn_spans(store, iids)
    n_chars = q_n_chars(store, iids)
    out: dict[tuple[str, int], frozenset] = {}
    for (iid, coder), (cid, st, en) in arrays.items():
        ranges = analysed_ranges(turns.get(iid, []), int(n_chars.get(iid, 0)), include_interviewer)
        if not ranges or not len(cid):
            continue
        lo = np.array([a for a, _ in ranges], dtype=np.int64)
        hi = np.array([b for _, b in ranges], dtype=np.int64)
        # a coding shares a character with a range [a, b) when start < b and end > a: the first
        # range ending after the start must begin before the coding's end
        j = np.searchsorted(hi, st.astype(np.int64), side="right")
        ok = (j < len(lo)) & (lo[np.minimum(j, len(lo) - 1)] < en) & (en > st)
        codes = frozenset(int(c) for c in cid[ok].tolist())
        if codes:
            out[(coder, iid)] = codes
    return out


def saturation(store, *, coder: str | None = None, by: str | None = None, base: int = 4, run: int = 2,
               threshold: float = 0.05, resamples: int = 1000, seed: int = 0, include_interviewer: bool = False,
               order: dict[str, list[str]] | None = None, filters: dict[str, list[str]] | None = None) -> Saturation:
    """Code saturation per coder (or one coder) and for all coders together, pooled and per
    value of ``by``."""
    from fieldcode.analysis import MISSING, load_code_tree
    from fieldcode.store import q_coders, q_interview_rows
    from fieldcode.store.history import q_first_coded

    check_parameters(base, run, threshold)
    if resamples < 0:
        raise InvalidInput(f"--resamples must be 0 or more, not {resamples}")
    ivs = q_interview_rows(store)
    if filters:
        ivs = {i: v for i, v in ivs.items() if all(v[2].get(k) in set(vals) for k, vals in filters.items() if vals)}
    coders = q_coders(store)
    if coder is not None and coder not in coders:
        raise InvalidInput(f"coder '{coder}' has no codings (coders with codings: {', '.join(coders) or 'none'})")
    if not coders:
        raise InvalidInput("no codings yet: code some interviews first (fieldcode code)")
    codes = interview_codes(store, include_interviewer)
    first = q_first_coded(store)
    tree = load_code_tree(store)
    res = Saturation(by=by, base=base, run=run, threshold=threshold,
                     code_names={c.id: c.key for c in tree.codes})
    if by and not any(by in v[2] for v in ivs.values()):
        raise InvalidInput(f"no interview has the attribute '{by}' (give --by an attribute the interviews carry, e.g. arm)")
    who = [coder] if coder else coders + ([ALL_CODERS] if len(coders) > 1 else [])
    for c in who:
        members = coders if c == ALL_CODERS else [c]
        when: dict[int, tuple] = {}
        sets: dict[int, frozenset] = {}
        for m in members:
            for (cc, iid), t in first.items():
                if cc == m and iid in ivs and (iid not in when or t < when[iid]):
                    when[iid] = t
            for (cc, iid), s in codes.items():
                if cc == m and iid in ivs:
                    sets[iid] = sets.get(iid, frozenset()) | s
        ordered = sorted(when, key=lambda i: (when[i], ivs[i][0]))
        groups = {ALL: ordered}
        if by:
            per: dict[str, list[int]] = {}
            for iid in ordered:
                per.setdefault(ivs[iid][2].get(by, MISSING), []).append(iid)
            known = list((order or {}).get(by, []))
            for g in sorted(per, key=lambda g: (g not in known, known.index(g) if g in known else 0, g)):
                groups[g] = per[g]
        for g, iids in groups.items():
            cs = [sets.get(i, frozenset()) for i in iids]
            names = [ivs[i][0] for i in iids]
            r = guest(cs, base, run, threshold)
            boot = bootstrap(cs, base, run, threshold, resamples=resamples, seed=seed) if resamples and len(cs) >= base + run else None
            res.series.append(Series(c, g, curve(names, cs), [when[i][0].isoformat(timespec="seconds") for i in iids], r, boot))
    return res


def describe(s: Series) -> str:
    """One line: the result and, with the bootstrap, how it varies with the order."""
    r = s.result
    if r.reached_at is not None:
        last = r.runs[-1]
        text = (f"saturation at {r.label} (base {r.base}: {r.base_codes} codes; run of interviews {last.start + 1}-"
                f"{last.start + r.run}: {last.new} new = {last.ratio:.1%} <= {r.threshold:.0%})")
    else:
        text = f"saturation not reached: {r.reason}"
    b = s.boot
    if b is not None:
        if b.reached:
            text += (f"; over {b.resamples:,} random orders (seed {b.seed}): reached in {b.reached / b.resamples:.0%}, "
                     f"median k {b.median:g} (95%: {b.low:g}-{b.high:g})")
        else:
            text += f"; over {b.resamples:,} random orders (seed {b.seed}): never reached"
    return text


CURVE_COLUMNS = ["coder", "group_by", "group", "position", "interview", "first_coded_utc", "codes", "new_codes",
                 "new_code_keys", "cumulative_codes", "run_new_ratio", "saturation", "base", "run", "threshold",
                 "bootstrap_resamples", "bootstrap_seed", "bootstrap_reached", "bootstrap_median_k",
                 "bootstrap_low_k", "bootstrap_high_k"]


def saturation_csv(res: Saturation) -> str:
    """One row per series x interview in order (the curve), with the series' result and bootstrap
    repeated on each row.  Written through the project's one CSV writer."""
    from fieldcode.analysis.export import csv_text

    def num(x: float) -> str:
        return "" if x is None or (isinstance(x, float) and math.isnan(x)) else repr(round(x, 12))

    rows = []
    for s in res.series:
        ratio = {c.start: c.ratio for c in s.result.runs}
        b = s.boot
        for k, (st, at) in enumerate(zip(s.steps, s.first_coded)):
            rows.append([s.coder, res.by or "", s.group, k + 1, st.interview, at, len(st.codes), len(st.new),
                         " ".join(sorted(res.code_names.get(c, str(c)) for c in st.new)), st.cumulative,
                         num(ratio.get(k)), s.result.label, res.base, res.run, res.threshold,
                         b.resamples if b else "", b.seed if b else "", b.reached if b else "",
                         num(b.median) if b else "", num(b.low) if b else "", num(b.high) if b else ""])
    return csv_text(CURVE_COLUMNS, rows)
