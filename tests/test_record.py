"""The team-safe record: a coding's identity is never reused, and no coder's undo, redo or
re-import touches a colleague's work.  The sequences are the ones a two-coder team hit with the
earlier release; each runs through the CLI on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from typer.testing import CliRunner

from fieldcode.cli import app
from fieldcode.errors import Conflict
from fieldcode.project import Project
from fieldcode.store import Store

runner = CliRunner()


def cli(root, db, coder, *args):
    r = runner.invoke(app, ["--project", str(root), "--db", db, "--coder", coder, *args], env={})
    assert r.exit_code == 0, r.output
    return r.output


def span_of(p: Project, name: str, quote: str) -> tuple[int, int]:
    text = p.store.interview(name).text
    s = text.index(quote)
    return s, s + len(quote)


def rows(p: Project, coder: str | None = None):
    return sorted((c.uid, c.coder, c.code_id, c.start, c.end, c.memo) for c in p.store.codings(coder=coder))


def test_undo_redo_never_lands_on_a_colleagues_coding(mini, db_url):
    """ana adds, ana adds, ana undoes, ben adds (memo), ana redoes: ben's coding and memo stay."""
    root = mini.root
    cli(root, db_url, "ana", "code", "add", "a.md", "leadership", "--quote", "Twenty years.")
    cli(root, db_url, "ana", "code", "add", "a.md", "housing", "--quote", "Much better since the repairs.")
    cli(root, db_url, "ana", "undo")
    cli(root, db_url, "ben", "code", "add", "a.md", "leadership", "--quote", "We meet on Tuesdays.",
        "--memo", "ben's work")
    ben_before = rows(mini, "ben")
    cli(root, db_url, "ana", "redo")
    assert rows(mini, "ben") == ben_before
    assert [(c.memo, c.start) for c in mini.store.codings(coder="ben")] == [
        ("ben's work", span_of(mini, "a.md", "We meet on Tuesdays.")[0])]
    ana = [(c.code_id, c.start, c.end) for c in mini.store.codings(coder="ana")]
    h = mini.store.code("housing").id
    lead = mini.store.code("leadership").id
    assert sorted(ana) == sorted([(lead, *span_of(mini, "a.md", "Twenty years.")),
                                  (h, *span_of(mini, "a.md", "Much better since the repairs."))])
    # Every coding number in the log names one coding: ids are unique across the history.
    ids = {c.id for c in mini.store.codings()}
    assert len(ids) == 3
    adds = [e for e in mini.store.events(limit=100) if e.action == "add"]
    assert len({e.coding_id for e in adds}) == len(adds) == 3
    # ben's undo removes ben's coding, not ana's
    cli(root, db_url, "ben", "undo")
    assert rows(mini, "ben") == []
    assert len(mini.store.codings(coder="ana")) == 2


def test_undo_of_a_removal_after_a_colleague_coded(mini, db_url):
    root = mini.root
    cli(root, db_url, "ana", "code", "add", "a.md", "leadership", "--quote", "Twenty years.")
    (mine,) = mini.store.codings(coder="ana")
    cli(root, db_url, "ana", "code", "remove", str(mine.id))
    cli(root, db_url, "ben", "code", "add", "a.md", "housing", "--quote", "Much better since the repairs.")
    ben_before = rows(mini, "ben")
    assert ben_before[0][0] != mine.uid
    assert mini.store.codings(coder="ben")[0].id != mine.id     # the freed number is not reissued
    cli(root, db_url, "ana", "undo")
    assert rows(mini, "ben") == ben_before
    (back,) = mini.store.codings(coder="ana")
    assert (back.id, back.uid, back.start, back.end) == (mine.id, mine.uid, mine.start, mine.end)


def test_coding_numbers_are_never_reissued(mini):
    s, e = span_of(mini, "a.md", "Twenty years.")
    ids = []
    for _ in range(3):
        c = mini.store.add_coding("a.md", "leadership", s, e, "ana")
        ids.append(c.id)
        mini.store.remove_coding(c.id, "ana")
    assert ids == sorted(set(ids)) and len(set(ids)) == 3
    uids = {e.coding_uid for e in mini.store.events(limit=100)}
    assert len(uids) == 3 and None not in uids


def test_undo_refuses_when_the_coding_changed_since(mini):
    """A re-import that deletes ana's passage (losses accepted by ben) stands in the way of
    ana's redo: it refuses, names the change, and changes nothing."""
    s, e = span_of(mini, "a.md", "Nobody wants to leave.")
    c = mini.store.add_coding("a.md", "housing", s, e, "ana")
    mini.store.update_coding(c.id, "ana", memo="note")
    f = mini.root / "interviews" / "a.md"
    f.write_text(f.read_text().replace(" Nobody wants to leave.", ""))
    ben = Project.open(mini.root, db=mini.store.url, coder="ben")
    rep = ben.import_files(reanchor=True, accept_losses=True)
    assert rep.ok, rep.outcomes
    assert mini.store.codings() == []
    lost = [ev for ev in mini.store.events() if ev.action == "lost"]
    assert len(lost) == 1 and lost[0].coder == "ben" and '"accepted_by": "ben"' in lost[0].detail
    before_events = len(mini.store.events(limit=1000))
    with pytest.raises(Conflict) as exc:
        mini.store.undo("ana")
    msg = str(exc.value)
    assert f"coding #{c.id}" in msg and "deleted from the transcript by a re-import" in msg
    assert "\u201cNobody wants to leave.\u201d" in msg and "Nothing was changed" in msg
    assert len(mini.store.events(limit=1000)) == before_events
    assert mini.store.codings() == []
    ben.close()


def test_undo_and_redo_after_reimport_use_the_new_positions(mini):
    """Removal and addition undone/redone after a re-import land on the same words, which
    the new version moved."""
    quote = "We meet on Tuesdays."
    s, e = span_of(mini, "a.md", quote)
    kept = mini.store.add_coding("a.md", "leadership", s, e, "ana")
    gone = mini.store.add_coding("a.md", "housing", s, e, "ana")
    mini.store.remove_coding(gone.id, "ana")
    other = mini.store.add_coding("a.md", "leadership", *span_of(mini, "a.md", "Twenty years."), "ben")
    mini.store.undo("ben")                      # ben's add is now undone, waiting for redo
    f = mini.root / "interviews" / "a.md"
    f.write_text(f.read_text().replace("Jean: Twenty years.", "Jean: Oh, twenty years or more."))
    rep = mini.import_files(reanchor=True)
    assert rep.ok, rep.outcomes
    text = mini.store.interview("a.md").text
    s2 = text.index(quote)
    assert s2 > s
    assert [(c.start, c.end) for c in mini.store.codings(coder="ana")] == [(s2, s2 + len(quote))]
    mini.store.undo("ana")                      # brings back the removed housing coding
    back = [c for c in mini.store.codings(coder="ana") if c.uid == gone.uid]
    assert [(c.start, c.end, text[c.start:c.end]) for c in back] == [(s2, s2 + len(quote), quote)]
    mini.store.redo("ben")                      # ben's coding of the corrected words
    (b,) = mini.store.codings(coder="ben")
    # "T" was replaced by "Oh, t": a start inside replaced text moves to where the replacement
    # begins, and the end after the kept "." keeps the inserted " or more" inside.
    assert b.uid == other.uid and text[b.start:b.end] == "Oh, twenty years or more."
    assert mini.store.coding(kept.id).start == s2


def test_reanchor_keeps_a_corrected_typo_coded_and_reports_it(mini):
    f = mini.root / "interviews" / "a.md"
    f.write_text(f.read_text().replace("The tenants' group runs everything now.",
                                       "The tenants' grup runs everything now."))
    rep = mini.import_files()
    assert rep.ok
    s, e = span_of(mini, "a.md", "The tenants' grup runs everything now.")
    mini.store.add_coding("a.md", "leadership", s, e, "ana")
    mini.store.add_coding("a.md", "leadership", s + 4, s + 17, "ben")     # "tenants' grup"
    f.write_text(f.read_text().replace("grup", "group"))
    refused = mini.import_files()
    assert not refused.ok and "--reanchor" in refused.failed[0].message
    rep = mini.import_files(reanchor=True)
    assert rep.ok
    (o,) = [o for o in rep.outcomes if o.path.endswith("a.md")]
    text = mini.store.interview("a.md").text
    got = {c.coder: text[c.start:c.end] for c in mini.store.codings()}
    assert got == {"ana": "The tenants' group runs everything now.", "ben": "tenants' group"}
    assert "2 coding(s) moved" in o.message
    assert any("\u201ctenants' grup\u201d" in n and "\u201ctenants' group\u201d" in n for n in o.notes)
    # the move is in the log, by whoever imported, with the old and new snapshot
    assert sum(ev.action == "reanchor" for ev in mini.store.events()) == 2


def test_one_coder_undoing_from_two_terminals_undoes_each_change_once(mini):
    """Two Store objects (two connections, as two terminals) undo at the same moment, many
    times: one change is never undone twice."""
    s, e = span_of(mini, "a.md", "Twenty years.")
    other = Store(mini.store.url)
    try:
        for trial in range(12):
            mini.store.add_coding("a.md", "leadership", s, e, "ana")
            results: list = []
            barrier = threading.Barrier(2)

            def go(store):
                barrier.wait()
                try:
                    results.append(store.undo("ana"))
                except Conflict as exc:      # a clear refusal is acceptable; a double undo is not
                    results.append(exc)

            ts = [threading.Thread(target=go, args=(st,)) for st in (mini.store, other)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            done = [r for r in results if r is not None and not isinstance(r, Exception)]
            targets = [ev.target_id for ev in mini.store.events(limit=1000) if ev.action == "undo"]
            assert len(targets) == len(set(targets)), f"trial {trial}: a change was undone twice"
            assert len(done) >= 1
            # the add of this trial is undone once; if the other undo found an earlier change it
            # was a different one (an earlier trial's add is already undone: nothing to undo)
            assert [c for c in mini.store.codings(coder="ana")] == []
    finally:
        other.close()
