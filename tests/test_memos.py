"""Memos everywhere a researcher writes them: on an interview, a passage (coded or not), a code
and a coding; listed and filtered; each researcher edits only their own; exported with author and
time.  Store tests run on SQLite and PostgreSQL with two coders."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from fieldcode import store as storemod
from fieldcode.cli import app
from fieldcode.errors import Conflict, InvalidInput

runner = CliRunner()


@pytest.fixture
def memoed(mini):
    """ana: a memo on interview a, one on an uncoded passage, one on the code housing, and a
    coding memo; ben: a passage memo on the same passage."""
    p = mini
    iv = p.store.interview("a.md")
    t = iv.text
    tue = t.index("We meet on Tuesdays.")
    rep = t.index("Much better since the repairs.")
    housing = p.store.code("housing")
    ids = {
        "iv": storemod.add_memo(p.store, "ana", "Jean is upbeat throughout.", interview_id=iv.id),
        "passage": storemod.add_memo(p.store, "ana", "Weekly rhythm: check other estates.",
                                     interview_id=iv.id, start=tue, end=tue + len("We meet on Tuesdays.")),
        "code": storemod.add_memo(p.store, "ana", "Split repairs out of housing?", code_id=housing.id),
        "ben": storemod.add_memo(p.store, "ben", "Is this leadership?", interview_id=iv.id,
                                 start=tue, end=tue + len("We meet on Tuesdays.")),
    }
    coding = p.store.add_coding(iv.id, "housing", rep, rep + len("Much better since the repairs."), "ana",
                                memo="repairs = improvement")
    return p, iv, ids, coding, (tue, rep)


def test_memos_on_interview_passage_code_and_coding(memoed):
    p, iv, ids, coding, (tue, rep) = memoed
    all_ = storemod.memos(p.store)
    kinds = sorted((m.kind, m.author) for m in all_)
    assert kinds == [("code", "ana"), ("coding", "ana"), ("interview", "ana"), ("passage", "ana"), ("passage", "ben")]
    passage = next(m for m in all_ if m.kind == "passage" and m.author == "ana")
    assert (passage.start, passage.end, passage.quote) == (tue, tue + 20, "We meet on Tuesdays.")
    code_memo = next(m for m in all_ if m.kind == "code")
    assert code_memo.interview_id is None and code_memo.code_key == "housing"
    cm = next(m for m in all_ if m.kind == "coding")
    assert cm.coding_id == coding.id and cm.uid == coding.uid and cm.quote == "Much better since the repairs."
    # filters
    assert {m.kind for m in storemod.memos(p.store, author="ben")} == {"passage"}
    assert {m.kind for m in storemod.memos(p.store, code_id=p.store.code("housing").id)} == {"code", "coding"}
    assert {m.kind for m in storemod.memos(p.store, interview_id=iv.id)} == {"interview", "passage", "coding"}
    assert storemod.memos(p.store, interview_id=p.store.interview("b.md").id) == []
    # interview order: the passage before the coding (text order), code memos last
    order = [m.kind for m in storemod.memos(p.store, author="ana")]
    assert order == ["interview", "passage", "coding", "code"]


def test_each_researcher_changes_only_their_own_memos(memoed):
    p, iv, ids, *_ = memoed
    with pytest.raises(Conflict, match="written by ana"):
        storemod.update_memo(p.store, ids["passage"], "ben", "mine now")
    with pytest.raises(Conflict):
        storemod.delete_memo(p.store, ids["iv"], "ben")
    storemod.update_memo(p.store, ids["ben"], "ben", "Leadership, yes.")
    storemod.delete_memo(p.store, ids["iv"], "ana")
    texts = {(m.author, m.kind): m.text for m in storemod.memos(p.store, codings=False)}
    assert texts == {("ana", "passage"): "Weekly rhythm: check other estates.",
                     ("ana", "code"): "Split repairs out of housing?", ("ben", "passage"): "Leadership, yes."}


def test_bad_memos_are_refused(mini):
    p = mini
    iv = p.store.interview("a.md")
    with pytest.raises(InvalidInput, match="needs some text"):
        storemod.add_memo(p.store, "ana", "   ", interview_id=iv.id)
    with pytest.raises(InvalidInput, match="outside interview"):
        storemod.add_memo(p.store, "ana", "x", interview_id=iv.id, start=5, end=10**6)
    with pytest.raises(InvalidInput, match="both start and end"):
        storemod.add_memo(p.store, "ana", "x", interview_id=iv.id, start=5)
    with pytest.raises(InvalidInput, match="belongs to"):
        storemod.add_memo(p.store, "ana", "x")
    assert storemod.memos(p.store) == []


def test_merging_a_code_moves_its_memos(memoed):
    p, *_ = memoed
    p.merge_codes("housing", "place")
    code_memos = [m for m in storemod.memos(p.store) if m.kind in ("code", "coding")]
    assert {(m.kind, m.code_key) for m in code_memos} == {("code", "place"), ("coding", "place")}


def test_export_memos_csv_with_author_and_time(memoed, monkeypatch):
    p, iv, ids, coding, (tue, rep) = memoed
    monkeypatch.chdir(p.root)
    out = p.root / "out" / "memos.csv"
    r = runner.invoke(app, ["export", "memos", "-o", str(out)], env={"FIELDCODE_DB": p.store.url})
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["memo_uid", "kind", "author", "created_at", "updated_at", "interview", "pair",
                             "neighbourhood", "arm", "role", "code_key", "code_name", "start", "end",
                             "quoted_text", "memo"]
    got = [(r["kind"], r["author"], r["interview"], r["code_key"], r["start"], r["end"], r["quoted_text"], r["memo"])
           for r in rows]
    assert got == [
        ("interview", "ana", "a.md", "", "", "", "", "Jean is upbeat throughout."),
        ("passage", "ana", "a.md", "", str(tue), str(tue + 20), "We meet on Tuesdays.", "Weekly rhythm: check other estates."),
        ("passage", "ben", "a.md", "", str(tue), str(tue + 20), "We meet on Tuesdays.", "Is this leadership?"),
        ("coding", "ana", "a.md", "housing", str(rep), str(rep + 30), "Much better since the repairs.", "repairs = improvement"),
        ("code", "ana", "", "housing", "", "", "", "Split repairs out of housing?"),
    ]
    assert rows[0]["pair"] == "Leeds" and rows[0]["arm"] == "improving"
    assert all(r["created_at"].endswith("+00:00") and r["created_at"][:4].isdigit() for r in rows)
    assert rows[3]["memo_uid"] == coding.uid
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["export"] == "memos" and side["memos"] == 5
    r = runner.invoke(app, ["export", "memos", "-o", str(out), "--coder", "ben"], env={"FIELDCODE_DB": p.store.url})
    assert r.exit_code == 0
    assert [row["author"] for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))] == ["ben"]
