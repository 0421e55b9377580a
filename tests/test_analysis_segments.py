"""fieldcode.analysis.segments: retrieval of coded segments with filters."""

from __future__ import annotations

import pytest

from fieldcode.analysis import Segment, context_around, segments
from fieldcode.errors import InvalidInput

from test_analysis_fixtures import attrs, code, make_project

A = "Interviewer: Tell me about housing here.\n\nJo: The houses are damp. Repairs take months.\n"
B = "Interviewer: And the estate?\n\nSam: Our chair runs everything. The flats are fine.\n"


@pytest.fixture
def proj(tmp_path):
    p = make_project(tmp_path, {
        "p1-imp": (attrs("P1", "improving"), A),
        "p1-lag": (attrs("P1", "lagging", role="agency"), B),
    })
    yield p
    p.close()


def test_fields_order_and_speaker(proj):
    c1 = code(proj, "p1-imp", "repairs", "Repairs take months", memo="slow")
    c2 = code(proj, "p1-imp", "housing", "The houses are damp")
    c3 = code(proj, "p1-lag", "leadership", "Our chair runs everything", coder="ben")
    c4 = code(proj, "p1-imp", "housing", "housing here")  # inside the interviewer's question
    segs = segments(proj.store)
    # codebook order: place, housing, repairs, leadership, aspiration; then interview, start
    assert [s.coding_id for s in segs] == [c4, c2, c1, c3]
    s = segs[2]
    assert isinstance(s, Segment)
    assert (s.interview, s.code_key, s.code_name, s.code_path) == ("p1-imp.md", "repairs", "Repairs", "place/housing/repairs")
    assert (s.coder, s.speaker, s.text, s.memo) == ("ana", "Jo", "Repairs take months", "slow")
    assert s.start == A.index("Repairs") and s.end == s.start + len("Repairs take months")
    assert s.attributes == {"pair": "P1", "neighbourhood": "P1-improving", "arm": "improving", "role": "resident"}
    assert s.context_before == "Interviewer: Tell me about housing here.\n\nJo: The houses are damp. "
    assert s.context_after == "."
    assert segs[0].speaker == "Interviewer"


def test_filters(proj):
    code(proj, "p1-imp", "repairs", "Repairs take months")
    code(proj, "p1-imp", "housing", "The houses are damp")
    code(proj, "p1-lag", "housing", "The flats are fine", coder="ben")
    code(proj, "p1-imp", "housing", "housing here")
    assert [s.code_key for s in segments(proj.store, codes=["housing"])] == ["housing"] * 3
    assert [s.code_key for s in segments(proj.store, codes=["place"], include_children=True)] == \
        ["housing", "housing", "housing", "repairs"]
    assert [s.interview for s in segments(proj.store, filters={"role": ["agency"]})] == ["p1-lag.md"]
    assert [s.coder for s in segments(proj.store, coders=["ben"])] == ["ben"]
    assert segments(proj.store, filters={"arm": ["nowhere"]}) == []
    # the question "housing here" lies wholly inside the interviewer's turn
    kept = segments(proj.store, exclude_interviewer=True)
    assert sorted(s.text for s in kept) == ["Repairs take months", "The flats are fine", "The houses are damp"]
    with pytest.raises(InvalidInput, match="no code 'nope'"):
        segments(proj.store, codes=["nope"])


def test_segment_reaching_out_of_interviewer_turn_is_kept(proj):
    # starts in the question, ends in Jo's answer: some of it is analysed text, so it counts
    code(proj, "p1-imp", "housing", "housing here", end_phrase="The houses")
    (s,) = segments(proj.store, exclude_interviewer=True)
    assert s.speaker == "Interviewer"
    # only the label "Jo: " and whitespace outside the question: not counted
    text = proj.store.interview("p1-imp").text
    proj.store.add_coding("p1-imp", "leadership", text.index("here"), text.index("The houses"), "ana")
    assert [x.code_key for x in segments(proj.store, exclude_interviewer=True)] == ["housing"]


def test_context_cuts_at_word_boundaries():
    # before + text + after is one contiguous slice of the transcript, trimmed at its outer ends
    text = "alpha beta gamma delta epsilon"
    #       0    5    10   15   20   25
    # "delta" is [17, 22).  6 chars before = "gamma " (starts on a word): kept whole.
    assert context_around(text, 17, 22, n=6) == ("gamma ", "")
    # 8 chars = "a gamma ": the partial word "a" (end of "beta") is dropped; same for 9 = "ta gamma "
    # (8 chars after "delta" reach the end of the text: " epsilon" whole)
    assert context_around(text, 17, 22, n=8) == ("gamma ", " epsilon")
    assert context_around(text, 17, 22, n=9) == ("gamma ", " epsilon")
    assert context_around(text, 17, 22, n=11) == ("beta gamma ", " epsilon")
    # "beta" is [6, 10): 4 chars either side are "pha " and " gam", both partial words -> nothing
    assert context_around(text, 6, 10, n=4) == ("", "")
    assert context_around(text, 6, 10, n=6) == ("alpha ", " gamma")
    assert context_around(text, 0, 5, n=150) == ("", " beta gamma delta epsilon")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab c\n\u00a0.")), min_size=1, max_size=80), st.data())
def test_context_property(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    n = data.draw(st.integers(1, 20))
    before, after = context_around(text, start, end, n=n)
    assert text[:start].endswith(before) and text[end:].startswith(after)
    assert len(before) <= n and len(after) <= n
    b0 = start - len(before)
    a1 = end + len(after)
    # no partial word at the outer ends: the window edge falls on whitespace or the text's ends
    assert not before or b0 == 0 or text[b0 - 1].isspace()
    assert not after or a1 == len(text) or text[a1].isspace()
    # nothing thrown away but whitespace and the cut partial word
    assert before == before.lstrip() and after == after.rstrip()
