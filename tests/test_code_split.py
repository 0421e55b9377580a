"""Splitting a code (``codes split``): the new codes join codebook.yaml on their own lines, the
split code stops being codable, one lineage row per part, and each coder's codings of it enter
only that coder's re-check queue until recoded, kept or removed (each an undoable event).  Two
coders, the CLI on SQLite and PostgreSQL; expected values from plain SQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from fieldcode.cli import app
from protocol_helpers import cli, runner, sql, span

@pytest.fixture
def split(mini, db_url):
    """ana: two leadership codings and one housing; ben: one leadership; then ana splits
    leadership into lead-formal and lead-informal."""
    p = mini
    ids = {
        "ana1": p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ana").id,
        "ana2": p.store.add_coding("a.md", "leadership", *span(p, "a.md", "We meet on Tuesdays."), "ana").id,
        "ana3": p.store.add_coding("b.md", "housing", *span(p, "b.md", "The flats are damp."), "ana").id,
        "ben1": p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ben").id,
    }
    before = (p.root / "codebook.yaml").read_text(encoding="utf-8")
    r = cli(p.root, db_url, "ana", "codes", "split", "leadership", "--into", "lead-formal,lead-informal",
            "--name", "Formal leadership")
    assert "3 codings of it wait" in r.output
    return p, ids, before


def test_split_edits_only_its_lines_and_records_lineage(split, db_url):
    p, ids, before = split
    after = (p.root / "codebook.yaml").read_text(encoding="utf-8")
    old, new = before.splitlines(), after.splitlines()
    assert [ln for ln in new if ln not in old] != []
    assert all(ln in new for ln in old if "hotkey" not in ln)          # nothing else removed
    assert "codable: false" in after and "key: lead-formal" in after and "name: Formal leadership" in after
    rows = sql(p.store, "SELECT kind, from_key, to_key, by FROM code_lineage ORDER BY id")
    assert rows == [("split", "leadership", "lead-formal", "ana"), ("split", "leadership", "lead-informal", "ana")]
    assert sql(p.store, "SELECT codable FROM code WHERE key = 'leadership'") in ([(False,)], [(0,)])
    parents = dict(sql(p.store, "SELECT c.key, p.key FROM code c LEFT JOIN code p ON p.id = c.parent_id "
                                "WHERE c.key LIKE 'lead-%'"))
    leader_parent = sql(p.store, "SELECT p.key FROM code c LEFT JOIN code p ON p.id = c.parent_id "
                                 "WHERE c.key = 'leadership'")[0][0]
    assert parents == {"lead-formal": leader_parent, "lead-informal": leader_parent}     # siblings by default
    ev = sql(p.store, "SELECT coder, detail FROM event WHERE action = 'split'")
    assert len(ev) == 1 and ev[0][0] == "ana" and json.loads(ev[0][1])["split"]["into"] == ["lead-formal", "lead-informal"]
    # a split code is no longer offered for new coding
    r = cli(p.root, db_url, "ben", "code", "add", "a.md", "leadership", "--quote", "We meet on Tuesdays.", ok=False)
    assert r.exit_code != 0 and "cannot be coded" in r.output
    hist = cli(p.root, db_url, "ben", "codebook", "history").output
    assert "split: 'leadership' into 'lead-formal', 'lead-informal' by ana" in " ".join(hist.split())


def test_each_coder_settles_only_their_own(split, db_url):
    p, ids, _ = split
    root = p.root
    want = {who: sorted(i for (i,) in sql(p.store, "SELECT c.id FROM coding c JOIN code k ON k.id = c.code_id "
                                                  "WHERE k.key = 'leadership' AND c.coder = :w", w=who))
            for who in ("ana", "ben")}
    assert want == {"ana": sorted([ids["ana1"], ids["ana2"]]), "ben": [ids["ben1"]]}
    out = cli(root, db_url, "ana", "recheck", "--coder", "ana").output
    assert f"#{ids['ana1']}" in out and f"#{ids['ana2']}" in out and f"#{ids['ben1']}" not in out
    assert "split: choose" in out
    assert f"#{ids['ana3']}" not in out
    assert cli(root, db_url, "ben", "recheck", "recode", str(ids["ana1"]), "lead-formal", ok=False).exit_code != 0
    cli(root, db_url, "ana", "recheck", "recode", str(ids["ana1"]), "lead-formal")
    cli(root, db_url, "ana", "recheck", "keep", str(ids["ana2"]))
    assert sql(p.store, "SELECT k.key FROM coding c JOIN code k ON k.id = c.code_id WHERE c.id = :i",
               i=ids["ana1"]) == [("lead-formal",)]
    assert sql(p.store, "SELECT k.key FROM coding c JOIN code k ON k.id = c.code_id WHERE c.id = :i",
               i=ids["ana2"]) == [("leadership",)]
    out = cli(root, db_url, "ana", "recheck", "--coder", "ana").output
    assert "empty" in out and "of a split code" not in out
    assert "ben: 1 coding(s) under the current definitions" in " ".join(
        cli(root, db_url, "ben", "recheck", "--coder", "ben").output.split())
    out = cli(root, db_url, "ben", "recheck", "--coder", "ben").output
    assert f"#{ids['ben1']}" in out                                   # ben's is still his to decide
    # the keep is undoable: it comes back to ana's queue
    cli(root, db_url, "ana", "undo")
    assert f"#{ids['ana2']}" in cli(root, db_url, "ana", "recheck", "--coder", "ana").output
    details = [json.loads(d) for (d,) in sql(p.store, "SELECT detail FROM event WHERE action = 'update' "
                                                      "AND coder = 'ana' ORDER BY id")]
    assert [d["recheck"] for d in details] == ["recode", "keep"]


def test_agreement_still_computes_and_warns_when_settled_differently(split, db_url):
    p, ids, _ = split
    root = p.root
    r = cli(root, db_url, "ana", "agreement", "--codes", "leadership")
    assert "settled it differently" not in r.output                     # nobody settled yet: both 100% pending
    cli(root, db_url, "ana", "recheck", "recode", str(ids["ana1"]), "lead-formal")
    cli(root, db_url, "ana", "recheck", "recode", str(ids["ana2"]), "lead-informal")
    r = cli(root, db_url, "ana", "agreement", "--codes", "leadership")
    # by SQL: ana has 0 codings left on leadership of 2 in the family, ben 1 of 1
    assert sql(p.store, "SELECT c.coder, count(*) FROM coding c JOIN code k ON k.id = c.code_id "
                        "WHERE k.key = 'leadership' GROUP BY c.coder") == [("ben", 1)]
    text = " ".join(r.output.split())
    assert "settled it differently" in text and "ana 0 of 2 not yet settled" in text
    assert "ben 1 of 1 not yet settled" in text


def test_bad_input_is_refused_and_nothing_changes(mini, db_url):
    p = mini
    before = (p.root / "codebook.yaml").read_text(encoding="utf-8")
    for args, msg in ((["--into", "only-one"], "two or more"), (["--into", "housing,x"], "already used"),
                      (["--into", "Bad Key,y"], "bad key")):
        r = cli(p.root, db_url, "ana", "codes", "split", "leadership", *args, ok=False)
        assert r.exit_code != 0 and msg in r.output and "Traceback" not in r.output
    assert (p.root / "codebook.yaml").read_text(encoding="utf-8") == before
    assert sql(p.store, "SELECT count(*) FROM code_lineage") == [(0,)]


def test_split_travels_in_the_merge_view(split, db_url):
    """``fieldcode merge`` copies the lineage rows the other copy's merge view lists."""
    from fieldcode.store.merge import q_merge_view

    p, _ids, _ = split
    rows = sorted((d["kind"], d["from_key"], d["to_key"], d["by"]) for d in q_merge_view(p.store)["lineage"])
    assert rows == sorted(sql(p.store, "SELECT kind, from_key, to_key, by FROM code_lineage"))
    assert ("split", "leadership", "lead-informal", "ana") in rows


def test_a_split_in_one_copy_reaches_the_other(mini_dir, tmp_path):
    """Copy B splits leadership and ben settles his coding there; B's codebook.yaml is shared
    with A (as a team shares the codebook) and A merges B: A gets the lineage rows and ben's
    recode, and ana's codings in A wait in her queue."""
    import shutil

    from fieldcode.project import Project
    from fieldcode.store.pins import recheck_queue
    from fieldcode.team.merge import merge

    a = Project.open(mini_dir, coder="ana")
    assert a.import_files().ok
    ana = [a.store.add_coding("a.md", "leadership", *span(a, "a.md", q), "ana").id
           for q in ("Twenty years.", "We meet on Tuesdays.")]
    ben = a.store.add_coding("a.md", "leadership", *span(a, "a.md", "Twenty years."), "ben")
    a.close()
    b_dir = tmp_path / "laptop-b"
    shutil.copytree(mini_dir, b_dir)
    r = runner.invoke(app, ["--project", str(b_dir), "--coder", "ben", "codes", "split", "leadership",
                            "--into", "lead-formal,lead-informal", "--as-children"], env={})
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--project", str(b_dir), "--coder", "ben", "recheck", "recode", str(ben.id), "lead-formal"],
                      env={})
    assert r.exit_code == 0, r.output
    b = Project.open(b_dir, coder="ben")
    b_lineage = sql(b.store, "SELECT kind, from_key, to_key, by FROM code_lineage ORDER BY id")
    assert sql(b.store, "SELECT p.key FROM code c JOIN code p ON p.id = c.parent_id WHERE c.key LIKE 'lead-%'") \
        == [("leadership",), ("leadership",)]                                  # --as-children
    b.close()
    shutil.copyfile(b_dir / "codebook.yaml", mini_dir / "codebook.yaml")
    a = Project.open(mini_dir, coder="ana")
    try:
        a.reload_codebook()
        plan = merge(a.store, b_dir)
        assert not plan.conflicts
        assert sql(a.store, "SELECT kind, from_key, to_key, by FROM code_lineage ORDER BY id") == b_lineage == [
            ("split", "leadership", "lead-formal", "ben"), ("split", "leadership", "lead-informal", "ben")]
        assert sql(a.store, "SELECT k.key FROM coding c JOIN code k ON k.id = c.code_id WHERE c.uid = :u",
                   u=ben.uid) == [("lead-formal",)]
        q = recheck_queue(a.store)
        assert sorted(i.coding_id for i in q) == sorted(ana) and all(i.coder == "ana" for i in q)
        assert {i.split_into for i in q} == {("lead-formal", "lead-informal")}
    finally:
        a.close()


def test_codings_with_unknown_pins_are_queued_by_a_split_and_keep_settles_them(mini, db_url):
    """A coding made before fieldcode recorded pins is never in the definition queue, but a split
    of its code must still be settled by its coder."""
    from fieldcode.store.pins import recheck_queue

    p = mini
    a = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ana").id
    b = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ben").id
    with p.store.engine.begin() as c:
        c.execute(sa.text("UPDATE coding SET codebook_hash = NULL, definition_hash = NULL"))
    assert recheck_queue(p.store) == []
    cli(p.root, db_url, "ana", "codes", "split", "leadership", "--into", "l-one,l-two")
    assert sorted((i.coding_id, i.coder) for i in recheck_queue(p.store)) == sorted([(a, "ana"), (b, "ben")])
    cli(p.root, db_url, "ben", "recheck", "keep", str(b))
    (h,) = sql(p.store, "SELECT hash FROM codebook_version ORDER BY id DESC LIMIT 1")[0]
    assert sql(p.store, "SELECT codebook_hash FROM coding WHERE id = :i", i=b) == [(h,)]
    assert [(i.coding_id, i.coder) for i in recheck_queue(p.store)] == [(a, "ana")]


async def test_recheck_screen_names_the_parts_of_a_split_and_c_moves_to_one(mini_dir, tmp_path):
    """After ana splits leadership, ben's re-check screen (R, 80x24) says the code was split and
    into which parts (not an empty 'what changed in the definition'); c + a part's key + Enter
    moves ben's coding to that part, and ana's coding stays on leadership."""
    from textual.widgets import Static

    from fieldcode.project import Project
    from fieldcode.tui import make_app
    from fieldcode.tui.coding import CodingScreen
    from fieldcode.tui.recheck import RecheckScreen

    p = Project.open(mini_dir, coder="ana")
    assert p.import_files().ok
    ana = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ana").id
    ben = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ben").id
    p.close()
    cli(mini_dir, f"sqlite:///{mini_dir / 'fieldcode.db'}", "ana", "codes", "split", "leadership", "--into", "lead-formal,lead-informal")
    p = Project.open(mini_dir, coder="ben")
    app = make_app(p)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(100):
                await pilot.pause()
                if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
                    break
            await pilot.press("R")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, RecheckScreen)
            assert [i.coding_id for i in screen.items] == [ben]
            detail = " ".join(str(screen.query_one("#detail", Static).render()).split())
            assert "split" in detail and "lead-formal" in detail and "lead-informal" in detail
            assert "What changed in the definition" not in detail
            await pilot.press("c")
            await pilot.pause()
            for ch in "lead-informal":
                await pilot.press(ch)
            await pilot.press("enter")
            await pilot.pause()
        assert sql(p.store, "SELECT code_id FROM coding WHERE id = :i", i=ben) == [(p.store.code("lead-informal").id,)]
        assert sql(p.store, "SELECT code_id FROM coding WHERE id = :i", i=ana) == [(p.store.code("leadership").id,)]
    finally:
        p.close()
