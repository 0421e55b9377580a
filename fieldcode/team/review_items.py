"""The review's items as a reviewer meets them: passages, the decisions that already cover them,
context cut at word boundaries, and span steps by word, sentence and turn.

Headless (``fieldcode.team.consensus.Review`` and the review screen use it).

Passages (the review's default unit)
------------------------------------
A **passage** is a run of the sentence disagreements (``fieldcode.team.agreement.disagreements``
with ``unit="sentence"``) where each sentence follows the one before it directly (no sentence in
between), in the same speaker turn (the same paragraph in an interview without speaker labels),
and shares at least one code the two coders differ on with it.  So a code one coder put on a whole
turn and the other did not is one passage, not one item per sentence; two neighbouring sentences
that differ on unrelated codes stay two passages.  A passage's codes are the union of its
sentences' codes, per coder.

Covered by an earlier decision
------------------------------
An item is settled when a decision of the same consensus coder on the same two coders exists for a
span of its interview that contains the item (a decision taken with another unit, e.g. a turn,
covers the sentences and passages inside it), or when every coding of a code the coders differ on
there, on either side, was already copied by earlier decisions (an earlier "both" over a coding
that runs on into this item took it whole: nothing is left to decide).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fieldcode.team.agreement import Disagreement, disagreements

REVIEW_UNITS = ("passage", "sentence", "turn")
STEPS = ("word", "sentence", "turn")
_BREAK = re.compile(r"\n[ \t]*\n")


def _blocks(text: str, turns: list, starts: list[int]) -> list[int]:
    """Per sentence start: the index of its turn (or of its paragraph when there are no turns)."""
    import bisect

    if turns:
        t0 = [t.start for t in turns]
        return [bisect.bisect_right(t0, s) - 1 for s in starts]
    breaks = [m.end() for m in _BREAK.finditer(text)]
    return [bisect.bisect_right(breaks, s) for s in starts]


def merge_passages(found: list[Disagreement], sentences: dict[int, tuple[list[int], list[int]]],
                   blocks: dict[int, list[int]], order: dict[str, int]) -> list[Disagreement]:
    """Sentence disagreements -> passages (see the module docstring).  ``sentences``: interview
    id -> (starts, ends) of its sentences in order; ``blocks``: interview id -> each sentence's
    turn (or paragraph) index; ``order``: code key -> its position (for the codes' order)."""
    out: list[Disagreement] = []
    run: list[Disagreement] = []
    prev_idx = -2

    def flush() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        codes = {c: sorted({k for d in run for k in d.codes.get(c, [])}, key=order.get) for c in first.codes}
        diff = sorted({k for d in run for k in d.differing}, key=order.get)
        out.append(Disagreement(first.interview_id, first.interview, first.start, last.end, codes, diff))
        run.clear()

    for d in found:
        starts, _ends = sentences.get(d.interview_id, ([], []))
        idx = _index(starts, d.start)
        if run:
            p = run[-1]
            same = (p.interview_id == d.interview_id and idx == prev_idx + 1 and idx >= 0
                    and blocks[d.interview_id][idx] == blocks[d.interview_id][prev_idx]
                    and set(p.differing) & set(d.differing))
            if not same:
                flush()
        run.append(d)
        prev_idx = idx
    flush()
    return out


def _index(starts: list[int], start: int) -> int:
    import bisect

    i = bisect.bisect_left(starts, start)
    return i if i < len(starts) and starts[i] == start else -1


def passages(store, *, coders, codes=None, filters=None, include_interviewer: bool = False) -> list[Disagreement]:
    """The passages where two coders differ, in interview name and text order."""
    from fieldcode.store import q_sentence_arrays, q_texts, q_turn_spans

    found = disagreements(store, coders=coders, unit="sentence", codes=codes, filters=filters,
                          include_interviewer=include_interviewer)
    iids = sorted({d.interview_id for d in found})
    if not iids:
        return []
    sents = {i: (s.tolist(), e.tolist()) for i, (s, e) in q_sentence_arrays(store, iids).items()}
    turns = q_turn_spans(store, iids)
    texts = q_texts(store, iids)
    blocks = {i: _blocks(texts[i], turns.get(i, []), sents.get(i, ([], []))[0]) for i in iids}
    seen = dict.fromkeys(k for d in found for ks in d.codes.values() for k in ks)
    return merge_passages(found, sents, blocks, {k: n for n, k in enumerate(seen)})


PASSAGE_DEFINITION = ("the sentences where two coders differ, merged while each follows the last in the same turn "
                      "(paragraph without speaker labels) and shares a code they differ on")


def items_for(store, *, coders, unit: str, codes=None, filters=None, include_interviewer: bool = False) -> list[Disagreement]:
    """The review's items in ``unit`` (``passage`` or one of the agreement's units)."""
    if unit == "passage":
        return passages(store, coders=coders, codes=codes, filters=filters, include_interviewer=include_interviewer)
    return disagreements(store, coders=coders, unit=unit, codes=codes, filters=filters,
                         include_interviewer=include_interviewer)


def covering_decision(decisions: list[dict], interview_id: int, start: int, end: int) -> dict | None:
    """The first decision (event detail) whose span contains ``[start, end)`` of the interview
    (``decisions``: a list, or a dict interview id -> that interview's decisions)."""
    pool = decisions.get(interview_id, []) if isinstance(decisions, dict) else decisions
    for det in pool:
        if (det.get("interview_id") == interview_id and det.get("start") is not None
                and det["start"] <= start and end <= det["end"]):
            return det
    return None


# ---------------------------------------------------------------------------------------------
# Context at word boundaries, and span steps
# ---------------------------------------------------------------------------------------------

def context_bounds(text: str, start: int, end: int, width: int) -> tuple[int, int]:
    """About ``width`` characters either side of ``[start, end)``, cut at word boundaries: the
    left edge moves forward to the start of a word, the right edge back to the end of one (never
    into the span itself)."""
    lo, hi = max(0, start - width), min(len(text), end + width)
    if lo > 0 and not text[lo - 1].isspace():
        m = re.search(r"\s", text[lo:start])
        lo = lo + m.end() if m else start
    while lo < start and text[lo].isspace():
        lo += 1
    if hi < len(text) and not text[hi].isspace():
        k = max(text.rfind(" ", end, hi), text.rfind("\n", end, hi))
        hi = k if k >= 0 else end
    while hi > end and text[hi - 1].isspace():
        hi -= 1
    return lo, hi


@dataclass
class Bounds:
    """One interview's words, sentences and turns as (starts, ends) lists, in text order."""

    units: dict[str, tuple[list[int], list[int]]]

    def step(self, span: tuple[int, int], unit: str, edge: str, outward: bool) -> tuple[int, int]:
        """``span`` with its ``edge`` ("start" or "end") moved by one ``unit``: outward (the span
        grows) or inward (it shrinks; never to nothing).  Unchanged when there is no further unit."""
        import bisect

        starts, ends = self.units[unit]
        s, e = span
        if edge == "end":
            if outward:
                i = bisect.bisect_right(ends, e)
                return (s, ends[i]) if i < len(ends) else span
            i = bisect.bisect_left(ends, e) - 1
            return (s, ends[i]) if i >= 0 and ends[i] > s else span
        if outward:
            i = bisect.bisect_left(starts, s) - 1
            return (starts[i], e) if i >= 0 else span
        i = bisect.bisect_right(starts, s)
        return (starts[i], e) if i < len(starts) and starts[i] < e else span


def bounds_of(store, interview_id: int, text: str) -> Bounds:
    """The word, sentence and turn boundaries of one interview."""
    from fieldcode.analysis import word_bounds
    from fieldcode.store import q_sentence_arrays, q_turn_spans

    ws, we = word_bounds(text)
    ss, se = q_sentence_arrays(store, [interview_id]).get(interview_id, ([], []))
    turns = q_turn_spans(store, [interview_id]).get(interview_id, [])
    tt = ([t.content_start for t in turns], [_trimmed_end(text, t.content_start, t.end) for t in turns]) \
        if turns else (list(ss), list(se))
    return Bounds({"word": (list(map(int, ws)), list(map(int, we))), "sentence": (list(map(int, ss)), list(map(int, se))),
                   "turn": (list(map(int, tt[0])), [int(x) for x in tt[1]])})


def _trimmed_end(text: str, start: int, end: int) -> int:
    """``end`` moved back over trailing whitespace (not before ``start``)."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
