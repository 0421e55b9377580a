"""The framework matrix: themes as columns, interviews as rows grouped by matched pair, the
focal arm's interviews beside their twin's; in each cell the summaries written there
(``fieldcode.store.framework``) and how many passages were coded there.

The passage counts are the crosstab's segments (``fieldcode.analysis.crosstabs.crosstab`` with
``unit="segments"``, grouped by interview, the same codes, roll-up and coders), so the matrix and
``fieldcode crosstab --unit segments --by interview`` never disagree.

A pair block lists the focal arm's interviews (by name) in the left column and the comparison
arm's in the right, row by row; a pair with more interviews on one side leaves the other side's
last rows empty.  Interviews without a pair fall in a last block, "(no pair)"; an interview whose
arm is neither of the study's arms goes in the left column of its pair's block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import zip_longest

from fieldcode.analysis.codetree import load_code_tree
from fieldcode.analysis.crosstabs import crosstab
from fieldcode.analysis.passages import Segment, segments
from fieldcode.errors import InvalidInput
from fieldcode.store import q_interview_rows
from fieldcode.store.framework import SummaryInfo, summaries

NO_PAIR = "(no pair)"
COUNT_RULE = ("passages: coded passages in the cell as the crosstab counts segments (codings of the theme, "
              "and with roll-up its sub-themes, that share a character are one passage, whoever coded them; "
              "a passage counts when it covers an analysed word)")


@dataclass(frozen=True)
class Theme:
    key: str
    name: str
    code_id: int
    rollup: bool        # its sub-themes' codings count in it
    group: str          # the top-level theme it belongs to (its own key at the top)
    group_name: str


@dataclass(frozen=True)
class Side:
    interview_id: int
    interview: str
    arm: str


@dataclass
class PairRow:
    pair: str
    sides: tuple[Side | None, Side | None]   # focal arm, comparison arm


@dataclass
class Cell:
    interview_id: int
    theme: Theme
    passages: int
    summaries: list[SummaryInfo] = field(default_factory=list)   # coders' by name, then consensus

    def by(self, author: str) -> SummaryInfo | None:
        return next((s for s in self.summaries if s.author == author), None)

    @property
    def consensus(self) -> SummaryInfo | None:
        return next((s for s in self.summaries if s.consensus), None)

    @property
    def stale(self) -> bool:
        return any(s.stale for s in self.summaries)


@dataclass
class Matrix:
    themes: list[Theme]
    arms: tuple[str, str]
    rows: list[PairRow]
    cells: dict[tuple[int, str], Cell]      # (interview id, theme key)
    coders: list[str] | None                # whose passages are counted (None: everyone's)
    options: dict

    def cell(self, interview_id: int, theme_key: str) -> Cell:
        return self.cells[(interview_id, theme_key)]

    @property
    def pairs(self) -> list[str]:
        out: list[str] = []
        for r in self.rows:
            if r.pair not in out:
                out.append(r.pair)
        return out

    def groups(self) -> list[tuple[str, str, list[Theme]]]:
        """(group key, group name, its themes) in theme order: one sheet of the XLSX each."""
        out: list[tuple[str, str, list[Theme]]] = []
        for t in self.themes:
            if out and out[-1][0] == t.group:
                out[-1][2].append(t)
            else:
                out.append((t.group, t.group_name, [t]))
        return out


def choose_themes(store, codes: Sequence[str] | None = None, *, rollup: bool = True) -> list[Theme]:  # noqa: ANN001
    """The matrix's themes: ``codes`` (keys, in the order given) or every top-level theme that is
    not retired, and every other theme that holds a summary (in codebook order, so a summary
    written under a sub-theme is never left out of the default matrix); each rolled up (its
    sub-themes counted in it) when ``rollup`` and it has any."""
    tree = load_code_tree(store)
    if codes:
        keys = tree.resolve(list(codes))
    else:
        held = {s.code_id for s in summaries(store)}
        keys = [c.key for c in tree.codes if (c.depth == 0 and not c.retired) or c.id in held]
    out = []
    for k in keys:
        c = tree.by_key[k]
        top = c.path.split("/")[0]
        out.append(Theme(key=k, name=c.name, code_id=c.id, rollup=rollup and bool(tree.descendants(k)),
                         group=top, group_name=tree.by_key[top].name))
    if not out:
        raise InvalidInput("no themes to show: the codebook has no codes (or only retired ones)")
    return out


def pair_rows(ivs: dict[int, tuple[str, int, dict[str, str]]], arms: tuple[str, str]) -> list[PairRow]:
    """The row blocks: one per pair (sorted by name, "(no pair)" last), the focal arm's
    interviews on the left and the comparison arm's on the right, each by name."""
    blocks: dict[str, tuple[list[Side], list[Side]]] = {}
    for iid, (name, _nw, attrs) in sorted(ivs.items(), key=lambda x: x[1][0]):
        pair = attrs.get("pair") or NO_PAIR
        arm = attrs.get("arm") or ""
        left, right = blocks.setdefault(pair, ([], []))
        (right if arm == arms[1] else left).append(Side(iid, name, arm))
    rows: list[PairRow] = []
    for pair in sorted(blocks, key=lambda p: (p == NO_PAIR, p)):
        left, right = blocks[pair]
        rows.extend(PairRow(pair, (a, b)) for a, b in zip_longest(left, right))
    return rows


def build_matrix(store, arms: tuple[str, str], *, codes: Sequence[str] | None = None, rollup: bool = True,  # noqa: ANN001
                 coders: Sequence[str] | None = None, include_interviewer: bool = False,
                 authors: Sequence[str] | None = None) -> Matrix:
    """The framework matrix.  ``coders``: whose codings the passage counts pool (None: everyone's,
    as the crosstab); ``authors``: whose summaries the cells hold (None: every coder's and the
    consensus summaries)."""
    themes = choose_themes(store, codes, rollup=rollup)
    ivs = q_interview_rows(store)
    rows = pair_rows(ivs, arms)
    ct = crosstab(store, unit="segments", by=("interview",), codes=[t.key for t in themes],
                  coders=list(coders) if coders else None, include_interviewer=include_interviewer, rollup=rollup)
    row_of = {r.key: i for i, r in enumerate(ct.rows)}
    col_of = {g[0]: j for j, g in enumerate(ct.groups)}
    cells: dict[tuple[int, str], Cell] = {}
    for iid, (name, _nw, _a) in ivs.items():
        for t in themes:
            n = int(ct.segments[row_of[t.key], col_of[name]]) if t.key in row_of and name in col_of else 0
            cells[(iid, t.key)] = Cell(iid, t, n)
    by_code = {t.code_id: t for t in themes}
    for s in summaries(store, code_ids=list(by_code), authors=authors):
        t = by_code[s.code_id]
        if (s.interview_id, t.key) in cells:
            cells[(s.interview_id, t.key)].summaries.append(s)
    return Matrix(themes=themes, arms=tuple(arms), rows=rows, cells=cells,
                  coders=list(coders) if coders else None,
                  options={"codes": [t.key for t in themes], "rollup": rollup, "coders": list(coders or []),
                           "include_interviewer": include_interviewer, "authors": list(authors or []),
                           "count_rule": COUNT_RULE})


def cell_segments(store, interview_id: int, theme: Theme, *, coders: Sequence[str] | None = None) -> list[Segment]:  # noqa: ANN001
    """The coded segments behind a cell (the theme's, and its sub-themes' when rolled up), in
    text order; ``coders``: only theirs."""
    segs = segments(store, codes=[theme.key], include_children=theme.rollup,
                    coders=list(coders) if coders else None)
    out = [s for s in segs if s.interview_id == interview_id]
    out.sort(key=lambda s: (s.start, s.end, s.coder, s.coding_id))
    return out
