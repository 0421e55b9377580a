"""The import writes the search index in batches after the interviews' own transactions
(search_index.IndexBatch).  What must hold: a batch that lost a race writes nothing stale, an
interview stored again is never searched through its old postings, and a batch that cannot be
written leaves the interviews stored and indexed by the next search.  Expected offsets come
from ``str.find`` on the stored text."""

from __future__ import annotations

import pytest
from sqlalchemy import text as sql
from sqlalchemy.exc import OperationalError

from fieldcode.find import search as S
from fieldcode.store import search_index
from fieldcode.exchange.importer import prepare_texts
from fieldcode.project import Project


def _hits(store, query: str) -> list[tuple[str, int, int]]:
    return [(h.interview, h.start, h.end) for h in S.search(store, S.Query(query)).hits]


def _prepared(project: Project, name: str, text: str):
    [p] = prepare_texts(project.study, [(name, name, text, {"pair": "Leeds", "neighbourhood": "Brookside",
                                                           "arm": "lagging", "role": "resident"})])
    return p


def test_a_stale_batch_writes_nothing(mini_dir, db_url) -> None:
    ana = Project.open(mini_dir, db=db_url, coder="ana")
    batch = search_index.IndexBatch(ana.store, limit=10**9)
    iid = ana.store.save_interview(_prepared(ana, "c.txt", "Ann: The flats were damp.\n"), index=batch)
    # Until the batch is written the interview is unindexed, so a search would index it itself.
    assert iid in search_index.unindexed(ana.store)
    # Another process stores a new version of the same interview meanwhile (and indexes it).
    ben = Project.open(mini_dir, db=db_url, coder="ben")
    other = search_index.IndexBatch(ben.store)
    ben.store.save_interview(_prepared(ben, "c.txt", "Ann: The flats were mouldy.\n"), replace=iid,
                             plan=ben.store.reanchor_plan(iid, "Ann: The flats were mouldy.\n"), index=other)
    assert other.flush() == 1
    # ana's batch holds postings of the old text: it sees the text changed and writes nothing.
    assert batch.flush() == 0
    text = ben.store.interview("c.txt").text
    assert _hits(ben.store, "damp") == []
    assert _hits(ben.store, "mouldy") == [("c.txt", text.find("mouldy"), text.find("mouldy") + 6)]
    with ben.store.engine.connect() as c:
        assert c.execute(sql("SELECT count(*) FROM word_index_state WHERE interview_id = :i"), {"i": iid}).scalar_one() == 1
    ana.close()
    ben.close()


def test_an_interview_stored_again_loses_its_old_postings_at_once(mini_dir, db_url) -> None:
    p = Project.open(mini_dir, db=db_url, coder="ana")
    assert p.import_files().ok
    b = p.store.interview("b.md")
    new_text = b.text.replace("damp", "mouldy")
    batch = search_index.IndexBatch(p.store, limit=10**9)
    p.store.save_interview(_prepared(p, "b.md", new_text), replace=b.id, plan=p.store.reanchor_plan(b.id, new_text),
                           index=batch)
    # Not yet written: the old rows are gone with the old text (no search can find "damp" at
    # offsets of a text that no longer has it); the interview reads as unindexed.
    with p.store.engine.connect() as c:
        assert c.execute(sql("SELECT count(*) FROM word_index WHERE interview_id = :i"), {"i": b.id}).scalar_one() == 0
    assert b.id in search_index.unindexed(p.store)
    assert batch.flush() == 1
    t = p.store.interview("b.md").text
    assert _hits(p.store, "mouldy") == [("b.md", t.find("mouldy"), t.find("mouldy") + 6)]
    assert _hits(p.store, "damp") == []
    p.close()


def test_changed_turns_make_a_batch_stale_too(mini_dir, db_url) -> None:
    p = Project.open(mini_dir, db=db_url, coder="ana")
    batch = search_index.IndexBatch(p.store, limit=10**9)
    text = "Ann: The flats were damp.\n\nInterviewer: And now?\n"
    iid = p.store.save_interview(_prepared(p, "c.txt", text), index=batch)
    with p.store.engine.begin() as c:   # as a re-import that marks turns differently would
        c.execute(sql("DELETE FROM turn WHERE interview_id = :i AND idx = 1"), {"i": iid})
    assert batch.flush() == 0
    assert iid in search_index.unindexed(p.store)
    p.close()


def test_a_batch_that_cannot_be_written_leaves_the_import_whole(mini_dir, db_url, monkeypatch) -> None:
    def locked(self, items):  # noqa: ANN001, ANN202
        raise OperationalError("INSERT INTO word_index", {}, Exception("database is locked"))

    monkeypatch.setattr(search_index.IndexBatch, "_write", locked)
    p = Project.open(mini_dir, db=db_url, coder="ana")
    report = p.import_files()
    assert report.ok and report.count("imported") == 2
    for outcome in report.outcomes:
        assert any("search index was not written (database is locked)" in w and "next search builds it" in w
                   for w in outcome.warnings), outcome.warnings
    assert len(search_index.unindexed(p.store)) == 2
    monkeypatch.undo()
    tb = p.store.interview("b.md").text
    assert _hits(p.store, "damp") == [("b.md", tb.find("damp"), tb.find("damp") + 4)]
    assert search_index.unindexed(p.store) == []
    p.close()


@pytest.mark.parametrize("limit", [1, 10**9])
def test_batches_of_any_size_write_the_same_index(mini_dir, db_url, limit, monkeypatch) -> None:
    """One interview per batch (a flush inside every save) or one batch for the whole import:
    the same rows as the index written with each interview in its own transaction."""
    p = Project.open(mini_dir, db=db_url, coder="ana")
    monkeypatch.setattr(search_index.IndexBatch, "__init__", _with_limit(limit))
    assert p.import_files().ok
    batched = _rows(p.store)
    with p.store.engine.begin() as c:
        c.execute(sql("DELETE FROM word_index"))
        c.execute(sql("DELETE FROM word_index_state"))
    assert search_index.ensure_index(p.store) == 2   # each interview in its own transaction
    assert _rows(p.store) == batched and batched
    p.close()


def _with_limit(limit: int):  # noqa: ANN202
    original = search_index.IndexBatch.__init__

    def init(self, store, model=None, limit_=None):  # noqa: ANN001, ANN202
        original(self, store, model, limit)
    return init


def _rows(store) -> list[tuple]:  # noqa: ANN001
    with store.engine.connect() as c:
        return sorted(tuple(r) for r in c.execute(sql(
            "SELECT i.name, w.lemma, w.norm, w.n, w.postings FROM word_index w JOIN interview i ON i.id = w.interview_id")))
