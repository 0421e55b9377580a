"""Offset maths of re-anchoring, with every expected span worked out by hand."""

from __future__ import annotations

import pytest

from fieldcode.ingest import align


def mapped(old: str, new: str, phrase: str) -> str | None:
    kept = align.align(old, new)
    s = old.index(phrase)
    span = align.map_span(kept, s, s + len(phrase), len(new))
    return None if span is None else new[span[0]:span[1]]


def test_identical_text_maps_to_itself():
    t = "Jo: one two three."
    assert align.align(t, t) == [(0, len(t), 0, len(t))]
    assert mapped(t, t, "two") == "two"


def test_insertion_before_shifts_and_is_not_pulled_in():
    old = "Jo: the tenants meet weekly."
    new = "Note.\nJo: the tenants meet weekly."
    assert mapped(old, new, "tenants meet") == "tenants meet"
    assert mapped(old, new, "Jo: the") == "Jo: the"      # inserted text just before is not coded


def test_typo_fixed_inside_and_at_the_edges():
    old = "Jo: The tenants grup runs everything now."
    new = "Jo: The tenants group runs everything now."
    assert mapped(old, new, "tenants grup runs") == "tenants group runs"
    assert mapped(old, new, "grup") == "group"              # the whole coded word was corrected
    assert mapped(old, new, "The tenants grup") == "The tenants group"


def test_deleted_passage_is_lost():
    old = "Jo: first part. Nobody wants to leave. Last part."
    new = "Jo: first part. Last part."
    assert mapped(old, new, "Nobody wants to leave.") is None
    # a passage that straddles the deletion keeps what survives
    assert mapped(old, new, "part. Nobody") == "part."


def test_compose_two_versions():
    a, b, c = "one two three", "zero one two three", "zero one two three four"
    ab, bc = align.align(a, b), align.align(b, c)
    ac = align.compose(ab, bc)
    s = a.index("two")
    span = align.map_span(ac, s, s + 3, len(c))
    assert c[span[0]:span[1]] == "two"


@pytest.mark.parametrize("start,end", [(0, 0), (5, 3)])
def test_empty_or_inverted_span_is_lost(start, end):
    assert align.map_span([(0, 10, 0, 10)], start, end, 10) is None
