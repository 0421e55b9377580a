"""Sentence segmentation with spaCy, with no model download.

The default pipeline is ``spacy.blank("en")`` + the rule-based ``sentencizer`` + the lookup
lemmatizer from ``spacy-lookups-data``.  A user may name an installed trained pipeline
(``spacy_model`` in settings), which is then used instead.

Sentences never cross a line break or a speaker label: each non-empty line (after its label)
is one block, and blocks from many documents go through ``nlp.pipe`` together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from fieldcode.errors import InvalidInput
from fieldcode.text import Turn

_PARA_BREAK_RE = re.compile(r"\n[ \t]*\n")
# spaCy refuses a text over nlp.max_length (1,000,000 characters) and its memory grows with the
# text, so a longer paragraph (a transcript with no blank lines, a 5 MB single line) is cut
# into pieces of at most PIECE_CHARS, each ending after a sentence mark where there is one
# (small pieces also keep one nlp.pipe batch of 256 blocks to a few MB of text).
PIECE_CHARS = 20_000
_SENTENCE_END_RE = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*\s+")
# A transcriber's aside: a bracketed note of at most ASIDE_WORDS words ("(Laughs)", "[laughs]",
# "(Pause.)", "[inaudible 00:12:03]"), with any sentence marks written just after it.
ASIDE_WORDS = 3
_ASIDE_RE = re.compile(r"[(\[]([^()\[\]\n]{1,60})[)\]]([.!?\u2026]*)")
_ENDED_RE = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")


class Sentence(NamedTuple):
    start: int
    end: int


@lru_cache(maxsize=4)
def load_pipeline(model: str | None = None):
    """The spaCy pipeline: a named installed model, or blank English with sentencizer and lookup
    lemmatizer.  Cached: building it costs ~0.5 s."""
    import spacy

    if model:
        try:
            return spacy.load(model, exclude=["ner"])
        except OSError as exc:  # not installed
            raise InvalidInput(
                f"spaCy pipeline {model!r} is not installed: install it with pip, or remove "
                f"'spacy_model' from your settings to use the built-in blank English pipeline"
            ) from exc
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def blocks(text: str, turns: list[Turn]) -> list[tuple[int, int]]:
    """The spans spaCy segments: paragraphs (text between blank lines), also cut where a speaker
    turn starts, minus the speaker label.  A hard-wrapped sentence stays whole; a sentence never
    crosses a paragraph or a change of speaker."""
    cuts = sorted({0, len(text)} | {m.end() for m in _PARA_BREAK_RE.finditer(text)} | {t.start for t in turns})
    label_end = {t.start: t.content_start for t in turns}
    out = []
    for a, b in zip(cuts, cuts[1:]):
        s, e = label_end.get(a, a), b
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.extend(pieces(text, s, e))
    return out


def pieces(text: str, start: int, end: int, limit: int = PIECE_CHARS) -> list[tuple[int, int]]:
    """``[start, end)`` cut into spans of at most ``limit`` characters: after the last sentence
    mark in the window, else at its last whitespace, else (one unbroken word) at the limit.
    A span that fits is returned whole, so ordinary paragraphs are never cut."""
    out = []
    while end - start > limit:
        window = text[start:start + limit]
        cut = 0
        for m in _SENTENCE_END_RE.finditer(window, limit // 2):
            cut = m.end()
        if not cut:
            ws = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
            cut = ws + 1 if ws > 0 else limit
        piece_end = start + cut
        a, b = start, piece_end
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
        start = piece_end
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


@dataclass(frozen=True)
class Words:
    """An interview's words for the search index (punctuation and spaces left out), in text
    order: ``starts``/``ends`` offsets and ``form`` (numpy arrays), ``form[i]`` indexing
    ``forms``, the distinct ``(lemma, form as written)`` pairs, both lower-cased."""

    starts: object
    ends: object
    form: object
    forms: list[tuple[str, str]]

    def __len__(self) -> int:
        return len(self.starts)


def segment_many(
    docs: Iterable[tuple[str, list[Turn]]], model: str | None = None, batch_size: int = 256
) -> Iterator[list[Sentence]]:
    """Sentences for each ``(text, turns)`` in ``docs``, in order.  All blocks of all
    documents stream through one ``nlp.pipe`` so spaCy batches them."""
    for sentences, _words in analyse_many(docs, model, batch_size, words=False):
        yield [Sentence(a, b) for a, b in sentences]


def analyse_many(
    docs: Iterable[tuple[str, list[Turn]]], model: str | None = None, batch_size: int = 256,
    *, words: bool = True,
) -> Iterator[tuple[list[tuple[int, int]], "Words | None"]]:
    """``(sentences, words)`` for each ``(text, turns)`` in ``docs``, from ONE pass of the
    pipeline: the sentences as ``(start, end)`` tuples, and the words (punctuation and spaces
    left out) that the search index stores.

    Each block's tokens are read as one array (``Doc.to_array``: offset, sentence start, lemma
    and form), and an interview's sentences and words are computed from its blocks' arrays at
    once; facts about a word form (length, punctuation or space, lower case) and the strings of
    each (lemma, form) are looked up once per import, not once per word.  The sentences are
    exactly those of ``Doc.sents`` with their outer whitespace trimmed (tests/test_segment.py
    checks this against the token-by-token loop)."""
    nlp = load_pipeline(model)
    table = _form_lemma_table(nlp)
    lexicon = _Lexicon(nlp, table)
    docs = list(docs)
    spans_per_doc = [blocks(text, turns) for text, turns in docs]

    def block_texts() -> Iterator[str]:
        for (text, _), spans in zip(docs, spans_per_doc):
            for s, e in spans:
                yield text[s:e]

    # The built-in pipeline's lookup lemmatizer gives each token the table's entry for its form:
    # instead of running it over every token, each distinct form is looked up once (_Lexicon).
    parsed = nlp.pipe(block_texts(), batch_size=batch_size, disable=["lemmatizer"] if table is not None else [])
    attrs = _token_attrs()
    for (text, _), spans in zip(docs, spans_per_doc):
        arrays = []
        for _span in spans:
            doc = next(parsed)
            arr = doc.to_array(attrs)
            if "sents" in doc.user_hooks:  # a pipeline that defines its own sentences
                arr[:, 1] = 0
                arr[[sent.start for sent in doc.sents], 1] = 1
            arrays.append(arr)
        yield _analyse(text, spans, arrays, lexicon, words)


def _form_lemma_table(nlp):  # noqa: ANN001, ANN202
    """The lookup lemmatizer's table when the lemmas of a word form can be looked up once per
    form instead of once per token: the built-in pipeline (sentencizer, then a lookup
    lemmatizer that nothing follows), whose lemmatizer sets each token's lemma to
    ``table.get(text, text)``.  None for any other pipeline, which then runs as configured."""
    if nlp.pipe_names != ["sentencizer", "lemmatizer"]:
        return None
    lemmatizer = nlp.get_pipe("lemmatizer")
    if getattr(lemmatizer, "mode", None) != "lookup":
        return None
    lookups = getattr(lemmatizer, "lookups", None)
    if lookups is None or not lookups.has_table("lemma_lookup"):
        return None
    return lookups.get_table("lemma_lookup")


def _token_attrs() -> list[int]:
    from spacy.attrs import IDX, LEMMA, ORTH, SENT_START

    return [IDX, SENT_START, LEMMA, ORTH]


def _analyse(text: str, spans: list[tuple[int, int]], arrays: list, lexicon: "_Lexicon",
             want_words: bool) -> tuple[list[tuple[int, int]], "Words | None"]:
    """One interview's sentences and words from its blocks' token arrays (columns: offset in the
    block, sentence start 1 / -1 / 0, lemma hash, form hash)."""
    import numpy as np

    if not arrays or not sum(len(a) for a in arrays):
        return [], (Words(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), []) if want_words else None)
    counts = np.array([len(a) for a in arrays], np.int64)
    arr = np.concatenate(arrays)
    n = len(arr)
    starts = arr[:, 0].astype(np.int64) + np.repeat(np.array([s for s, _e in spans], np.int64), counts)
    orths, inv = np.unique(arr[:, 3], return_inverse=True)
    inv = inv.reshape(-1)
    length, space, punct, lower = lexicon.facts(orths.tolist())
    ends = starts + length[inv]
    # Doc.sents: a sentence begins where sent_start is 1 and at each block's first token.
    first = arr[:, 1] == 1
    block_first = np.cumsum(counts) - counts
    first[block_first[block_first < n]] = True
    sentences = join_asides(text, _sentences(text, starts, ends, first, space[inv]), spans)
    if not want_words:
        return sentences, None
    keep = ~(space | punct)[inv]
    return sentences, _words(lexicon, starts[keep], ends[keep], inv[keep], orths, lower, arr[keep, 2])


def _sentences(text: str, starts, ends, first, space) -> list[tuple[int, int]]:  # noqa: ANN001
    """``(start, end)`` of each sentence (tokens from one ``first`` to the next) from its first
    to its last non-space character, sentences of only spaces left out: the span of its first
    to its last non-space token, as spaCy's tokens never begin or end with whitespace unless
    they are spaces.  Checked on the text; should some pipeline's tokens break that rule, the
    sentences are trimmed character by character instead."""
    import numpy as np

    sid = np.cumsum(first) - 1
    ns = np.flatnonzero(~space)
    if len(ns):
        s_ns = sid[ns]
        head = np.flatnonzero(np.diff(s_ns, prepend=-1))
        tail = np.append(head[1:] - 1, len(ns) - 1)
        spans = list(zip(starts[ns[head]].tolist(), ends[ns[tail]].tolist()))
    else:
        spans = []
    isspace = str.isspace
    if not any(isspace(text[a]) or isspace(text[b - 1]) for a, b in spans):
        return spans
    out = []   # by character, as Doc.sents' spans trimmed one character at a time
    first_tok = np.flatnonzero(first)
    last_tok = np.append(first_tok[1:] - 1, len(first) - 1)
    for a, b in zip(starts[first_tok].tolist(), ends[last_tok].tolist()):
        while a < b and isspace(text[a]):
            a += 1
        while b > a and isspace(text[b - 1]):
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def join_asides(text: str, sentences: list[tuple[int, int]],
                spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences with a transcriber's bracketed aside kept whole and with the sentence it
    belongs to (the sentencizer cuts ``shocked! (Laughs). Then`` into ``shocked! (`` /
    ``Laughs).`` / ``Then``, as an ``!`` followed by punctuation ends a sentence at the next word):

    - a sentence never ends on an opening bracket: the bracket begins the next sentence;
    - an aside (a bracketed note of at most :data:`ASIDE_WORDS` words) after a sentence end
      (``shocked! (Laughs).``, ``I thought. (Pause.)``) belongs to that sentence, and what
      follows it begins a new one;
    - an aside inside a sentence (``I don't know (pause.) maybe``) does not end it by the marks
      inside its brackets; marks written after it (``funny [laughs]. Then``) do.

    Sentences stay inside ``spans`` (the blocks)."""
    if not sentences or ("(" not in text and "[" not in text):
        return sentences
    from bisect import bisect_left, bisect_right

    block_starts = [a for a, _b in spans]

    def block_of(pos: int) -> int:
        return bisect_right(block_starts, pos) - 1

    # each block's sentence starts in order (its first sentence's start kept apart) and last end
    firsts: dict[int, int] = {}
    lasts: dict[int, int] = {}
    bounds: dict[int, list[int]] = {}
    for a, b in sentences:
        k = block_of(a)
        if k not in firsts:
            firsts[k] = a
            bounds[k] = []
        else:
            bounds[k].append(a)
        lasts[k] = b
    touched: set[int] = set()
    ends = {b for _a, b in sentences}
    for m in re.finditer(r"[(\[]", text):   # a sentence ending on its opening bracket
        p = m.start()
        if p + 1 in ends:
            k = block_of(p)
            lst = bounds.get(k, [])
            i = bisect_right(lst, p)
            if i < len(lst):
                del lst[i]
                if p > firsts[k]:
                    lst.insert(i, p)
                touched.add(k)
    for m in _ASIDE_RE.finditer(text):
        if len(m.group(1).split()) > ASIDE_WORDS:
            continue
        s, e = m.start(), m.end()
        k = block_of(s)
        if k not in firsts or not firsts[k] <= s < lasts[k]:
            continue
        nxt = e
        while nxt < lasts[k] and text[nxt].isspace():
            nxt += 1
        # the text before the aside in its block ends a sentence (a few closing marks allowed)
        ended = s > firsts[k] and _ENDED_RE.search(text[max(firsts[k], s - 24):s].rstrip()) is not None
        lst = bounds[k]
        i, j = bisect_left(lst, s), bisect_right(lst, nxt)
        add = nxt < lasts[k] and bool(ended or m.group(2))
        if i < j or add:
            new = lst[:i] + ([nxt] if add else []) + lst[j:]
            if new != lst:
                bounds[k] = new
                touched.add(k)
    if not touched:
        return sentences
    out = []
    done: set[int] = set()
    for a, b in sentences:
        k = block_of(a)
        if k not in touched:
            out.append((a, b))
            continue
        if k in done:
            continue
        done.add(k)
        points = [firsts[k], *bounds[k], lasts[k]]
        for x, y in zip(points, points[1:]):
            while y > x and text[y - 1].isspace():
                y -= 1
            if y > x:
                out.append((x, y))
    return out


def _words(lexicon: "_Lexicon", starts, ends, orth_index, orths, lower, lemmas) -> Words:  # noqa: ANN001
    """Words from their offsets, form numbers (into ``orths``) and lemma hashes: each distinct
    (lemma, form) is turned into strings once."""
    import numpy as np

    if not len(starts):
        return Words(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), [])
    orth_index = orth_index.astype(np.int64)
    orth_list, lower_list = orths.tolist(), lower.tolist()
    # The lemma of each form where it has one lemma (always, with a lookup lemmatizer): the
    # pairs are then the forms; otherwise distinct (lemma, orth) pairs by 1-D uniques.
    lemma_of_form = np.zeros(len(orths), np.uint64)
    lemma_of_form[orth_index[::-1]] = lemmas[::-1]
    if (lemma_of_form[orth_index] == lemmas).all():
        keys, inverse = np.unique(orth_index, return_inverse=True)
        lem_list = lemma_of_form.tolist()
        pairs = [lexicon.strings(lem_list[k], lower_list[k], orth_list[k]) for k in keys.tolist()]
    else:
        lems, inv_l = np.unique(lemmas, return_inverse=True)
        keys, inverse = np.unique(orth_index * len(lems) + inv_l.reshape(-1), return_inverse=True)
        lem_list = lems.tolist()
        pairs = [lexicon.strings(lem_list[k % len(lems)], lower_list[k // len(lems)], orth_list[k // len(lems)])
                 for k in keys.tolist()]
    # several keys can give the same pair (e.g. "Jobs" and "jobs"): number the pairs
    number: dict[tuple[str, str], int] = {}
    remap = np.array([number.setdefault(pr, len(number)) for pr in pairs], dtype=np.int64)
    return Words(starts, ends, remap[inverse.reshape(-1)], list(number))


class _Lexicon:
    """What the analysis needs of a word form or a (lemma, form), looked up in the pipeline's
    vocabulary once per import: the form's length, whether it is punctuation or space (not
    indexed), its lower case; the strings of a (lemma, form) (:func:`lemma_function`)."""

    def __init__(self, nlp, table=None) -> None:  # noqa: ANN001
        self.vocab = nlp.vocab
        self.strings_ = nlp.vocab.strings
        self.lemma_of = lemma_function(nlp).from_hashes
        self.table = table   # the lookup table, when the pipeline ran without its lemmatizer
        self._facts: dict[int, tuple[int, bool, bool, int]] = {}
        self._pairs: dict[tuple[int, int], tuple[str, str]] = {}

    def facts(self, orths: list[int]):  # noqa: ANN201
        """(length, is space, is punctuation, lower) arrays for the form hashes ``orths``."""
        import numpy as np

        got = self._facts
        for o in orths:
            if o not in got:
                lex = self.vocab[o]
                got[o] = (len(lex.orth_), lex.is_space, lex.is_punct, lex.lower)
        length, space, punct, lower = zip(*[got[o] for o in orths])
        return (np.array(length, np.int64), np.array(space, bool), np.array(punct, bool),
                np.array(lower, np.uint64))

    def strings(self, lem: int, low: int, orth: int) -> tuple[str, str]:
        key = (lem, orth)
        pair = self._pairs.get(key)
        if pair is None:
            if self.table is not None:
                lem = self._lookup(orth)
            pair = self._pairs[key] = (self.lemma_of(self.strings_, lem, low, orth), self.strings_[low])
        return pair

    def _lookup(self, orth: int) -> int:
        """The lemma hash the lookup lemmatizer would give a token of form ``orth``
        (``Lemmatizer.lookup_lemmatize``: the table's entry for the text, else the text)."""
        text = self.strings_[orth]
        found = self.table.get(text, text)
        if not isinstance(found, str):
            found = found[0]
        return self.strings_.add(found)


def lemma_function(nlp):  # noqa: ANN001, ANN201
    """token -> lower-cased lemma.  The lookup table is keyed by the word as written, so a
    capitalised word ("Jobs" at the start of a sentence) is looked up again in lower case."""
    table = None
    if "lemmatizer" in nlp.pipe_names:
        lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
        if lookups is not None and lookups.has_table("lemma_lookup"):
            table = lookups.get_table("lemma_lookup")

    def lemma(t) -> str:  # noqa: ANN001
        return from_hashes(t.vocab.strings, t.lemma, t.lower, t.orth)

    def from_hashes(strings, lem: int, low: int, orth: int) -> str:  # noqa: ANN001
        low_s = strings[low]
        if table is not None and lem == orth and orth != low:
            return table.get(low_s, low_s).lower()
        return strings[lem].lower() or low_s
    lemma.from_hashes = from_hashes
    return lemma


def lemmas(text: str, model: str | None = None) -> list[str]:
    """Lower-cased lemmas of the words in ``text`` (for keyword matching)."""
    nlp = load_pipeline(model)
    lemma_of = lemma_function(nlp)
    return [lemma_of(t) for t in nlp(text) if not (t.is_punct or t.is_space)]
