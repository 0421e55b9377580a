"""CSV of the paired comparison coder by coder (``fieldcode export comparison --by-coder``):
one row per theme and result (pooled, each coder, each consensus coder), numbers or empty with
the reason beside them, like every CSV export (fieldcode.analysis.export)."""

from __future__ import annotations

import io

from fieldcode.analysis.export import NO_UNTIED_PAIR, csv_writer
from fieldcode.analysis.paired_coders import ByCoder

BY_CODER_COLUMNS = {
    "result": "pooled (the coders named, together), coder (one coder alone) or consensus (a consensus coder alone)",
    "coder": "the coder; for the pooled row, the coders pooled joined by '+'",
    "focal_higher": "pairs where the focal arm is higher (k of the sign test)",
    "focal_lower": "pairs where the focal arm is lower",
    "ties": "pairs whose difference rounds to zero at the precision the tables print",
    "untied_pairs": "n of the sign test: focal_higher + focal_lower",
    "sign_test_p": "exact two-sided sign test p (descriptive), empty when sign_test_missing says why",
    "min_p": "the smallest p untied_pairs allows: 2 x 0.5^n, empty when min_p_missing says why",
    "direction": "higher, lower, even (as many each way) or none (no pair differs)",
    "coders_agree": "(every row of a theme) agree, differ or no difference: the coders' directions compared",
}


def by_coder_csv(bc: ByCoder) -> str:
    """One row per theme x result: pairs each way, the sign test p and the smallest p the pairs
    allow, the direction, and whether the coders' directions agree on the theme."""
    cmp = bc.pooled
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(["code", "label", "unit", "result", "coder", "focal_higher", "focal_lower", "ties", "untied_pairs",
                "sign_test_p", "sign_test_missing", "min_p", "min_p_missing", "direction", "coders_agree"])
    for t in bc.themes:
        rows = [("pooled", "+".join(bc.coders), t.pooled)]
        rows += [("coder", c, th) for c, th in t.coders.items()]
        rows += [("consensus", c, th) for c, th in t.consensus.items()]
        for kind, who, th in rows:
            if th is None:
                continue
            p, mp = th.p_value, th.min_p
            w.writerow([t.key, t.label, cmp.unit, kind, who, th.higher, th.lower, th.ties, th.untied,
                        "" if p is None else f"{p:.6f}", NO_UNTIED_PAIR if p is None else "",
                        "" if mp is None else f"{mp:.6f}", NO_UNTIED_PAIR if mp is None else "",
                        th.direction, t.agreement])
    return buf.getvalue()
