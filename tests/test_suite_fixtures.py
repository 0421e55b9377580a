"""The suite's own shared fixtures (issue 18, point 5): the bundled-study templates built once per
test run hold what an import of the bundled study would, a copy is independent of its template,
and fixtures built once per module or session never see the developer's settings, state or coder
(they are set up before any per-test fixture, so the per-test isolation alone came too late)."""

from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from conftest import REPO, copy_study
from fieldcode.project import Project

ENV = ("FIELDCODE_SETTINGS", "FIELDCODE_STATE", "FIELDCODE_CODER", "FIELDCODE_DB", "FIELDCODE_REFI_SCHEMAS")


@pytest.fixture(scope="module")
def env_of_a_module_fixture() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in ENV}


def test_module_fixtures_never_see_the_developers_settings(env_of_a_module_fixture, tmp_path_factory):
    env = env_of_a_module_fixture
    base = tmp_path_factory.getbasetemp().resolve()
    assert env["FIELDCODE_SETTINGS"], "a module fixture would read the developer's settings.toml"
    assert Path(env["FIELDCODE_SETTINGS"]).resolve().is_relative_to(base)
    # the state file (where the coding screen writes each coder's position) follows the settings
    assert env["FIELDCODE_STATE"] is None and env["FIELDCODE_CODER"] is None and env["FIELDCODE_DB"] is None
    assert env["FIELDCODE_REFI_SCHEMAS"] is None


def _rows(db: Path, query: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        return c.execute(query).fetchall()


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_imported_template_holds_every_bundled_interview_and_no_coding(bundled_imported):
    db = bundled_imported / "fieldcode.db"
    names = sorted(p.name for p in (REPO / "interviews").glob("*.md"))
    assert len(names) == 14
    assert sorted(r[0] for r in _rows(db, "SELECT name FROM interview")) == names
    assert _rows(db, "SELECT count(*) FROM coding") == [(0,)]


def test_coded_template_holds_examples_codings_of_both_coders(bundled_coded):
    with open(REPO / "examples" / "codings.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    want: dict[str, int] = {}
    for r in rows:
        want[r["coder"]] = want.get(r["coder"], 0) + 1
    assert set(want) == {"ana", "ben"}
    got = dict(_rows(bundled_coded / "fieldcode.db", "SELECT coder, count(*) FROM coding GROUP BY coder"))
    assert got == want


def test_a_copy_is_written_without_touching_its_template(bundled_coded, tmp_path):
    before = _digest(bundled_coded)
    n = _rows(bundled_coded / "fieldcode.db", "SELECT count(*) FROM coding")[0][0]
    copy = copy_study(bundled_coded, tmp_path / "study")
    for coder in ("cy", "dee"):   # two more coders write to the copy
        p = Project.open(copy, coder=coder)
        try:
            p.store.add_coding("leeds-lagging-01-resident.md", "housing", 0, 5, coder)
        finally:
            p.close()
    assert _rows(copy / "fieldcode.db", "SELECT count(*) FROM coding")[0][0] == n + 2
    assert _digest(bundled_coded) == before
    assert _rows(bundled_coded / "fieldcode.db", "SELECT count(*) FROM coding")[0][0] == n
