"""Find passages across the study: by lemma (the default), exact phrase, or regular expression.

Lemma and exact searches read the word index (``fieldcode.store.search``), never the texts;
a regular expression scans the stored texts.  Words are the pipeline's tokens minus
punctuation, so a lemma phrase "move away" also finds "moved, away"; an exact phrase must
match word for word with only spaces between (case is ignored).

Filters: interview attributes (``filters``), speakers (interviewer turns are left out unless
``include_interviewer``), and a code: hits lying wholly inside a coding of it
(``in_code``), or not (``outside_code``), by any coder or by ``code_coders``.

Results.  ``search(store, Query(...))`` returns a :class:`Result` that holds its hits as numpy
columns in display order (interview name, then text order): ``interview_ids``, ``starts``,
``ends``, ``sentences`` (0-based, -1 for none) and ``turn_ids`` (turn row ids, -1 for none).
Filtering and ``counts_by_pair_arm`` work on those columns; :class:`Hit` objects (with
speaker and turn number, read from the turn table) are built only when asked for:
``result.hit_slice(start, stop)`` builds those of one slice (what a screen or the table
shows), ``result.hits`` all of them (built once, then kept).  ``result.n_hits`` and
``result.n_interviews_with_hits`` count without building any.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from fieldcode.analysis.units import analysed_ranges, analysed_words
from fieldcode.errors import InvalidInput
from fieldcode.store import q_n_chars, q_sentence_arrays, q_turn_spans
from fieldcode.store import search as store_search
from fieldcode.store import search_index
from fieldcode.study.patterns import Stopped, user_pattern

MODES = ("lemma", "exact", "regex")


@dataclass(frozen=True)
class Query:
    text: str
    mode: str = "lemma"
    filters: dict[str, list[str]] = field(default_factory=dict)
    speakers: tuple[str, ...] = ()
    include_interviewer: bool = False
    in_code: str | None = None
    outside_code: str | None = None
    code_coders: tuple[str, ...] = ()

    def describe(self) -> dict:
        """The query as recorded in a suggestion's origin."""
        d: dict = {"query": self.text, "mode": self.mode}
        for k in ("filters", "speakers", "in_code", "outside_code", "code_coders"):
            v = getattr(self, k)
            if v:
                d[k] = list(v) if isinstance(v, tuple) else v
        if self.include_interviewer:
            d["include_interviewer"] = True
        return d


class Hit(NamedTuple):
    interview_id: int
    interview: str
    start: int
    end: int
    speaker: str | None        # None: the text lies outside any speaker turn
    is_interviewer: bool
    turn: int | None           # 1-based, as ``fieldcode show --turns`` numbers them
    sentence: int | None       # 1-based, as ``fieldcode show`` numbers them
    attributes: dict[str, str]


class Result:
    """The hits of one search, as columns (see the module docstring), and the interviews
    searched: id -> (name, words, attributes)."""

    def __init__(self, query: Query, interviews: dict[int, tuple[str, int, dict[str, str]]], columns,  # noqa: ANN001
                 store) -> None:  # noqa: ANN001
        self.query = query
        self.interviews = interviews
        self.interview_ids, self.starts, self.ends, self.sentences, self.turn_ids = columns
        self._store = store

    @property
    def n_hits(self) -> int:
        return len(self.starts)

    @property
    def n_interviews_with_hits(self) -> int:
        import numpy as np

        return len(np.unique(self.interview_ids))

    def hit_slice(self, start: int = 0, stop: int | None = None) -> list[Hit]:
        """The hits ``start:stop`` (display order) as :class:`Hit` objects: one query reads
        their turns."""
        sl = slice(start, stop)
        iids, a, b = self.interview_ids[sl].tolist(), self.starts[sl].tolist(), self.ends[sl].tolist()
        sent, tid = self.sentences[sl].tolist(), self.turn_ids[sl].tolist()
        turn_of = store_search.q_turns_by_id(self._store, {t for t in tid if t >= 0})
        out = []
        for iid, s, e, se, tu in zip(iids, a, b, sent, tid):
            name, _n, attrs = self.interviews[iid]
            turn, speaker, is_int = turn_of.get(tu, (-1, None, False))
            out.append(Hit(iid, name, s, e, speaker, is_int, turn + 1 if turn >= 0 else None,
                           se + 1 if se >= 0 else None, attrs))
        return out

    @cached_property
    def hits(self) -> list[Hit]:
        """Every hit as a :class:`Hit` (built on first use)."""
        return self.hit_slice()


def query_terms(text: str, mode: str, model: str | None = None) -> list[str]:
    """The words of a query as the index stores them: lemmas (mode lemma) or forms (exact)."""
    from fieldcode.ingest.segment import lemma_function, load_pipeline

    nlp = load_pipeline(model)
    lemma_of = lemma_function(nlp)
    toks = [t for t in nlp(text) if not (t.is_punct or t.is_space)]
    return [lemma_of(t) if mode == "lemma" else t.lower_ for t in toks]


def search(store, q: Query, *, model: str | None = None, stop=None) -> Result:  # noqa: ANN001
    """``stop``: a callable looked at while a regular expression scans the texts; when it returns
    true the search ends with :class:`fieldcode.study.patterns.Stopped` (a screen's newer search,
    or the screen closing).  A regular expression past its time limit raises
    :class:`fieldcode.study.patterns.PatternTimeout` naming it."""
    import numpy as np

    if q.mode not in MODES:
        raise InvalidInput(f"unknown search mode {q.mode!r}: use one of {', '.join(MODES)}")
    if not q.text.strip():
        raise InvalidInput("the search query is empty")
    if q.in_code and q.outside_code:
        raise InvalidInput("choose one of --in-code and --outside-code")
    ivs = store_search.q_interviews_light(store)
    if q.filters:
        ivs = {i: v for i, v in ivs.items()
               if all(v[2].get(k) in set(vals) for k, vals in q.filters.items())}
    # the denominators: each interview's analysed words (ANALYSED_TEXT_RULE), the text the hits
    # are kept in, not every word of the transcript
    turns_of = q_turn_spans(store, list(ivs)) if ivs else {}
    ivs = {i: (name, analysed_words(n or 0, turns_of.get(i, []), q.include_interviewer), attrs)
           for i, (name, n, attrs) in ivs.items()}
    if q.mode == "regex":
        cols = _regex_spans(store, q.text, list(ivs), stop)
    else:
        search_index.ensure_index(store, model)
        cols = _index_spans(store, q, model)
    iid, a, b, sent, tid = cols
    keep = np.isin(iid, np.fromiter(ivs, np.int64, len(ivs)))
    # the code is looked up (an unknown one refused) whenever the searched interviews have hits
    code = store.code(q.in_code or q.outside_code) if (q.in_code or q.outside_code) and keep.any() else None
    if keep.any() and (q.speakers or not q.include_interviewer):
        turns = np.unique(tid[keep & (tid >= 0)])
        if q.speakers:
            ok = store_search.q_turn_ids_where(store, turns.tolist(), speakers=sorted(set(q.speakers)),
                                               interviewer=None if q.include_interviewer else False)
            keep &= np.isin(tid, np.array(ok, np.int64))
        else:
            bad = store_search.q_turn_ids_where(store, turns.tolist(), interviewer=True)
            keep &= ~np.isin(tid, np.array(bad, np.int64))
    if keep.any():   # a hit counts only inside the analysed text: never in a label, a header or between turns
        keep &= _in_analysed_text(store, turns_of, iid, a, b, q.include_interviewer)
    if code is not None and keep.any():
        within = _within(store_search.q_coding_spans(store, code.id, sorted(set(q.code_coders))), iid, a, b)
        keep &= within == bool(q.in_code)
    iid, a, b, sent, tid = (c[keep] for c in (iid, a, b, sent, tid))
    by_name = sorted(ivs, key=lambda i: ivs[i][0])
    rank_of = np.zeros(max(by_name, default=0) + 1, np.int64)
    rank_of[np.array(by_name, np.int64)] = np.arange(len(by_name))
    key = (rank_of[iid] << 32) | a
    order = np.argsort(key, kind="stable")
    if len(key) > 1 and (np.diff(key[order]) == 0).any():   # two hits start together (not from the index)
        order = np.lexsort((tid, sent, b, a, rank_of[iid]))
    return Result(q, ivs, tuple(c[order] for c in (iid, a, b, sent, tid)), store)


def _empty():  # noqa: ANN202
    import numpy as np

    return tuple(np.zeros(0, np.int64) for _ in range(5))


def _index_spans(store, q: Query, model):  # noqa: ANN001, ANN202
    """(interview id, start, end, sentence idx, turn row id) columns of each hit (sentence and
    turn: those of its first word)."""
    import numpy as np

    terms = query_terms(q.text, q.mode, model)
    if not terms:
        raise InvalidInput(f"the query {q.text!r} has no words to look up (use --regex for punctuation)")
    column = "lemma" if q.mode == "lemma" else "norm"
    post = store_search.q_posting_arrays(store, terms, column=column)
    first = post[terms[0]]
    end = first[:, 3]
    if len(terms) > 1:
        key0 = (first[:, 0] << 32) | first[:, 1]
        keep = np.ones(len(first), bool)
        for k, t in enumerate(terms[1:], start=1):
            arr = post[t]
            if not len(arr):
                keep[:] = False
                break
            keys = (arr[:, 0] << 32) | arr[:, 1]
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            j = np.minimum(np.searchsorted(sorted_keys, key0 + k), len(keys) - 1)
            keep &= sorted_keys[j] == key0 + k
            if k == len(terms) - 1:
                end = arr[order[j], 3]
        first, end = first[keep], end[keep]
    cols = (first[:, 0], first[:, 2], end, first[:, 4], first[:, 5])
    if q.mode == "exact" and len(terms) > 1 and len(first):
        cols = _exact_only(store, cols, q.text)
    return cols


def _exact_only(store, cols, text: str):  # noqa: ANN001, ANN202
    """Keep the phrase hits whose text is the query word for word (spaces may differ, case is
    ignored): consecutive index words may have had punctuation between them."""
    import numpy as np

    want = " ".join(text.split()).casefold()
    iid, a, b = cols[0].tolist(), cols[1].tolist(), cols[2].tolist()
    got = store_search.q_contexts(store, list(zip(iid, a, b)), 0)
    keep = np.array([" ".join(s.split()).casefold() == want for s in got], bool)
    return tuple(c[keep] for c in cols)


def _regex_spans(store, pattern: str, ids: list[int], stop=None):  # noqa: ANN001, ANN202
    import numpy as np

    # a user pattern: one time limit for the whole search, the interpreter's lock released while
    # it matches, a stop flag looked at as it goes (fieldcode.study.patterns)
    rx = user_pattern(pattern, "the pattern")
    found: dict[int, list[tuple[int, int]]] = {}
    for iid, text in store_search.q_interviews_with_text(store, ids):
        if stop is not None and stop():
            raise Stopped
        found[iid] = rx.spans(text, stop)
    found = {iid: v for iid, v in found.items() if v}
    sents = q_sentence_arrays(store, list(found)) if found else {}
    turns = store_search.q_turn_bounds(store, list(found)) if found else {}
    rows = []
    for iid, lst in found.items():
        s_starts, s_ends = (list(map(int, x)) for x in sents.get(iid, ((), ())))
        t_spans = turns.get(iid, [])
        t_starts = [t[0] for t in t_spans]
        for a, b in lst:
            i = bisect_right(s_starts, a) - 1
            j = bisect_right(t_starts, a) - 1
            rows.append((iid, a, b, i if i >= 0 and a < s_ends[i] else -1,
                         t_spans[j][2] if j >= 0 and a < t_spans[j][1] else -1))
    if not rows:
        return _empty()
    arr = np.array(rows, np.int64)
    return tuple(arr[:, k] for k in range(5))


def _in_analysed_text(store, turns_of, iid, a, b, include_interviewer: bool):  # noqa: ANN001, ANN202
    """Per hit: does ``[a, b)`` lie wholly inside one range of its interview's analysed text
    (``fieldcode.analysis.analysed_ranges``)?"""
    import numpy as np

    ids = np.unique(iid).tolist()
    n_chars = q_n_chars(store, ids)
    out = np.zeros(len(iid), bool)
    for i in ids:
        ranges = analysed_ranges(turns_of.get(i, []), int(n_chars[i]), include_interviewer)
        if not ranges:
            continue
        mine = np.flatnonzero(iid == i)
        lo = np.array([r[0] for r in ranges], np.int64)
        hi = np.array([r[1] for r in ranges], np.int64)
        j = np.searchsorted(lo, a[mine], side="right") - 1
        jj = np.maximum(j, 0)
        out[mine] = (j >= 0) & (b[mine] <= hi[jj])
    return out


def _within(codings, iid, a, b):  # noqa: ANN001, ANN202
    """Per hit: does some coding (``(interview, start, end)`` rows) of its interview contain
    ``[a, b)`` wholly?  Codings are sorted by (interview, start); a running maximum of their ends
    (reset per interview) at the last coding starting at or before ``a`` answers it."""
    import numpy as np

    if not len(codings) or not len(iid):
        return np.zeros(len(iid), bool)
    big = np.int64(1) << 32
    order = np.lexsort((codings[:, 1], codings[:, 0]))
    c_iv, c_start, c_end = codings[order, 0], codings[order, 1], codings[order, 2]
    keys = c_iv * big + c_start
    reach = np.maximum.accumulate(c_iv * big + c_end)   # ends of earlier interviews are smaller
    j = np.searchsorted(keys, iid * big + a, side="right") - 1
    jj = np.maximum(j, 0)
    return (j >= 0) & (c_iv[jj] == iid) & (reach[jj] - iid * big >= b)


# -- presenting -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kwic:
    hit: Hit
    left: str
    match: str
    right: str


def kwic(store, hits: list[Hit], width: int = 40) -> list[Kwic]:  # noqa: ANN001
    """Keyword in context: ``width`` characters either side, whitespace runs shown as one space."""
    ctx = store_search.q_contexts(store, [(h.interview_id, h.start, h.end) for h in hits], width)
    out = []
    for h, s in zip(hits, ctx):
        lo = max(0, h.start - width)
        a, b = h.start - lo, h.end - lo
        out.append(Kwic(h, " ".join(s[:a].split()), " ".join(s[a:b].split()), " ".join(s[b:].split())))
    return out


@dataclass(frozen=True)
class Cell:
    pair: str
    arm: str
    hits: int
    interviews_with_hits: int
    interviews: int     # interviews searched in this cell (the denominator)
    words: int          # their words

    @property
    def per_1000_words(self) -> float:
        return 1000 * self.hits / self.words if self.words else 0.0


def counts_by_pair_arm(result: Result) -> list[Cell]:
    """Hits per pair x arm, with the interviews searched and their words as denominators.
    Interviews without a pair or arm attribute count under '(none)'.  Reads the result's
    columns (no Hit objects are built)."""
    import numpy as np

    hits: dict[tuple[str, str], int] = defaultdict(int)
    with_hits: dict[tuple[str, str], int] = defaultdict(int)
    n_iv: dict[tuple[str, str], int] = defaultdict(int)
    words: dict[tuple[str, str], int] = defaultdict(int)

    def key(attrs: dict[str, str]) -> tuple[str, str]:
        return attrs.get("pair") or "(none)", attrs.get("arm") or "(none)"

    for _iid, (_name, n, attrs) in result.interviews.items():
        n_iv[key(attrs)] += 1
        words[key(attrs)] += n
    ids, counts = np.unique(result.interview_ids, return_counts=True)
    for iid, c in zip(ids.tolist(), counts.tolist()):
        k = key(result.interviews[iid][2])
        hits[k] += c
        with_hits[k] += 1
    return [Cell(p, a, hits[(p, a)], with_hits[(p, a)], n_iv[(p, a)], words[(p, a)])
            for p, a in sorted(n_iv)]


def unit_span(hit: Hit, unit: str, sentences: tuple, turns: list, text: str | None = None) -> tuple[int, int, str]:
    """The span a suggestion from ``hit`` would code: the hit itself, the sentence(s) it lies
    in, or its speaker turn's words (``sentences``: the interview's (starts, ends) arrays,
    ``turns``: its TurnSpan list).  Returns ``(start, end, unit used)``: a hit outside any
    stored sentence or turn is proposed as the hit itself."""
    if unit == "hit":
        return hit.start, hit.end, "hit"
    if unit == "sentence":
        starts, ends = (list(map(int, x)) for x in sentences)
        i = bisect_right(starts, hit.start) - 1
        j = bisect_right(starts, hit.end - 1) - 1
        if i >= 0 and hit.start < ends[i]:
            return int(starts[i]), int(max(ends[j], hit.end)), "sentence"
        return hit.start, hit.end, "hit"
    if unit == "turn":
        if hit.turn is None:
            return hit.start, hit.end, "hit"
        t = turns[hit.turn - 1]
        a, b = t.content_start, t.end
        if text is not None:
            while b > a and text[b - 1].isspace():
                b -= 1
        return a, max(b, hit.end), "turn"
    raise InvalidInput(f"unknown unit {unit!r}: use hit, sentence or turn")
