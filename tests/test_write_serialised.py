"""Every write that puts offsets on an interview is serialised with a re-import of it, in
separate processes, on SQLite and PostgreSQL: merging another copy in, a consensus decision,
merging codes, a passage memo, and ``code add|change|remove --text-sha``.

Each race runs ``import --reanchor`` of a transcript with a paragraph inserted near its start
(so every offset after it moves), paused at one of two windows by a hook in its process:

* **plan**: before its write transaction.  The other write commits first (or, for a merge or
  a review, has made its plan and waits to write); the import then moves what it wrote with
  its words, or the write finds the text changed and plans again or is refused.
* **write**: inside its write transaction, holding the interview.  The other process plans
  from the old text and waits for the lock; once the import commits, its write is refused
  (named error, nothing changed) or planned again from the new text.  The code merge also
  meets a third, **moved**: later in that transaction, once the codings' rows are changed.

Afterwards plain SQL checks that every coding and passage memo quotes the words it was meant
for, found independently with ``str.find`` in the new text, and that nothing was written at a
stale offset.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldcode.project import Project
from fieldcode.store import add_memo, memos

REPO = Path(__file__).resolve().parents[1]

from race_helpers import CODEBOOK, FRONT, INSERTED, NEW, OLD  # noqa: F401

FIRST = "It was alright in the eighties"       # ana's coding (leadership)
BENS = "tenants' group runs everything"        # ben's coding (housing)
SECOND = "Everyone knew everyone"              # the other copy: ana's coding (housing)
TUESDAYS = "We meet on Tuesdays"               # the other copy: ben's coding (leadership)

WINDOWS = ["plan", "write"]


def span(text: str, quote: str) -> tuple[int, int]:
    i = text.find(quote)
    assert i >= 0 and text.find(quote, i + 1) < 0, quote
    return i, i + len(quote)


def spawn(code: str, *, stdin: bool = False) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.PIPE if stdin else None, text=True,
                            env=env, cwd=REPO)


def wait_for(proc: subprocess.Popen, marker: str, timeout: float = 90) -> None:
    """Read proc's stderr until a line equal to ``marker`` (fails if the process ends first)."""
    end = time.monotonic() + timeout
    seen = []
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"process ended before {marker}: {''.join(seen)}")
        if line.strip() == marker:
            return
        seen.append(line)
    raise AssertionError(f"no {marker} within {timeout} s")


def go(proc: subprocess.Popen) -> None:
    proc.stdin.write("go\n")
    proc.stdin.flush()


# `fieldcode import --reanchor` by cy, stopped at the window (PAUSED on stderr) until a line on
# stdin; window "none": not stopped.  ("moved" is "write" once the codings' rows are changed.)
IMPORTER = """
    import sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from fieldcode.store import Store

    window = {window!r}
    paused = []

    def pause():
        if not paused:
            paused.append(1)
            print("PAUSED", file=sys.stderr, flush=True)
            sys.stdin.readline()

    if window == "plan":
        original = Store.save_interview
        def save_interview(self, *a, **k):
            pause()
            return original(self, *a, **k)
        Store.save_interview = save_interview
    elif window in ("write", "moved"):
        # write: inside the write transaction, the interview locked, before anything is changed;
        # moved: later in it, the codings already moved (their rows changed, not committed)
        first = "UPDATE INTERVIEW" if window == "write" else "INSERT INTO TURN "
        def _hook(conn, cursor, statement, *rest):
            if statement.lstrip().upper().startswith(first):
                pause()
        event.listen(Engine, "before_cursor_execute", _hook)
    from fieldcode.cli import main
    sys.argv = ["fieldcode", "-C", {root!r}, "--db", {db!r}, "--coder", "cy", "import", "--reanchor"]
    main()
"""

# The CLI, with WRITING on stderr when a write transaction of the project's store begins.
CLI = """
    import sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def _begin(conn):
        if conn.get_execution_options().get("fieldcode_write"):
            print("WRITING", file=sys.stderr, flush=True)
    event.listen(Engine, "begin", _begin)
    from fieldcode.cli import main
    sys.argv = ["fieldcode", *{args!r}]
    main()
"""

# `fieldcode merge OTHER`, saying PLANNED once its first plan is made; with wait, it then waits
# for a line on stdin before writing.
MERGER = """
    import sys
    from fieldcode.team import merge as merge_mod

    original = merge_mod.plan_merge
    calls = []

    def plan_merge(*a, **k):
        plan = original(*a, **k)
        if not calls:
            calls.append(1)
            print("PLANNED", file=sys.stderr, flush=True)
            if {wait!r}:
                sys.stdin.readline()
        return plan
    merge_mod.plan_merge = plan_merge
    from fieldcode.cli import main
    sys.argv = ["fieldcode", "-C", {root!r}, "--db", {db!r}, "--coder", "ana", "merge", {other!r}]
    main()
"""

# A consensus review (cons settles ana and ben) opened on the old text; with wait, it waits for a
# line on stdin after READY, then writes its decision on the first item ("a": ana's side).
REVIEWER = """
    import sys
    from fieldcode.errors import FieldcodeError
    from fieldcode.project import Project
    from fieldcode.team.consensus import Review

    p = Project.open({root!r}, db={db!r}, coder="cons")
    review = Review(p.store, coders=["ana", "ben"], consensus="cons")
    print("ITEMS", len(review.items), file=sys.stderr, flush=True)
    print("READY", file=sys.stderr, flush=True)
    if {wait!r}:
        sys.stdin.readline()
    try:
        n = review.decide(0, "a")
    except FieldcodeError as exc:
        print(f"REFUSED {{type(exc).__name__}}: {{exc}}", flush=True)
        sys.exit(exc.exit_code)
    finally:
        p.close()
    print(f"WROTE {{n}}", flush=True)
"""

# A passage memo by ana on SECOND, its offsets counted in the text this process read (sent as
# expect_sha).  WRITING when its write transaction begins.
MEMOIST = """
    import sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from fieldcode.errors import FieldcodeError
    from fieldcode.project import Project
    from fieldcode.store import add_memo

    def _begin(conn):
        if conn.get_execution_options().get("fieldcode_write"):
            print("WRITING", file=sys.stderr, flush=True)
    p = Project.open({root!r}, db={db!r}, coder="ana")
    iv = p.store.interview("a.md")
    i = iv.text.index({quote!r})
    event.listen(Engine, "begin", _begin)
    try:
        mid = add_memo(p.store, "ana", "why everyone knew everyone", interview_id=iv.id, start=i,
                       end=i + len({quote!r}), expect_sha=iv.sha256)
    except FieldcodeError as exc:
        print(f"REFUSED {{type(exc).__name__}}: {{exc}}", flush=True)
        sys.exit(exc.exit_code)
    finally:
        p.close()
    print(f"MEMO {{mid}}", flush=True)
"""


# -- the study ------------------------------------------------------------------------------------

@pytest.fixture
def study(tmp_path, db_url):
    """a.md imported; ana codes FIRST (leadership), ben codes BENS (housing) and writes a
    passage memo on BENS."""
    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews" / "a.md").write_text(FRONT + OLD, encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    try:
        assert p.import_files().ok
        iv = p.store.interview("a.md")
        p.store.add_coding("a.md", "leadership", *span(iv.text, FIRST), "ana")
        p.store.add_coding("a.md", "housing", *span(iv.text, BENS), "ben")
        a, b = span(iv.text, BENS)
        add_memo(p.store, "ben", "the group is the estate now", interview_id=iv.id, start=a, end=b)
        old_sha = iv.sha256
    finally:
        p.close()
    return root, db_url, old_sha


def reimport(root: Path) -> None:
    (root / "interviews" / "a.md").write_text(FRONT + NEW, encoding="utf-8")


def rows(db: str) -> dict:
    """Plain SQL: a.md's text and version, its codings (coder, code key, quote) and its memos
    (author, start, end, quote or None), and the consensus events."""
    eng = sa.create_engine(db)
    try:
        with eng.connect() as c:
            text, sha = c.execute(sa.text("SELECT text, sha256 FROM interview WHERE name = 'a.md'")).one()
            codings = sorted((coder, key, text[st:en]) for coder, key, st, en in c.execute(sa.text(
                'SELECT coding.coder, code.key, coding.start, coding."end" FROM coding '
                "JOIN code ON code.id = coding.code_id")))
            memo_rows = sorted((a, None if st is None else text[st:en]) for a, st, en in c.execute(sa.text(
                'SELECT author, start, "end" FROM memo')))
            consensus = c.execute(sa.text("SELECT count(*) FROM event WHERE action = 'consensus'")).scalar_one()
            n_events = c.execute(sa.text("SELECT count(*) FROM event")).scalar_one()
    finally:
        eng.dispose()
    return {"text": text, "sha": sha, "codings": codings, "memos": memo_rows, "consensus": consensus,
            "events": n_events}


BEFORE = [("ana", "leadership", FIRST), ("ben", "housing", BENS)]


def assert_reimported_cleanly(after: dict) -> None:
    """The import went through: the new text, and the fixture's codings and memo on their words."""
    assert after["text"].endswith(NEW)
    # the quotes are found by str.find in the new text, then read back through the stored offsets
    for q in (FIRST, BENS):
        assert NEW.find(q) >= 0
    assert [c for c in after["codings"] if c[0] in ("ana", "ben")] == BEFORE
    assert ("ben", BENS) in after["memos"]


# -- merging another copy -------------------------------------------------------------------------

def other_copy(tmp_path: Path) -> Path:
    """Another copy of the project (SQLite), with a.md in its OLD version, in which ana and ben
    coded two more passages."""
    other = tmp_path / "other"
    (other / "interviews").mkdir(parents=True)
    (other / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (other / "interviews" / "a.md").write_text(FRONT + OLD, encoding="utf-8")
    p = Project.open(other, db=f"sqlite:///{other / 'fieldcode.db'}", coder="ana")
    try:
        assert p.import_files().ok
        text = p.store.interview("a.md").text
        p.store.add_coding("a.md", "housing", *span(text, SECOND), "ana")
        p.store.add_coding("a.md", "leadership", *span(text, TUESDAYS), "ben")
    finally:
        p.close()
    return other


@pytest.mark.parametrize("window", WINDOWS)
def test_merge_never_writes_offsets_of_the_text_a_reimport_replaced(study, tmp_path, window):
    root, db, _old_sha = study
    other = other_copy(tmp_path)
    reimport(root)
    if window == "plan":
        # the merge plans on the old text and waits; the whole re-import runs; the merge writes
        mer = spawn(MERGER.format(root=str(root), db=db, other=str(other), wait=True), stdin=True)
        wait_for(mer, "PLANNED")
        imp = spawn(IMPORTER.format(window="none", root=str(root), db=db), stdin=True)
        imp_out, imp_err = imp.communicate(timeout=180)
        go(mer)
        mer_out, mer_err = mer.communicate(timeout=180)
    else:
        # the import holds a.md; the merge plans on the old text, then waits for the lock
        imp = spawn(IMPORTER.format(window="write", root=str(root), db=db), stdin=True)
        wait_for(imp, "PAUSED")
        mer = spawn(MERGER.format(root=str(root), db=db, other=str(other), wait=False))
        wait_for(mer, "PLANNED")
        time.sleep(1.0)                       # now at its write, waiting for the import's lock
        go(imp)
        imp_out, imp_err = imp.communicate(timeout=180)
        mer_out, mer_err = mer.communicate(timeout=180)
    said = mer_out + mer_err
    assert imp.returncode == 0, imp_out + imp_err
    assert "Traceback" not in said and "Traceback" not in imp_err, said
    after = rows(db)
    assert_reimported_cleanly(after)
    # The merge planned again: a.md is no longer the other copy's version, so its codings are
    # reported and not merged, and nothing landed on the wrong words.
    assert mer.returncode == 0, said
    assert "planned again" in said and "re-imported" in said, said
    assert "transcript differs" in said, said
    assert after["codings"] == BEFORE
    # after the other copy re-imports the same version, the merge brings its codings onto their words
    (other / "interviews" / "a.md").write_text(FRONT + NEW, encoding="utf-8")
    po = Project.open(other, db=f"sqlite:///{other / 'fieldcode.db'}", coder="ana")
    try:
        assert po.import_files(reanchor=True).ok
    finally:
        po.close()
    again = spawn(MERGER.format(root=str(root), db=db, other=str(other), wait=False))
    out, err = again.communicate(timeout=180)
    assert again.returncode == 0, out + err
    assert rows(db)["codings"] == sorted(BEFORE + [("ana", "housing", SECOND), ("ben", "leadership", TUESDAYS)])


# -- a consensus decision -------------------------------------------------------------------------

@pytest.mark.parametrize("window", WINDOWS)
def test_consensus_decision_planned_on_the_old_text_is_refused(study, window):
    root, db, _old_sha = study
    reimport(root)
    if window == "plan":
        rev = spawn(REVIEWER.format(root=str(root), db=db, wait=True), stdin=True)
        wait_for(rev, "READY")
        imp = spawn(IMPORTER.format(window="none", root=str(root), db=db), stdin=True)
        imp_out, imp_err = imp.communicate(timeout=180)
        go(rev)
        rev_out, rev_err = rev.communicate(timeout=180)
    else:
        imp = spawn(IMPORTER.format(window="write", root=str(root), db=db), stdin=True)
        wait_for(imp, "PAUSED")
        rev = spawn(REVIEWER.format(root=str(root), db=db, wait=False))
        wait_for(rev, "READY")
        time.sleep(1.0)                       # deciding: waiting for the import's lock
        go(imp)
        imp_out, imp_err = imp.communicate(timeout=180)
        rev_out, rev_err = rev.communicate(timeout=180)
    assert imp.returncode == 0, imp_out + imp_err
    assert "Traceback" not in rev_err, rev_err
    assert rev.returncode == 3, rev_out + rev_err
    assert "REFUSED TextChanged" in rev_out and "re-imported" in rev_out and "nothing was written" in rev_out
    after = rows(db)
    assert_reimported_cleanly(after)
    assert after["codings"] == BEFORE and after["consensus"] == 0      # nothing written
    # the review opened again reads the new text: the decision copies ana's coding onto its words
    p = Project.open(root, db=db, coder="cons")
    try:
        from fieldcode.team.consensus import Review

        review = Review(p.store, coders=["ana", "ben"], consensus="cons")
        first = [i for i, it in enumerate(review.items) if it.sides["ana"]]
        assert review.decide(first[0], "a") == 1
    finally:
        p.close()
    assert ("cons", "leadership", FIRST) in rows(db)["codings"]


# -- merging codes --------------------------------------------------------------------------------

@pytest.mark.parametrize("window", [*WINDOWS, "moved"])
def test_codes_merge_and_reimport_do_not_interleave(study, window):
    root, db, _old_sha = study
    reimport(root)
    imp = spawn(IMPORTER.format(window=window, root=str(root), db=db), stdin=True)
    wait_for(imp, "PAUSED")
    cli = spawn(CLI.format(args=["-C", str(root), "--db", db, "--coder", "ana", "codes", "merge", "housing",
                                 "leadership"]))
    if window == "plan":
        out, err = cli.communicate(timeout=180)        # done before the import writes
        go(imp)
    else:
        wait_for(cli, "WRITING")
        time.sleep(1.0)                                # waiting for the import's lock
        go(imp)
        out, err = cli.communicate(timeout=180)
    imp_out, imp_err = imp.communicate(timeout=180)
    assert imp.returncode == 0, imp_out + imp_err
    assert cli.returncode == 0, out + err
    after = rows(db)
    assert after["text"].endswith(NEW)
    assert after["codings"] == [("ana", "leadership", FIRST), ("ben", "leadership", BENS)]
    # every coding's latest event records it as it is: its span in the current text, that version
    eng = sa.create_engine(db)
    try:
        with eng.connect() as c:
            for cid, st, en in c.execute(sa.text('SELECT id, start, "end" FROM coding')).all():
                last = c.execute(sa.text("SELECT action, after FROM event WHERE coding_id = :i ORDER BY id DESC"),
                                 {"i": cid}).first()
                snap = json.loads(last.after)
                assert (snap["start"], snap["end"], snap["text_sha256"]) == (st, en, after["sha"]), last
    finally:
        eng.dispose()


# -- a passage memo -------------------------------------------------------------------------------

@pytest.mark.parametrize("window", WINDOWS)
def test_passage_memo_follows_its_words_or_is_refused(study, window):
    root, db, _old_sha = study
    reimport(root)
    imp = spawn(IMPORTER.format(window=window, root=str(root), db=db), stdin=True)
    wait_for(imp, "PAUSED")
    mem = spawn(MEMOIST.format(root=str(root), db=db, quote=SECOND))
    if window == "plan":
        out, err = mem.communicate(timeout=180)        # stored on the old text before the import writes
        go(imp)
    else:
        wait_for(mem, "WRITING")
        time.sleep(1.0)                                # waiting for the import's lock
        go(imp)
        out, err = mem.communicate(timeout=180)
    imp_out, imp_err = imp.communicate(timeout=180)
    assert imp.returncode == 0, imp_out + imp_err
    assert "Traceback" not in err, err
    after = rows(db)
    assert_reimported_cleanly(after)
    if window == "plan":
        assert mem.returncode == 0 and out.startswith("MEMO"), out + err
        assert after["memos"] == [("ana", SECOND), ("ben", BENS)]       # moved with its words
    else:
        assert mem.returncode == 3 and "REFUSED TextChanged" in out, out + err
        assert after["memos"] == [("ben", BENS)]                        # nothing stored


def test_passage_memo_whose_words_are_deleted_stays_on_the_interview(study):
    root, db, _old_sha = study
    p = Project.open(root, db=db, coder="ana")
    try:
        iv = p.store.interview("a.md")
        a, b = span(iv.text, "And now?")
        add_memo(p.store, "ana", "a leading question?", interview_id=iv.id, start=a, end=b)
        (root / "interviews" / "a.md").write_text(FRONT + OLD.replace("Interviewer: And now?\n\n", ""),
                                                  encoding="utf-8")
        assert p.import_files(reanchor=True).ok
        mine = [m for m in memos(p.store, codings=False) if m.author == "ana"]
        assert [(m.kind, m.start, m.text) for m in mine] == [("interview", None, "a leading question?")]
    finally:
        p.close()
    assert ("ben", BENS) in rows(db)["memos"]


# -- --text-sha -----------------------------------------------------------------------------------

def run_cli(root: Path, db: str, coder: str, *args: str) -> tuple[int, str]:
    pr = spawn(CLI.format(args=["-C", str(root), "--db", db, "--coder", coder, *args]))
    out, err = pr.communicate(timeout=120)
    return pr.returncode, out + err.replace("WRITING\n", "")


def test_text_sha_names_the_version_offsets_count_in(study):
    root, db, old_sha = study
    code, out = run_cli(root, db, "ana", "code", "list", "a.md")
    assert code == 0 and f"text version (--text-sha): {old_sha}" in out, out
    p = Project.open(root, db=db, coder="ana")
    try:
        ana = next(c for c in p.store.codings() if c.coder == "ana")
        ben = next(c for c in p.store.codings() if c.coder == "ben")
        reimport(root)
        assert p.import_files(reanchor=True).ok
        new_sha = p.store.interview("a.md").sha256
    finally:
        p.close()
    assert new_sha != old_sha
    before = rows(db)
    a_old, b_old = span(OLD, SECOND)
    refused = [
        ("ana", "code", "change", str(ana.id), "--start", str(a_old), "--end", str(b_old), "--text-sha", old_sha),
        ("ben", "code", "add", "a.md", "housing", "--start", str(a_old), "--end", str(b_old), "--text-sha",
         old_sha[:12]),
        ("ben", "code", "remove", str(ben.id), "--text-sha", old_sha),
        # a quote is found in the current text, but the caller said it planned on the old one
        ("ben", "code", "add", "a.md", "housing", "--quote", TUESDAYS, "--text-sha", old_sha),
    ]
    for coder, *args in refused:
        code, out = run_cli(root, db, coder, *args)
        assert code == 3, (args, out)
        assert "re-imported" in out and "nothing was changed" in out and "Traceback" not in out, out
    assert rows(db) == before                                      # nothing changed, not even the log
    code, out = run_cli(root, db, "ana", "code", "change", str(ana.id), "--text-sha", "xyz")
    assert code == 2 and "--text-sha" in out and "Traceback" not in out, out
    assert rows(db) == before
    # the current version: applied on its words
    a_new, b_new = span(NEW, SECOND)
    code, out = run_cli(root, db, "ana", "code", "change", str(ana.id), "--start", str(a_new), "--end", str(b_new),
                        "--text-sha", new_sha)
    assert code == 0, out
    code, out = run_cli(root, db, "ben", "code", "add", "a.md", "housing", "--quote", TUESDAYS,
                        "--text-sha", new_sha[:16])
    assert code == 0, out
    assert rows(db)["codings"] == sorted([("ana", "leadership", SECOND), ("ben", "housing", BENS),
                                          ("ben", "housing", TUESDAYS)])


@pytest.mark.parametrize("window", ["write"])
def test_code_add_with_text_sha_waits_for_the_reimport_then_is_refused(study, window):
    root, db, old_sha = study
    reimport(root)
    imp = spawn(IMPORTER.format(window=window, root=str(root), db=db), stdin=True)
    wait_for(imp, "PAUSED")
    a, b = span(OLD, SECOND)
    cli = spawn(CLI.format(args=["-C", str(root), "--db", db, "--coder", "ben", "code", "add", "a.md", "housing",
                                 "--start", str(a), "--end", str(b), "--text-sha", old_sha]))
    wait_for(cli, "WRITING")
    time.sleep(1.0)
    go(imp)
    out, err = cli.communicate(timeout=180)
    imp.communicate(timeout=180)
    assert imp.returncode == 0
    assert cli.returncode == 3 and "re-imported" in out + err, out + err
    after = rows(db)
    assert_reimported_cleanly(after)
    assert after["codings"] == BEFORE


def test_merge_plans_again_when_a_coder_changed_a_coding_after_it_planned(tmp_path, monkeypatch):
    """The other copy changed ana's coding; here ana edits the same coding's memo between the
    merge's plan and its write.  The write sees it (the coding is not as the plan saw it),
    writes nothing and plans again, which finds both copies changed it: a conflict, reported and
    left as it is here, instead of the other copy's state put over ana's memo."""
    from fieldcode.team import merge as merge_mod

    root = tmp_path / "here"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews" / "a.md").write_text(FRONT + OLD, encoding="utf-8")
    p = Project.open(root, coder="ana")
    try:
        assert p.import_files().ok
        ana = p.store.add_coding("a.md", "leadership", *span(OLD, FIRST), "ana")
        p.store.add_coding("a.md", "housing", *span(OLD, BENS), "ben")
    finally:
        p.close()
    other = tmp_path / "there"
    shutil.copytree(root, other)
    po = Project.open(other, coder="ana")
    try:
        po.store.update_coding(ana.id, "ana", start=span(OLD, SECOND)[0], end=span(OLD, SECOND)[1])
    finally:
        po.close()
    p = Project.open(root, coder="ana")
    original, calls = merge_mod.plan_merge, []

    def plan_then_ana_edits(*a, **k):  # noqa: ANN002, ANN003, ANN202
        plan = original(*a, **k)
        if not calls:
            calls.append(len(plan.updates))
            p.store.update_coding(ana.id, "ana", memo="the eighties, remembered")   # after the plan
        return plan

    monkeypatch.setattr(merge_mod, "plan_merge", plan_then_ana_edits)
    try:
        plan = merge_mod.merge(p.store, other)
        assert calls == [1]                                  # the first plan would have updated it
        assert plan.updates == [] and len(plan.conflicts) == 1, plan.summary()
        assert any("planned again" in line and "changed here" in line for line in plan.summary())
        row = p.store.coding(ana.id)
        assert (OLD[row.start:row.end], row.memo) == (FIRST, "the eighties, remembered")
    finally:
        p.close()


def test_review_screen_after_a_reimport_refuses_then_shows_the_new_text(tmp_path):
    """The review screen, open on the old text, is told its decision was refused, reads the new
    text, and the decision taken again lands on the right words."""
    import asyncio

    from fieldcode.team.consensus import Review
    from fieldcode.tui.review import make_review_app

    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews" / "a.md").write_text(FRONT + OLD, encoding="utf-8")
    p = Project.open(root, coder="cons")
    try:
        assert p.import_files().ok
        p.store.add_coding("a.md", "leadership", *span(OLD, FIRST), "ana")
        p.store.add_coding("a.md", "housing", *span(OLD, BENS), "ben")
        review = Review(p.store, coders=["ana", "ben"], consensus="cons")
        app = make_review_app(review)

        async def run() -> None:
            async with app.run_test(size=(140, 40)) as pilot:
                await pilot.pause()
                screen = app.screen
                first = next(i for i, it in enumerate(review.items) if it.sides["ana"])
                screen.index = first
                screen.refresh_item()
                other = Project.open(root, coder="cy")           # another shell re-imports
                try:
                    (root / "interviews" / "a.md").write_text(FRONT + NEW, encoding="utf-8")
                    assert other.import_files(reanchor=True).ok
                finally:
                    other.close()
                await pilot.press("a")
                await pilot.pause()
                said = " | ".join(str(n.message) for n in app._notifications)
                assert "re-imported" in said and "new text" in said, said
                assert [c for c in p.store.codings() if c.coder == "cons"] == []     # nothing written
                assert screen._text(review.items[screen.index].disagreement.interview_id).endswith(NEW)
                screen.index = next(i for i, it in enumerate(review.items) if it.sides["ana"])
                screen.refresh_item()
                await pilot.press("a")
                await pilot.pause()

        asyncio.run(run())
        text = p.store.interview("a.md").text
        assert [text[c.start:c.end] for c in p.store.codings() if c.coder == "cons"] == [FIRST]
    finally:
        p.close()


def test_coding_screen_passage_memo_on_the_old_text_is_refused(tmp_path, monkeypatch):
    """A passage selected on the coding screen before another shell re-imported the transcript:
    its memo is refused, saying why, instead of being stored on the words now at those offsets."""
    import asyncio

    from fieldcode.tui import coding as coding_screen
    from fieldcode.tui import make_app

    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews" / "a.md").write_text(FRONT + OLD, encoding="utf-8")
    p = Project.open(root, coder="ana")
    try:
        assert p.import_files().ok
        p.store.add_coding("a.md", "housing", *span(OLD, BENS), "ben")
    finally:
        p.close()
    monkeypatch.setattr(coding_screen, "POLL_SECONDS", 3600)    # the test decides when it learns
    p = Project.open(root, coder="ana")
    app = make_app(p, "a.md")

    async def run() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            screen = app.screen
            screen.transcript.select_offsets(*span(screen.text, SECOND))
            await pilot.pause()
            other = Project.open(root, coder="cy")
            try:
                (root / "interviews" / "a.md").write_text(FRONT + NEW, encoding="utf-8")
                assert other.import_files(reanchor=True).ok
            finally:
                other.close()
            await pilot.press("m")
            await pilot.pause()
            await pilot.press(*"why")
            await pilot.press("ctrl+s")
            await pilot.pause()
            said = " | ".join(str(n.message) for n in app._notifications)
            assert "re-imported" in said, said

    try:
        asyncio.run(run())
        assert memos(p.store, codings=False) == []
    finally:
        p.close()
