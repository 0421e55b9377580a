"""Headless analysis: coded segments, crosstabs, the paired comparison and other views.

Nothing here imports a terminal library.  Front ends (the CLI, the TUI) call these functions
and render what they return.

Database access
---------------
DESIGN.md says ``store.py`` is the only module that talks to the database.  The analysis needs
set-based aggregates (GROUP BY over a million codings) that the Store does not offer yet, so
every query lives in ONE clearly marked section below ("Read-only SQL"), written with
SQLAlchemy Core over the model tables, and nothing else in this module touches the engine.
The section can move into ``store.py`` unchanged.

Unit definitions (every count carries its unit and denominator)
----------------------------------------------------------------
* **analysed text** of an interview: its text minus every speaker label (``Name:``; a turn's
  words start at ``content_start``) and, unless interviewer turns are included, minus the
  interviewer's turns.  **Analysed words** = the words (``fieldcode.text.WORD_RE``) of the
  analysed text.  Text outside every turn (a transcript without speaker labels) is analysed.
* ``segments``: coded segments.  With interviewer turns left out (the default), a segment
  counts unless it lies wholly inside interviewer turns and speaker labels (and the whitespace
  between them), i.e. unless it touches no analysed text.  With ``include_interviewer`` every
  segment counts.  Denominator: interviews in the group (and their analysed words).
* ``interviews``: interviews with at least one counted segment of the code (presence).
  Denominator: interviews in the group.
* ``words``: coded words, i.e. analysed words overlapping the union of the code's segments in
  each interview (overlapping codings never count a word twice; a word counts if any character
  of it is coded).  Denominator: analysed words in the group.
* ``per1000``: 1000 × coded words / analysed words of the group.
* A rolled-up parent row ("place (incl. children)") takes the union of the parent's and all its
  descendants' segments: a passage coded with both counts once, for every unit.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fieldcode.errors import InvalidInput

CONTEXT_CHARS = 150

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


@dataclass(frozen=True)
class TurnSpan:
    start: int
    end: int
    content_start: int
    speaker: str
    is_interviewer: bool


@dataclass
class InterviewData:
    """What the word units need of one interview, computed once."""

    id: int
    name: str
    n_words: int
    attributes: dict[str, str]
    turns: list[TurnSpan] = field(default_factory=list)
    word_starts: list[int] | None = None
    word_ends: list[int] | None = None


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


def _context(text: str, start: int, end: int, n: int = CONTEXT_CHARS) -> tuple[str, str]:
    """About ``n`` characters either side of ``[start, end)``, cut at word boundaries."""
    a = max(0, start - n)
    before = text[a:start]
    if a > 0 and not text[a - 1].isspace() and not before[:1].isspace():
        cut = next((i for i, ch in enumerate(before) if ch.isspace()), len(before))
        before = before[cut:]
    b = min(len(text), end + n)
    after = text[end:b]
    if b < len(text) and not text[b].isspace() and not after[-1:].isspace():
        cut = next((i for i in range(len(after) - 1, -1, -1) if after[i].isspace()), -1)
        after = after[:cut + 1] if cut >= 0 else ""
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
    ivs = _q_interviews(store)
    iids = _matching_interviews(ivs, filters)
    if not iids:
        return []
    code_ids = None if keys is None else [tree.by_key[k].id for k in keys]
    rows = _q_codings(store, code_ids=code_ids, interview_ids=iids if filters else None, coders=coders)
    if not rows:
        return []
    need = sorted({r[1] for r in rows})
    texts = _q_texts(store, need)
    turns = _q_turns(store, need)
    out: list[Segment] = []
    for cid, iid, code_id, coder, st, en, memo in rows:
        ts = turns.get(iid, [])
        if exclude_interviewer and not _touches_analysed(texts[iid], excluded_spans(ts, False), st, en):
            continue
        code = tree.by_id[code_id]
        name, _nw, attrs = ivs[iid]
        text = texts[iid]
        before, after = _context(text, st, en)
        out.append(Segment(
            coding_id=cid, interview_id=iid, interview=name, attributes=dict(attrs), code_key=code.key,
            code_name=code.name, code_path=code.path, coder=coder, start=st, end=en,
            speaker=_speaker_at(ts, [t.start for t in ts], st, en), text=text[st:en], memo=memo,
            context_before=before, context_after=after))
    out.sort(key=lambda s: (tree.by_key[s.code_key].order, s.interview, s.start, s.end, s.coder, s.coding_id))
    return out


def _touches_analysed(text: str, excluded: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` reaches any non-whitespace character outside ``excluded``."""
    from fieldcode.spans import subtract

    return any(text[a:b].strip() for a, b in subtract([(start, end)], excluded))


def load_code_tree(store) -> CodeTree:
    return _build_tree(_q_codes(store))


# =============================================================================================
# Read-only SQL.  The ONLY part of this module that talks to the database (SQLAlchemy Core over
# the model tables).  Candidates to move into store.py.
# =============================================================================================

from sqlalchemy import select  # noqa: E402

from fieldcode.models import Attribute, Code, Coding, Interview, TurnRow  # noqa: E402

_CODE = Code.__table__
_CODING = Coding.__table__
_IV = Interview.__table__
_ATTR = Attribute.__table__
_TURN = TurnRow.__table__


def _q_codes(store) -> list[tuple[int, str, str, int | None, int, bool]]:
    with store.engine.connect() as conn:
        return [(r[0], r[1], r[2], r[3], r[4], r[5] is not None) for r in conn.execute(
            select(_CODE.c.id, _CODE.c.key, _CODE.c.name, _CODE.c.parent_id, _CODE.c.position,
                   _CODE.c.retired_at))]


def _q_interviews(store) -> dict[int, tuple[str, int, dict[str, str]]]:
    """interview id -> (name, n_words, attributes), in name order."""
    with store.engine.connect() as conn:
        ivs = {r[0]: (r[1], r[2], {}) for r in conn.execute(
            select(_IV.c.id, _IV.c.name, _IV.c.n_words).order_by(_IV.c.name))}
        for iid, name, value in conn.execute(select(_ATTR.c.interview_id, _ATTR.c.name, _ATTR.c.value)):
            if iid in ivs:
                ivs[iid][2][name] = value
    return ivs


def _q_texts(store, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            out.update(conn.execute(select(_IV.c.id, _IV.c.text).where(_IV.c.id.in_(chunk))).all())
    return out


def _q_turns(store, ids: Sequence[int] | None = None) -> dict[int, list[TurnSpan]]:
    out: dict[int, list[TurnSpan]] = defaultdict(list)
    q = select(_TURN.c.interview_id, _TURN.c.start, _TURN.c.end, _TURN.c.content_start, _TURN.c.speaker,
               _TURN.c.is_interviewer).order_by(_TURN.c.interview_id, _TURN.c.idx)
    with store.engine.connect() as conn:
        for chunk in ([None] if ids is None else _chunks(ids)):
            qq = q if chunk is None else q.where(_TURN.c.interview_id.in_(chunk))
            for iid, st, en, cs, sp, ii in conn.execute(qq):
                out[iid].append(TurnSpan(st, en, cs, sp, bool(ii)))
    return dict(out)


def _q_codings(store, *, code_ids: Sequence[int] | None, interview_ids: Sequence[int] | None,
               coders: Sequence[str] | None) -> list[tuple[int, int, int, str, int, int, str]]:
    """(id, interview_id, code_id, coder, start, end, memo) rows."""
    q = select(_CODING.c.id, _CODING.c.interview_id, _CODING.c.code_id, _CODING.c.coder, _CODING.c.start,
               _CODING.c.end, _CODING.c.memo)
    if code_ids is not None:
        q = q.where(_CODING.c.code_id.in_(list(code_ids)))
    if coders:
        q = q.where(_CODING.c.coder.in_(list(coders)))
    if interview_ids is not None:
        q = q.where(_CODING.c.interview_id.in_(list(interview_ids)))
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q.order_by(_CODING.c.interview_id, _CODING.c.start, _CODING.c.id))]


def _chunks(ids: Sequence[int], n: int = 900) -> list[list[int]]:
    ids = list(ids)
    return [ids[i:i + n] for i in range(0, len(ids), n)] or [[]]
