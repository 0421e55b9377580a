"""Every coding is pinned to the codebook version and its code's definition it was made under;
codings made before the pins existed stay unknown; the pins follow undo/redo, code merges and
``fieldcode merge``.  Two coders, SQLite and PostgreSQL; expected values from plain SQL and
from hashes worked out here, not from the code under test."""

from __future__ import annotations

import hashlib
import json
import shutil

import sqlalchemy as sa

from fieldcode.project import Project
from fieldcode.store import Store


def def_hash(name: str, definition: str = "", use_when: str = "", not_when: str = "", example: str = "") -> str:
    """The documented definition hash: SHA-256 of the five fields as sorted-key JSON."""
    blob = json.dumps({"name": name, "definition": definition, "use_when": use_when, "not_when": not_when,
                       "example": example}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def span(p: Project, iv: str, quote: str) -> tuple[int, int]:
    t = p.store.interview(iv).text
    i = t.index(quote)
    return i, i + len(quote)


def sql(store: Store, q: str, **kw) -> list[tuple]:
    with store.engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.text(q), kw)]


def redefine(p: Project, key_line: str, definition: str, coder: str) -> None:
    """Give a code of the mini codebook a definition by editing the YAML text, as a user would,
    and record it as ``coder``'s command does."""
    path = p.root / "codebook.yaml"
    text = path.read_text(encoding="utf-8")
    assert key_line in text
    path.write_text(text.replace(key_line, f"{key_line}\n    definition: {definition}"), encoding="utf-8")
    p.coder = coder
    p.reload_codebook()


def test_new_codings_are_pinned_and_a_changed_definition_leaves_old_pins(mini):
    p = mini
    a1 = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ana")
    b1 = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "We meet on Tuesdays."), "ben")
    b2 = p.store.add_coding("b.md", "housing", *span(p, "b.md", "The flats are damp."), "ben")
    (v1,) = sql(p.store, "SELECT hash FROM codebook_version ORDER BY id")
    assert v1[0] == p.codebook.hash
    rows = dict((i, (cb, dh)) for i, cb, dh in sql(p.store, "SELECT id, codebook_hash, definition_hash FROM coding"))
    assert rows[a1.id] == (v1[0], def_hash("Leadership"))
    assert rows[b1.id] == (v1[0], def_hash("Leadership"))
    assert rows[b2.id] == (v1[0], def_hash("Housing"))

    redefine(p, "name: Leadership", "People taking the lead in the area", "ben")
    v = [h for (h,) in sql(p.store, "SELECT hash FROM codebook_version ORDER BY id")]
    assert len(v) == 2 and v[1] == p.codebook.hash != v[0]
    assert [w for (w,) in sql(p.store, "SELECT synced_by FROM codebook_version ORDER BY id")] == ["ana", "ben"]
    a2 = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Nobody wants to leave."), "ana")
    new_def = def_hash("Leadership", "People taking the lead in the area")
    rows = dict((i, (cb, dh)) for i, cb, dh in sql(p.store, "SELECT id, codebook_hash, definition_hash FROM coding"))
    assert rows[a2.id] == (v[1], new_def)
    assert rows[a1.id] == rows[b1.id] == (v[0], def_hash("Leadership"))   # old pins stay
    assert rows[b2.id] == (v[0], def_hash("Housing"))                     # its definition did not change

    from fieldcode.store.pins import recheck_queue

    # the queue by plain SQL: codings of leadership pinned to its old definition
    lead = p.store.code("leadership").id
    want = sorted(sql(p.store, "SELECT coder, id FROM coding WHERE code_id = :c AND definition_hash = :h",
                      c=lead, h=def_hash("Leadership")))
    assert want == sorted([("ana", a1.id), ("ben", b1.id)])
    assert sorted((i.coder, i.coding_id) for i in recheck_queue(p.store)) == want
    assert [i.coding_id for i in recheck_queue(p.store, "ben")] == [b1.id]

    # recoding a coding to another code pins it to that code's definition now
    p.store.update_coding(b2.id, "ben", code="leadership")
    assert sql(p.store, "SELECT codebook_hash, definition_hash FROM coding WHERE id = :i", i=b2.id) == [(v[1], new_def)]
    # a span or memo change is no new judgement of the code: the pins stay
    p.store.update_coding(a1.id, "ana", memo="still fits?")
    assert sql(p.store, "SELECT codebook_hash, definition_hash FROM coding WHERE id = :i", i=a1.id) == [
        (v[0], def_hash("Leadership"))]


def test_undo_and_redo_bring_back_the_pins(mini):
    p = mini
    c = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ana")
    old = sql(p.store, "SELECT codebook_hash, definition_hash FROM coding WHERE id = :i", i=c.id)
    redefine(p, "name: Leadership", "Leading", "ana")
    p.store.remove_coding(c.id, "ana")
    assert p.store.undo("ana").action == "remove"   # the coding comes back with the pins it had
    assert sql(p.store, "SELECT codebook_hash, definition_hash FROM coding WHERE id = :i", i=c.id) == old
    p.store.recheck_keep(c.id, "ana")
    kept = sql(p.store, "SELECT codebook_hash, definition_hash FROM coding WHERE id = :i", i=c.id)
    assert kept == [(p.codebook.hash, def_hash("Leadership", "Leading"))]
    p.store.undo("ana")
    assert sql(p.store, "SELECT codebook_hash, definition_hash FROM coding WHERE id = :i", i=c.id) == old
    p.store.redo("ana")
    assert sql(p.store, "SELECT codebook_hash, definition_hash FROM coding WHERE id = :i", i=c.id) == kept


def test_existing_codings_get_unknown_pins_from_the_migration(tmp_path):
    """A database at revision 0007 with a coding: after the upgrade its pins and blind are NULL
    (unknown), the codebook version's synced_by too, and it is in nobody's queue."""
    from alembic import command

    from fieldcode.store.migrations import config
    from fieldcode.store.pins import pin_counts, recheck_queue

    url = f"sqlite:///{tmp_path / 'old.db'}"
    eng = sa.create_engine(url)
    command.upgrade(config(eng), "0007")
    with eng.begin() as c:
        c.execute(sa.text("INSERT INTO codebook_version (hash, n_codes, recorded_at, yaml_text) "
                          "VALUES ('abc', 1, '2026-01-01 00:00:00', 'codes: []')"))
        c.execute(sa.text("INSERT INTO code (key, name, colour, definition, use_when, not_when, example, keywords, "
                          "position, codable) VALUES ('k', 'K', '#888888', 'd', '', '', '', '[]', 0, 1)"))
        c.execute(sa.text("INSERT INTO interview (name, source_path, format, sha256, text, n_chars, n_words, "
                          "interviewer_labels, turn_rule, imported_at, updated_at) VALUES ('i', 'i.txt', 'txt', "
                          "'s', 'hello world', 11, 2, '[]', '', '2026-01-01', '2026-01-01')"))
        c.execute(sa.text("INSERT INTO coding (uid, interview_id, code_id, coder, start, \"end\", quote_prefix, "
                          "quote_sha256, memo, created_at, updated_at) VALUES ('u1', 1, 1, 'ana', 0, 5, 'hello', "
                          "'x', '', '2026-01-01', '2026-01-01')"))
    eng.dispose()
    store = Store(url)
    try:
        assert sql(store, "SELECT codebook_hash, definition_hash, blind FROM coding") == [(None, None, None)]
        assert sql(store, "SELECT synced_by FROM codebook_version") == [(None,)]
        assert recheck_queue(store) == []
        assert pin_counts(store) == {"ana": {"current": 0, "older": 0, "unknown": 1}}
    finally:
        store.close()


def test_code_merge_keeps_pins_records_lineage_and_queues_the_moved_codings(mini):
    from fieldcode.store.pins import lineage, lineage_of, recheck_queue

    p = mini
    a = p.store.add_coding("b.md", "housing", *span(p, "b.md", "The flats are damp."), "ana")
    b = p.store.add_coding("b.md", "housing", *span(p, "b.md", "Half of them are empty."), "ben")
    p.coder = "ben"
    p.merge_codes("housing", "place")
    assert [(r.kind, r.from_key, r.to_key, r.by) for r in lineage(p.store)] == [("merge", "housing", "place", "ben")]
    assert sql(p.store, "SELECT kind, from_key, to_key, by FROM code_lineage") == [("merge", "housing", "place", "ben")]
    assert lineage_of(p.store, "place") == ["place", "housing"]
    # pinned to Housing's definition, now counted under Place: re-checked by their coders
    assert sql(p.store, "SELECT DISTINCT definition_hash FROM coding") == [(def_hash("Housing"),)]
    assert sorted((i.coder, i.coding_id, i.code_key) for i in recheck_queue(p.store)) == [
        ("ana", a.id, "place"), ("ben", b.id, "place")]


def test_pins_decisions_and_lineage_travel_with_merge(mini_dir, tmp_path):
    """Copy B redefines a code (as the codebook travels with the folder), ben keeps his coding
    under the new definition; merging B into A brings ben's decision and its pins, and leaves
    ana's queue as it is."""
    from fieldcode.store.pins import recheck_queue
    from fieldcode.team.merge import merge

    a = Project.open(mini_dir, coder="ana")
    assert a.import_files().ok
    ca = a.store.add_coding("a.md", "leadership", *span(a, "a.md", "Twenty years."), "ana")
    cb = a.store.add_coding("a.md", "leadership", *span(a, "a.md", "We meet on Tuesdays."), "ben")
    redefine(a, "name: Leadership", "Leading", "ana")
    a.close()
    b_dir = tmp_path / "laptop-b"
    shutil.copytree(mini_dir, b_dir)
    b = Project.open(b_dir, coder="ben")
    b.store.recheck_keep(cb.id, "ben")
    b.coder = "ben"
    b.merge_codes("housing", "place")
    b_pins = sql(b.store, "SELECT uid, codebook_hash, definition_hash, blind FROM coding ORDER BY uid")
    b.close()
    a = Project.open(mini_dir, coder="ana")
    try:
        plan = merge(a.store, b_dir)
        assert not plan.conflicts
        assert sql(a.store, "SELECT uid, codebook_hash, definition_hash, blind FROM coding ORDER BY uid") == b_pins
        assert [i.coding_id for i in recheck_queue(a.store)] == [ca.id]
        detail = [json.loads(d) for (d,) in sql(a.store, "SELECT detail FROM event WHERE coding_uid = :u AND "
                                                         "action = 'update'", u=cb.uid)]
        assert [d["recheck"] for d in detail] == ["keep"]
        assert sql(a.store, "SELECT kind, from_key, to_key, by FROM code_lineage") == [("merge", "housing", "place", "ben")]
        again = merge(a.store, b_dir)     # nothing more to do
        assert again.changes == 0 and not again.lineage
    finally:
        a.close()


def test_refi_export_and_import_leave_pins_unknown(mini, tmp_path, db_url):
    """REFI-QDA has no place for pins: a study exported and imported elsewhere has codings with
    unknown pins (never queued), as docs/exchange.md says."""
    from refi_helpers import new_study

    from fieldcode.exchange import refi_import, refi_read
    from fieldcode.store.pins import pin_counts, recheck_queue

    p = mini
    p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ana")
    p.store.add_coding("b.md", "housing", *span(p, "b.md", "The flats are damp."), "ben")
    f = tmp_path / "s.qdpx"
    f.write_bytes(_qdpx_bytes(p))
    target = Project.open(new_study(tmp_path / "t", 'study:\n  name: "T"\n  arms: [improving, lagging]\n'),
                          db=f"sqlite:///{tmp_path / 't.db'}", coder="imp")   # another study's own file
    try:
        res = refi_import.import_file(target, refi_read.read(f))
        assert res.codings_added == 2
        assert sql(target.store, "SELECT coder, codebook_hash, definition_hash FROM coding ORDER BY coder") == [
            ("ana", None, None), ("ben", None, None)]
        assert recheck_queue(target.store) == []
        assert pin_counts(target.store) == {"ana": {"current": 0, "older": 0, "unknown": 1},
                                            "ben": {"current": 0, "older": 0, "unknown": 1}}
    finally:
        target.close()


def _qdpx_bytes(p: Project) -> bytes:
    """The project as a REFI-QDA file, as 'fieldcode export qdpx' writes it."""
    from typer.testing import CliRunner

    from fieldcode.cli import app

    out = p.root / "out.qdpx"
    r = CliRunner().invoke(app, ["--project", str(p.root), "--db", p.store.url, "--coder", "ana",
                                 "export", "qdpx", "-o", str(out)], env={})
    assert r.exit_code == 0, r.output
    return out.read_bytes()
