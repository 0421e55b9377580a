"""Search-and-code through the review queue (issue 13, point 3), two coders, SQLite and PostgreSQL.

Expected spans are MINI_A's sentences and turns found with ``str.find`` (tests/conftest.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text as sql
from typer.testing import CliRunner

from fieldcode.store import search as SS
from fieldcode.find import suggest
from fieldcode.cli import app
from fieldcode.errors import Conflict
from fieldcode.project import Project
from fieldcode.find.search import Query

from conftest import MINI_CODEBOOK

KEYWORD_CODEBOOK = MINI_CODEBOOK.replace(
    '    colour: "#98df8a"\n', '    colour: "#98df8a"\n    keywords: [repair, damp]\n')


def _run(root, db, *args, input=None):
    return CliRunner().invoke(app, ["-C", str(root), "--db", db, *args], input=input)


def _codings(store):
    with store.engine.connect() as c:
        return sorted(tuple(r) for r in c.execute(sql(
            "SELECT coder, interview_id, code_id, start, \"end\", uid FROM coding")))


@pytest.fixture
def two(mini):
    """The mini study with one coding by bo that nobody else may change."""
    ta = mini.store.interview("a.md").text
    mini.store.add_coding("a.md", "leadership", ta.find("The tenants"), ta.find("now.") + 4, "bo")
    return mini


def test_search_proposes_and_only_the_coder_accepts(two) -> None:
    store = two.store
    ta = store.interview("a.md").text
    bo_before = [c for c in _codings(store) if c[0] == "bo"]
    r = suggest.propose_from_search(store, Query("leave"), "leadership", to="ana", by="ana", unit="sentence")
    assert (r.hits, len(r.added), r.skipped) == (1, 1, 0)
    sg = SS.suggestions(store, coder="ana")[0]
    s7 = ta.find("Nobody")
    assert (sg.interview, sg.code, sg.start, sg.end, sg.state) == ("a.md", "leadership", s7, s7 + len("Nobody wants to leave."), "proposed")
    assert sg.origin["kind"] == "search" and sg.origin["query"] == "leave" and sg.origin["unit"] == "sentence"
    assert sg.origin["by"] == "ana" and sg.origin["at"]
    # nothing is coded by proposing, and bo cannot decide ana's suggestion
    assert [c for c in _codings(store) if c[0] == "ana"] == []
    with pytest.raises(Conflict, match="proposed to ana"):
        SS.accept_suggestion(store, sg.id, "bo")
    with pytest.raises(Conflict):
        SS.reject_suggestion(store, sg.id, "bo")
    row = SS.accept_suggestion(store, sg.id, "ana")
    assert (row.coder, row.start, row.end, row.uid) == ("ana", sg.start, sg.end, sg.coding_uid)
    # accepting again (e.g. after a crash between the two steps) adds nothing
    assert SS.accept_suggestion(store, sg.id, "ana").id == row.id
    ana = [c for c in _codings(store) if c[0] == "ana"]
    assert len(ana) == 1 and [c for c in _codings(store) if c[0] == "bo"] == bo_before
    with store.engine.connect() as c:
        ev = c.execute(sql("SELECT coder, action, detail FROM event WHERE coding_uid = :u"), {"u": row.uid}).all()
    assert len(ev) == 1 and ev[0][:2] == ("ana", "add")
    detail = json.loads(ev[0][2])["suggestion"]
    assert detail["id"] == sg.id and detail["query"] == "leave" and detail["unit"] == "sentence"
    assert SS.suggestions(store, coder="ana", state="accepted")[0].id == sg.id
    # proposing the same search again: the span is already accepted (and coded)
    assert suggest.propose_from_search(store, Query("leave"), "leadership", to="ana", by="ana").added == []


def test_rejected_are_remembered_per_coder(two) -> None:
    store = two.store
    r = suggest.propose_from_search(store, Query("the"), "place", to="ana", by="ana", unit="hit")
    assert len(r.added) == 3         # The tenants', the repairs (A), The flats (B); not the interviewer's
    first = SS.suggestions(store, coder="ana")[0]
    SS.reject_suggestion(store, first.id, "ana")
    again = suggest.propose_from_search(store, Query("the"), "place", to="ana", by="ana", unit="hit")
    assert (again.added, again.skipped) == ([], 3)
    assert [s.id for s in SS.suggestions(store, coder="ana", state="rejected")] == [first.id]
    with pytest.raises(Conflict, match="rejected"):
        SS.accept_suggestion(store, first.id, "ana")
    # bo's queue is his own: the span ana rejected can still be proposed to bo
    assert len(suggest.propose_from_search(store, Query("the"), "place", to="bo", by="ana", unit="hit").added) == 3
    assert SS.suggestion_counts(store, "ana") == {"proposed": 2, "accepted": 0, "rejected": 1}
    assert SS.suggestion_counts(store, "bo") == {"proposed": 3, "accepted": 0, "rejected": 0}


def test_units_turn_and_adjusted_span(two) -> None:
    store = two.store
    ta = store.interview("a.md").text
    suggest.propose_from_search(store, Query("repair"), "housing", to="ana", by="ana", unit="turn")
    sg = SS.suggestions(store, coder="ana")[0]
    turn5 = ta.find("Much better")
    assert (sg.start, sg.end) == (turn5, ta.find("leave.") + len("leave."))
    assert sg.origin["unit"] == "turn"
    row = SS.accept_suggestion(store, sg.id, "ana", end=ta.find("repairs.") + len("repairs."))
    assert (row.start, row.end) == (turn5, ta.find("repairs.") + len("repairs."))
    with store.engine.connect() as c:
        detail = json.loads(c.execute(sql("SELECT detail FROM event WHERE coding_uid = :u"), {"u": row.uid}).scalar_one())
    assert detail["suggestion"]["proposed_span"] == [sg.start, sg.end]


def test_keywords_from_codebook(mini_dir, db_url) -> None:
    (mini_dir / "codebook.yaml").write_text(KEYWORD_CODEBOOK, encoding="utf-8")
    p = Project.open(mini_dir, db=db_url, coder="ana")
    assert p.import_files().ok
    ta, tb = p.store.interview("a.md").text, p.store.interview("b.md").text
    res = suggest.propose_from_keywords(p.store, to="ana", by="ana")
    assert list(res) == ["housing"] and len(res["housing"].added) == 2
    got = [(s.interview, s.start, s.end, s.origin["keyword"]) for s in SS.suggestions(p.store, coder="ana")]
    assert got == [("a.md", ta.find("Much better"), ta.find("repairs.") + 8, "repair"),
                   ("b.md", tb.find("The flats"), tb.find("damp.") + 5, "damp")]
    assert _codings(p.store) == []
    p.close()


def test_text_change_drops_undecided_suggestions(mini_dir, db_url) -> None:
    p = Project.open(mini_dir, db=db_url, coder="ana")
    assert p.import_files().ok
    suggest.propose_from_search(p.store, Query("damp"), "housing", to="ana", by="ana")
    assert len(SS.suggestions(p.store, coder="ana")) == 1
    f = mini_dir / "interviews" / "b.md"
    f.write_text(f.read_text(encoding="utf-8").replace("damp", "cold"), encoding="utf-8")
    assert p.import_files().ok
    assert SS.suggestions(p.store, coder="ana", state=None) == []
    p.close()


def test_cli_review_accepts_and_rejects(mini_dir, db_url) -> None:
    p = Project.open(mini_dir, db=db_url, coder="ana")
    assert p.import_files().ok
    ta = p.store.interview("a.md").text
    p.close()
    res = _run(mini_dir, db_url, "--coder", "ana", "suggest", "search", "the", "--code", "place")
    assert res.exit_code == 0, res.output
    # sentences: "The tenants' group ...", "Much better since the repairs." (A), "The flats are damp." (B)
    assert "place: 3 suggestion(s) proposed from 3 hit(s); 0 skipped" in res.output
    res = _run(mini_dir, db_url, "--coder", "bo", "suggest", "list")
    assert "bo: 0 proposed" in res.output
    res = _run(mini_dir, db_url, "--coder", "ana", "suggest", "review", input="a\nr\nq\n")
    assert res.exit_code == 0, res.output
    assert "1 accepted, 1 rejected, 0 skipped; 1 still proposed" in res.output
    p = Project.open(mini_dir, db=db_url, coder="ana")
    c = p.store.codings()
    s3 = ta.find("The tenants")
    assert [(x.coder, x.start, x.end) for x in c] == [("ana", s3, s3 + len("The tenants' group runs everything now."))]
    left = SS.suggestions(p.store, coder="ana")
    p.close()
    res = _run(mini_dir, db_url, "--coder", "bo", "suggest", "accept", str(left[0].id))
    assert res.exit_code != 0 and "only that coder" in res.output
    res = _run(mini_dir, db_url, "--coder", "ana", "suggest", "accept", str(left[0].id))
    assert res.exit_code == 0 and "accepted: coding #" in res.output
    res = _run(mini_dir, db_url, "--coder", "ana", "suggest", "list", "--state", "all")
    assert "ana: 0 proposed, 2 accepted, 1 rejected" in res.output
