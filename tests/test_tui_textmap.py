"""Pure offset maths behind the coding screen (fieldcode.tui.textmap): expected values are worked
out by hand or with str.find in each test."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldcode.tui.textmap import (
    LineMap,
    Span,
    extend_by_unit,
    find_all_ci,
    fuzzy_rank,
    next_after,
    paint_lines,
    shrink_by_unit,
    spans_at,
    trim_span,
    unit_at,
    word_at,
)

TEXT = "Ann: One two.\n\nBob: Three four. Five.\n"


def test_linemap_round_trip_by_hand():
    lm = LineMap(TEXT)
    assert lm.starts == [0, 14, 15, 38]
    b = TEXT.find("Three")
    assert lm.to_location(b) == (2, 5)
    assert lm.to_offset((2, 5)) == b
    assert lm.to_location(len(TEXT)) == (3, 0)
    # a column past the end of a line clamps to the line end, never into the next line
    assert lm.to_offset((0, 99)) == TEXT.find("\n")
    assert list(lm.rows_of(0, len(TEXT) - 1)) == [0, 1, 2]


@given(st.text(alphabet="ab \n", max_size=60), st.data())
def test_linemap_matches_splitlines(text, data):
    lm = LineMap(text)
    lines = text.split("\n")
    assert len(lm) == len(lines)
    off = data.draw(st.integers(0, len(text)))
    row, col = lm.to_location(off)
    assert sum(len(x) + 1 for x in lines[:row]) + col == off
    assert lm.to_offset((row, col)) == off


def test_paint_lines_overlap_runs():
    lm = LineMap(TEXT)
    t3, t5 = TEXT.find("Three"), TEXT.find("Five")
    a = Span(1, 10, "ana", t3, TEXT.find("."+" Five") + 1)   # "Three four."
    b = Span(2, 20, "ana", TEXT.find("four"), t5 + 4)        # "four. Five"
    runs = paint_lines(lm, [a, b])
    assert set(runs) == {2}
    col = lambda off: off - lm.starts[2]  # noqa: E731
    assert runs[2] == [
        (col(t3), col(TEXT.find("four")), (a,)),
        (col(TEXT.find("four")), col(a.end), (a, b)),
        (col(a.end), col(t5 + 4), (b,)),
    ]
    # incremental repaint of one row gives the same runs
    assert paint_lines(lm, [a, b], rows=[2]) == runs
    assert paint_lines(lm, [a, b], rows=[0]) == {}


def test_paint_lines_span_across_lines():
    lm = LineMap(TEXT)
    sp = Span(1, 1, "ana", TEXT.find("two"), TEXT.find("Bob") + 3)
    runs = paint_lines(lm, [sp])
    assert runs[0] == [(TEXT.find("two"), len("Ann: One two."), (sp,))]
    assert 1 not in runs  # the empty line has nothing to paint
    assert runs[2] == [(0, 3, (sp,))]


def test_spans_at_prefers_innermost_and_touching_end():
    a, b = Span(1, 1, "ana", 0, 20), Span(2, 2, "ana", 5, 10)
    assert spans_at([a, b], 7) == [b, a]
    assert spans_at([a, b], 20) == [a]
    assert spans_at([a, b], 25) == []


def test_sentence_units():
    units = [(0, 4), (5, 9), (10, 14)]
    assert unit_at(units, 6) == 1
    assert unit_at(units, 4) == 1          # between units: the next one
    assert unit_at(units, 99) == 2
    assert extend_by_unit(units, (6, 6)) == (5, 9)
    assert extend_by_unit(units, (5, 9)) == (5, 14)
    assert extend_by_unit(units, (5, 14)) == (5, 14)
    assert shrink_by_unit(units, (0, 14)) == (0, 9)
    assert shrink_by_unit(units, (0, 9)) == (0, 4)
    assert shrink_by_unit(units, (0, 4)) == (0, 4)


def test_word_trim_search_next():
    text = "Bob:  don't stop"
    assert word_at(text, text.find("on")) == (text.find("don't"), text.find("don't") + 5)
    assert word_at(text, 4) == (text.find("don't"), text.find("don't") + 5)
    assert trim_span("  ab \n", 0, 6) == (2, 4)
    assert find_all_ci("Ab ab AB", "ab") == [0, 3, 6]
    assert next_after([3, 8, 12], 8) == 2
    assert next_after([3, 8, 12], 12) == 0
    assert next_after([3, 8, 12], 3, backwards=True) == 2


def test_fuzzy_rank_name_key_keywords():
    codes = [("lead", "Leadership", "leadership", []),
             ("out", "Outward-looking spirit", "outward-looking", ["networks"]),
             ("asp", "Aspiration", "aspiration", ["ambition"])]
    assert fuzzy_rank("lead", codes)[0] == "lead"
    assert fuzzy_rank("owl", codes) == ["out"]           # o-w-l as a subsequence of the name
    assert fuzzy_rank("ambi", codes) == ["asp"]          # keyword
    assert fuzzy_rank("zzz", codes) == []
    assert fuzzy_rank("", codes) == ["lead", "out", "asp"]


def test_paragraphs_stand_in_for_turns():
    from fieldcode.tui.textmap import paragraphs

    text = "First para\nstill first.\n\n  \nSecond.\n\n\nThird  \n"
    assert paragraphs(text) == [(0, text.find(".") + 1), (text.find("Second"), text.find("Second") + 7),
                                (text.find("Third"), text.find("Third") + 5)]
