"""Frequencies and coverage: code frequencies over all matching interviews (a one-column
crosstab), and the share of each interview's analysed words coded with any code, per coder and
for all coders together.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldcode.analysis.crosstabs import Crosstab, crosstab
from fieldcode.store import q_coders, q_interview_rows


def frequencies(store, **kw) -> Crosstab:
    """Code frequencies over all (matching) interviews: a crosstab with one column."""
    kw.setdefault("unit", "all")
    return crosstab(store, by=(), **kw)


@dataclass(frozen=True)
class CoverageRow:
    interview: str
    attributes: dict[str, str]
    coder: str                 # a coder, or "(all coders)"
    segments: int
    coded_words: int
    analysed_words: int

    @property
    def share(self) -> float:
        return self.coded_words / self.analysed_words if self.analysed_words else 0.0


ALL_CODERS = "(all coders)"


def coverage(store, *, filters: dict[str, list[str]] | None = None, coders: list[str] | None = None,
             include_interviewer: bool = False) -> list[CoverageRow]:
    """Share of each interview's analysed words coded with any code, per coder and, when there is
    more than one, for all of them together (a union: words two coders both coded count once)."""
    ivs = q_interview_rows(store)
    who = list(coders) if coders else q_coders(store)
    out: list[CoverageRow] = []
    everyone = [*who, ALL_CODERS] if len(who) > 1 else who
    for c in everyone:
        ct = crosstab(store, unit="words", by=("interview",), filters=filters,
                      coders=who if c == ALL_CODERS else [c], include_interviewer=include_interviewer,
                      any_code=True)
        for gi, (name,) in enumerate(ct.groups):
            out.append(CoverageRow(name, {}, c, int(ct.segments[-1, gi]), int(ct.words[-1, gi]),
                                   int(ct.group_words[gi])))
    attrs = {v[0]: v[2] for v in ivs.values()}
    order = {c: i for i, c in enumerate(everyone)}
    out = [CoverageRow(r.interview, dict(attrs.get(r.interview, {})), r.coder, r.segments, r.coded_words,
                       r.analysed_words) for r in out]
    out.sort(key=lambda r: (r.interview, order[r.coder]))
    return out
