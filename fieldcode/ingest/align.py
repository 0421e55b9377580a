"""Where a passage of one version of a transcript is in the next: pure offset maths.

A re-import aligns the old stored text with the new one (diff-match-patch, Google's diff
library: a character diff with a line-level pass first, so a 300,000-character transcript with a
few corrections aligns in milliseconds).  The alignment is kept as the list of *kept stretches*
``(old_start, old_end, new_start, new_end)``: runs of text present, unchanged, in both versions.

Mapping a coded span ``[start, end)`` through it:

* a start on kept text moves with it; a start inside deleted or replaced text moves to where the
  replacement begins (so a corrected first word stays coded);
* an end after kept text moves with it; an end after deleted or replaced text moves to where the
  replacement ends (so a corrected last word stays coded);
* text inserted *next to* a passage, with nothing of the passage replaced, is not pulled in;
* a passage none of whose characters survive is *lost*: it is listed, never guessed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

Kept = Sequence[tuple[int, int, int, int]]

DIFF_TIMEOUT_S = 10.0


def align(old: str, new: str) -> list[tuple[int, int, int, int]]:
    """The kept stretches of ``old`` in ``new``, in order."""
    if old == new:
        return [(0, len(old), 0, len(new))] if old else []
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_S
    kept: list[tuple[int, int, int, int]] = []
    i = j = 0
    diffs = dmp.diff_main(old, new, True)
    dmp.diff_cleanupSemantic(diffs)   # coincidental one-letter matches are not kept text
    for op, chunk in diffs:
        n = len(chunk)
        if op == 0:
            kept.append((i, i + n, j, j + n))
            i += n
            j += n
        elif op < 0:
            i += n
        else:
            j += n
    return kept


def _gap_new(kept: Kept, k: int, new_len: int) -> tuple[int, int]:
    """The new text standing in the gap before kept stretch ``k`` (``k == len(kept)``: the end)."""
    lo = kept[k - 1][3] if k > 0 else 0
    hi = kept[k][2] if k < len(kept) else new_len
    return lo, hi


def map_span(kept: Kept, start: int, end: int, new_len: int) -> tuple[int, int] | None:
    """``[start, end)`` of the old text in the new text, or None when none of it survives."""
    if end <= start:
        return None
    olds = [k[0] for k in kept]
    # start
    k = bisect_right(olds, start) - 1
    if k >= 0 and start < kept[k][1]:
        new_start = kept[k][2] + (start - kept[k][0])
    else:
        new_start = _gap_new(kept, k + 1, new_len)[0]
    # end: look at the last character of the span
    last = end - 1
    k = bisect_right(olds, last) - 1
    if k >= 0 and last < kept[k][1]:
        new_end = kept[k][2] + (last - kept[k][0]) + 1
    else:
        new_end = _gap_new(kept, k + 1, new_len)[1]
    if kept_chars(kept, start, end) == 0 or new_end <= new_start:
        return None
    return new_start, new_end


def kept_chars(kept: Kept, start: int, end: int) -> int:
    """How many characters of ``[start, end)`` are unchanged in the new text."""
    olds = [k[0] for k in kept]
    k = max(bisect_right(olds, start) - 1, 0)
    n = 0
    while k < len(kept) and kept[k][0] < end:
        a, b = kept[k][0], kept[k][1]
        n += max(0, min(b, end) - max(a, start))
        k += 1
    return n


def compose(first: Kept, second: Kept) -> list[tuple[int, int, int, int]]:
    """Kept stretches from version A to C, given A->B (``first``) and B->C (``second``)."""
    out: list[tuple[int, int, int, int]] = []
    j = 0
    for a0, a1, b0, b1 in first:
        while j < len(second) and second[j][1] <= b0:
            j += 1
        k = j
        while k < len(second) and second[k][0] < b1:
            s0, s1, c0, _c1 = second[k]
            lo, hi = max(b0, s0), min(b1, s1)
            if lo < hi:
                out.append((a0 + (lo - b0), a0 + (hi - b0), c0 + (lo - s0), c0 + (hi - s0)))
            k += 1
    return out
