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

from fieldcode.errors import InvalidInput
from fieldcode.text import Turn

_PARA_BREAK_RE = re.compile(r"\n[ \t]*\n")
# spaCy refuses a text over nlp.max_length (1,000,000 characters) and its memory grows with the
# text, so a longer paragraph (a transcript with no blank lines, a 5 MB single line) is cut
# into pieces of at most PIECE_CHARS, each ending after a sentence mark where there is one
# (small pieces also keep one nlp.pipe batch of 256 blocks to a few MB of text).
PIECE_CHARS = 20_000
_SENTENCE_END_RE = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*\s+")


# token attributes the index needs, in one numpy array per block (no Python object per token)
_WORD_ATTRS = ["IDX", "LENGTH", "LEMMA", "LOWER", "ORTH", "IS_PUNCT", "IS_SPACE"]


@dataclass(frozen=True)
class Sentence:
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
        yield sentences


def analyse_many(
    docs: Iterable[tuple[str, list[Turn]]], model: str | None = None, batch_size: int = 256,
    *, words: bool = True,
) -> Iterator[tuple[list[Sentence], "Words | None"]]:
    """``(sentences, words)`` for each ``(text, turns)`` in ``docs``, from ONE pass of the
    pipeline: the words (punctuation and spaces left out) are what the search index stores."""
    nlp = load_pipeline(model)
    lemma_of = lemma_function(nlp)
    docs = list(docs)
    spans_per_doc = [blocks(text, turns) for text, turns in docs]

    def block_texts() -> Iterator[str]:
        for (text, _), spans in zip(docs, spans_per_doc):
            for s, e in spans:
                yield text[s:e]

    parsed = nlp.pipe(block_texts(), batch_size=batch_size)
    for (text, _), spans in zip(docs, spans_per_doc):
        sentences: list[Sentence] = []
        found: list = []
        for s, _e in spans:
            doc = next(parsed)
            for sent in doc.sents:
                # A sentence starts at its first and ends at its last non-space character
                # (spaCy keeps line breaks inside hard-wrapped text as whitespace tokens).
                a, b = s + sent.start_char, s + sent.end_char
                while a < b and text[a].isspace():
                    a += 1
                while b > a and text[b - 1].isspace():
                    b -= 1
                if b > a:
                    sentences.append(Sentence(a, b))
            if words:
                arr = doc.to_array(_WORD_ATTRS)
                arr = arr[(arr[:, 5] == 0) & (arr[:, 6] == 0)]
                arr[:, 0] += s
                found.append(arr)
        yield sentences, (_words(nlp, found, lemma_of) if words else None)


def _words(nlp, arrays: list, lemma_of) -> Words:  # noqa: ANN001
    """Words from the blocks' token arrays: each distinct (lemma, lower, orth) is turned into
    strings once, not once per word."""
    import numpy as np

    arr = np.concatenate(arrays) if arrays else np.zeros((0, len(_WORD_ATTRS)), dtype=np.uint64)
    if not len(arr):
        return Words(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), [])
    # distinct (lemma, orth) pairs by two 1-D uniques (a row-wise unique sorts slowly);
    # the lower-case form is a function of the orth
    orths, inv_o = np.unique(arr[:, 4], return_inverse=True)
    lems, inv_l = np.unique(arr[:, 2], return_inverse=True)
    keys, inverse = np.unique(inv_o.reshape(-1).astype(np.int64) * len(lems) + inv_l.reshape(-1), return_inverse=True)
    lower_of = dict(zip(arr[:, 4].tolist(), arr[:, 3].tolist()))
    orths, lems = orths.tolist(), lems.tolist()
    strings = nlp.vocab.strings
    pairs = []
    for k in keys.tolist():
        orth, lem = orths[k // len(lems)], lems[k % len(lems)]
        low = lower_of[orth]
        pairs.append((lemma_of.from_hashes(strings, lem, low, orth), strings[low]))
    # several keys can give the same pair (e.g. "Jobs" and "jobs"): number the pairs
    number: dict[tuple[str, str], int] = {}
    remap = np.array([number.setdefault(pr, len(number)) for pr in pairs], dtype=np.int64)
    starts = arr[:, 0].astype(np.int64)
    return Words(starts, starts + arr[:, 1].astype(np.int64), remap[inverse.reshape(-1)], list(number))


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
