"""The import's analysis of a transcript (fieldcode.ingest.segment.analyse_many) against the plain
token-by-token way of reading spaCy's output.

analyse_many reads each block's tokens as one array, computes sentences and words with numpy,
and, for the built-in pipeline, looks each distinct word form up in the lemmatizer's table once
instead of running the lemmatizer over every token.  The reference here does none of that: it
runs the whole pipeline (lemmatizer included) and walks ``Doc.sents`` and the tokens one by one,
trimming each sentence character by character and taking each word's lemma from its token.
Both must give the same sentences and the same words, lemmas and forms.  (Both then keep a
transcriber's bracketed aside with its sentence, ``join_asides``; that rule is checked against
hand-marked sentences in tests/test_sentence_asides.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldcode.ingest.segment import analyse_many, blocks, join_asides, lemma_function, load_pipeline
from fieldcode.text import detect_turns, normalise

REPO = Path(__file__).resolve().parents[1]


def reference(text: str):
    """(sentences, [(start, end, lemma, form)]) the slow, obvious way."""
    nlp = load_pipeline(None)
    lemma_of = lemma_function(nlp)
    sentences, words = [], []
    spans = blocks(text, detect_turns(text))
    for s, e in spans:
        doc = nlp(text[s:e])   # the whole pipeline, the lemmatizer run on every token
        for sent in doc.sents:
            a, b = s + sent.start_char, s + sent.end_char
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a:
                sentences.append((a, b))
        for t in doc:
            if not (t.is_punct or t.is_space):
                words.append((s + t.idx, s + t.idx + len(t.text), lemma_of(t), t.lower_))
    return join_asides(text, sentences, spans), words


def analysed(text: str):
    [(sentences, w)] = list(analyse_many([(text, detect_turns(text))]))
    words = [(a, b, *w.forms[f]) for a, b, f in zip(w.starts.tolist(), w.ends.tolist(), w.form.tolist())]
    return sentences, words


def test_the_built_in_pipeline_skips_its_lemmatizer_only_where_the_table_answers_per_form() -> None:
    from fieldcode.ingest.segment import _form_lemma_table

    nlp = load_pipeline(None)
    assert nlp.pipe_names == ["sentencizer", "lemmatizer"]
    assert _form_lemma_table(nlp) is not None
    # a lemma the table gives ("lived" -> "live") and a capitalised form looked up in lower case
    _s, words = analysed("Nobody lived here. Jobs went.\n")
    assert [(lemma, form) for _a, _b, lemma, form in words] == [
        ("nobody", "nobody"), ("live", "lived"), ("here", "here"), ("job", "jobs"), ("go", "went")]


@pytest.mark.parametrize("path", sorted((REPO / "interviews").glob("*.md")), ids=lambda p: p.name)
def test_bundled_transcripts(path: Path) -> None:
    text = normalise(path.read_text(encoding="utf-8"))
    assert analysed(text) == reference(text)


@pytest.mark.corpus
def test_shared_transcripts(shared: Path) -> None:
    paths = sorted((shared / "corpus").rglob("*.txt"))
    assert paths
    for path in paths:
        text = normalise(path.read_text(encoding="utf-8", errors="replace"))[:60_000]
        assert analysed(text) == reference(text), path.name


PIECES = ["Dan: ", "Interviewer: ", "Q. ", "A. ", "word", "Word", "WORDS", "lived", "Living", "don't", "ex-miner",
          "U.S.", "jobs", "went", " ", "  ", "\t", "\u00a0", "\u2003", "\n", "\n\n", " \n ", ".", "!", "?", ",",
          "...", "\u2019", "-", "--", "(", ")", "[", "]", "(Laughs)", "[pause]", "\"", "3", "1,000", "e-mail", "k\u00f6ln", "\u00c9cole", "#tag"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_generated_texts(pieces: list[str]) -> None:
    text = normalise("".join(pieces))
    assert analysed(text) == reference(text)


def test_several_documents_in_one_pass_match_one_at_a_time() -> None:
    texts = [normalise(p.read_text(encoding="utf-8")) for p in sorted((REPO / "interviews").glob("*.md"))]
    together = list(analyse_many([(t, detect_turns(t)) for t in texts]))
    for t, (sentences, words) in zip(texts, together):
        assert (sentences, [(a, b, *words.forms[f]) for a, b, f in zip(
            words.starts.tolist(), words.ends.tolist(), words.form.tolist())]) == reference(t)
