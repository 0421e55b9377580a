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


def segment_many(
    docs: Iterable[tuple[str, list[Turn]]], model: str | None = None, batch_size: int = 256
) -> Iterator[list[Sentence]]:
    """Sentences for each ``(text, turns)`` in ``docs``, in order.  All blocks of all
    documents stream through one ``nlp.pipe`` so spaCy batches them."""
    nlp = load_pipeline(model)
    docs = list(docs)
    spans_per_doc = [blocks(text, turns) for text, turns in docs]

    def block_texts() -> Iterator[str]:
        for (text, _), spans in zip(docs, spans_per_doc):
            for s, e in spans:
                yield text[s:e]

    parsed = nlp.pipe(block_texts(), batch_size=batch_size)
    for (text, _), spans in zip(docs, spans_per_doc):
        sentences: list[Sentence] = []
        for s, _e in spans:
            for sent in next(parsed).sents:
                # A sentence starts at its first and ends at its last non-space character
                # (spaCy keeps line breaks inside hard-wrapped text as whitespace tokens).
                a, b = s + sent.start_char, s + sent.end_char
                while a < b and text[a].isspace():
                    a += 1
                while b > a and text[b - 1].isspace():
                    b -= 1
                if b > a:
                    sentences.append(Sentence(a, b))
        yield sentences


def lemmas(text: str, model: str | None = None) -> list[str]:
    """Lower-cased lemmas of the words in ``text`` (for keyword matching)."""
    nlp = load_pipeline(model)
    return [t.lemma_.lower() or t.lower_ for t in nlp(text) if not (t.is_punct or t.is_space)]
