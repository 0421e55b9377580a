"""Units and the analysed text: what every count counts, and over which words.

* The unit definitions (``UNITS``, ``UNIT_DEFINITIONS``) and the rules for pooling several
  coders (``POOLING_RULE``, ``pooling_rule``); ``MISSING`` and ``ANY_CODE`` labels.
* The analysed text of an interview: speaker labels and (unless included) interviewer turns
  left out (``excluded_spans``, ``analysed_words``), the "dead zones" where a segment does not
  count (``dead_zones``), and word offsets that match ``fieldcode.text.WORD_RE`` exactly
  (``word_bounds``).

See ``fieldcode.analysis`` for the full unit definitions.
"""

from __future__ import annotations

from collections.abc import Sequence

from fieldcode.store import TurnSpan


POOLING_RULE = ("Several coders are counted together: a passage is counted once however many coders "
                "coded it (codings of a code that share a character form one segment; coded words "
                "are the union of everyone's codings; an interview mentions a code if any coder "
                "coded it). Use --coder to count one coder, or a consensus coder.")
ONE_CODER_RULE = ("One coder is counted: overlapping codings of a code by that coder are one segment.")


def pooling_rule(coders: Sequence[str] | None, coders_in_data: Sequence[str]) -> str:
    """The rule that applies to a count over ``coders`` (None or empty: every coder)."""
    n = len(set(coders)) if coders else len(set(coders_in_data))
    return ONE_CODER_RULE if n <= 1 else POOLING_RULE


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
    """Words of the analysed text: all words minus the words of every speaker label (counted in
    the label's own text, ``TurnSpan.label_words``: a timestamp in a label is no more analysed
    than the name, and a paragraph turn has no label to subtract) minus, unless included, the
    interviewer turns' words (labels and turns never split a word)."""
    n = n_words
    for t in turns:
        n -= t.label_words
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


