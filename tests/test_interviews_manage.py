"""Interviews that can be renamed and removed (issue 20, point 3): ``fieldcode interviews rename``,
``remove`` (refused while codings exist unless --with-codings) and ``restore``; an import that
finds a renamed file; ``summary`` and ``interviews`` naming missing source files and identical
texts; and one coded-share figure in ``interviews`` and ``coverage``.

Expected values are worked out here independently: codings are compared as plain-SQL dumps of
their rows; word counts are made with this file's own regular expression over the files."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy
from typer.testing import CliRunner

from fieldcode.cli import app
from conftest import copy_study

runner = CliRunner()

CODING_COLS = 'uid, id, interview_id, code_id, coder, start, "end", quote_prefix, quote_sha256, memo, created_at, updated_at'


def cli(root: Path, url: str | None, *args: str, coder: str = "ana"):
    base = ["-C", str(root), "--coder", coder] + (["--db", url] if url else [])
    return runner.invoke(app, [*base, *args], env={"COLUMNS": "200"})


def sql(url: str, q: str, **params) -> list[tuple]:
    eng = sqlalchemy.create_engine(url)
    try:
        with eng.connect() as c:
            return [tuple(r) for r in c.execute(sqlalchemy.text(q), params).all()]
    finally:
        eng.dispose()


def coding_dump(url: str, where: str = "1=1", **params) -> list[tuple]:
    return sql(url, f"SELECT {CODING_COLS} FROM coding WHERE {where} ORDER BY uid", **params)


def iid(url: str, name: str) -> int | None:
    rows = sql(url, "SELECT id FROM interview WHERE name = :n", n=name)
    return rows[0][0] if rows else None


@pytest.fixture
def coded(mini_dir, db_url):
    """The mini study (a.md improving, b.md lagging) imported, with codings by ana and ben on
    both interviews and a memo by ben on a.md."""
    from fieldcode.project import Project
    from fieldcode.store import add_memo

    p = Project.open(mini_dir, db=db_url, coder="ana")
    try:
        assert p.import_files().ok
        a = p.store.interview("a.md")
        b = p.store.interview("b.md")
        s = a.text.find("Twenty years")
        p.store.add_coding(a.id, "leadership", s, s + 12, "ana")
        s2 = a.text.find("Much better")
        p.store.add_coding(a.id, "housing", s2, s2 + 11, "ana", memo="repairs")
        p.store.add_coding(a.id, "leadership", s, s + 40, "ben")
        t = b.text.find("The flats are damp")
        p.store.add_coding(b.id, "housing", t, t + 18, "ana")
        p.store.add_coding(b.id, "housing", t, t + 18, "ben")
        add_memo(p.store, "ben", "a good interview", interview_id=a.id)
        from fieldcode.store.search import add_suggestions

        w = a.text.find("We meet on Tuesdays")
        add_suggestions(p.store, [{"interview_id": a.id, "code_id": p.store.code("leadership").id, "coder": "ben",
                                   "start": w, "end": w + 19, "origin": '{"kind": "search", "query": "meet"}'}])
    finally:
        p.close()
    return mini_dir, db_url


# --- remove and restore -----------------------------------------------------------------------------

def test_remove_is_refused_while_codings_exist(coded):
    root, url = coded
    before = coding_dump(url)
    r = cli(root, url, "interviews", "remove", "a")
    assert r.exit_code == 3, r.output
    assert "2 by ana, 1 by ben" in r.output and "--with-codings" in r.output and "Traceback" not in r.output
    assert coding_dump(url) == before
    assert iid(url, "a.md") is not None
    assert sql(url, "SELECT count(*) FROM event WHERE action = 'iv-remove'") == [(0,)]


def test_remove_with_codings_then_restore_gives_back_identical_rows(coded):
    root, url = coded
    a_id, b_id = iid(url, "a.md"), iid(url, "b.md")
    before = coding_dump(url)
    others = coding_dump(url, "interview_id = :i", i=b_id)
    a_uids = [r[0] for r in coding_dump(url, "interview_id = :i", i=a_id)]
    assert len(a_uids) == 3 and len(others) == 2
    parts = {t: sql(url, f"SELECT * FROM {t} WHERE interview_id = :i ORDER BY id", i=a_id)
             for t in ("attribute", "turn", "sentence", "memo", "suggestion")}
    assert len(parts["suggestion"]) == 1
    iv_row = sql(url, "SELECT name, source_path, format, encoding, sha256, text, n_chars, n_words, "
                      "interviewer_labels, imported_at FROM interview WHERE id = :i", i=a_id)

    r = cli(root, url, "interviews", "remove", "a", "--with-codings")
    assert r.exit_code == 0, r.output
    assert "removes 3 codings (2 by ana, 1 by ben) and 1 memo(s)" in r.output
    assert iid(url, "a.md") is None
    assert coding_dump(url) == others                       # b's codings untouched
    assert sql(url, "SELECT count(*) FROM memo") == [(0,)]
    for t in ("attribute", "turn", "sentence", "suggestion", "word_index", "word_index_state"):
        assert sql(url, f"SELECT count(*) FROM {t} WHERE interview_id = :i", i=a_id) == [(0,)], t
    # every coding is logged as removed with the interview, one event each
    logged = sql(url, "SELECT coding_uid, detail, before FROM event WHERE action = 'remove' ORDER BY coding_uid")
    assert [x[0] for x in logged] == sorted(a_uids)
    assert all('"with_interview": "a.md"' in x[1] and x[2] for x in logged)
    # summary and interviews no longer count it
    r = cli(root, url, "interviews")
    assert r.exit_code == 0 and "b " in r.output and "\n 1 " not in r.output.replace("│", " ")

    r = cli(root, url, "interviews", "restore", "a", coder="ben")
    assert r.exit_code == 0, r.output
    assert "restored a.md with 3 codings (2 by ana, 1 by ben) and 1 memo(s)" in r.output
    assert coding_dump(url) == before                       # same uids, ids, coders, offsets, times
    assert iid(url, "a.md") == a_id
    assert sql(url, "SELECT name, source_path, format, encoding, sha256, text, n_chars, n_words, "
                    "interviewer_labels, imported_at FROM interview WHERE id = :i", i=a_id) == iv_row
    for t, rows in parts.items():
        now = sql(url, f"SELECT * FROM {t} WHERE interview_id = :i ORDER BY id", i=a_id)
        if t in ("memo", "suggestion"):
            assert now == rows
        else:  # new row ids; everything else the same
            assert [x[1:] for x in now] == [x[1:] for x in rows], t
    assert sql(url, "SELECT count(*) FROM event WHERE action = 'iv-restore'") == [(1,)]
    r = cli(root, url, "log")
    assert "iv-remove: a.md" in r.output and "iv-restore of event" in r.output
    # a second restore has nothing to restore
    r = cli(root, url, "interviews", "restore", "a")
    assert r.exit_code != 0 and "no removed interview 'a'" in r.output and "Traceback" not in r.output
    # the coders' undo history still works on the restored codings: ana's last change (her
    # coding on b.md) undoes; nothing of the removal is replayed
    r = cli(root, url, "undo")
    assert r.exit_code == 0, r.output
    assert len(coding_dump(url, "interview_id = :i", i=a_id)) == 3


def test_restore_is_refused_when_the_name_was_imported_again(coded):
    root, url = coded
    assert cli(root, url, "interviews", "remove", "a", "--with-codings").exit_code == 0
    r = cli(root, url, "import")
    assert r.exit_code == 0, r.output
    new_id = iid(url, "a.md")
    assert new_id is not None and sql(url, "SELECT count(*) FROM coding WHERE interview_id = :i", i=new_id) == [(0,)]
    r = cli(root, url, "interviews", "restore", "a.md")
    assert r.exit_code == 3 and "exists now" in r.output and "nothing was" in r.output
    assert sql(url, "SELECT count(*) FROM coding WHERE interview_id = :i", i=new_id) == [(0,)]
    # renamed out of the way, the removed one comes back beside it
    assert cli(root, url, "interviews", "rename", "a.md", "a-reimported.md").exit_code == 0
    r = cli(root, url, "interviews", "restore", "a.md")
    assert r.exit_code == 0, r.output
    assert len(coding_dump(url, "interview_id = :i", i=iid(url, "a.md"))) == 3


def test_remove_without_codings_needs_no_flag(coded):
    root, url = coded
    r = cli(root, url, "interviews", "remove", "nosuch")
    assert r.exit_code != 0 and "no interview 'nosuch'" in r.output
    sql_url = url
    # b's codings removed by their coders first, then b goes without --with-codings
    from fieldcode.project import Project

    p = Project.open(root, db=url, coder="ana")
    try:
        for cid, coder in sql(sql_url, "SELECT id, coder FROM coding WHERE interview_id = :i", i=iid(url, "b.md")):
            p.store.remove_coding(cid, coder)
    finally:
        p.close()
    r = cli(root, url, "interviews", "remove", "b")
    assert r.exit_code == 0, r.output
    assert "removed b.md" in r.output and "still there" in r.output  # its file would come back on import


# --- rename --------------------------------------------------------------------------------------------

def test_rename_keeps_codings_and_says_what_attributes_csv_still_names(coded):
    root, url = coded
    # attributes for b.md come from an attributes.csv (front matter has them too)
    (root / "interviews" / "attributes.csv").write_text("file,role\nb.md,resident\n", encoding="utf-8")
    b_id = iid(url, "b.md")
    before = coding_dump(url)
    (root / "interviews" / "b.md").rename(root / "interviews" / "b-sam.md")
    r = cli(root, url, "interviews", "rename", "b", "b-sam", coder="ben")
    assert r.exit_code == 0, r.output
    assert "renamed b.md -> b-sam.md" in r.output
    assert "attributes.csv:2 still names b.md" in r.output
    assert iid(url, "b-sam.md") == b_id and iid(url, "b.md") is None
    assert sql(url, "SELECT source_path FROM interview WHERE id = :i", i=b_id) == [(str(Path("interviews") / "b-sam.md"),)]
    assert coding_dump(url) == before
    assert sql(url, "SELECT coder, detail FROM event WHERE action = 'iv-rename'")[0][0] == "ben"
    # a name that is taken is refused, nothing changes
    r = cli(root, url, "interviews", "rename", "a.md", "b-sam.md")
    assert r.exit_code == 3 and "exists already" in r.output
    assert iid(url, "a.md") is not None
    r = cli(root, url, "interviews", "rename", "a.md", "sub/x.md")
    assert r.exit_code != 0 and "give only the new file name" in r.output


def _words(path: Path) -> tuple[str, int]:
    """(arm, analysed words) of a mini transcript, counted here: the front matter's arm; the
    words of each turn's text after 'Speaker:', interviewer turns left out."""
    text = path.read_text(encoding="utf-8")
    _, fm, body = text.split("---\n", 2)
    arm = re.search(r"^arm: (\S+)", fm, re.M).group(1)
    n = 0
    for line in body.splitlines():
        m = re.match(r"^(\w+): (.*)$", line)
        if m and m.group(1) != "Interviewer":
            n += len(re.findall(r"\w+(?:['\u2019-]\w+)*", m.group(2)))
    return arm, n


def _arm_words(url: str, root: Path) -> dict[str, int]:
    from fieldcode.analysis import crosstab
    from fieldcode.project import Project

    p = Project.open(root, db=url, coder="ana", write=False)
    try:
        ct = crosstab(p.store, unit="words", by=("arm",))
        return {g[0]: int(n) for g, n in zip(ct.groups, ct.group_words)}
    finally:
        p.close()


def test_a_file_renamed_on_disk_is_named_missing_then_renamed_by_import(coded):
    root, url = coded
    expected: dict[str, int] = {}
    for f in ("a.md", "b.md"):
        arm, n = _words(root / "interviews" / f)
        expected[arm] = expected.get(arm, 0) + n
    assert expected == {"improving": 21, "lagging": 9}  # by hand: Jean 8 + 4 + 9 words; Sam 9
    assert _arm_words(url, root) == expected
    a_id = iid(url, "a.md")
    before = coding_dump(url)
    (root / "interviews" / "a.md").rename(root / "interviews" / "a-jean.md")

    for cmd in ("summary", "interviews"):
        r = cli(root, url, cmd)
        assert r.exit_code == 0, r.output
        assert f"source file missing: {Path('interviews') / 'a.md'} (interview 'a.md')" in r.output, cmd

    r = cli(root, url, "import", coder="ben")
    assert r.exit_code == 0, r.output
    assert "renamed a.md -> a-jean.md (same text; its file is gone)" in r.output
    assert sql(url, "SELECT count(*) FROM interview") == [(2,)]
    assert iid(url, "a-jean.md") == a_id
    assert coding_dump(url) == before
    assert _arm_words(url, root) == expected           # the arm's denominator did not double
    r = cli(root, url, "summary")
    assert "source file missing" not in r.output and "identical text" not in r.output
    # importing again changes nothing
    r = cli(root, url, "import")
    assert "renamed a.md" not in r.output and "done: 2 unchanged" in r.output
    assert sql(url, "SELECT count(*) FROM interview") == [(2,)]


def test_a_copy_whose_original_is_still_there_is_imported_with_a_loud_warning(coded):
    root, url = coded
    shutil.copy(root / "interviews" / "b.md", root / "interviews" / "b-copy.md")
    r = cli(root, url, "import")
    assert r.exit_code == 0, r.output
    assert "b-copy.md has the same text as b.md" in r.output
    assert sql(url, "SELECT count(*) FROM interview") == [(3,)]
    for cmd in ("summary", "interviews"):
        r = cli(root, url, cmd)
        assert "identical text in 2 interviews: b-copy.md, b.md" in r.output, cmd


# --- read-only, and one coded-share figure -------------------------------------------------------------

def _files(root: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(root.glob("fieldcode.db*"))}


def test_summary_and_interviews_leave_the_database_file_byte_identical(bundled_coded, tmp_path):
    root = copy_study(bundled_coded, tmp_path / "s")
    (root / "interviews" / "leeds-lagging-01-resident.md").rename(root / "interviews" / "moved.txt.bak")
    shutil.copy(root / "interviews" / "leeds-lagging-02-agency.md", root / "interviews" / "dup.md")
    # the duplicate needs importing (a write) before the read-only commands are measured
    r = cli(root, None, "import", str(root / "interviews" / "dup.md"))
    assert r.exit_code == 0, r.output
    before = _files(root)
    for cmd in (["summary"], ["interviews"], ["interviews", "--by", "ben"]):
        r = cli(root, None, *cmd)
        assert r.exit_code == 0, r.output
        assert "source file missing: interviews/leeds-lagging-01-resident.md" in r.output
        assert "identical text in 2 interviews" in r.output
    assert _files(root) == before


def test_interviews_and_coverage_print_the_same_coded_share(bundled_coded, tmp_path):
    root = copy_study(bundled_coded, tmp_path / "s")
    name = "leeds-improving-01-resident"
    url = f"sqlite:///{root / 'fieldcode.db'}"
    # the test's own count: words (its own regex) whose first character lies in a participant
    # turn's body; coded when any of their characters is inside any coder's coding
    (iv, text), = sql(url, "SELECT id, text FROM interview WHERE name = :n", n=name + ".md")
    bodies = sql(url, "SELECT content_start, \"end\" FROM turn WHERE interview_id = :i AND NOT is_interviewer", i=iv)
    coded = set()
    for st, en in sql(url, 'SELECT start, "end" FROM coding WHERE interview_id = :i', i=iv):
        coded.update(range(st, en))
    assert len(sql(url, "SELECT DISTINCT coder FROM coding WHERE interview_id = :i", i=iv)) == 2
    analysed = hit = 0
    for m in re.finditer(r"\w+(?:['\u2019-]\w+)*", text):
        if any(a <= m.start() < b for a, b in bodies):
            analysed += 1
            hit += any(k in coded for k in range(m.start(), m.end()))
    expected = f"{hit / analysed:.0%}"

    r = cli(root, None, "interviews")
    assert r.exit_code == 0, r.output
    row = next(line for line in r.output.splitlines() if f" {name} " in line)
    assert f" {expected} " in row, (expected, row)
    assert "coded: share of the analysed words" in r.output
    r = cli(root, None, "coverage")
    row = next(line for line in r.output.splitlines() if name in line and "(all coders)" in line)
    assert row.rstrip(" │").endswith(expected), (expected, row)
    # one coder's progress: the same two commands agree for ben alone
    bens = set()
    for st, en in sql(url, "SELECT start, \"end\" FROM coding WHERE interview_id = :i AND coder = 'ben'", i=iv):
        bens.update(range(st, en))
    ben_hit = sum(any(a <= m.start() < b for a, b in bodies) and any(k in bens for k in range(m.start(), m.end()))
                  for m in re.finditer(r"\w+(?:['\u2019-]\w+)*", text))
    expected_ben = f"{ben_hit / analysed:.0%}"
    assert expected_ben != expected
    r = cli(root, None, "interviews", "--by", "ben")
    row = next(line for line in r.output.splitlines() if f" {name} " in line)
    assert f" {expected_ben} " in row, (expected_ben, row)
    r = cli(root, None, "coverage", "--coder", "ben")
    row = next(line for line in r.output.splitlines() if name in line and " ben " in line)
    assert row.rstrip(" │").endswith(expected_ben), (expected_ben, row)


def test_restore_when_the_removed_interviews_id_was_given_to_another(coded):
    """SQLite hands a removed interview's id (the highest) to the next import; the restored one then
    gets a new id and its codings follow it, while the newcomer keeps its own (none)."""
    root, url = coded
    b_id = iid(url, "b.md")
    b_rows = coding_dump(url, "interview_id = :i", i=b_id)
    a_rows = coding_dump(url, "interview_id = :i", i=iid(url, "a.md"))
    assert cli(root, url, "interviews", "remove", "b", "--with-codings").exit_code == 0
    (root / "interviews" / "b.md").rename(tmp := root / "b.md.away")
    (root / "interviews" / "c.md").write_text("---\npair: Leeds\narm: lagging\nrole: resident\n---\n"
                                              "Interviewer: Hello?\n\nKim: Hello there.\n", encoding="utf-8")
    assert cli(root, url, "import").exit_code == 0
    c_id = iid(url, "c.md")
    r = cli(root, url, "interviews", "restore", "b", coder="ben")
    assert r.exit_code == 0, r.output
    new_b = iid(url, "b.md")
    assert new_b not in (None, c_id, iid(url, "a.md"))
    restored = coding_dump(url, "interview_id = :i", i=new_b)
    # the same codings, their interview id apart
    assert [r[:2] + r[3:] for r in restored] == [r[:2] + r[3:] for r in b_rows]
    assert coding_dump(url, "interview_id = :i", i=c_id) == []
    assert coding_dump(url, "interview_id = :i", i=iid(url, "a.md")) == a_rows
    assert tmp.exists()


def test_a_removal_or_restore_that_fails_half_way_changes_nothing(coded, monkeypatch):
    """Each is one transaction: an error after some rows were written leaves no trace of them."""
    from fieldcode.project import Project
    from fieldcode.store import interview_ops

    root, url = coded
    before = coding_dump(url)
    n_events = sql(url, "SELECT count(*) FROM event")

    def boom(*a, **k):
        raise RuntimeError("disk full")

    p = Project.open(root, db=url, coder="ana")
    try:
        with monkeypatch.context() as m:  # fails after the events were added, before the deletes
            m.setattr(interview_ops, "MemoDeletion", boom)
            with pytest.raises(RuntimeError):
                interview_ops.remove_interview(p.store, "a.md", coder="ana", with_codings=True)
        assert coding_dump(url) == before and iid(url, "a.md") is not None
        assert sql(url, "SELECT count(*) FROM event") == n_events
        interview_ops.remove_interview(p.store, "a.md", coder="ana", with_codings=True)
        after_remove = coding_dump(url)
        with monkeypatch.context() as m:  # fails after every row was inserted, before the commit
            m.setattr(interview_ops, "Counter", boom)
            with pytest.raises(RuntimeError):
                interview_ops.restore_interview(p.store, "a.md", coder="ana")
        assert coding_dump(url) == after_remove and iid(url, "a.md") is None
        assert sql(url, "SELECT count(*) FROM event WHERE action = 'iv-restore'") == [(0,)]
        assert sql(url, "SELECT count(*) FROM memo") == [(0,)]
        interview_ops.restore_interview(p.store, "a.md", coder="ana")
        assert coding_dump(url) == before
    finally:
        p.close()


def test_merge_keeps_codings_of_an_interview_removed_in_the_other_copy(coded, tmp_path):
    """A colleague removing an interview (with its codings) in their copy is not a decision about
    each coding: merging their copy keeps this copy's interview and its codings, and says how to
    remove it here too."""
    root, url = coded
    if not url.startswith("sqlite"):
        pytest.skip("merge reads another copy's SQLite file")
    there = tmp_path / "there"
    shutil.copytree(root, there)
    shutil.copy2(sqlalchemy.make_url(url).database, there / "fieldcode.db")   # the colleague's copy
    r = cli(there, None, "interviews", "remove", "b.md", "--with-codings", coder="ben")
    assert r.exit_code == 0, r.output
    before = coding_dump(url)
    r = cli(root, url, "merge", str(there))
    assert r.exit_code == 0, r.output
    assert coding_dump(url) == before                 # b.md's two codings (ana's and ben's) still here
    assert len(coding_dump(url, "interview_id = :i", i=iid(url, "b.md"))) == 2
    out = " ".join(r.output.split())
    assert "interview 'b.md' was removed in the other copy with its codings; here it keeps its 2 coding(s)" in out
    assert "fieldcode interviews remove b.md --with-codings" in out
