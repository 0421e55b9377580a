"""Headless analysis: coded segments, crosstabs, the paired comparison and other views.

Nothing here imports a terminal library.  Front ends (the CLI, the TUI) call these functions
and render what they return.

Database access
---------------
DESIGN.md says ``store.py`` is the only module that talks to the database.  The analysis needs
set-based aggregates (GROUP BY over a million codings) that the Store does not offer yet, so
every query lives in ``fieldcode.store.queries`` (the ``q_*`` functions, SQLAlchemy Core over
the model tables); nothing in this module touches the engine.

How the crosstab scales: the codings come out of the database as one aggregated string of packed
integers per interview (``q_coding_arrays``), not as a million Python rows; everything after
that (the interviewer rule, the unions of spans, word counts, grouping) is numpy over arrays, and
pandas only shapes the small result.  Word offsets are found with array operations that match
``fieldcode.text.WORD_RE`` exactly (``word_bounds``; a property test checks them).

Unit definitions (every count carries its unit and denominator)
----------------------------------------------------------------
* **analysed text** of an interview: its text minus every speaker label (``Name:``; a turn's
  words start at ``content_start``) and, unless interviewer turns are included, minus the
  interviewer's turns.  **Analysed words** = the words (``fieldcode.text.WORD_RE``) of the
  analysed text.  Text outside every turn (a transcript without speaker labels) is analysed.
* ``segments``: coded passages.  Codings of the code in one interview whose spans share at
  least one character are one passage, whoever coded them: a passage that two coders coded is
  one segment, not two (``POOLING_RULE``; count one coder with ``coders=[...]``).  Codings
  that only touch (one ends where the next starts) are separate passages.  With interviewer
  turns left out (the default), a passage counts unless it lies wholly inside a "dead zone":
  an interviewer turn or a speaker label, together with the blank space between turns around
  it (``dead_zones``).  So a passage that reaches even one word of a participant's turn counts.
  With ``include_interviewer`` every passage counts.  Denominators: interviews and analysed
  words in the group.
* ``interviews``: interviews with at least one counted segment of the code (presence).
  Denominator: interviews in the group.
* ``words``: coded words, i.e. analysed words overlapping the union of the code's segments in
  each interview (overlapping codings never count a word twice; a word counts if any character
  of it is coded).  Denominator: analysed words in the group.
* ``per1000``: 1000 × coded words / analysed words of the group.
* A rolled-up parent row ("Place (incl. children)") takes the union of the parent's and all its
  descendants' codings: a passage coded with both counts once, in every unit.
* Co-occurrence pairs codes within one coder's codings (two coders coding one passage
  differently is a disagreement, not a co-occurrence) unless ``across_coders=True``.
* The sign test of the paired comparison is descriptive (see ``SIGN_TEST_NOTE``).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fieldcode.errors import InvalidInput
from fieldcode.store import (  # read-only aggregate queries
    TurnSpan,
    q_code_rows,
    q_coders,
    q_coding_arrays,
    q_codings,
    q_interview_rows,
    q_n_chars,
    q_texts,
    q_turn_spans,
)

CONTEXT_CHARS = 150

POOLING_RULE = ("Several coders are counted together: a passage is counted once however many coders "
                "coded it (codings of a code that share a character form one segment; coded words "
                "are the union of everyone's codings; an interview mentions a code if any coder "
                "coded it). Use --coder to count one coder, or a consensus coder.")
ONE_CODER_RULE = ("One coder is counted: overlapping codings of a code by that coder are one segment.")
COOCCURRENCE_RULE = "Co-occurrence pairs codes within each coder's own codings, never across coders."
COOCCURRENCE_ACROSS_RULE = ("Co-occurrence pairs codes across coders too: one coder's code overlapping "
                            "another coder's counts (this mixes disagreement with co-occurrence).")


def pooling_rule(coders: Sequence[str] | None, coders_in_data: Sequence[str]) -> str:
    """The rule that applies to a count over ``coders`` (None or empty: every coder)."""
    n = len(set(coders)) if coders else len(set(coders_in_data))
    return ONE_CODER_RULE if n <= 1 else POOLING_RULE

# =============================================================================================
# Codes and interviews as the analysis sees them
# =============================================================================================


@dataclass(frozen=True)
class CodeInfo:
    id: int
    key: str
    name: str
    parent_key: str | None
    path: str          # keys from the root, "place/housing"
    depth: int
    order: int         # tree order (parents before children, codebook order among siblings)
    retired: bool


@dataclass
class CodeTree:
    codes: list[CodeInfo]                 # in tree order
    by_key: dict[str, CodeInfo]
    by_id: dict[int, CodeInfo]
    children: dict[str | None, list[str]]

    def descendants(self, key: str) -> list[str]:
        out: list[str] = []
        stack = list(reversed(self.children.get(key, [])))
        while stack:
            k = stack.pop()
            out.append(k)
            stack.extend(reversed(self.children.get(k, [])))
        return out

    def resolve(self, keys: Iterable[str] | None, include_children: bool = False) -> list[str] | None:
        """Code keys (validated), optionally with their descendants; None means all codes."""
        if keys is None:
            return None
        out: list[str] = []
        for k in keys:
            if k not in self.by_key:
                known = ", ".join(c.key for c in self.codes if not c.retired)
                raise InvalidInput(f"no code '{k}' (the codebook's keys are: {known})")
            for kk in [k, *(self.descendants(k) if include_children else [])]:
                if kk not in out:
                    out.append(kk)
        return out


def _build_tree(rows: Sequence[tuple[int, str, str, int | None, int, bool]]) -> CodeTree:
    """rows: (id, key, name, parent_id, position, retired)."""
    id_key = {r[0]: r[1] for r in rows}
    info = {r[1]: r for r in rows}
    children: dict[str | None, list[str]] = defaultdict(list)
    # Live codes first in codebook order, retired ones after them.
    for r in sorted(rows, key=lambda r: (r[5], r[4], r[1])):
        parent = id_key.get(r[3]) if r[3] is not None else None
        children[parent].append(r[1])
    codes: list[CodeInfo] = []
    by_key: dict[str, CodeInfo] = {}

    def visit(key: str, path: list[str]) -> None:
        r = info[key]
        p = [*path, key]
        ci = CodeInfo(id=r[0], key=key, name=r[2], parent_key=path[-1] if path else None,
                      path="/".join(p), depth=len(path), order=len(codes), retired=bool(r[5]))
        codes.append(ci)
        by_key[key] = ci
        for ch in children.get(key, []):
            if ch not in by_key:
                visit(ch, p)

    for root in children.get(None, []):
        visit(root, [])
    for r in sorted(rows, key=lambda r: (r[5], r[4], r[1])):  # anything unreachable (a cycle)
        if r[1] not in by_key:
            visit(r[1], [])
    return CodeTree(codes=codes, by_key=by_key, by_id={c.id: c for c in codes}, children=dict(children))


def _speaker_at(turns: Sequence[TurnSpan], turn_starts: Sequence[int], start: int, end: int) -> str | None:
    """The speaker of the first turn that ``[start, end)`` overlaps (the turn containing
    ``start`` when there is one)."""
    i = bisect.bisect_right(turn_starts, start) - 1
    if i >= 0 and turns[i].end > start:
        return turns[i].speaker
    j = i + 1
    if j < len(turns) and turns[j].start < end:
        return turns[j].speaker
    return None


def excluded_spans(turns: Sequence[TurnSpan], include_interviewer: bool) -> list[tuple[int, int]]:
    """The parts of a text that are not analysed: every speaker label, and the interviewer's
    turns unless they are included.  Sorted and merged."""
    from fieldcode.spans import merge

    spans: list[tuple[int, int]] = []
    for t in turns:
        if t.is_interviewer and not include_interviewer:
            spans.append((t.start, t.end))
        elif t.content_start > t.start:
            spans.append((t.start, t.content_start))
    return merge(spans)


def dead_zones(turns: Sequence[TurnSpan], n_chars: int) -> list[tuple[int, int]]:
    """Stretches of text where a segment does not count when interviewer turns are left out:
    each interviewer turn and each speaker label, together with the blank space between turns
    around them.  Sorted and merged.  A segment counts unless it lies inside one of these."""
    zones: list[tuple[int, int]] = []
    for i, t in enumerate(turns):
        lo = turns[i - 1].end if i > 0 else t.start
        if t.is_interviewer:
            hi = turns[i + 1].start if i + 1 < len(turns) else n_chars
        else:
            hi = t.content_start
        if hi <= lo:
            continue
        if zones and lo <= zones[-1][1]:
            zones[-1] = (zones[-1][0], max(zones[-1][1], hi))
        else:
            zones.append((lo, hi))
    return zones


def analysed_words(n_words: int, turns: Sequence[TurnSpan], include_interviewer: bool) -> int:
    """Words of the analysed text: all words minus speaker labels' words minus, unless included,
    the interviewer turns' words (labels and turns never split a word)."""
    from fieldcode.text import count_words

    n = n_words
    for t in turns:
        n -= count_words(t.speaker)
        if t.is_interviewer and not include_interviewer:
            n -= t.n_words
    return n


def word_bounds(text: str):
    """Start and end offsets (numpy int64 arrays) of the words of ``text``, exactly as
    ``fieldcode.text.WORD_RE`` finds them, computed with array operations (a property test
    checks the two agree): a word is a maximal run of word characters (``str.isalnum()`` or
    ``_``, which is what ``\\w`` means in a ``str`` pattern) and joiners (' \u2019 -) that
    have a word character on both sides."""
    import numpy as np

    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    n = len(cp)
    w = ((cp >= 97) & (cp <= 122)) | ((cp >= 65) & (cp <= 90)) | ((cp >= 48) & (cp <= 57)) | (cp == 95)
    high = np.flatnonzero(cp >= 128)
    if len(high):
        u, inv = np.unique(cp[high], return_inverse=True)
        w[high] = np.array([chr(c).isalnum() for c in u.tolist()], dtype=bool)[inv]
    m = w.copy()
    if n >= 3:
        c = cp[1:-1]
        m[1:-1] |= ((c == 39) | (c == 0x2019) | (c == 45)) & w[:-2] & w[2:]
    edge = np.zeros(n + 2, dtype=bool)
    edge[1:-1] = m
    starts = np.flatnonzero(edge[1:-1] & ~edge[:-2])
    ends = np.flatnonzero(edge[1:-1] & ~edge[2:]) + 1
    return starts.astype(np.int64), ends.astype(np.int64)


_FIRST_SPACE = re.compile(r"\s")
_LAST_SPACE = re.compile(r"\s\S*\Z")


def _context(text: str, start: int, end: int, n: int = CONTEXT_CHARS) -> tuple[str, str]:
    """About ``n`` characters either side of ``[start, end)``, cut at word boundaries (a word cut
    by the window is dropped), trimmed at the outer ends only, so that
    ``before + text + after`` is one contiguous slice of the transcript."""
    a = max(0, start - n)
    before = text[a:start]
    if a > 0 and not text[a - 1].isspace() and not before[:1].isspace():
        m = _FIRST_SPACE.search(before)
        before = before[m.start():] if m else ""
    b = min(len(text), end + n)
    after = text[end:b]
    if b < len(text) and not text[b].isspace() and not after[-1:].isspace():
        m = _LAST_SPACE.search(after)
        after = after[:m.start() + 1] if m else ""
    return before.lstrip(), after.rstrip()


# =============================================================================================
# Coded segments (the retrieval screen and the segment export are built on this)
# =============================================================================================


@dataclass(frozen=True)
class Segment:
    coding_id: int
    interview_id: int
    interview: str
    attributes: dict[str, str]
    code_key: str
    code_name: str
    code_path: str   # e.g. "place/housing"
    coder: str
    start: int
    end: int
    speaker: str | None
    text: str
    memo: str
    context_before: str   # ~150 characters before the segment, cut at a word boundary
    context_after: str    # ~150 characters after it


def _matching_interviews(ivs: dict[int, tuple[str, int, dict[str, str]]],
                         filters: dict[str, list[str]] | None) -> list[int]:
    out = []
    for iid, (_name, _nw, attrs) in ivs.items():
        if filters and any(attrs.get(k) not in set(v) for k, v in filters.items() if v is not None):
            continue
        out.append(iid)
    return out


def segments(store, *, codes: list[str] | None = None, include_children: bool = False,
             filters: dict[str, list[str]] | None = None, coders: list[str] | None = None,
             exclude_interviewer: bool = False) -> list[Segment]:
    """Every coded segment matching the filters, ordered by code (codebook order), interview
    name and start.

    * ``codes``: code keys (``include_children`` adds their descendants); None = all codes.
    * ``filters``: attribute name -> allowed values (an interview lacking the attribute fails).
    * ``coders``: only these coders' codings.
    * ``exclude_interviewer``: leave out segments that lie wholly inside interviewer turns and
      speaker labels (the rule the crosstab uses; see the module docstring).
    * ``speaker``: the speaker of the turn containing the segment's start (or, if it starts
      between turns, of the first turn it reaches); None outside every turn.
    """
    tree = load_code_tree(store)
    keys = tree.resolve(codes, include_children)
    ivs = q_interview_rows(store)
    iids = _matching_interviews(ivs, filters)
    if not iids:
        return []
    code_ids = None if keys is None else [tree.by_key[k].id for k in keys]
    rows = q_codings(store, code_ids=code_ids, interview_ids=iids if filters else None, coders=coders)
    if not rows:
        return []
    need = sorted({r[1] for r in rows})
    texts = q_texts(store, need)
    turns = q_turn_spans(store, need)
    out: list[Segment] = []
    zones: dict[int, list[tuple[int, int]]] = {}
    starts_of = {iid: [t.start for t in ts] for iid, ts in turns.items()}
    starts_of.update({iid: [] for iid in need if iid not in turns})
    for cid, iid, code_id, coder, st, en, memo in rows:
        ts = turns.get(iid, [])
        if exclude_interviewer:
            if iid not in zones:
                zones[iid] = dead_zones(ts, len(texts[iid]))
            if _in_zone(zones[iid], st, en):
                continue
        code = tree.by_id[code_id]
        name, _nw, attrs = ivs[iid]
        text = texts[iid]
        before, after = _context(text, st, en)
        out.append(Segment(
            coding_id=cid, interview_id=iid, interview=name, attributes=dict(attrs), code_key=code.key,
            code_name=code.name, code_path=code.path, coder=coder, start=st, end=en,
            speaker=_speaker_at(ts, starts_of[iid], st, en), text=text[st:en], memo=memo,
            context_before=before, context_after=after))
    out.sort(key=lambda s: (tree.by_key[s.code_key].order, s.interview, s.start, s.end, s.coder, s.coding_id))
    return out


def _in_zone(zones: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect.bisect_right(zones, (start, math.inf)) - 1
    return i >= 0 and zones[i][1] >= end


def load_code_tree(store) -> CodeTree:
    return _build_tree(q_code_rows(store))


# =============================================================================================
# Crosstab: codes x groups of interviews, in four units, each cell with its denominators
# =============================================================================================

UNITS = ("segments", "interviews", "words", "per1000")
UNIT_DEFINITIONS = {
    "segments": "coded segments: passages, where codings of the code that share a character count once "
                "whoever made them (a passage two coders coded is one segment); with interviewer turns "
                "left out, a passage counts unless it lies wholly inside interviewer turns and speaker "
                "labels; rolled-up rows take the passages of the union of the code and its descendants",
    "interviews": "interviews with at least one counted segment of the code (presence); "
                  "denominator: interviews in the group",
    "words": "coded words: analysed words overlapping the union of the code's segments in each interview "
             "(overlapping codings never count a word twice; rolled-up rows take the union over the code "
             "and its descendants); denominator: analysed words in the group",
    "per1000": "1000 x coded words / analysed words in the group",
    "analysed words": "words (fieldcode.text.WORD_RE) of the transcript minus speaker labels and, "
                      "unless interviewer turns are included, minus the interviewer's turns",
}
MISSING = "(missing)"
ANY_CODE = "(any code)"


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
    iids = _matching_interviews(ivs, filters)
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
        # counted segments (not wholly in interviewer turns / labels)
        counted = np.ones(len(cids), dtype=bool)
        if not include_interviewer:
            counted = ~_dead_mask(ivp, starts, ends, [turns.get(iids[i], []) for i in range(n_iv)],
                                  [ivs[iid][1] for iid in iids], store, iids)
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
            words_iv = _coded_words(store, iids, turns, include_interviewer, pr_iv, pr_row, starts[idx],
                                    ends[idx], n_iv, n_rows)
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


def count_passages(segs: Iterable["Segment"]) -> int:
    """How many passages a list of segments makes under the crosstab's rule: segments of one
    code in one interview that share a character are one passage (see ``POOLING_RULE``)."""
    reach: dict[tuple[int, str], int] = {}
    n = 0
    for s in sorted(segs, key=lambda x: (x.interview_id, x.code_key, x.start, x.end)):
        k = (s.interview_id, s.code_key)
        if s.start >= reach.get(k, -1):
            n += 1
        reach[k] = max(reach.get(k, -1), s.end)
    return n


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


def _dead_mask(ivp, starts, ends, turns_per_iv, n_words, store, iids):
    """True for codings that lie wholly inside a dead zone of their interview."""
    import numpy as np

    need = [i for i, ts in enumerate(turns_per_iv) if ts]
    if not need:
        return np.zeros(len(starts), dtype=bool)
    n_chars = q_n_chars(store, [iids[i] for i in need])
    big = int(max(n_chars.values(), default=0)) + 2
    lo_l, hi_l = [], []
    for i in need:
        z = dead_zones(turns_per_iv[i], n_chars[iids[i]])
        for a, b in z:
            lo_l.append(i * big + a)
            hi_l.append(i * big + b)
    if not lo_l:
        return np.zeros(len(starts), dtype=bool)
    lo = np.array(lo_l, dtype=np.int64)
    hi = np.array(hi_l, dtype=np.int64)
    s = ivp * big + starts
    e = ivp * big + ends
    j = np.searchsorted(lo, s, side="right") - 1
    jj = np.maximum(j, 0)
    return (j >= 0) & (hi[jj] >= e) & (lo[jj] // big == ivp)


def _coded_words(store, iids, turns, include_interviewer, pr_iv, pr_row, starts, ends, n_iv, n_rows):
    """Analysed words covered by the union of each (interview, row)'s spans: interviews x rows."""
    import numpy as np

    texts = q_texts(store, iids)
    ws_l, we_l, an_l, off = [], [], [], [0]
    for i, iid in enumerate(iids):
        text = texts[iid]
        ws, we = word_bounds(text)
        ex = excluded_spans(turns.get(iid, []), include_interviewer)
        analysed = np.ones(len(ws), dtype=bool)
        if ex:
            exl = np.array([a for a, _ in ex], dtype=np.int64)
            exh = np.array([b for _, b in ex], dtype=np.int64)
            j = np.searchsorted(exl, ws, side="right") - 1
            analysed = ~((j >= 0) & (ws < exh[np.maximum(j, 0)]))
        ws_l.append(ws)
        we_l.append(we)
        an_l.append(analysed)
        off.append(off[-1] + len(ws))
    out = np.zeros((n_iv, n_rows), dtype=np.int64)
    if not len(pr_iv):
        return out
    big = max((len(t) for t in texts.values()), default=0) + 2
    ws_g = np.concatenate([w + i * big for i, w in enumerate(ws_l)]) if ws_l else np.zeros(0, np.int64)
    we_g = np.concatenate([w + i * big for i, w in enumerate(we_l)]) if we_l else np.zeros(0, np.int64)
    cum = np.concatenate([[0], np.cumsum(np.concatenate(an_l) if an_l else np.zeros(0, bool))])
    # word index range [a, b) each span touches (a word counts if any character of it is coded)
    a = np.searchsorted(we_g, pr_iv * big + starts, side="right")
    b = np.searchsorted(ws_g, pr_iv * big + ends, side="left")
    ok = b > a
    a, b = a[ok], b[ok]
    grp = pr_iv[ok] * n_rows + pr_row[ok]
    if not len(a):
        return out
    width = int(off[-1]) + 1
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


# =============================================================================================
# Paired comparison: focal arm versus comparison arm, pair by pair, with an exact sign test
# =============================================================================================

NORMALISED_UNITS = {
    "per1000": "coded words per 1,000 analysed words of the arm",
    "share": "share of the arm's interviews mentioning the theme (0-1)",
    "segments_per_interview": "coded segments per interview of the arm",
}
SIGN_TEST_NOTE = ("descriptive only: coded segments are not independent observations, and the sign "
                  "test treats each pair as one observation")


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


def compare(store, *, arms: Sequence[str], unit: str = "per1000", pair_attr: str = "pair", arm_attr: str = "arm",
            codes: list[str] | None = None, filters: dict[str, list[str]] | None = None,
            coders: list[str] | None = None, include_interviewer: bool = False, rollup: bool = False,
            balance_ratio: float = 2.0, balance_share: float = 0.15) -> Comparison:
    """For each theme and pair: the focal-arm value, the comparison-arm value and their
    difference on a normalised unit (NORMALISED_UNITS); across pairs, how often the focal arm is
    higher and an exact two-sided sign test (descriptive).  Balance warnings flag a pair whose
    arms differ by ``balance_ratio`` times or more in interviews or analysed words, or by
    ``balance_share`` or more in the share of text coded; a pair missing an arm is left out,
    with a warning."""
    import numpy as np

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
        diffs = np.array([p.difference for p in pvs])
        # differences below float noise are ties
        higher, lower = int((diffs > 1e-9).sum()), int((diffs < -1e-9).sum())
        themes.append(ThemeComparison(row, pvs, higher, lower, len(pvs) - higher - lower, sign_test(higher, lower)))
    return Comparison(unit=unit, arms=(focal, other), pairs=pairs, themes=themes, sizes=sizes, warnings=warnings,
                      options={**ct.options, "unit": unit, "arms": [focal, other]})


# =============================================================================================
# Other views: frequencies, co-occurrence, coverage
# =============================================================================================


def frequencies(store, **kw) -> Crosstab:
    """Code frequencies over all (matching) interviews: a crosstab with one column."""
    kw.setdefault("unit", "all")
    return crosstab(store, by=(), **kw)


@dataclass
class Cooccurrence:
    mode: str                  # "span" or "turn"
    keys: list[str]
    labels: list[str]
    matrix: "np.ndarray"       # symmetric; diagonal = segments (span) or turns (turn) with the code
    definition: str


def cooccurrence(store, *, mode: str = "span", codes: list[str] | None = None,
                 filters: dict[str, list[str]] | None = None, coders: list[str] | None = None,
                 include_interviewer: bool = False, across_coders: bool = False) -> Cooccurrence:
    """Codes x codes, within each coder's own codings (``across_coders``: across coders too).

    * ``span``: off the diagonal, the number of pairs of codings (one of each code, same
      interview, same coder) whose spans share at least one character; on it, the code's
      codings.
    * ``turn``: the number of speaker turns where one coder coded both codes overlapping the
      turn's words (interviewer turns left out unless included); on the diagonal, the turns with
      the code.  Segments outside every turn do not count here.
    """
    import numpy as np

    if mode not in ("span", "turn"):
        raise InvalidInput(f"co-occurrence is by 'span' or 'turn', not '{mode}'")
    tree = load_code_tree(store)
    keys = tree.resolve(codes) or [c.key for c in tree.codes if not c.retired]
    pos = {k: i for i, k in enumerate(keys)}
    segs = [s for s in segments(store, codes=keys, filters=filters, coders=coders,
                                exclude_interviewer=not include_interviewer) if s.code_key in pos]
    m = np.zeros((len(keys), len(keys)), dtype=np.int64)
    by_iv: dict[int, list[Segment]] = defaultdict(list)
    for s in segs:
        by_iv[s.interview_id].append(s)
    if mode == "span":
        for s in segs:
            m[pos[s.code_key], pos[s.code_key]] += 1
        for lst in by_iv.values():
            lst.sort(key=lambda s: (s.start, s.end))
            for i, a in enumerate(lst):
                for b in lst[i + 1:]:
                    if b.start >= a.end:
                        break
                    if a.code_key != b.code_key and (across_coders or a.coder == b.coder):
                        m[pos[a.code_key], pos[b.code_key]] += 1
                        m[pos[b.code_key], pos[a.code_key]] += 1
        definition = ("pairs of overlapping codings of the two codes in the same interview"
                      + (", by any coders" if across_coders else ", by the same coder")
                      + "; diagonal: the code's codings")
    else:
        turns = q_turn_spans(store, list(by_iv))
        for iid, lst in by_iv.items():
            ts = [t for t in turns.get(iid, []) if include_interviewer or not t.is_interviewer]
            starts = [t.content_start for t in ts]
            present: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
            for s in lst:
                j = max(bisect.bisect_right(starts, s.start) - 1, 0)
                while j < len(ts) and ts[j].content_start < s.end:
                    if ts[j].end > s.start and ts[j].content_start < s.end:
                        present[j]["" if across_coders else s.coder].add(s.code_key)
                    j += 1
            for by_coder in present.values():
                # a turn counts once for a pair if any one coder coded both codes in it
                pairs = {(pos[a], pos[b]) for ks in by_coder.values() for a in ks for b in ks}
                for a, b in pairs:
                    m[a, b] += 1
        definition = ("speaker turns where " + ("both codes have a segment" if across_coders
                                                 else "one coder coded both codes")
                      + ("" if include_interviewer else " (interviewer turns left out)")
                      + "; diagonal: turns with the code")
    return Cooccurrence(mode=mode, keys=keys, labels=[tree.by_key[k].name for k in keys], matrix=m,
                        definition=definition)


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
