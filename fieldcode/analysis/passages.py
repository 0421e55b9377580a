"""Coded segments: every coding that matches the filters, with its interview, code path, speaker
and a little context either side (the retrieval screen and the segment export are built on
this), and how many passages a list of segments makes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fieldcode.analysis.codetree import load_code_tree
from fieldcode.analysis.units import AnalysedWords
from fieldcode.store import TurnSpan, q_codings, q_interview_rows, q_texts, q_turn_spans

CONTEXT_CHARS = 150


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
    counted: bool = True  # covers at least one analysed word (interviewer turns left out): it counts
    # the coding protocol (fieldcode.store.pins): made blind (None: unknown, made before it was
    # recorded), the codebook version and the code's definition hash it was made under (None: unknown)
    blind: bool | None = None
    codebook_hash: str | None = None
    definition_hash: str | None = None


def matching_interviews(ivs: dict[int, tuple[str, int, dict[str, str]]],
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
    * ``exclude_interviewer``: leave out the segments that do not count (``counted``).
    * ``counted``: whether the segment covers at least one analysed word, interviewer turns left
      out: the crosstab's rule (``fieldcode.analysis.ANALYSED_TEXT_RULE``).
    * ``speaker``: the speaker of the turn containing the segment's start (or, if it starts
      between turns, of the first turn it reaches); None outside every turn.
    """
    import numpy as np

    tree = load_code_tree(store)
    keys = tree.resolve(codes, include_children)
    ivs = q_interview_rows(store)
    iids = matching_interviews(ivs, filters)
    if not iids:
        return []
    code_ids = None if keys is None else [tree.by_key[k].id for k in keys]
    rows = q_codings(store, code_ids=code_ids, interview_ids=iids if filters else None, coders=coders, protocol=True)
    if not rows:
        return []
    need = sorted({r[1] for r in rows})
    texts = q_texts(store, need)
    turns = q_turn_spans(store, need)
    index = AnalysedWords([texts[iid] for iid in need], [turns.get(iid, []) for iid in need], False)
    pos_of = {iid: i for i, iid in enumerate(need)}
    covered = index.covered(np.array([pos_of[r[1]] for r in rows], dtype=np.int64),
                            np.array([r[4] for r in rows], dtype=np.int64),
                            np.array([r[5] for r in rows], dtype=np.int64)).tolist()
    out: list[Segment] = []
    starts_of = {iid: [t.start for t in ts] for iid, ts in turns.items()}
    starts_of.update({iid: [] for iid in need if iid not in turns})
    for (cid, iid, code_id, coder, st, en, memo, blind, cb_hash, def_hash), n_covered in zip(rows, covered):
        ts = turns.get(iid, [])
        if exclude_interviewer and not n_covered:
            continue
        code = tree.by_id[code_id]
        name, _nw, attrs = ivs[iid]
        text = texts[iid]
        before, after = context_around(text, st, en)
        out.append(Segment(
            coding_id=cid, interview_id=iid, interview=name, attributes=dict(attrs), code_key=code.key,
            code_name=code.name, code_path=code.path, coder=coder, start=st, end=en,
            speaker=_speaker_at(ts, starts_of[iid], st, en), text=text[st:en], memo=memo,
            context_before=before, context_after=after, counted=n_covered > 0,
            blind=None if blind is None else bool(blind), codebook_hash=cb_hash, definition_hash=def_hash))
    out.sort(key=lambda s: (tree.by_key[s.code_key].order, s.interview, s.start, s.end, s.coder, s.coding_id))
    return out


def count_passages(segs: Iterable[Segment]) -> int:
    """How many passages a list of segments makes under the crosstab's rule: segments of one
    code in one interview that share a character are one passage (see ``POOLING_RULE``), and a
    passage counts when any of its segments covers an analysed word (``Segment.counted``)."""
    reach: dict[tuple[int, str], int] = {}
    passages: list[bool] = []
    for s in sorted(segs, key=lambda x: (x.interview_id, x.code_key, x.start, x.end)):
        k = (s.interview_id, s.code_key)
        if s.start >= reach.get(k, -1):
            passages.append(False)
        passages[-1] = passages[-1] or s.counted
        reach[k] = max(reach.get(k, -1), s.end)
    return sum(passages)


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


_FIRST_SPACE = re.compile(r"\s")
_LAST_SPACE = re.compile(r"\s\S*\Z")


def context_around(text: str, start: int, end: int, n: int = CONTEXT_CHARS) -> tuple[str, str]:
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

