"""Code management without hand-editing codebook.yaml: ``fieldcode codes new|rename|recolour|
move|merge|rekey`` through the CLI and through Project.  Every change must touch only the lines it
must (counted here with difflib against the file before), keep comments, and keep every coder's
codings with their code.  Merge and rekey run on SQLite and PostgreSQL with two coders."""

from __future__ import annotations

import difflib
import itertools
import json
import shutil

import pytest
from sqlalchemy import text as sql
from typer.testing import CliRunner

from fieldcode.study import codebook as cbmod
from fieldcode.study import codebook_edit as cbedit
from fieldcode.study import palette
from fieldcode.cli import app
from fieldcode.study.codebook import CodebookError, CodeDef
from fieldcode.study.codebook_edit import NameInUse
from fieldcode.errors import Conflict
from fieldcode.project import Project

from conftest import REPO

runner = CliRunner()


def changed(before: str, after: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


@pytest.fixture
def bundled_cb(tmp_path):
    path = tmp_path / "codebook.yaml"
    shutil.copy(REPO / "codebook.yaml", path)
    return path


# --- the file: only the lines a change needs ---------------------------------------------------

def test_new_code_adds_only_its_own_lines_and_keeps_comments(bundled_cb):
    before = bundled_cb.read_text(encoding="utf-8")
    cbedit.append_code(bundled_cb, CodeDef(key="pride", name="Pride in place", parent="place", colour="#ffafaf"))
    after = bundled_cb.read_text(encoding="utf-8")
    diff = changed(before, after)
    # key, parent, name, colour + one blank separator line, nothing removed
    assert len(diff) == 5 and all(d.startswith("+") for d in diff)
    assert "+  - key: pride" in diff and '+    colour: "#ffafaf"' in diff
    # every comment line of the original survives
    assert [ln for ln in before.splitlines() if ln.strip().startswith("#")] == \
        [ln for ln in after.splitlines() if ln.strip().startswith("#")]
    cb = cbmod.load(bundled_cb)
    assert cb.by_key()["pride"].parent == "place"
    # placed after place's last child (crime-and-grime), before welfare-to-work
    keys = [c.key for c in cb.codes]
    assert keys.index("pride") == keys.index("crime-and-grime") + 1


@pytest.mark.parametrize("op, expect", [
    (lambda p: cbedit.plan_fields(p, "housing", name="Homes"),
     ["-    name: Housing", "+    name: Homes"]),
    (lambda p: cbedit.plan_fields(p, "housing", colour="#ffafaf"),
     ['-    colour: "#ffff00"            # yellow', '+    colour: "#ffafaf"            # yellow']),
    (lambda p: cbedit.plan_move(p, "crime-and-grime", None), ["-    parent: place"]),
    (lambda p: cbedit.plan_move(p, "aspiration", "community-confidence"), ["+    parent: community-confidence"]),
    (lambda p: cbedit.plan_rekey(p, "economy", "jobs"),
     ["-  - key: economy", "+  - key: jobs", "-    parent: economy", "+    parent: jobs",
      "-    parent: economy", "+    parent: jobs"]),
])
def test_edits_touch_only_their_lines(bundled_cb, op, expect):
    before = bundled_cb.read_text(encoding="utf-8")
    edit, _cb = op(bundled_cb)
    assert bundled_cb.read_text(encoding="utf-8") == before      # planned, not written yet
    assert changed(before, edit.new) == expect
    cbedit.commit(edit)
    cbmod.load(bundled_cb)


def test_merge_removes_the_block_and_reparents_children(bundled_cb):
    before = bundled_cb.read_text(encoding="utf-8")
    edit, cb = cbedit.plan_merge(bundled_cb, "economy", "outward-looking")
    diff = changed(before, edit.new)
    # the economy block (16 lines from "- key: economy" to its keywords) goes; two parent lines change
    start = before.splitlines().index("  - key: economy")
    block = before.splitlines()[start:start + 16]
    assert block[-1].startswith("    keywords:")
    assert [d for d in diff if d.startswith("-") and "parent" not in d] == ["-" + ln for ln in block]
    assert diff.count("+    parent: outward-looking") == 2 and len(diff) == 16 + 4
    assert {c.key for c in cb.codes if c.parent == "outward-looking"} == {"local-jobs", "wider-economy"}


def test_bad_edits_write_nothing(bundled_cb):
    before = bundled_cb.read_text(encoding="utf-8")
    with pytest.raises(CodebookError, match="bad colour"):
        cbedit.plan_fields(bundled_cb, "housing", colour="not-a-colour")
    with pytest.raises(CodebookError, match="parent cycle"):
        cbedit.plan_move(bundled_cb, "place", "housing")
    with pytest.raises(CodebookError, match="already used"):
        cbedit.plan_rekey(bundled_cb, "place", "housing")
    with pytest.raises(CodebookError, match="bad key"):
        cbedit.plan_rekey(bundled_cb, "place", "Place Two")
    with pytest.raises(CodebookError, match="sits under"):
        cbedit.plan_merge(bundled_cb, "place", "housing")
    assert bundled_cb.read_text(encoding="utf-8") == before
    assert not list(bundled_cb.parent.glob(".*tmp"))


def test_names_that_need_quotes_round_trip(bundled_cb):
    for name in ("Pride: in place", "#1 issue", "yes", "Jobs & the 'economy'", "null"):
        edit, cb = cbedit.plan_fields(bundled_cb, "housing", name=name)
        assert cb.by_key()["housing"].name == name
        assert len(changed(edit.old, edit.new)) == 2


# --- the palette ---------------------------------------------------------------------------------

def test_palette_and_bundled_codebook_colours_are_distinct_and_readable():
    # Reference values for the measures: WCAG contrast of white on black is 21:1, and
    # CIEDE2000 pair 1 of Sharma, Wu & Dalal (2005), Lab (50, 2.6772, -79.7751) vs (50, 0, -82.7485),
    # is 2.0425 -- checked through sRGB colours here: identical colours differ by 0.
    assert palette.contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert palette.delta_e("#5fafff", "#5fafff") == 0
    assert palette.delta_e("#ff0000", "#00ff00") > 70
    for colours in (palette.PALETTE, [c.colour for c in cbmod.load(REPO / "codebook.yaml").codes]):
        for c in colours:
            assert palette.contrast(c, palette.BACKGROUND) >= palette.MIN_CONTRAST, c
        worst = min(itertools.combinations(colours, 2), key=lambda ab: palette.delta_e(*ab))
        assert palette.delta_e(*worst) >= palette.MIN_DELTA_E, worst
    # the old bundled pair that looked the same: pale yellow and olive yellow
    assert palette.delta_e("#d7d75f", "#ffff87") < palette.MIN_DELTA_E


def test_next_colour_is_far_from_those_in_use():
    used = palette.PALETTE[:5]
    nxt = palette.next_colour(used)
    assert nxt not in used
    assert min(palette.delta_e(nxt, u) for u in used) >= palette.MIN_DELTA_E
    assert palette.next_colour([]) == palette.PALETTE[0]


# --- through the project and the CLI, two coders, SQLite and PostgreSQL ---------------------------

@pytest.fixture
def two_coders(mini):
    """ana and ben have each coded leadership and housing in a.md."""
    iv = mini.store.interview("a.md")
    t = iv.text
    s1 = t.index("The tenants' group")
    s2 = t.index("Much better")
    for coder in ("ana", "ben"):
        mini.store.add_coding(iv.id, "leadership", s1, s1 + 18, coder)
        mini.store.add_coding(iv.id, "housing", s2, s2 + 11, coder, memo=f"{coder}'s note")
    return mini


def _codings(p):
    with p.store.engine.connect() as c:
        return sorted(tuple(r) for r in c.execute(sql(
            "SELECT code.key, coding.coder, coding.start, coding.\"end\", coding.memo FROM coding "
            "JOIN code ON code.id = coding.code_id")))


def test_merge_moves_every_coders_codings_and_logs_who(two_coders):
    p = two_coders
    before = _codings(p)
    target, moved = p.merge_codes("housing", "place")
    assert target.key == "place" and moved == 2
    after = _codings(p)
    assert after == sorted((("place" if k == "housing" else k), c, s, e, m) for k, c, s, e, m in before)
    codes = {c.key: c for c in p.store.codes(include_retired=True)}
    assert codes["housing"].retired_at is not None and "housing" not in p.codebook.by_key()
    with p.store.engine.connect() as c:
        evs = [tuple(r) for r in c.execute(sql(
            "SELECT coder, action, coding_uid, detail FROM event WHERE action = 'recode' ORDER BY id"))]
        uids = {r[0] for r in c.execute(sql("SELECT uid FROM coding"))}
    assert len(evs) == 2 and {e[0] for e in evs} == {"ana"}          # ana merged ben's too
    assert all(e[2] in uids for e in evs)
    assert json.loads(evs[0][3])["merge"]["from"] == "housing" and json.loads(evs[0][3])["merge"]["into"] == "place"
    # ben's undo of his own coding now refuses and names the merge that stands in the way
    with pytest.raises(Conflict, match="recode by ana"):
        p.store.undo("ben")
    assert _codings(p) == after


def test_merge_folds_an_identical_coding_into_its_twin(two_coders):
    p = two_coders
    iv = p.store.interview("a.md")
    s2 = iv.text.index("Much better")
    p.store.add_coding(iv.id, "place", s2, s2 + 11, "ana")      # ana: same span as her housing coding
    target, moved = p.merge_codes("housing", "place")
    rows = _codings(p)
    assert rows.count(("place", "ana", s2, s2 + 11, "ana's note")) == 1    # memo carried to the twin
    assert ("place", "ben", s2, s2 + 11, "ben's note") in rows
    assert sum(1 for r in rows if r[0] == "place") == 2 and moved == 2


def test_rekey_keeps_codings_under_the_new_key_no_retired_twin(two_coders):
    p = two_coders
    before = _codings(p)
    path = p.root / "codebook.yaml"
    old_text = path.read_text(encoding="utf-8")
    c = p.rekey_code("place", "surroundings")
    assert c.key == "surroundings"
    assert len(changed(old_text, path.read_text(encoding="utf-8"))) == 4   # key line + housing's parent line
    keys = {c.key: c for c in p.store.codes(include_retired=True)}
    assert "place" not in keys and keys["surroundings"].retired_at is None
    assert keys["housing"].parent_id == keys["surroundings"].id
    assert _codings(p) == before                                       # leadership/housing untouched
    # reopening syncs nothing away
    q = Project.open(p.root, db=p.store.url, coder="ben")
    assert not q.sync.retired and not q.sync.added
    q.close()


def test_rekey_fails_whole_when_the_database_refuses(two_coders):
    p = two_coders
    path = p.root / "codebook.yaml"
    text = path.read_text(encoding="utf-8")
    # a retired code holds the key 'old-place' in the database
    p.add_code("Old place", key="old-place")
    path.write_text(text, encoding="utf-8")
    p.reload_codebook()
    before = _codings(p)
    with pytest.raises(Conflict, match="retired code"):
        p.rekey_code("place", "old-place")
    assert path.read_text(encoding="utf-8") == text and _codings(p) == before
    assert "place" in {c.key for c in p.store.codes()}


def test_in_vivo_and_new_codes_refuse_a_name_in_use(two_coders):
    p = two_coders
    with pytest.raises(NameInUse) as exc:
        p.add_code("  housing ")
    assert exc.value.key == "housing" and "already exists" in str(exc.value)
    with pytest.raises(NameInUse):
        p.rename_code("leadership", "Place")
    c = p.add_code("Repairs", parent="Housing")         # parent by name
    assert c.parent == "housing" and c.key == "repairs"
    assert c.colour not in {x.colour for x in p.codebook.codes if x.key != "repairs"}


def test_a_retired_key_is_never_reused_for_a_new_code(two_coders):
    p = two_coders
    p.merge_codes("housing", "place")           # 'housing' is retired, with history in the log
    c = p.add_code("Housing")
    assert c.key == "housing-2"


def test_cli_codes_commands(two_coders, monkeypatch):
    p = two_coders
    monkeypatch.chdir(p.root)
    env = {"FIELDCODE_DB": p.store.url}
    path = p.root / "codebook.yaml"

    def run(*args, coder="ana"):
        return runner.invoke(app, ["--coder", coder, *args], env=env)

    r = run("codes", "new", "Pride in place", "--parent", "place", "--hotkey", "p")
    assert r.exit_code == 0, r.output
    assert "added code 'Pride in place' (key pride-in-place" in r.output
    r = run("codes", "new", "pride in place")
    assert r.exit_code == 2 and "already exists (key 'pride-in-place')" in r.output
    r = run("codes", "rename", "pride-in-place", "Pride")
    assert r.exit_code == 0 and "renamed 'Pride in place' to 'Pride'" in r.output
    r = run("codes", "recolour", "Pride", "#00af00")
    assert r.exit_code == 0 and "is now #00af00" in r.output
    r = run("codes", "recolour", "Pride", "greenish")
    assert r.exit_code == 2 and "bad colour 'greenish'" in r.output
    r = run("codes", "move", "pride-in-place", "--top")
    assert r.exit_code == 0 and "a top-level code" in r.output
    r = run("codes", "move", "pride-in-place")
    assert r.exit_code == 2 and "either the new parent or --top" in r.output
    r = run("codes", "rekey", "leadership", "leaders", coder="ben")
    assert r.exit_code == 0 and "key 'leadership' is now 'leaders'" in r.output
    r = run("codes", "merge", "housing", "place", coder="ben")
    assert r.exit_code == 0 and "2 codings moved" in r.output and "by ben" in r.output
    r = run("codes", "merge", "nothing", "place")
    assert r.exit_code == 1 and "no code 'nothing'" in r.output
    cb = cbmod.load(path)
    assert {c.key for c in cb.codes} == {"leaders", "place", "pride-in-place"}
    assert cb.by_key()["pride-in-place"].hotkey == "p" and cb.by_key()["pride-in-place"].colour == "#00af00"
    assert {(k, c) for k, c, *_ in _codings(p)} == {("leaders", "ana"), ("leaders", "ben"),
                                                     ("place", "ana"), ("place", "ben")}
    r = run("log")
    assert r.exit_code == 0
