"""The review's items, headless: passages (disagreeing sentences merged within a turn or
paragraph), items an earlier decision settles, context cut at word boundaries and span steps.
Every expected item is worked out by hand from the transcript below."""

from __future__ import annotations

import pytest

from agreement_helpers import code, make_store
from fieldcode.team.agreement import Disagreement
from fieldcode.team.consensus import Review
from fieldcode.team.review_items import Bounds, bounds_of, context_bounds, merge_passages

# Two speaker turns (neither the interviewer's), five sentences.
X = "Ann: Alpha one. Alpha two. Alpha three.\nBob: Beta one. Beta two.\n"
# No speaker labels: two paragraphs, three sentences.
P = "Pa one. Pa two.\n\nPa three."


def at(text, part):
    i = text.find(part)
    assert i >= 0 and text.count(part) == 1, part
    return i, i + len(part)


X_SENTS = ["Alpha one.", "Alpha two.", "Alpha three.", "Beta one.", "Beta two."]
P_SENTS = ["Pa one.", "Pa two.", "Pa three."]


def build(url, tmp_path):
    s = make_store(url, tmp_path, [
        {"name": "x", "text": X, "labelled": True, "sentences": [at(X, p) for p in X_SENTS]},
        {"name": "p", "text": P, "sentences": [at(P, p) for p in P_SENTS]},
    ])
    turn1 = (at(X, "Alpha one.")[0], at(X, "Alpha three.")[1])
    code(s, "x", "k1", *turn1, "ana")                    # ana: k1 over Ann's whole turn
    code(s, "x", "k3", *at(X, "Alpha two."), "ana")      # both: k3 on "Alpha two." (agreed)
    code(s, "x", "k3", *at(X, "Alpha two."), "ben")
    code(s, "x", "k1", *at(X, "Beta one."), "ana")       # ana: k1 on "Beta one." (next turn)
    code(s, "x", "k2", *at(X, "Beta two."), "ben")       # ben: k2 on "Beta two." (another code)
    code(s, "p", "k1", 0, len(P), "ana")                 # ana: k1 over both paragraphs
    code(s, "p", "k2", *at(P, "Pa one."), "ana")         # both k2 on "Pa one." (ben coded p too)
    code(s, "p", "k2", *at(P, "Pa one."), "ben")
    return s


@pytest.fixture
def store(db_url, tmp_path):
    s = build(db_url, tmp_path)
    yield s
    s.close()


def spans(items):
    return [(it.disagreement.interview, it.disagreement.start, it.disagreement.end, it.disagreement.differing)
            for it in items]


def test_passages_merge_a_codes_sentences_within_a_turn_or_paragraph(store):
    r = Review(store, coders=["ana", "ben"], consensus="cons")
    assert r.unit == "passage"
    # by hand: Ann's turn is one passage (3 sentences, k1); "Beta one." is another turn; "Beta
    # two." differs on k2 only (no code shared with "Beta one."); in p the paragraph break splits
    # ana's k1 into "Pa one. Pa two." and "Pa three."  Interviews in name order: p, then x.
    assert spans(r.items) == [
        ("p", 0, at(P, "Pa two.")[1], ["k1"]),
        ("p", *at(P, "Pa three."), ["k1"]),
        ("x", at(X, "Alpha one.")[0], at(X, "Alpha three.")[1], ["k1"]),
        ("x", *at(X, "Beta one."), ["k1"]),
        ("x", *at(X, "Beta two."), ["k2"]),
    ]
    first_x = r.items[2].disagreement
    assert first_x.codes == {"ana": ["k1", "k3"], "ben": ["k3"]}
    # the same study by sentence: one item per sentence where they differ (3 + 1 + 1 + 3)
    assert len(Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence").items) == 8
    assert r.progress() == "0 of 5 settled · 5 open"


def test_merge_needs_adjacent_sentences_and_a_shared_code():
    def dis(s, e, diff):
        return Disagreement(1, "i", s, e, {"ana": diff, "ben": []}, diff)

    sents = {1: ([0, 10, 20, 30], [9, 19, 29, 39])}
    blocks = {1: [0, 0, 0, 0]}
    order = {"k1": 0, "k2": 1}
    # sentences 0 and 2 (1 agrees): not adjacent; 2 and 3 share k1: merged
    got = merge_passages([dis(0, 9, ["k1"]), dis(20, 29, ["k1", "k2"]), dis(30, 39, ["k1"])], sents, blocks, order)
    assert [(d.start, d.end, d.differing) for d in got] == [(0, 9, ["k1"]), (20, 39, ["k1", "k2"])]
    # adjacent, but in different turns: apart
    got = merge_passages([dis(0, 9, ["k1"]), dis(10, 19, ["k1"])], sents, {1: [0, 1, 1, 1]}, order)
    assert len(got) == 2


def test_an_earlier_decision_settles_the_items_it_covers(store):
    r = Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence")
    i1 = next(i for i, it in enumerate(r.items) if it.disagreement.start == at(X, "Alpha one.")[0])
    # "both" on "Alpha one." copies ana's k1 coding over the whole turn: "Alpha two." and "Alpha
    # three." have nothing left to decide (their only differing coding is that one, copied)
    assert r.decide(i1, "both") == 1
    assert r.items[i1 + 1].decision == "copied" and r.items[i1 + 2].decision == "copied"
    assert r.progress() == "3 of 8 settled · 5 open"
    again = Review(store, coders=["ana", "ben"], consensus="cons", unit="sentence")
    assert again.progress() == "3 of 8 settled · 5 open"
    # by passage, Ann's turn is settled by the same decision
    by_passage = Review(store, coders=["ana", "ben"], consensus="cons")
    assert [it.decision for it in by_passage.items] == [None, None, "copied", None, None]
    # a decision on Bob's whole turn covers the two passages inside it
    by_turn = Review(store, coders=["ana", "ben"], consensus="cons", unit="turn")
    bob = next(i for i, it in enumerate(by_turn.items) if it.disagreement.end >= at(X, "Beta two.")[1])
    assert by_turn.decide(bob, "neither") == 0
    by_passage = Review(store, coders=["ana", "ben"], consensus="cons")
    assert [it.decision for it in by_passage.items] == [None, None, "copied", "neither", "neither"]
    assert "neither on turn" in by_passage.items[3].covered
    assert by_passage.progress() == "3 of 5 settled · 2 open"
    with pytest.raises(Exception, match="earlier decision"):
        by_passage.decide(3, "a")
    # consensus codings: only ana's k1 over Ann's turn (neither on Bob's turn wrote nothing)
    keys = {c.id: c.key for c in store.codes()}
    assert sorted((keys[c.code_id], c.start, c.end) for c in store.codings() if c.coder == "cons") == [
        ("k1", at(X, "Alpha one.")[0], at(X, "Alpha three.")[1])]


def test_context_is_cut_at_word_boundaries():
    t = "The quick brown fox jumps over the lazy dog"
    fox = at(t, "fox")
    # worked out by hand: 6 either side of "fox" (16-19) lands on 10 ("brown" starts there) and on
    # 25 (the space after "jumps"); 5 either side lands inside "brown" and "jumps": both dropped
    assert context_bounds(t, *fox, 6) == (10, 25) and t[10:25] == "brown fox jumps"
    assert context_bounds(t, *fox, 5) == fox
    assert context_bounds(t, *fox, 100) == (0, len(t))
    # never a cut word on the bundled-size scale: every edge is a text edge or next to a space
    long = " ".join(f"w{i}ord" for i in range(400))
    for s in range(0, len(long) - 10, 97):
        lo, hi = context_bounds(long, s, s + 5, 40)
        assert lo == 0 or long[lo - 1] == " " or lo == s
        assert hi == len(long) or long[hi] == " " or hi == s + 5


def test_span_steps_by_word_sentence_and_turn(store):
    iv = store.interview("x")
    b = bounds_of(store, iv.id, iv.text)
    two = at(X, "Alpha two.")
    assert X[slice(*b.step(two, "word", "end", True))] == "Alpha two. Alpha"
    assert X[slice(*b.step(two, "word", "start", True))] == "one. Alpha two."
    assert X[slice(*b.step(two, "sentence", "end", True))] == "Alpha two. Alpha three."
    # by turn: first to the end of its own turn, then to the end of the next one (trailing newline left out)
    own = b.step(two, "turn", "end", True)
    assert X[slice(*own)] == "Alpha two. Alpha three."
    assert X[slice(*b.step(own, "turn", "end", True))] == "Alpha two. Alpha three.\nBob: Beta one. Beta two."
    wide = (at(X, "Alpha one.")[0], at(X, "Alpha three.")[1])
    assert X[slice(*b.step(wide, "sentence", "end", False))] == "Alpha one. Alpha two."
    assert X[slice(*b.step(wide, "sentence", "start", False))] == "Alpha two. Alpha three."
    # a span never shrinks to nothing
    assert b.step(two, "sentence", "end", False) == two
    assert Bounds({"word": ([], []), "sentence": ([], []), "turn": ([], [])}).step((3, 5), "turn", "end", True) == (3, 5)
