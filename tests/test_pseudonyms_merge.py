"""``fieldcode merge`` carries pseudonym decisions (issue 23 point 2): two copies of one study, two
reviewers deciding apart, the decisions carried into the database and the key file, conflicts
settled by the documented rule (accepted beats rejected; the newer of two pseudonyms), clashing
pseudonyms relabelled, merging twice changes nothing, and no original ever reaches a database.

This copy ("here", ana's) runs on SQLite and on PostgreSQL; the other copy is a folder with its
SQLite file, as merge reads it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from fieldcode.cli.commands import app
from fieldcode.privacy import key as keymod
from fieldcode.privacy import review
from fieldcode.project import Project
from fieldcode.store import pseudonyms as pstore
from fieldcode.study.settings import Settings

ORIGINALS = ("Jean", "Sam", "Ashcliffe", "Brookside", "Leeds", "Tuesdays")


def _run(root: Path, *args: str, coder: str, db: str | None = None):
    pre = ["-C", str(root)] + (["--db", db] if db else []) + ["--coder", coder]
    return CliRunner().invoke(app, [*pre, *args])


def _states(root: Path) -> dict[str, tuple]:
    k = keymod.load(root)
    return {e.original: (e.state, e.pseudonym) for e in k.entries.values()}


def _events(p: Project) -> list[tuple]:
    return [(d.coder, d.action, d.detail.get("entry"), d.detail.get("state")) for d in pstore.q_decisions(p.store)]


def _no_original_in(p: Project) -> None:
    """No original text in any pseudonym event of the database (plain rows, every column)."""
    from sqlalchemy import text

    with p.store.engine.connect() as c:
        rows = c.execute(text("SELECT coder, action, detail FROM event WHERE action LIKE 'pn-%'")).all()
    assert rows
    blob = json.dumps([list(r) for r in rows])
    for o in ORIGINALS:
        assert not re.search(rf"(?i)(?<!\w){o}(?!\w)", blob), o


def _two_copies(mini_dir: Path, tmp_path: Path, db_url: str) -> tuple[Path, Path, Project, Project]:
    """ana's copy (here, on db_url) scanned; the study folder with its key copied to ben, who
    imports the same transcripts into his own SQLite file."""
    here = Project.open(mini_dir, db=db_url, coder="ana", settings=Settings())
    assert here.import_files().ok
    review.scan_study(here.store, mini_dir, here.study, "ana")
    ben_dir = tmp_path / "ben"
    shutil.copytree(mini_dir, ben_dir, ignore=shutil.ignore_patterns("fieldcode.db*", ".fieldcode"))
    there = Project.open(ben_dir, coder="ben", settings=Settings())
    assert there.import_files().ok
    return mini_dir, ben_dir, here, there


def test_merge_carries_two_reviewers_decisions_both_ways(mini_dir, tmp_path, db_url):
    ana_dir, ben_dir, here, there = _two_copies(mini_dir, tmp_path, db_url)
    k = keymod.load(ana_dir)
    sam, jean, ash, brook, leeds = (k.entry_id(x) for x in ("Sam", "Jean", "Ashcliffe", "Brookside", "Leeds"))
    try:
        # ana, in her copy
        review.accept(here.store, ana_dir, "ana", [sam])                       # [Participant 1]
        review.accept(here.store, ana_dir, "ana", [ash])                       # [Place A]
        review.reject(here.store, ana_dir, "ana", [brook])
        # ben, in his, not knowing hers
        review.reject(there.store, ben_dir, "ben", [sam])                      # conflict with ana's accept
        review.accept(there.store, ben_dir, "ben", [jean])                     # [Participant 1] there too
        review.accept(there.store, ben_dir, "ben", [leeds], as_text="[City]")
        review.add(there.store, ben_dir, "ben", "Tuesdays", category="date")   # a detail only his key has
    finally:
        here.close()
        there.close()

    res = _run(ana_dir, "merge", str(ben_dir), coder="ana", db=db_url)
    assert res.exit_code == 0, res.output
    assert "pseudonym conflict:" in res.output and "kept accepted" in res.output
    # worked by hand from the rule: Sam decided apart, accepted beats rejected; Jean takes ben's
    # decision but [Participant 1] is Sam's here, so the next free label; Tuesdays comes with its
    # original from ben's key file, and is found in a.md here
    want = {"Sam": ("accepted", "[Participant 1]"), "Jean": ("accepted", "[Participant 2]"),
            "Ashcliffe": ("accepted", "[Place A]"), "Brookside": ("rejected", None),
            "Leeds": ("accepted", "[City]"), "Tuesdays": ("accepted", "[Date 1]")}
    assert _states(ana_dir) == want
    tues = keymod.load(ana_dir).entries[k.entry_id("Tuesdays")]
    assert sum(len(v) for v in tues.occurrences.values()) == 1     # "We meet on Tuesdays." in a.md only
    here = Project.open(ana_dir, db=db_url, coder="ana", settings=Settings())
    try:
        ev = _events(here)
        tid = k.entry_id("Tuesdays")
        assert ev == [("ana", "pn-scan", None, None), ("ana", "pn-accept", sam, None), ("ana", "pn-accept", ash, None),
                      ("ana", "pn-reject", brook, None),
                      ("ben", "pn-reject", sam, None), ("ben", "pn-accept", jean, None),
                      ("ben", "pn-accept", leeds, None), ("ben", "pn-add", tid, None),
                      ("ana", "pn-merge", sam, "accepted"), ("ana", "pn-merge", jean, "accepted")]
        merged = {d.detail["entry"]: d.detail for d in pstore.q_decisions(here.store) if d.action == "pn-merge"}
        assert merged[sam]["conflict"] == "ana: accepted, ben: rejected"
        assert merged[jean]["relabelled_from"] == "[Participant 1]" and merged[jean]["pseudonym"] == "[Participant 2]"
        _no_original_in(here)
    finally:
        here.close()

    # merging again changes nothing: no event, the same key bytes
    before = (ana_dir / keymod.KEY_FILE).read_bytes()
    res = _run(ana_dir, "merge", str(ben_dir), coder="ana", db=db_url)
    assert res.exit_code == 0, res.output
    assert "pseudonym conflict" not in res.output
    assert (ana_dir / keymod.KEY_FILE).read_bytes() == before
    here = Project.open(ana_dir, db=db_url, coder="ana", settings=Settings())
    try:
        assert len(_events(here)) == 10
    finally:
        here.close()

    # ben merges ana's copy (SQLite file): his copy comes to the same decisions, with no conflict
    # (he has seen every decision ana's copy settled): it converges
    if db_url.startswith("sqlite"):
        res = _run(ben_dir, "merge", db_url.removeprefix("sqlite:///"), coder="ben")   # her database file
        assert res.exit_code == 0, res.output
        assert "pseudonym conflict" not in res.output
        assert _states(ben_dir) == want
        there = Project.open(ben_dir, coder="ben", settings=Settings())
        try:
            assert sorted(_events(there), key=str) == sorted(ev, key=str)
            _no_original_in(there)
        finally:
            there.close()


def test_without_the_other_key_known_details_still_take_their_decisions(mini_dir, tmp_path):
    """The other copy's database alone (its key kept apart, as the README advises): decisions on
    details this key knows are applied (the ids agree: one key's secret); one added by hand there
    is carried into the database, reported, and taken when a scan finds the detail."""
    ana_dir, ben_dir, here, there = _two_copies(mini_dir, tmp_path, f"sqlite:///{mini_dir / 'fieldcode.db'}")
    k = keymod.load(ana_dir)
    try:
        review.reject(there.store, ben_dir, "ben", [k.entry_id("Leeds")])
        review.add(there.store, ben_dir, "ben", "Tuesdays", category="date", as_text="[a weekday]")
    finally:
        here.close()
        there.close()
    lone = tmp_path / "ben-db-only"
    lone.mkdir()
    shutil.copy2(ben_dir / "fieldcode.db", lone / "fieldcode.db")
    res = _run(ana_dir, "merge", str(lone / "fieldcode.db"), coder="ana")
    assert res.exit_code == 0, res.output
    assert "1 decision(s) of the other copy name details this key does not have" in res.output
    assert _states(ana_dir)["Leeds"] == ("rejected", None)
    assert "Tuesdays" not in _states(ana_dir)
    here = Project.open(ana_dir, coder="ana", settings=Settings())
    try:
        assert [(c, a) for c, a, _e, _s in _events(here)] == [("ana", "pn-scan"), ("ben", "pn-reject"), ("ben", "pn-add")]
        # an entry the scan finds anew takes the last decision logged for its id: Leeds (an
        # attribute value) taken out of the key comes back rejected, as ben decided
        with keymod.locked(ana_dir):
            key = keymod.load(ana_dir)
            del key.entries[key.entry_id("Leeds")]
            keymod.save(key)
        review.scan_study(here.store, ana_dir, here.study, "ana")
        assert _states(ana_dir)["Leeds"] == ("rejected", None)
    finally:
        here.close()
    # the key brought beside the database: merging again brings the hand-added detail in
    shutil.copy2(ben_dir / keymod.KEY_FILE, lone / keymod.KEY_FILE)
    res = _run(ana_dir, "merge", str(lone / "fieldcode.db"), coder="ana")
    assert res.exit_code == 0, res.output
    assert "does not have" not in res.output
    assert _states(ana_dir)["Tuesdays"] == ("accepted", "[a weekday]")


def test_keys_made_apart_line_up_by_their_originals(mini_dir, tmp_path):
    """Two copies whose keys were made apart (each reviewer scanned their own copy): ids differ,
    so the other key is read and its ids translated through the originals; the events come in
    under this key's ids."""
    here = Project.open(mini_dir, coder="ana", settings=Settings())
    assert here.import_files().ok
    ben_dir = tmp_path / "ben"
    shutil.copytree(mini_dir, ben_dir, ignore=shutil.ignore_patterns("fieldcode.db*", ".fieldcode"))
    there = Project.open(ben_dir, coder="ben", settings=Settings())
    try:
        assert there.import_files().ok
        review.scan_study(here.store, mini_dir, here.study, "ana")
        review.scan_study(there.store, ben_dir, there.study, "ben")
        mine, theirs = keymod.load(mini_dir), keymod.load(ben_dir)
        assert mine.secret != theirs.secret and mine.entry_id("Sam") != theirs.entry_id("Sam")
        review.accept(there.store, ben_dir, "ben", [theirs.entry_id("Sam")], as_text="[Resident]")
    finally:
        here.close()
        there.close()
    res = _run(mini_dir, "merge", str(ben_dir), coder="ana")
    assert res.exit_code == 0, res.output
    assert _states(mini_dir)["Sam"] == ("accepted", "[Resident]")
    here = Project.open(mini_dir, coder="ana", settings=Settings())
    try:
        accepts = [d for d in pstore.q_decisions(here.store) if d.action == "pn-accept"]
        assert [(d.coder, d.detail["entry"]) for d in accepts] == [("ben", mine.entry_id("Sam"))]
        _no_original_in(here)
    finally:
        here.close()


def test_dry_run_changes_nothing_and_a_damaged_other_key_stops_the_merge(mini_dir, tmp_path):
    ana_dir, ben_dir, here, there = _two_copies(mini_dir, tmp_path, f"sqlite:///{mini_dir / 'fieldcode.db'}")
    k = keymod.load(ana_dir)
    try:
        review.accept(there.store, ben_dir, "ben", [k.entry_id("Sam")])
    finally:
        here.close()
        there.close()
    before_key = (ana_dir / keymod.KEY_FILE).read_bytes()
    res = _run(ana_dir, "merge", str(ben_dir), "--dry-run", coder="ana")
    assert res.exit_code == 0, res.output
    assert "pseudonyms: 1 decision(s) carried" in res.output and "entry " + k.entry_id("Sam") in res.output
    assert (ana_dir / keymod.KEY_FILE).read_bytes() == before_key
    here = Project.open(ana_dir, coder="ana", settings=Settings())
    try:
        assert [a for _c, a, _e, _s in _events(here)] == ["pn-scan"]
    finally:
        here.close()
    # the other key damaged: refused before anything is merged, the file named, no traceback
    (ben_dir / keymod.KEY_FILE).write_text("secret: [\n", encoding="utf-8")
    res = _run(ana_dir, "merge", str(ben_dir), coder="ana")
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert "nothing was merged" in res.output and str(ben_dir / keymod.KEY_FILE) in res.output.replace("\n", "")
    assert (ana_dir / keymod.KEY_FILE).read_bytes() == before_key
