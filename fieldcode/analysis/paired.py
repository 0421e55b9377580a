"""The paired comparison: focal arm versus comparison arm, pair by pair, on a normalised unit,
with balance warnings and an exact (descriptive) sign test across pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from fieldcode.analysis.crosstabs import Row, crosstab
from fieldcode.analysis.units import MISSING
from fieldcode.errors import InvalidInput


NORMALISED_UNITS = {
    "per1000": "coded words per 1,000 analysed words of the arm",
    "share": "share of the arm's interviews mentioning the theme (0-1)",
    "segments_per_interview": "coded segments per interview of the arm",
}
# Decimal places a unit's values and differences are shown with.  A pair is tied when its
# difference shows as zero at this precision, so the direction counted is the one printed.
DIGITS = {"per1000": 1, "share": 2, "segments_per_interview": 2}
DEFAULT_ALPHA = 0.05
MIN_P_RULE = ("with n pairs that differ (ties dropped) the exact two-sided sign test cannot "
              "go below 2 x 0.5^n, reached only when all n point the same way (0.25 with 3 pairs, 0.125 with "
              "4, 0.0625 with 5, 0.03125 with 6)")
SIGN_TEST_NOTE = ("descriptive only: coded segments are not independent observations, and the sign "
                  "test treats each pair as one observation")


def shown(value: float, unit: str) -> float:
    """``value`` rounded as the tables print it (``DIGITS``); a value that prints as zero is
    0.0 (never -0.0)."""
    v = float(f"{value:.{DIGITS[unit]}f}")
    return v if v != 0 else 0.0


def direction(difference: float, unit: str) -> str:
    """How a pair's difference counts in the sign test: "higher", "lower" or "tie", read from
    the difference as printed (a difference that prints as zero is a tie)."""
    v = shown(difference, unit)
    return "higher" if v > 0 else "lower" if v < 0 else "tie"


def format_value(value: float, unit: str, *, signed: bool = False) -> str:
    """A value or difference of ``unit`` as the tables show it (``DIGITS``).  ``signed``: a
    difference, with its sign; one that rounds to zero prints as an unsigned zero ("0.0", not
    "-0.0" or "+0.0"), so a tie reads as a tie."""
    v = shown(value, unit)
    return f"{v:{'+' if signed and v != 0 else ''}.{DIGITS[unit]}f}"


def format_p(p: float | None, digits: int = 3) -> str:
    """A p-value for a table: "n/a" when there was no untied pair to test."""
    return "n/a" if p is None else f"{p:.{digits}f}"


def sign_test(higher: int, lower: int) -> float | None:
    """Exact two-sided binomial sign test (p = 1/2) over the pairs with a non-zero difference:
    2 x P(X <= min(higher, lower)), X ~ Binomial(higher + lower, 1/2), capped at 1.  None when
    no pair differs: there is nothing to test, and "1.000" would read as evidence of no
    difference."""
    n = higher + lower
    if n == 0:
        return None
    k = min(higher, lower)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)


def min_p(n: int) -> float | None:
    """The smallest two-sided p the exact sign test can give with ``n`` untied pairs: 2 x 0.5^n
    (all ``n`` pairs the same way), capped at 1.  None when ``n`` is 0 (no test)."""
    if n < 0:
        raise ValueError(f"a number of pairs cannot be negative ({n})")
    return None if n == 0 else min(1.0, 2 * 0.5 ** n)


def format_min_p(p: float | None) -> str:
    """A smallest-p for a table: exact for the few pairs a study has (0.25, 0.0625, 0.03125),
    "n/a" when there was no untied pair."""
    return "n/a" if p is None else f"{p:.6g}"


def check_alpha(alpha: float) -> float:
    """``alpha`` when it is a threshold a reader could use (strictly between 0 and 1)."""
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise InvalidInput(f"--alpha must be a number between 0 and 1 (e.g. 0.05), not {alpha!r}")
    return float(alpha)


def min_p_warnings(themes: Sequence["ThemeComparison"], n_pairs: int, alpha: float) -> list[str]:
    """Warnings when the design cannot reach ``alpha``: the number of pairs compared (the best
    case, no ties), else the themes whose ties leave too few pairs to reach it."""
    best = min_p(n_pairs)
    if best is None:
        return []
    if best > alpha:
        return [f"with {n_pairs} pair(s) the exact two-sided sign test cannot give a p below {format_min_p(best)} "
                f"(2 x 0.5^{n_pairs}), which is above the threshold alpha = {alpha:g}: no theme can reach it, "
                "whatever the codings show. Read the table as counts of pairs pointing each way, not as a test."]
    short = [th.row.label for th in themes if th.untied and th.min_p > alpha]
    if short:
        return [f"{len(short)} theme(s) have so many tied pairs that the sign test cannot reach alpha = {alpha:g} "
                f"(their smallest p is above it): {', '.join(short)}"]
    return []


@dataclass(frozen=True)
class PairValue:
    pair: str
    focal: float
    comparison: float
    difference: float          # focal - comparison


@dataclass(frozen=True)
class ThemeComparison:
    row: Row
    pairs: list[PairValue]
    higher: int                # pairs where the focal arm is higher
    lower: int
    ties: int
    p_value: float | None      # exact two-sided sign test, ties dropped; None: no untied pair

    @property
    def untied(self) -> int:
        """n of the sign test: the pairs whose difference is not a tie."""
        return self.higher + self.lower

    @property
    def min_p(self) -> float | None:
        """The smallest p the sign test could give with this theme's untied pairs."""
        return min_p(self.untied)

    @property
    def direction(self) -> str:
        """Which way most untied pairs point: "higher", "lower", "even" (as many each way) or
        "none" (no pair differs)."""
        if not self.untied:
            return "none"
        return "higher" if self.higher > self.lower else "lower" if self.lower > self.higher else "even"


@dataclass(frozen=True)
class ArmSize:
    interviews: int
    words: int                 # analysed words
    coded_share: float         # share of analysed words coded with any of the themes


@dataclass
class Comparison:
    unit: str
    arms: tuple[str, str]
    pairs: list[str]                         # pairs with both arms, compared
    themes: list[ThemeComparison]
    sizes: dict[str, dict[str, ArmSize]]     # pair -> arm -> size
    warnings: list[str]
    options: dict
    note: str = SIGN_TEST_NOTE
    alpha: float = DEFAULT_ALPHA
    min_p_warnings: list[str] = field(default_factory=list)   # the design cannot reach alpha

    @property
    def min_p(self) -> float | None:
        """The smallest p the number of pairs compared allows (no ties)."""
        return min_p(len(self.pairs))


def compare(store, *, arms: Sequence[str], unit: str = "per1000", pair_attr: str = "pair", arm_attr: str = "arm",
            codes: list[str] | None = None, filters: dict[str, list[str]] | None = None,
            coders: list[str] | None = None, include_interviewer: bool = False, rollup: bool = False,
            balance_ratio: float = 2.0, balance_share: float = 0.15, alpha: float = DEFAULT_ALPHA) -> Comparison:
    """For each theme and pair: the focal-arm value, the comparison-arm value and their
    difference on a normalised unit (NORMALISED_UNITS); across pairs, how often the focal arm is
    higher and an exact two-sided sign test (descriptive).  Balance warnings flag a pair whose
    arms differ by ``balance_ratio`` times or more in interviews or analysed words, or by
    ``balance_share`` or more in the share of text coded; a pair missing an arm is left out,
    with a warning.  ``alpha``: the threshold a reader would use; ``min_p_warnings`` says when
    the number of pairs (or a theme's ties) keeps every p above it."""
    alpha = check_alpha(alpha)
    if unit not in NORMALISED_UNITS:
        raise InvalidInput(f"unknown unit '{unit}' for a comparison (units: {', '.join(NORMALISED_UNITS)})")
    focal, other = arms[0], arms[1]
    ct = crosstab(store, unit="all", by=(pair_attr, arm_attr), codes=codes, filters=filters, coders=coders,
                  include_interviewer=include_interviewer, rollup=rollup, any_code=True)
    col = {g: i for i, g in enumerate(ct.groups)}
    pairs_all = sorted({g[0] for g in ct.groups}, key=lambda v: (v == MISSING, v))
    warnings: list[str] = []
    pairs: list[str] = []
    sizes: dict[str, dict[str, ArmSize]] = {}
    for pr in pairs_all:
        sizes[pr] = {}
        for arm in (focal, other):
            gi = col.get((pr, arm))
            if gi is not None:
                w = int(ct.group_words[gi])
                sizes[pr][arm] = ArmSize(int(ct.group_interviews[gi]), w,
                                         float(ct.words[-1, gi]) / w if w else 0.0)
        missing = [a for a in (focal, other) if a not in sizes[pr]]
        if pr == MISSING:
            warnings.append(f"{sum(s.interviews for s in sizes[pr].values())} interview(s) have no '{pair_attr}' "
                            "attribute: left out of the comparison")
            continue
        if missing:
            warnings.append(f"pair '{pr}' has no '{missing[0]}' interviews: left out of the comparison")
            continue
        empty = [a for a in (focal, other) if sizes[pr][a].words == 0]
        if unit == "per1000" and empty:
            # no analysed words (all interviewer speech, or nothing left by the filters): a rate
            # per 1,000 words does not exist, and a 0.0 would count as a difference
            warnings.append(f"pair '{pr}': its '{empty[0]}' interviews have no analysed words, so no rate per "
                            "1,000 words: left out of the comparison")
            continue
        pairs.append(pr)
        a, b = sizes[pr][focal], sizes[pr][other]
        for what, x, y in (("interviews", a.interviews, b.interviews), ("analysed words", a.words, b.words)):
            lo, hi = min(x, y), max(x, y)
            if lo == 0 or hi / lo >= balance_ratio:
                warnings.append(f"pair '{pr}' is unbalanced in {what}: {focal} {x:,}, {other} {y:,}")
        if abs(a.coded_share - b.coded_share) >= balance_share:
            warnings.append(f"pair '{pr}' is unbalanced in share of text coded: {focal} {a.coded_share:.0%}, "
                            f"{other} {b.coded_share:.0%}")
    others = sorted({g[1] for g in ct.groups} - {focal, other})
    if others:
        warnings.append(f"interviews with {arm_attr} {', '.join(repr(o) for o in others)} are not in either arm: "
                        "left out of the comparison")

    def value(r: int, gi: int) -> float:
        n_iv, n_w = int(ct.group_interviews[gi]), int(ct.group_words[gi])
        if unit == "per1000":
            return 1000.0 * float(ct.words[r, gi]) / n_w if n_w else 0.0
        if unit == "share":
            return float(ct.interviews[r, gi]) / n_iv if n_iv else 0.0
        return float(ct.segments[r, gi]) / n_iv if n_iv else 0.0

    themes: list[ThemeComparison] = []
    for r, row in enumerate(ct.rows[:-1]):
        pvs = []
        for pr in pairs:
            f, c = value(r, col[(pr, focal)]), value(r, col[(pr, other)])
            pvs.append(PairValue(pr, f, c, f - c))
        # a difference that shows as zero is a tie: the direction counted is the one printed,
        # rounded by the same formatting the tables use
        counted = [direction(p.difference, unit) for p in pvs]
        higher, lower = counted.count("higher"), counted.count("lower")
        themes.append(ThemeComparison(row, pvs, higher, lower, len(pvs) - higher - lower, sign_test(higher, lower)))
    return Comparison(unit=unit, arms=(focal, other), pairs=pairs, themes=themes, sizes=sizes, warnings=warnings,
                      options={**ct.options, "unit": unit, "arms": [focal, other], "alpha": alpha},
                      alpha=alpha, min_p_warnings=min_p_warnings(themes, len(pairs), alpha))
