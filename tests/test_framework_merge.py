"""Framework summaries travel with merge: per coder, the newer edit wins, a deletion is kept (not
brought back from a copy that still has it) and reaches the other copy; a second merge changes
nothing.  Two coders, two copies (SQLite folders; the copy merged into is PostgreSQL when the
fixture says so).  Expected summaries are written out by hand."""

from __future__ import annotations

import shutil
import time

from fieldcode.project import Project
from fieldcode.store.framework import delete_summary, set_summary, summaries
from fieldcode.team.merge import merge


def span(p, iv, quote):
    text = p.store.interview(iv).text
    s = text.index(quote)
    return s, s + len(quote)


def cell(p, iv, key):
    return p.store.interview(iv).id, p.store.code(key).id


def rows(store):
    return sorted((s.author, s.interview, s.code_key, s.text, tuple(c.uid for c in s.cites)) for s in summaries(store))


def test_summaries_travel_with_merge(mini_dir, tmp_path, db_url):
    a = Project.open(mini_dir, coder="ana")
    assert a.import_files().ok
    c1 = a.store.add_coding("a", "housing", *span(a, "a", "Much better since the repairs."), "ana")
    set_summary(a.store, "ana", *cell(a, "a", "place"), "repairs first", cites=[c1.uid])
    set_summary(a.store, "ben", *cell(a, "b", "place"), "damp flats")
    set_summary(a.store, "ben", *cell(a, "a", "leadership"), "tenants' group")
    a.close()
    b_dir = tmp_path / "laptop-b"
    shutil.copytree(mini_dir, b_dir)

    # A: ana edits her summary; ben's "tenants' group" is deleted
    a = Project.open(mini_dir, coder="ana")
    set_summary(a.store, "ana", *cell(a, "a", "place"), "repairs first, then people stayed", cites=[c1.uid])
    [tg] = [s for s in summaries(a.store) if s.text == "tenants' group"]
    delete_summary(a.store, "ben", tg.uid)
    a.close()
    time.sleep(0.01)
    # B: ben edits his damp summary later; ana's old summary untouched there; a consensus summary
    b = Project.open(b_dir, coder="ben")
    set_summary(b.store, "ben", *cell(b, "b", "place"), "damp flats, half empty")
    set_summary(b.store, "ben", *cell(b, "b", "place"), "landlords absent", consensus=True)
    b.close()

    here_dir = tmp_path / "a-here"
    shutil.copytree(mini_dir, here_dir)
    pg = db_url.startswith("postgresql")
    here = Project.open(here_dir, coder="ana", db=db_url if pg else None)
    if pg:                                     # a PostgreSQL copy of A: its ids differ from B's
        assert here.import_files().ok
        merge(here.store, mini_dir)
    assert rows(here.store) == [
        ("ana", "a.md", "place", "repairs first, then people stayed", (c1.uid,)),
        ("ben", "b.md", "place", "damp flats", ()),
    ]
    plan = merge(here.store, b_dir)
    fw = plan.framework
    # B's newer edit of ben's summary comes in, B's consensus summary is added; ana's newer edit
    # here stays; ben's deleted summary stays deleted (B still has it, unedited)
    assert (len(fw.inserts), len(fw.updates), fw.kept_deleted) == (1, 1, 1)
    assert rows(here.store) == [
        ("ana", "a.md", "place", "repairs first, then people stayed", (c1.uid,)),
        ("ben", "b.md", "place", "damp flats, half empty", ()),
        ("consensus", "b.md", "place", "landlords absent", ()),
    ]
    assert any(line.startswith("framework summaries: 1 to add, 1 to update") for line in plan.summary())
    assert merge(here.store, b_dir).changes == 0          # twice: nothing more
    here.close()

    # the other way: B learns A's edit and A's deletion
    if not pg:
        b = Project.open(b_dir, coder="ben")
        plan = merge(b.store, here_dir)
        assert sum(d["here"] for d in plan.framework.deletes) == 1
        assert rows(b.store) == [
            ("ana", "a.md", "place", "repairs first, then people stayed", (c1.uid,)),
            ("ben", "b.md", "place", "damp flats, half empty", ()),
            ("consensus", "b.md", "place", "landlords absent", ()),
        ]
        b.close()
