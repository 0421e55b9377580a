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
            out.append((s, e))
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
