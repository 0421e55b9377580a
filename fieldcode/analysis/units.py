"""Units and the analysed text: what every count counts, and over which words.

* The unit definitions (``UNITS``, ``UNIT_DEFINITIONS``) and the rules for pooling several
  coders (``POOLING_RULE``, ``pooling_rule``); ``MISSING`` and ``ANY_CODE`` labels.
* The analysed text of an interview, defined once (``ANALYSED_TEXT_RULE``,
  ``analysed_ranges``) and everything derived from it: what lies outside (``excluded_spans``),
  its words (``analysed_words``, ``AnalysedWords``: which words a span covers, so a passage
  counts only when it covers an analysed word), and word offsets that match
  ``fieldcode.text.WORD_RE`` exactly (``word_bounds``).

See ``fieldcode.analysis`` for the full unit definitions.
"""

from __future__ import annotations

from collections.abc import Sequence

from fieldcode.store import TurnSpan
from fieldcode.text import ANALYSED_TEXT_RULE, INTERVIEWER_INCLUDED  # noqa: F401  (the one definition, re-exported)


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
    # stated in these words in docs/methods.md too (tests/test_segment_rule.py holds them together)
    "segments": "coded passages: codings of the code in one interview that share at least one character form "
                "one segment, whoever made them (a passage two coders coded is one segment); codings that "
                "only touch (one ends where the next starts) are two; a passage counts when it covers at "
                "least one analysed word; rolled-up rows take the passages of the union of the code and its "
                "descendants",
    "interviews": "interviews with at least one counted segment of the code (presence); "
                  "denominator: interviews in the group",
    "words": "coded words: analysed words overlapping the union of the code's segments in each interview "
             "(overlapping codings never count a word twice; rolled-up rows take the union over the code "
             "and its descendants); denominator: analysed words in the group",
    "per1000": "1000 x coded words / analysed words in the group",
    "analysed words": "words (fieldcode.text.WORD_RE) of the analysed text: the bodies of the participant "
                      "turns (and, if included, the interviewer's), or the whole text of a transcript "
                      "without turns",
}
MISSING = "(missing)"
ANY_CODE = "(any code)"


def analysed_ranges(turns: Sequence[TurnSpan], n_chars: int, include_interviewer: bool) -> list[tuple[int, int]]:
    """The analysed text of one interview as character ranges ``[start, end)`` (see
    ``ANALYSED_TEXT_RULE``): each participant turn's body, from the end of its label to its last
    non-blank character (and each interviewer turn's body when included); the whole text when
    the transcript has no turns.  Sorted, disjoint."""
    if not turns:
        return [(0, n_chars)] if n_chars else []
    return [(t.content_start, t.end) for t in turns
            if t.end > t.content_start and (include_interviewer or not t.is_interviewer)]


def excluded_spans(turns: Sequence[TurnSpan], include_interviewer: bool, n_chars: int) -> list[tuple[int, int]]:
    """Everything of a text outside its analysed text (labels, interviewer turns unless
    included, the space between turns, text before the first turn and after the last): the
    complement of ``analysed_ranges`` in ``[0, n_chars)``.  Sorted, disjoint."""
    out: list[tuple[int, int]] = []
    pos = 0
    for a, b in analysed_ranges(turns, n_chars, include_interviewer):
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < n_chars:
        out.append((pos, n_chars))
    return out


def analysed_words(n_words: int, turns: Sequence[TurnSpan], include_interviewer: bool) -> int:
    """Words of the analysed text, from the stored counts: each analysed turn's body words
    (``TurnSpan.n_words``, counted at import from the end of its label), or all ``n_words`` of a
    transcript without turns.  Equal to counting the words of ``analysed_ranges`` (labels and
    turns never split a word; tests/test_analysed_text.py checks it on every layout)."""
    if not turns:
        return n_words
    return sum(t.n_words for t in turns if include_interviewer or not t.is_interviewer)


class AnalysedWords:
    """Every word of some interviews, and which of them are analysed, so that the analysed words a
    span covers are found with two binary searches.  Offsets are made global by adding
    ``position * stride`` (the interview's position in ``texts``).  A span covers a word when it
    shares at least one character with it."""

    def __init__(self, texts: Sequence[str], turns: Sequence[Sequence[TurnSpan]], include_interviewer: bool) -> None:
        import numpy as np

        self.stride = max((len(t) for t in texts), default=0) + 2
        ws_l, we_l, an_l = [], [], []
        for i, (text, ts) in enumerate(zip(texts, turns)):
            ws, we = word_bounds(text)
            ranges = analysed_ranges(ts, len(text), include_interviewer)
            analysed = np.zeros(len(ws), dtype=bool)
            if ranges:
                lo = np.array([a for a, _ in ranges], dtype=np.int64)
                hi = np.array([b for _, b in ranges], dtype=np.int64)
                j = np.searchsorted(lo, ws, side="right") - 1
                analysed = (j >= 0) & (ws < hi[np.maximum(j, 0)])
            ws_l.append(ws + i * self.stride)
            we_l.append(we + i * self.stride)
            an_l.append(analysed)
        empty = np.zeros(0, np.int64)
        self.starts = np.concatenate(ws_l) if ws_l else empty
        self.ends = np.concatenate(we_l) if we_l else empty
        flags = np.concatenate(an_l) if an_l else np.zeros(0, bool)
        self.cum = np.concatenate([[0], np.cumsum(flags)]).astype(np.int64)

    def word_range(self, pos, starts, ends):  # noqa: ANN001, ANN201
        """For spans ``[starts, ends)`` of the interviews at positions ``pos``: the index range
        ``[a, b)`` of the words each covers (any shared character)."""
        import numpy as np

        a = np.searchsorted(self.ends, pos * self.stride + starts, side="right")
        b = np.searchsorted(self.starts, pos * self.stride + ends, side="left")
        return a, np.maximum(a, b)

    def covered(self, pos, starts, ends):  # noqa: ANN001, ANN201
        """How many analysed words each span covers."""
        a, b = self.word_range(pos, starts, ends)
        return self.cum[b] - self.cum[a]


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


