"""Co-occurrence of codes: codes x codes, by overlapping spans or by speaker turns, within each
coder's own codings unless asked to pair across coders.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass

from fieldcode.analysis.codetree import load_code_tree
from fieldcode.analysis.passages import Segment, segments
from fieldcode.errors import InvalidInput
from fieldcode.store import q_turn_spans

COOCCURRENCE_RULE = "Co-occurrence pairs codes within each coder's own codings, never across coders."
COOCCURRENCE_ACROSS_RULE = ("Co-occurrence pairs codes across coders too: one coder's code overlapping "
                            "another coder's counts (this mixes disagreement with co-occurrence).")


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
