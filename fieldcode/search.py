"""Find passages across the study: by lemma (the default), exact phrase, or regular expression.

Lemma and exact searches read the word index (``fieldcode.store_search``), never the texts;
a regular expression scans the stored texts.  Words are the pipeline's tokens minus
punctuation, so a lemma phrase "move away" also finds "moved, away"; an exact phrase must
match word for word with only spaces between (case is ignored).

Filters: interview attributes (``filters``), speakers (interviewer turns are left out unless
``include_interviewer``), and a code: hits lying wholly inside a coding of it
(``in_code``), or not (``outside_code``), by any coder or by ``code_coders``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from fieldcode import store_search
from fieldcode.errors import InvalidInput
from fieldcode.store import q_sentence_arrays

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


@dataclass(frozen=True)
class Result:
    query: Query
    hits: list[Hit]
    interviews: dict[int, tuple[str, int, dict[str, str]]]   # searched: id -> (name, words, attrs)


def query_terms(text: str, mode: str, model: str | None = None) -> list[str]:
    """The words of a query as the index stores them: lemmas (mode lemma) or forms (exact)."""
    from fieldcode.segment import lemma_function, load_pipeline

    nlp = load_pipeline(model)
    lemma_of = lemma_function(nlp)
    toks = [t for t in nlp(text) if not (t.is_punct or t.is_space)]
    return [lemma_of(t) if mode == "lemma" else t.lower_ for t in toks]


def search(store, q: Query, *, model: str | None = None) -> Result:  # noqa: ANN001
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
    restrict = list(ivs) if q.filters else None
    if q.mode == "regex":
        spans = _regex_spans(store, q.text, list(ivs))
    else:
        store_search.ensure_index(store, model)
        spans = _index_spans(store, q, restrict, model)
    spans = {iid: v for iid, v in spans.items() if iid in ivs and v}
    turn_of = store_search.q_turns_by_id(store, (h[3] for v in spans.values() for h in v if h[3] >= 0))
    code_spans = _code_spans(store, q, list(spans)) if (q.in_code or q.outside_code) and spans else {}
    wanted = set(q.speakers)
    hits: list[Hit] = []
    for iid in sorted(spans, key=lambda i: ivs[i][0]):
        name, _n, attrs = ivs[iid]
        inside = code_spans.get(iid, [])
        for a, b, sent, turn_id in sorted(spans[iid]):
            turn, speaker, is_int = turn_of.get(turn_id, (-1, None, False))
            if is_int and not q.include_interviewer:
                continue
            if wanted and speaker not in wanted:
                continue
            if q.in_code or q.outside_code:
                within = any(ca <= a and b <= cb for ca, cb in inside)
                if within != bool(q.in_code):
                    continue
            hits.append(Hit(iid, name, a, b, speaker, is_int, turn + 1 if turn >= 0 else None,
                            sent + 1 if sent >= 0 else None, attrs))
    return Result(q, hits, ivs)


def _index_spans(store, q: Query, restrict, model) -> dict[int, list[tuple[int, int, int, int]]]:  # noqa: ANN001
    """interview id -> (start, end, sentence idx, turn row id) of each hit (those of its first word)."""
    terms = query_terms(q.text, q.mode, model)
    if not terms:
        raise InvalidInput(f"the query {q.text!r} has no words to look up (use --regex for punctuation)")
    column = "lemma" if q.mode == "lemma" else "norm"
    post = store_search.q_postings(store, terms, column=column, interview_ids=restrict)
    out: dict[int, list[tuple[int, int, int, int]]] = {}
    first = post[terms[0]]
    for iid, occ in first.items():
        if len(terms) == 1:
            out[iid] = [(s, e, se, tu) for _p, s, e, se, tu in occ]
            continue
        later = [{p: e for p, _s, e, _se, _tu in post[t].get(iid, ())} for t in terms[1:]]
        if not all(later):
            continue
        found = []
        for p, s, _e, se, tu in occ:
            ends = [m.get(p + k + 1) for k, m in enumerate(later)]
            if all(e is not None for e in ends):
                found.append((s, ends[-1], se, tu))
        out[iid] = found
    if q.mode == "exact" and len(terms) > 1:
        out = _exact_only(store, out, q.text)
    return out


def _exact_only(store, spans: dict[int, list[tuple]], text: str) -> dict[int, list[tuple]]:  # noqa: ANN001
    """Keep the phrase hits whose text is the query word for word (spaces may differ, case is
    ignored): consecutive index words may have had punctuation between them."""
    want = " ".join(text.split()).casefold()
    flat = [(iid, h) for iid, lst in spans.items() for h in lst]
    got = store_search.q_contexts(store, [(iid, h[0], h[1]) for iid, h in flat], 0)
    out: dict[int, list[tuple]] = defaultdict(list)
    for (iid, h), s in zip(flat, got):
        if " ".join(s.split()).casefold() == want:
            out[iid].append(h)
    return dict(out)


def _regex_spans(store, pattern: str, ids: list[int]) -> dict[int, list[tuple[int, int]]]:  # noqa: ANN001
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise InvalidInput(f"--regex {pattern!r} is not a valid regular expression: {exc}") from exc
    found: dict[int, list[tuple[int, int]]] = {}
    for iid, text in store_search.q_interviews_with_text(store, ids):
        found[iid] = [m.span() for m in rx.finditer(text) if m.end() > m.start()]
    found = {iid: v for iid, v in found.items() if v}
    sents = q_sentence_arrays(store, list(found)) if found else {}
    turns = store_search.q_turn_bounds(store, list(found)) if found else {}
    out: dict[int, list[tuple[int, int, int, int]]] = {}
    for iid, lst in found.items():
        s_starts, s_ends = (list(map(int, x)) for x in sents.get(iid, ((), ())))
        t_spans = turns.get(iid, [])
        t_starts = [t[0] for t in t_spans]
        rows = []
        for a, b in lst:
            i = bisect_right(s_starts, a) - 1
            j = bisect_right(t_starts, a) - 1
            rows.append((a, b, i if i >= 0 and a < s_ends[i] else -1,
                         t_spans[j][2] if j >= 0 and a < t_spans[j][1] else -1))
        out[iid] = rows
    return out


def _code_spans(store, q: Query, ids: list[int]) -> dict[int, list[tuple[int, int]]]:  # noqa: ANN001
    code = store.code(q.in_code or q.outside_code)
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    coders = set(q.code_coders)
    for c in store.codings(code_ids=[code.id]):
        if c.interview_id in ids and (not coders or c.coder in coders):
            out[c.interview_id].append((c.start, c.end))
    return dict(out)


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
    Interviews without a pair or arm attribute count under '(none)'."""
    hits: dict[tuple[str, str], int] = defaultdict(int)
    with_hits: dict[tuple[str, str], set[int]] = defaultdict(set)
    n_iv: dict[tuple[str, str], int] = defaultdict(int)
    words: dict[tuple[str, str], int] = defaultdict(int)

    def key(attrs: dict[str, str]) -> tuple[str, str]:
        return attrs.get("pair") or "(none)", attrs.get("arm") or "(none)"

    for _iid, (_name, n, attrs) in result.interviews.items():
        n_iv[key(attrs)] += 1
        words[key(attrs)] += n
    for h in result.hits:
        hits[key(h.attributes)] += 1
        with_hits[key(h.attributes)].add(h.interview_id)
    return [Cell(p, a, hits[(p, a)], len(with_hits[(p, a)]), n_iv[(p, a)], words[(p, a)])
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
