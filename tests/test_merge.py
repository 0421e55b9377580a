"""``fieldcode merge``: two copies that diverge, merged either way, give the same codings."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from fieldcode import cli
from fieldcode.team.merge import merge
from fieldcode.project import Project


def state(store):
    """Every coding as (uid, coder, code key, interview name, start, end, memo)."""
    keys = {c.id: c.key for c in store.codes(include_retired=True)}
    names = {i: store.interview(i).name for i in store.interview_ids()}
    return sorted((c.uid, c.coder, keys[c.code_id], names[c.interview_id], c.start, c.end, c.memo)
                  for c in store.codings())


def span(p, iv, quote):
    text = p.store.interview(iv).text
    i = text.find(quote)
    assert i >= 0
    return i, i + len(quote)


@pytest.fixture
def copies(mini_dir, tmp_path):
    """Copy A (SQLite, in mini_dir) with ana's and ben's codings, and copy B: the same folder
    copied (as a coder copies the project to their own laptop)."""
    a = Project.open(mini_dir, coder="ana")
    assert a.import_files().ok
    c1 = a.store.add_coding("a", "leadership", *span(a, "a", "The tenants' group runs everything now."), "ana")
    c2 = a.store.add_coding("b", "housing", *span(a, "b", "The flats are damp."), "ben")
    a.close()
    b_dir = tmp_path / "laptop-b"
    shutil.copytree(mini_dir, b_dir)
    return mini_dir, b_dir, c1.uid, c2.uid


def diverge(a_dir, b_dir, c1_uid, c2_uid):
    a = Project.open(a_dir, coder="ana")
    a.store.add_coding("a", "housing", *span(a, "a", "Much better since the repairs."), "ana")
    c1 = next(c for c in a.store.codings() if c.uid == c1_uid)
    a.store.update_coding(c1.id, "ana", memo="tenants run it")
    a.close()
    b = Project.open(b_dir, coder="ben")
    b.store.add_coding("b", "leadership", *span(b, "b", "Half of them are empty."), "ben")
    c2 = next(c for c in b.store.codings() if c.uid == c2_uid)
    b.store.remove_coding(c2.id, "ben")
    b.close()


def test_merge_either_way_gives_the_same_codings(copies, tmp_path):
    a_dir, b_dir, c1_uid, c2_uid = copies
    diverge(a_dir, b_dir, c1_uid, c2_uid)
    a2, b2 = tmp_path / "a2", tmp_path / "b2"
    shutil.copytree(a_dir, a2)
    shutil.copytree(b_dir, b2)
    pa = Project.open(a2, coder="ana")
    plan = merge(pa.store, b_dir)
    # B's new coding comes in, B's removal of c2 applies (A never touched c2), A's memo stays
    assert (len(plan.inserts), len(plan.updates), len(plan.removals), plan.conflicts) == (1, 0, 1, [])
    assert plan.by_coder == {"ben": {"added": 1, "changed": 0, "removed": 1}}
    pb = Project.open(b2, coder="ben")
    plan = merge(pb.store, a_dir)
    # A's new coding and A's memo edit come in; c2 stays removed (B removed it, A never changed it)
    assert (len(plan.inserts), len(plan.updates), len(plan.removals), plan.conflicts) == (1, 1, 0, [])
    sa, sb = state(pa.store), state(pb.store)
    assert sa == sb
    # hand-listed: c1 with A's memo, A's housing coding, B's leadership coding; no c2
    assert [(s[1], s[2], s[3], s[6]) for s in sorted(sa, key=lambda s: (s[3], s[4]))] == [
        ("ana", "leadership", "a.md", "tenants run it"), ("ana", "housing", "a.md", ""), ("ben", "leadership", "b.md", "")]
    assert c2_uid not in {s[0] for s in sa}
    # history came across: B's add of its coding is in A's log with B's time, marked as merged
    ev = [e for e in pa.store.events(limit=100) if e.action == "add" and e.coder == "ben" and '"merged_from"' in (e.detail or "")]
    assert len(ev) == 1 and ev[0].state == "final"
    # running it again changes nothing, in both directions, and then both are still equal
    before = (pa.store.last_event_id(), pb.store.last_event_id())
    assert merge(pa.store, b_dir).changes == 0 and merge(pb.store, a_dir).changes == 0
    assert merge(pa.store, b2).changes == 0 and merge(pb.store, a2).changes == 0
    assert (pa.store.last_event_id(), pb.store.last_event_id()) == before
    assert state(pa.store) == state(pb.store)
    pa.close()
    pb.close()


def test_conflict_is_reported_and_left(copies):
    a_dir, b_dir, c1_uid, _ = copies
    for d, memo in ((a_dir, "from A"), (b_dir, "from B")):
        p = Project.open(d, coder="ana")
        c1 = next(c for c in p.store.codings() if c.uid == c1_uid)
        p.store.update_coding(c1.id, "ana", memo=memo)
        p.close()
    pa = Project.open(a_dir, coder="ana")
    plan = merge(pa.store, b_dir)
    assert plan.changes == 0 and len(plan.conflicts) == 1
    assert f"coding {c1_uid[:8]} by ana: changed there, changed here" in plan.conflicts[0]
    assert next(c for c in pa.store.codings() if c.uid == c1_uid).memo == "from A"
    pa.close()


def test_dry_run_and_unmatched_reports(copies, tmp_path):
    a_dir, b_dir, c1_uid, c2_uid = copies
    diverge(a_dir, b_dir, c1_uid, c2_uid)
    # B's transcript b differs (re-typed), and B's codebook has a code A lacks
    b = Project.open(b_dir, coder="ben")
    b.add_code("Transport", key="transport")
    b.store.add_coding("a", "transport", *span(b, "a", "We meet on Tuesdays."), "ben")
    b.close()
    pa = Project.open(a_dir, coder="ana")
    before = state(pa.store)
    r = CliRunner().invoke(cli.app, ["--project", str(a_dir), "merge", str(b_dir), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "would merge from" in r.stdout and "1 coding(s) to add" in r.stdout and "1 to remove" in r.stdout
    assert "dry run: nothing was changed" in r.stdout
    assert "code 'transport' ('Transport') is not in this codebook; 1 coding(s) not merged" in r.stderr
    assert state(pa.store) == before
    pa.close()


def test_transcript_that_differs_is_reported(copies):
    a_dir, b_dir, _c1, _c2 = copies
    # a re-import of a changed b.md in copy B (no codings of B's on it after removing ben's)
    b = Project.open(b_dir, coder="ben")
    for c in b.store.codings():
        if b.store.interview(c.interview_id).name == "b.md":
            b.store.remove_coding(c.id, c.coder)
    (b_dir / "interviews" / "b.md").write_text(
        (b_dir / "interviews" / "b.md").read_text(encoding="utf-8").replace("damp", "cold"), encoding="utf-8")
    assert b.import_files().ok
    b.store.add_coding("b", "housing", *span(b, "b", "The flats are cold."), "ben")
    b.close()
    pa = Project.open(a_dir, coder="ana")
    plan = merge(pa.store, b_dir)
    assert any(u.startswith("interview 'b.md': the transcript differs between the copies") for u in plan.unmatched)
    assert all(d["interview_id"] != pa.store.interview("b").id for d in plan.inserts)
    pa.close()


def test_merge_into_postgres(copies, db_url, tmp_path):
    """The team's shared database (PostgreSQL) takes a laptop's copy, twice = once."""
    a_dir, b_dir, c1_uid, c2_uid = copies
    diverge(a_dir, b_dir, c1_uid, c2_uid)
    shared = Project.open(b_dir, db=db_url, coder="ben")
    assert shared.import_files().ok
    first = merge(shared.store, a_dir)
    assert len(first.inserts) == 3 and not first.conflicts           # c1 (edited), c2, A's housing
    again = merge(shared.store, a_dir)
    assert again.changes == 0 and again.skipped == 3
    a = Project.open(a_dir, coder="ana")
    assert state(shared.store) == state(a.store)
    a.close()
    shared.close()


def test_bad_other_is_a_clear_error(mini, tmp_path):
    (tmp_path / "nothing").mkdir()
    r = CliRunner().invoke(cli.app, ["--project", str(mini.root), "--db", mini.store.url, "merge", str(tmp_path / "nothing")])
    assert r.exit_code == 2 and "no fieldcode.db in that folder" in r.stderr
    (tmp_path / "x.db").write_text("not a database", encoding="utf-8")
    r = CliRunner().invoke(cli.app, ["--project", str(mini.root), "--db", mini.store.url, "merge", str(tmp_path / "x.db")])
    assert r.exit_code == 2 and "not a fieldcode database" in r.stderr


def _memo_rows(store):
    """Every non-coding memo as (uid, author, interview name or None, code key or None, start, end, text)."""
    from sqlalchemy import select

    from fieldcode.store.models import Code, Interview, Memo

    with store.read() as s:
        names = dict(s.exec(select(Interview.id, Interview.name)).all())
        keys = dict(s.exec(select(Code.id, Code.key)).all())
        return sorted((m.uid, m.author, names.get(m.interview_id), keys.get(m.code_id), m.start, m.end, m.text)
                      for m in s.exec(select(Memo)).scalars())


def test_memos_on_interviews_passages_and_codes_are_merged(copies, db_url, tmp_path):
    """Two coders write memos in their own copies; the merge brings the other copy's memos in
    (on interview, passage and code, matched by transcript and code key, not by id), takes a
    newer edit, keeps a newer edit here, and a second merge changes nothing.  Expected memo
    lists are written out by hand."""
    from fieldcode.store import add_memo, memos, update_memo

    a_dir, b_dir, _, _ = copies
    # the shared memo both copies start with, written before the copy was made
    a = Project.open(a_dir, coder="ana")
    shared = add_memo(a.store, "ana", "first reading", interview_id=a.store.interview("a").id)
    a.close()
    shutil.rmtree(b_dir)
    shutil.copytree(a_dir, b_dir)

    b = Project.open(b_dir, coder="ben")
    iv_b = b.store.interview("b")
    s0, s1 = span(b, "b", "The flats are damp.")
    add_memo(b.store, "ben", "damp comes up in every lagging interview", interview_id=iv_b.id, start=s0, end=s1)
    add_memo(b.store, "ben", "housing: includes repairs", code_id=b.store.code("housing").id)
    b.close()
    a = Project.open(a_dir, coder="ana")
    update_memo(a.store, shared, "ana", "first reading; tenants' group central")  # edited here only
    add_memo(a.store, "ana", "ana's own note", interview_id=a.store.interview("b").id)
    a.close()

    # merge B into a PostgreSQL (or SQLite) copy of A, so ids differ between the copies
    a2 = tmp_path / "a2"
    shutil.copytree(a_dir, a2)
    pa = Project.open(a2, coder="ana", db=db_url if db_url.startswith("postgresql") else None)
    if db_url.startswith("postgresql"):  # a fresh server database: import, then take A's work by merging
        assert pa.import_files().ok
        assert len(merge(pa.store, a_dir).memo_inserts) == 2
    before = {r[6] for r in _memo_rows(pa.store)}
    assert before == {"first reading; tenants' group central", "ana's own note"}
    plan = merge(pa.store, b_dir)
    assert (len(plan.memo_inserts), len(plan.memo_updates)) == (2, 0)
    assert plan.memos_skipped == 1  # the shared memo: edited here, not there, so here's text stays
    rows = _memo_rows(pa.store)
    assert [(r[1], r[2], r[3], r[4], r[5], r[6]) for r in sorted(rows, key=lambda r: r[6])] == [
        ("ana", "b.md", None, None, None, "ana's own note"),
        ("ben", "b.md", None, s0, s1, "damp comes up in every lagging interview"),
        ("ana", "a.md", None, None, None, "first reading; tenants' group central"),
        ("ben", None, "housing", None, None, "housing: includes repairs"),
    ]
    assert any("add ben's memo on code 'housing'" in n for n in plan.memo_notes)
    assert merge(pa.store, b_dir).changes == 0  # twice: nothing more

    # ben edits his code memo in his copy later: the newer edit comes across
    b = Project.open(b_dir, coder="ben")
    [code_memo] = [m for m in memos(b.store, codings=False) if m.text.startswith("housing:")]
    update_memo(b.store, code_memo.id, "ben", "housing: repairs and damp")
    b.close()
    plan = merge(pa.store, b_dir)
    assert (len(plan.memo_inserts), len(plan.memo_updates)) == (0, 1)
    assert "housing: repairs and damp" in {r[6] for r in _memo_rows(pa.store)}
    assert "housing: includes repairs" not in {r[6] for r in _memo_rows(pa.store)}
    # ana's codings and memos were not touched by merging ben's
    assert {r[6] for r in _memo_rows(pa.store) if r[1] == "ana"} == before
    pa.close()


def test_memo_deletions_travel_with_merges(copies, db_url, tmp_path):
    """A memo deleted in one copy is not brought back from a copy that still has it, is deleted
    in a copy that merges the deletion in, and reaches a third copy through a merged copy; an
    edit made after a deletion wins over it.  Two coders, each deleting and editing only their
    own memos; the expected memo texts are written out by hand."""
    from fieldcode.store import add_memo, delete_memo, memos, update_memo

    a_dir, b_dir, _, _ = copies
    a = Project.open(a_dir, coder="ana")
    iv_a = a.store.interview("a").id
    m_ana = add_memo(a.store, "ana", "ana: first reading", interview_id=iv_a)
    m_ben = add_memo(a.store, "ben", "ben: housing means repairs", code_id=a.store.code("housing").id)
    m_late = add_memo(a.store, "ben", "ben: to revisit", interview_id=iv_a)
    a.close()
    shutil.rmtree(b_dir)
    shutil.copytree(a_dir, b_dir)
    c_dir = tmp_path / "laptop-c"        # a third copy, taken before anything was deleted
    shutil.copytree(a_dir, c_dir)

    def texts(store):
        return sorted(m.text for m in memos(store, codings=False))

    a = Project.open(a_dir, coder="ana")
    delete_memo(a.store, m_ana, "ana")             # ana deletes her memo in A
    delete_memo(a.store, m_late, "ben")            # ben deletes "to revisit" in A ...
    a.close()
    b = Project.open(b_dir, coder="ben")
    delete_memo(b.store, m_ben, "ben")             # ben deletes his code memo in B
    [late] = [m for m in memos(b.store, codings=False) if m.text == "ben: to revisit"]
    update_memo(b.store, late.id, "ben", "ben: revisited, keep")   # ... and edits it in B afterwards
    b.close()

    # Merge B into A (A on PostgreSQL when the fixture says so: ids then differ between copies).
    here_dir = tmp_path / "a-here"
    shutil.copytree(a_dir, here_dir)
    here = Project.open(here_dir, coder="ana", db=db_url if db_url.startswith("postgresql") else None)
    if db_url.startswith("postgresql"):
        assert here.import_files().ok
        merge(here.store, a_dir)
    assert texts(here.store) == ["ben: housing means repairs"]
    plan = merge(here.store, b_dir)
    # ana's memo stays deleted (B still has it, unedited); ben's code memo goes (deleted in B);
    # "to revisit" comes back with B's later edit
    assert plan.memos_kept_deleted == 1
    assert [len(plan.memo_inserts), len(plan.memo_updates), sum(d["here"] for d in plan.memo_deletes)] == [1, 0, 1]
    assert any(n.startswith("keep deleted: ana's memo on interview 'a.md'") for n in plan.memo_notes)
    assert any(n.startswith("delete ben's memo on code 'housing' (deleted there") for n in plan.memo_notes)
    assert any(n.startswith("add ben's memo on interview 'a.md'") and "deleted here" in n for n in plan.memo_notes)
    assert texts(here.store) == ["ben: revisited, keep"]
    assert merge(here.store, b_dir).changes == 0            # twice: nothing more
    assert texts(here.store) == ["ben: revisited, keep"]

    here.close()
    if not db_url.startswith("postgresql"):
        # The third copy, which still has all three memos, learns both deletions through the
        # merged copy (a SQLite folder a merge can read).
        c = Project.open(c_dir, coder="ben")
        assert texts(c.store) == ["ana: first reading", "ben: housing means repairs", "ben: to revisit"]
        merge(c.store, here_dir)
        assert texts(c.store) == ["ben: revisited, keep"]
        assert merge(c.store, b_dir).changes == 0
        assert merge(c.store, a_dir).changes == 0
        c.close()
