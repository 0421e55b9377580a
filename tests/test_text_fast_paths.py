"""Shortcuts the import takes on every transcript, each against the plain way it replaces:

* speaker labels are matched only at line starts (``_LABEL_RE.finditer`` tries every character);
* a text's words and each turn's words are counted in one pass (``count_words`` over the text,
  then over each turn);
* ``normalise`` skips its substitutions when the text has no character they act on;
* the Markdown fast path's "other whitespace" list is Python's own ``\\s`` but space and newline.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldcode.ingest import markdown


from fieldcode import text as T
REPO = Path(__file__).resolve().parents[1]

LINE_PIECES = ["Dan:", "Dan: ", "Sarah:\n", "**Ann:** ", "Tim Smith (00:01:02): ", "[00:01:02] Bo: ", "[id1] ",
               "Q. ", "A. ", "P1: ", "Dan 00:01:02\n", "Note: ", "Interviewer:  ", "word", "x", " ", "\t",
               "\n", "\n\n", "  \n", "-", "'", "\u2019", "don't", "ex-miner", "12.30 ", "Well: "]


def _texts() -> list[str]:
    out = [T.normalise(p.read_text(encoding="utf-8")) for p in sorted((REPO / "interviews").glob("*.md"))]
    shared = REPO.parent / "shared" / "corpus"
    if shared.is_dir():
        out += [T.normalise(p.read_text(encoding="utf-8", errors="replace")) for p in sorted(shared.rglob("*.txt"))]
    return out


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINE_PIECES), max_size=50))
def test_label_matches_are_finditers(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert [m.span() for m in T._label_matches(text)] == [m.span() for m in T._LABEL_RE.finditer(text)]


def test_label_matches_on_real_transcripts() -> None:
    for text in _texts():
        assert [m.span() for m in T._label_matches(text)] == [m.span() for m in T._LABEL_RE.finditer(text)]


def _two_passes(text: str, turns) -> tuple[int, list[int]]:  # noqa: ANN001
    return T.count_words(text), [T.count_words(text, t.content_start, t.end) for t in turns]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINE_PIECES), max_size=50),
       st.sampled_from([None, r"\d+\.\d\d", r"Q", r"x", r"wo"]))
def test_one_pass_word_counts(pieces: list[str], interviewer_lines: str | None) -> None:
    text = "".join(pieces)
    rule = T.TurnRule("paragraphs", re.compile(interviewer_lines)) if interviewer_lines else None
    turns = T.detect_turns(text, rule)
    assert T.count_words_by_turn(text, turns) == _two_passes(text, turns)


def test_one_pass_word_counts_where_a_cut_splits_a_word() -> None:
    # an interviewer_lines pattern that ends inside a word: "Question" is one word, its "Q" the label
    text = "Question one here\n\nAnswer two\n"
    turns = T.detect_turns(text, T.TurnRule("paragraphs", re.compile("Q")))
    assert turns[0].content_start == 1
    assert T.count_words_by_turn(text, turns) == (5, [3, 2]) == _two_passes(text, turns)
    # turns that do not partition the text in order are counted the slow way, still right
    a, b = turns
    assert T.count_words_by_turn(text, [b, a]) == (5, [2, 3])


def test_one_pass_word_counts_on_real_transcripts() -> None:
    for text in _texts():
        turns = T.detect_turns(text, T.TurnRule("auto"))
        assert T.count_words_by_turn(text, turns) == _two_passes(text, turns)


def _slow_normalise(text: str) -> tuple[str, int]:
    """normalise_counted without its shortcut."""
    import unicodedata

    if text.startswith("\ufeff"):
        text = text[1:]
    text = unicodedata.normalize("NFC", text)
    text = T._LINE_BREAKS.sub("\n", text)
    removed = 0

    def count(_m: re.Match[str]) -> str:
        nonlocal removed
        removed += 1
        return ""

    text = T.CONTROL_RE.sub(count, text)
    return (text.rstrip() + "\n" if text.strip() else ""), removed


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(list("ab \n\t") + ["\r\n", "\r", "\x0b", "\x0c", "\x1b[2J", "\x1b]0;x\x07", "\x85",
                                                   "\u2028", "\u2029", "\x00", "\x7f", "\x9b1m", "e\u0301", "\ufeff",
                                                   "\u00a0"]), max_size=30).map("".join))
def test_normalise_shortcut_changes_nothing(text: str) -> None:
    assert T.normalise_counted(text) == _slow_normalise(text)


def test_markdown_other_whitespace_is_pythons_whitespace_but_space_and_newline() -> None:
    listed = set(re.findall(".", re.sub(r"(.)-(.)", lambda m: "".join(
        chr(c) for c in range(ord(m.group(1)), ord(m.group(2)) + 1)), markdown.OTHER_WHITESPACE), re.S))
    assert listed == {chr(c) for c in range(0x110000) if chr(c).isspace()} - {" ", "\n"}


@pytest.mark.parametrize("ch", [" ", "\n", "a", "\u00a0", "\t", "\u3000", "\u2028"])
def test_markdown_inline_class_agrees_with_the_alternation(ch: str) -> None:
    old = re.compile(r"[\\`*_\[\]<>&|~\x00]|[^\S \n]")
    assert bool(markdown._INLINE.search(ch)) == bool(old.search(ch))
