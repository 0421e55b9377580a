"""Framework summaries in the store: two coders in one cell, the consensus summary, citations
that go stale when their coding is removed, recoded or moved, the event history, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text as sql

from fieldcode.errors import Conflict, InvalidInput, NotFound
from fieldcode.store.framework import delete_summary, set_summary, summaries, summary_history


def span_of(p, name, quote):
    text = p.store.interview(name).text
    s = text.index(quote)
    return s, s + len(quote)


def ids(p, name, key):
    iv = p.store.interview(name)
    code = next(c for c in p.store.codes() if c.key == key)
    return iv.id, code.id


def test_two_coders_same_cell_and_consensus(mini):
    p = mini
    iid, place = ids(p, "a.md", "place")
    s, e = span_of(p, "a.md", "Much better since the repairs.")
    c_ana = p.store.add_coding("a.md", "housing", s, e, "ana")
    set_summary(p.store, "ana", iid, place, "Housing improved after repairs.", cites=[c_ana.uid])
    set_summary(p.store, "ben", iid, place, "Residents stay put.")
    # ben cannot change ana's own summary; a second save by ana updates hers
    w = set_summary(p.store, "ana", iid, place, "Housing much better since repairs.", cites=[c_ana.uid])
    assert w.action == "updated"
    got = {x.author: x for x in summaries(p.store)}
    assert set(got) == {"ana", "ben"}
    assert got["ana"].text == "Housing much better since repairs."
    assert got["ben"].text == "Residents stay put."
    assert [c.uid for c in got["ana"].cites] == [c_ana.uid] and not got["ana"].stale
    assert got["ana"].cites[0].quote == "Much better since the repairs."
    with pytest.raises(Conflict):
        delete_summary(p.store, "ben", got["ana"].uid)
    # the consensus summary: anyone edits it, the log names who
    set_summary(p.store, "ben", iid, place, "Repairs kept people.", consensus=True)
    with pytest.raises(Conflict):    # ana started from an empty cell, ben saved meanwhile
        set_summary(p.store, "ana", iid, place, "Mine first", consensus=True, expect_text="")
    set_summary(p.store, "ana", iid, place, "Repairs kept people here.", consensus=True,
                expect_text="Repairs kept people.")
    cons = next(x for x in summaries(p.store) if x.consensus)
    assert cons.author == "consensus" and cons.text == "Repairs kept people here."
    hist = summary_history(p.store, cons.uid)
    assert [(h["coder"], h["change"], h["text"]) for h in hist] == [
        ("ben", "added", "Repairs kept people."), ("ana", "updated", "Repairs kept people here.")]
    assert [h["change"] for h in summary_history(p.store, got["ana"].uid)] == ["added", "updated"]
    # plain SQL: three rows, one per author of the cell
    with p.store.engine.connect() as c:
        rows = sorted(c.execute(sql("select author, consensus from framework_summary")).all())
        n_ev = c.execute(sql("select count(*) from event where action = 'summary'")).scalar()
    assert [(a, bool(k)) for a, k in rows] == [("ana", False), ("ben", False), ("consensus", True)]
    assert n_ev == 5


def test_citations_go_stale(mini):
    p = mini
    iid, place = ids(p, "a.md", "place")
    a = p.store.add_coding("a.md", "housing", *span_of(p, "a.md", "Much better since the repairs."), "ana")
    b = p.store.add_coding("a.md", "place", *span_of(p, "a.md", "Nobody wants to leave."), "ana")
    c = p.store.add_coding("a.md", "leadership", *span_of(p, "a.md", "We meet on Tuesdays."), "ana")
    set_summary(p.store, "ana", iid, place, "Better and stable.", cites=[a.uid, b.uid, c.uid])
    assert not summaries(p.store)[0].stale
    p.store.remove_coding(a.id, "ana")
    p.store.update_coding(b.id, "ana", code="housing")
    s, e = span_of(p, "a.md", "We meet on Tuesdays.")
    p.store.update_coding(c.id, "ana", end=e - 1)
    got = summaries(p.store)[0]
    assert [x.state for x in got.cites] == ["removed", "recoded", "moved"]
    assert got.stale_note() == "3 cited passages changed since: 1 removed, 1 recoded, 1 moved"
    # saving again keeps the stale citations stale (unless refreshed), and a refreshed one holds
    set_summary(p.store, "ana", iid, place, "Better and stable!", cites=[b.uid, c.uid], refresh=[c.uid])
    got = summaries(p.store)[0]
    assert [(x.uid, x.state) for x in got.cites] == [(b.uid, "recoded"), (c.uid, "ok")]
    # a removed coding cannot be cited anew
    with pytest.raises(NotFound):
        set_summary(p.store, "ana", iid, place, "x", cites=[a.uid])


def test_bad_input_and_deletion(mini):
    p = mini
    iid, place = ids(p, "a.md", "place")
    bid, _ = ids(p, "b.md", "place")
    other = p.store.add_coding("b.md", "place", *span_of(p, "b.md", "The flats are damp."), "ana")
    with pytest.raises(InvalidInput):
        set_summary(p.store, "ana", iid, place, "   ")
    with pytest.raises(InvalidInput):
        set_summary(p.store, "ana", iid, place, "text", cites=[other.uid])
    assert summaries(p.store) == []
    set_summary(p.store, "ana", iid, place, "one")
    uid = summaries(p.store)[0].uid
    delete_summary(p.store, "ana", uid)
    assert summaries(p.store) == []
    with p.store.engine.connect() as c:
        assert c.execute(sql("select author from framework_summary_deletion where uid = :u"), {"u": uid}).scalar() == "ana"
        last = c.execute(sql("select coder, before, detail from event where action = 'summary' order by id desc")).first()
    assert last[0] == "ana" and json.loads(last[1])["text"] == "one" and json.loads(last[2])["change"] == "deleted"
    assert bid != iid
