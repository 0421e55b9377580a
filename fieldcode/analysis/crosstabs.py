"""The crosstab: codes x groups of interviews, in four units (segments, interviews, words,
per1000), each cell with its denominators; ``Crosstab`` renders itself as a table, tidy or wide
data.

How it scales: the codings come out of the database as one aggregated string of packed
integers per interview (``fieldcode.store.q_coding_arrays``), not as a million Python rows;
everything after that (the interviewer rule, the unions of spans, word counts, grouping) is
numpy over arrays, and pandas only shapes the small result.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fieldcode.analysis.codetree import load_code_tree
from fieldcode.analysis.passages import matching_interviews
from fieldcode.analysis.units import (
    ANY_CODE,
    MISSING,
    UNITS,
    AnalysedWords,
    analysed_words,
    pooling_rule,
)
from fieldcode.errors import InvalidInput
from fieldcode.store import q_coders, q_coding_arrays, q_interview_rows, q_texts, q_turn_spans

@dataclass(frozen=True)
class Row:
    key: str           # code key; ANY_CODE for the union of all codes
    name: str
    label: str         # "Place", "Place (incl. children)"
    path: str
    depth: int
    rollup: bool
    retired: bool = False


def _breakable(value: str, width: int = 10, longest: int = 16) -> str:
    """A header value longer than ``longest`` broken into lines of at most ``width``
    characters after '-', '_', '.' or a space (a piece longer than ``longest`` is cut), so a
    narrow table column wraps it instead of cutting it: 'liverpool-improving-01-resident' and
    '...-02-resident' stay distinguishable.  Joining the lines gives the value back."""
    if len(value) <= longest:
        return value
    lines: list[str] = []
    for piece in filter(None, re.findall(r"[^-_. ]*[-_. ]?", value)):
        while len(piece) > longest:
            lines.append(piece[:longest])
            piece = piece[longest:]
        if lines and len(lines[-1]) + len(piece) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    return "\n".join(lines)


@dataclass
class Crosstab:
    """Counts of codes (rows) in groups of interviews (columns).  Arrays are rows x groups.

    ``words`` is None when no word unit was asked for (words cost a pass over every text)."""

    by: tuple[str, ...]
    groups: list[tuple[str, ...]]
    rows: list[Row]
    segments: "np.ndarray"
    interviews: "np.ndarray"
    words: "np.ndarray | None"
    group_interviews: "np.ndarray"   # interviews in each group
    group_words: "np.ndarray"        # analysed words in each group
    options: dict

    @property
    def units(self) -> tuple[str, ...]:
        return UNITS if self.words is not None else UNITS[:2]

    def table(self, unit: str) -> "np.ndarray":
        """rows x groups values of ``unit`` (per1000: float, NaN where a group has no words)."""
        import numpy as np

        if unit == "segments":
            return self.segments
        if unit == "interviews":
            return self.interviews
        if unit not in ("words", "per1000"):
            raise InvalidInput(f"unknown unit '{unit}' (units: {', '.join(UNITS)})")
        if self.words is None:
            raise InvalidInput(f"unit '{unit}' was not computed: ask crosstab() for it")
        if unit == "words":
            return self.words
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.group_words > 0, 1000.0 * self.words / np.maximum(self.group_words, 1), np.nan)

    def group_label(self, g: tuple[str, ...]) -> str:
        """The group's full name (CSV column names): attribute values joined by ' / '."""
        return " / ".join(g) if g else "all"

    def long(self, units: Sequence[str] | None = None):
        """Tidy form: one row per code x group x unit with its value and both denominators."""
        import pandas as pd

        units = list(units or self.units)
        tabs = {u: self.table(u) for u in units}
        recs = []
        for r, row in enumerate(self.rows):
            for gi, g in enumerate(self.groups):
                for u in units:
                    recs.append((row.key, row.label, row.path, row.rollup, *g, u, tabs[u][r, gi],
                                 int(self.group_interviews[gi]), int(self.group_words[gi])))
        cols = ["code", "label", "code_path", "rollup", *self.by, "unit", "value",
                "interviews_in_group", "words_in_group"]
        return pd.DataFrame.from_records(recs, columns=cols)

    def display(self, unit: str, *, denominators: bool = False) -> tuple[list[str], list[list[str]]]:
        """Headers and rows of strings for a front end (the CLI table, the TUI screen): code
        labels indented by depth, values formatted for their unit; with ``denominators`` the
        headers carry each group's interviews and analysed words, and interview and word cells
        read "value/denominator"."""
        headers = ["code"]
        for gi, g in enumerate(self.groups):
            head = "\n".join(_breakable(v) for v in g) if g else "all"
            if denominators:
                head += f"\n({int(self.group_interviews[gi]):,} iv, {int(self.group_words[gi]):,} w)"
            headers.append(head)
        tab = self.table(unit)
        rows = []
        top = min((row.depth for row in self.rows), default=0)
        for r, row in enumerate(self.rows):
            label = "  " * (row.depth - top) + row.label + (" (retired)" if row.retired else "")
            cells = [label]
            for gi in range(len(self.groups)):
                v = tab[r, gi].item()
                if unit == "per1000":
                    cell = "\u2014" if math.isnan(v) else f"{v:.1f}"
                else:
                    cell = f"{int(v):,}"
                if denominators and unit == "interviews":
                    cell += f"/{int(self.group_interviews[gi]):,}"
                elif denominators and unit == "words":
                    cell += f"/{int(self.group_words[gi]):,}"
                cells.append(cell)
            rows.append(cells)
        return headers, rows

    def wide(self, unit: str):
        """One row per code, one column per group (values of ``unit``)."""
        import pandas as pd

        tab = self.table(unit)
        df = pd.DataFrame(tab, columns=[self.group_label(g) for g in self.groups])
        df.insert(0, "code", [r.key for r in self.rows])
        df.insert(1, "label", [r.label for r in self.rows])
        return df


def _group_key(attrs: dict[str, str], by: Sequence[str], name: str) -> tuple[str, ...]:
    return tuple(name if b == "interview" else (attrs.get(b) or MISSING) for b in by)


def _sort_groups(groups: Iterable[tuple[str, ...]], by: Sequence[str],
                 order: dict[str, Sequence[str]] | None) -> list[tuple[str, ...]]:
    order = order or {}

    def k(g: tuple[str, ...]):
        out = []
        for b, v in zip(by, g):
            pref = list(order.get(b, ()))
            out.append((v == MISSING, pref.index(v) if v in pref else len(pref), v))
        return tuple(out)

    return sorted(set(groups), key=k)


def crosstab(store, *, unit: str = "all", by: Sequence[str] = ("pair", "arm"),
             codes: list[str] | None = None, filters: dict[str, list[str]] | None = None,
             coders: list[str] | None = None, include_interviewer: bool = False, rollup: bool = False,
             order: dict[str, Sequence[str]] | None = None, any_code: bool = False) -> Crosstab:
    """Codes x groups of interviews.

    * ``unit``: one of UNITS, or "all".  Segment and presence counts are always computed; the
      word units only when asked for (they need a pass over every transcript's words).
    * ``by``: interview attributes whose value combinations are the columns ("interview" groups
      by interview name); ``()`` gives one column, "all".  Interviews lacking an attribute fall
      in the group "(missing)".
    * ``codes``: code keys (rows); None = every code (retired codes only if they have codings).
    * ``filters``: attribute -> allowed values, e.g. {"role": ["resident"]}.
    * ``coders``: only these coders' codings.
    * ``include_interviewer``: count interviewer turns too (default: left out).
    * ``rollup``: a code with children gets a "(incl. children)" row: the union of its own and
      its descendants' segments, so nothing counts twice.
    * ``order``: preferred order of attribute values, e.g. {"arm": ["improving", "lagging"]}.
    * ``any_code``: add a last row, the union of all the rows' codes (share of text coded).
    """
    import numpy as np

    if unit != "all" and unit not in UNITS:
        raise InvalidInput(f"unknown unit '{unit}' (units: {', '.join(UNITS)})")
    want_words = unit in ("all", "words", "per1000")
    by = tuple(by)
    tree = load_code_tree(store)
    keys = tree.resolve(codes)
    ivs = q_interview_rows(store)
    iids = matching_interviews(ivs, filters)
    turns = q_turn_spans(store, iids if filters else None)

    # -- rows: each is a set of code ids -----------------------------------------------------
    row_keys = keys if keys is not None else [c.key for c in tree.codes]
    rows: list[Row] = []
    members: list[list[int]] = []
    for k in row_keys:
        c = tree.by_key[k]
        desc = tree.descendants(k)
        if rollup and desc:
            rows.append(Row(k, c.name, f"{c.name} (incl. children)", c.path, c.depth, True, c.retired))
            members.append([c.id, *(tree.by_key[d].id for d in desc)])
        else:
            rows.append(Row(k, c.name, c.name, c.path, c.depth, False, c.retired))
            members.append([c.id])
    if any_code:
        rows.append(Row(ANY_CODE, ANY_CODE, ANY_CODE, "", 0, True))
        members.append(sorted({cid for m in members for cid in m}))
    n_rows = len(rows)

    # -- groups and denominators ---------------------------------------------------------------
    gkey = {iid: _group_key(ivs[iid][2], by, ivs[iid][0]) for iid in iids}
    groups = _sort_groups(gkey.values(), by, order) if iids else ([()] if not by else [])
    gidx = {g: i for i, g in enumerate(groups)}
    iv_pos = {iid: i for i, iid in enumerate(iids)}
    iv_group = np.array([gidx[gkey[iid]] for iid in iids], dtype=np.int64)
    iv_words = np.array([analysed_words(ivs[iid][1], turns.get(iid, []), include_interviewer) for iid in iids],
                        dtype=np.int64)
    n_groups = len(groups)
    group_interviews = np.bincount(iv_group, minlength=n_groups).astype(np.int64)
    group_words = np.bincount(iv_group, weights=iv_words, minlength=n_groups).astype(np.int64)

    # -- codings as arrays ---------------------------------------------------------------------
    all_code_ids = sorted({cid for m in members for cid in m})
    arr = q_coding_arrays(store, interview_ids=iids if filters else None,
                          code_ids=all_code_ids if keys is not None else None, coders=coders)
    n_iv = len(iids)
    seg_iv = np.zeros((n_iv, n_rows), dtype=np.int64)
    words_iv = np.zeros((n_iv, n_rows), dtype=np.int64) if want_words else None
    parts = [(iv_pos[iid], a) for iid, a in arr.items() if iid in iv_pos]
    left_out = 0
    if parts:
        ivp = np.concatenate([np.full(len(a[0]), i, dtype=np.int64) for i, a in parts])
        cids = np.concatenate([a[0] for _, a in parts])
        starts = np.concatenate([a[1] for _, a in parts])
        ends = np.concatenate([a[2] for _, a in parts])
        # coding -> the rows it belongs to (its code's row and, rolled up, its ancestors' rows)
        code_rows: dict[int, list[int]] = defaultdict(list)
        for r, m in enumerate(members):
            for cid in m:
                code_rows[cid].append(r)
        max_cid = int(max(cids.max(), max(code_rows) if code_rows else 0)) + 1
        n_member = np.zeros(max_cid, dtype=np.int64)
        for cid, rs in code_rows.items():
            n_member[cid] = len(rs)
        reps = n_member[cids]
        # a coding counts when it covers an analysed word (ANALYSED_TEXT_RULE): not wholly in
        # labels, interviewer turns (unless included), the space between turns or a header
        texts = q_texts(store, iids)
        index = AnalysedWords([texts[iid] for iid in iids], [turns.get(iid, []) for iid in iids],
                              include_interviewer)
        counted = index.covered(ivp, starts, ends) > 0
        left_out = int((~counted).sum())
        # expand codings into (coding, row) pairs
        idx = np.repeat(np.arange(len(cids)), reps)
        flat_rows = _rows_for(cids, reps, code_rows, max_cid)
        pr_iv = ivp[idx]
        pr_row = flat_rows
        pr_counted = counted[idx]
        g = pr_iv * n_rows + pr_row
        seg_iv = _passages(g, starts[idx], ends[idx], pr_counted, n_iv * n_rows).reshape(n_iv, n_rows)
        if want_words:
            words_iv = _coded_words(index, pr_iv, pr_row, starts[idx], ends[idx], n_iv, n_rows)
    # -- aggregate interviews into groups (small: interviews x rows) ------------------------------
    onehot = np.zeros((n_iv, n_groups), dtype=np.int64)
    if n_iv:
        onehot[np.arange(n_iv), iv_group] = 1
    segments_t = (seg_iv.T @ onehot)
    interviews_t = ((seg_iv > 0).astype(np.int64).T @ onehot)
    words_t = (words_iv.T @ onehot) if want_words else None
    # retired codes appear only when they have codings
    keep_rows = [r for r, row in enumerate(rows) if not row.retired or segments_t[r].sum() > 0
                 or (keys is not None and row.key in keys)]
    if len(keep_rows) != n_rows:
        rows = [rows[r] for r in keep_rows]
        segments_t, interviews_t = segments_t[keep_rows], interviews_t[keep_rows]
        words_t = words_t[keep_rows] if words_t is not None else None
    return Crosstab(
        by=by, groups=groups, rows=rows, segments=segments_t, interviews=interviews_t, words=words_t,
        group_interviews=group_interviews, group_words=group_words,
        options={"unit": unit, "by": list(by), "codes": codes, "filters": filters or {}, "coders": coders or [],
                 "include_interviewer": include_interviewer, "rollup": rollup,
                 "pooling": pooling_rule(coders, q_coders(store)),
                 "left_out_by_interviewer_rule": left_out},
    )


def _passages(g, starts, ends, counted, n_cells: int):
    """Counted passages per cell ``g`` (interview x row): codings of a cell whose spans share a
    character form one passage, whoever coded them (see ``POOLING_RULE``); a passage counts if
    any of its codings counts."""
    import numpy as np

    if len(g) == 0:
        return np.zeros(n_cells, dtype=np.int64)
    order = np.lexsort((starts, g))
    gs, st, en, ct = g[order], starts[order], ends[order], counted[order]
    width = int(en.max()) + 1
    # running maximum end within each cell: cells are sorted, so offsetting by cell keeps the
    # maximum from crossing into the next cell
    reach = np.maximum.accumulate(gs * width + en) - gs * width
    new = np.ones(len(gs), dtype=bool)
    new[1:] = (gs[1:] != gs[:-1]) | (st[1:] >= reach[:-1])
    pid = np.cumsum(new) - 1
    passage_counted = np.bincount(pid, weights=ct, minlength=int(pid[-1]) + 1) > 0
    passage_cell = gs[new]
    return np.bincount(passage_cell[passage_counted], minlength=n_cells).astype(np.int64)


def _rows_for(cids, reps, code_rows: dict[int, list[int]], max_cid: int):
    """The row of each (coding, row) pair, in the order np.repeat(arange, reps) produces."""
    import numpy as np

    width = max((len(rs) for rs in code_rows.values()), default=1)
    table = np.full((max_cid, max(width, 1)), -1, dtype=np.int64)
    for cid, rs in code_rows.items():
        table[cid, :len(rs)] = rs
    sub = table[cids]                      # codings x width
    mask = np.arange(sub.shape[1])[None, :] < reps[:, None]
    return sub[mask]


def _coded_words(index: AnalysedWords, pr_iv, pr_row, starts, ends, n_iv, n_rows):
    """Analysed words covered by the union of each (interview, row)'s spans: interviews x rows."""
    import numpy as np

    out = np.zeros((n_iv, n_rows), dtype=np.int64)
    if not len(pr_iv):
        return out
    # word index range [a, b) each span touches (a word counts if any character of it is coded)
    a, b = index.word_range(pr_iv, starts, ends)
    cum = index.cum
    ok = b > a
    a, b = a[ok], b[ok]
    grp = pr_iv[ok] * n_rows + pr_row[ok]
    if not len(a):
        return out
    width = len(index.starts) + 1
    ka = grp * width + a
    kb = grp * width + b
    order = np.argsort(ka, kind="stable")
    ka, kb, grp = ka[order], kb[order], grp[order]
    run = np.maximum.accumulate(kb)
    new = np.ones(len(ka), dtype=bool)
    new[1:] = ka[1:] > run[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(ka) - 1)
    lo = ka[first] - grp[first] * width
    hi = run[last] - grp[first] * width
    counts = cum[hi] - cum[lo]
    out += np.bincount(grp[first], weights=counts, minlength=n_iv * n_rows).astype(np.int64).reshape(n_iv, n_rows)
    return out

