"""Pure text maths, with expected values worked out by hand."""

import unicodedata

import pytest

from fieldcode import spans
from fieldcode.text import WordIndex, count_words, detect_turns, normalise, split_front_matter


def test_normalise_line_breaks_and_nfc():
    decomposed = "Cafe\u0301"  # e + combining acute
    raw = "\ufeffA\r\nB\rC\u2028D\u2029E\x85F\x0cG\n" + decomposed + "  \n\n"
    out = normalise(raw)
    assert out == "A\nB\nC\nD\nE\nF\nG\nCaf\u00e9\n"
    # the stored text splits into lines exactly as str.splitlines (what TextArea uses) sees it
    assert out.splitlines() == out.split("\n")[:-1]
    assert unicodedata.is_normalized("NFC", out)


def test_normalise_empty_and_idempotent():
    assert normalise(" \n\t\n") == ""
    once = normalise("x\r\ny")
    assert normalise(once) == once


def test_count_words_definition():
    # don't (1) ex-miner (1) 20 (1) years (1) — punctuation is not a word
    assert count_words("Don't, ex-miner: 20 years!") == 4
    assert count_words("\u2014 \u2026 ...") == 0


def test_word_index_counts_words_touching_a_span():
    text = "one two three four"
    # one [0,3) two [4,7) three [8,13) four [14,18)
    wi = WordIndex.of(text)
    assert len(wi) == 4
    assert wi.words_in(0, 3) == 1
    assert wi.words_in(2, 5) == 2      # touches "one" and "two"
    assert wi.words_in(3, 4) == 0      # only the space
    assert wi.words_in(0, len(text)) == 4
    assert wi.words_in(5, 5) == 0


def test_front_matter_split():
    fm, body, line = split_front_matter("---\npair: Leeds\narm: lagging\n---\n\nInterviewer: Hi\n")
    assert fm == "pair: Leeds\narm: lagging\n"
    assert body == "Interviewer: Hi\n"
    assert line == 6
    assert split_front_matter("No front matter\n") == (None, "No front matter\n", 1)


def test_turns_plain_labels_and_continuation():
    text = "Interviewer: Where?\n\nMrs Jones: Here.\nStill me.\n\nInterviewer: Thanks.\n"
    turns = detect_turns(text)
    assert [t.speaker for t in turns] == ["Interviewer", "Mrs Jones", "Interviewer"]
    a, b, c = turns
    assert (a.start, a.end) == (0, text.index("\n\nMrs"))
    assert text[b.content_start:b.end] == "Here.\nStill me."
    assert text[c.content_start:c.end] == "Thanks."


def test_turns_markdown_bold_brackets_ids_and_qa():
    md = "**Tim Smith:** \\[01:46\\] Hello.\n\n**Jason Snell:** Hi.\n\n**Tim Smith:** Bye.\n"
    assert [t.speaker for t in detect_turns(md)] == ["Tim Smith", "Jason Snell", "Tim Smith"]
    qc = "[id1] hello, I like it.\n\n[id2] I am struggling.\n\n[id1] yes.\n"
    turns = detect_turns(qc)
    assert [t.speaker for t in turns] == ["id1", "id2", "id1"]
    assert qc[turns[1].content_start:turns[1].end] == "I am struggling."
    qa = "Q: Why?\nA: Because.\nQ: Sure?\nA: Yes.\n"
    assert [t.speaker for t in detect_turns(qa)] == ["Q", "A", "Q", "A"]
    admin = "Max Bigman:         And I keep\nforgetting.\n\nadmin-1:     Sure.\n\nMax Bigman:  Okay.\n\nadmin-1: Fine.\n"
    turns = detect_turns(admin)
    assert [t.speaker for t in turns] == ["Max Bigman", "admin-1", "Max Bigman", "admin-1"]
    assert admin[turns[0].content_start:turns[0].end] == "And I keep\nforgetting."


def test_a_one_off_colon_line_is_not_a_speaker():
    text = "Interviewer: Hello.\n\nAnn: Hi.\nNote: this is still Ann talking.\n\nInterviewer: Ok.\n\nAnn: Yes.\n"
    turns = detect_turns(text)
    assert [t.speaker for t in turns] == ["Interviewer", "Ann", "Interviewer", "Ann"]
    assert "Note: this is still Ann" in text[turns[1].content_start:turns[1].end]


@pytest.mark.parametrize("note", ["**Break:** ten minutes", "Pause: the phone rang", "**Tape:** side B",
                                  "Interruption: a neighbour at the door"])
def test_transcribers_notes_with_a_colon_are_not_speakers(note):
    """A transcriber's note of what happened on the tape ends no turn and becomes nobody's turn:
    it stays inside the turn it interrupts (issue 20: '**Break:**' counted as a speaker)."""
    text = normalise(f"Interviewer: Hello.\n\nAnn: We moved in 1990.\n\n{note}\n\nAnn: Then we stayed.\n")
    turns = detect_turns(text)
    assert [t.speaker for t in turns] == ["Interviewer", "Ann", "Ann"]


def test_span_maths():
    assert spans.merge([(5, 8), (0, 3), (2, 4), (8, 9), (10, 10)]) == [(0, 4), (5, 9)]
    assert spans.total_length([(0, 10), (5, 15), (20, 22)]) == 17
    assert spans.intersect([(0, 10)], [(5, 15), (-3, 1)]) == [(0, 1), (5, 10)]
    assert spans.subtract([(0, 10)], [(2, 4), (6, 7)]) == [(0, 2), (4, 6), (7, 10)]
    assert spans.overlaps((0, 5), (4, 9)) and not spans.overlaps((0, 5), (5, 9))


def test_blank_pipeline_gives_sentences_tokens_and_lemmas_without_download():
    from fieldcode.ingest.segment import lemmas, load_pipeline

    nlp = load_pipeline()
    doc = nlp("The houses were empty. People went to work.")
    assert [s.text for s in doc.sents] == ["The houses were empty.", "People went to work."]
    assert lemmas("The houses were empty") == ["the", "house", "be", "empty"]


def test_a_named_pipeline_that_is_not_installed_is_a_clear_error():
    import pytest

    from fieldcode.errors import InvalidInput
    from fieldcode.ingest.segment import load_pipeline

    with pytest.raises(InvalidInput, match="not installed"):
        load_pipeline("xx_not_a_real_pipeline")


def test_hard_wrapped_sentences_stay_whole_and_never_cross_speakers():
    from fieldcode.ingest.segment import segment_many
    from fieldcode.text import detect_turns

    text = ("Max: And I keep forgetting to send the\nconsent forms. Can I get your\nverbal consent?\n\n"
            "admin-1: Sure.\nMax: Okay, thank you.\n")
    (sents,) = list(segment_many([(text, detect_turns(text))]))
    got = [text[s.start:s.end] for s in sents]
    assert got == ["And I keep forgetting to send the\nconsent forms.", "Can I get your\nverbal consent?",
                   "Sure.", "Okay, thank you."]
