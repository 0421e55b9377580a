"""Real processes on one SQLite file.

* Two coders code, remove, undo and redo at once while a third process exports counts, for a
  bounded time: afterwards each coder's codings are exactly what that process did, and no
  export failed.
* SIGKILL at random moments: during an import of a folder, and during a series of coding
  commands.  After every kill the file passes ``PRAGMA integrity_check``, no interview is half
  imported, and every coding a command reported as done is there.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fieldcode.project import Project
from fieldcode.study.settings import Settings

REPO = Path(__file__).resolve().parents[1]

CODER = textwrap.dedent('''
    import json, random, sys, time
    from fieldcode.store import Store
    url, coder, seed, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    rnd = random.Random(seed)
    st = Store(url)
    iv = st.interview_ids()[0]
    n = st.interview(iv).n_chars
    ids = {c.key: c.id for c in st.codes()}
    live, undo, redo = {}, [], []
    end = time.monotonic() + seconds
    ops = 0
    while time.monotonic() < end or ops < 30:   # a loaded machine (a parallel test run) still does the work
        op = rnd.choice(["add", "add", "remove", "undo", "redo"])
        if op == "add":
            s = rnd.randrange(0, n - 20); e = s + rnd.randrange(1, 20)
            key = rnd.choice(["leadership", "housing"])
            if [ids[key], s, e] in live.values():
                continue   # an exact duplicate of one's own live coding is refused (tested elsewhere)
            c = st.add_coding(iv, key, s, e, coder)
            state = [c.code_id, s, e]
            undo.append((c.uid, None, state)); redo.clear(); live[c.uid] = state
        elif op == "remove" and live:
            uid = rnd.choice(sorted(live))
            cid = next(x.id for x in st.codings(coder=coder) if x.uid == uid)
            st.remove_coding(cid, coder)
            undo.append((uid, live.pop(uid), None)); redo.clear()
        elif op == "undo":
            ev = st.undo(coder)
            assert (ev is None) == (not undo)
            if undo:
                uid, before, after = undo.pop(); redo.append((uid, before, after))
                assert ev.coding_uid == uid
                if before is None: live.pop(uid)
                else: live[uid] = before
        elif op == "redo":
            ev = st.redo(coder)
            assert (ev is None) == (not redo)
            if redo:
                uid, before, after = redo.pop(); undo.append((uid, before, after))
                assert ev.coding_uid == uid
                if after is None: live.pop(uid)
                else: live[uid] = after
        ops += 1
    print(json.dumps({"ops": ops, "live": live}))
''')

EXPORTER = textwrap.dedent('''
    import json, sys, time
    from fieldcode import analysis
    from fieldcode.analysis import export
    from fieldcode.store import Store
    url, seconds = sys.argv[1], float(sys.argv[2])
    st = Store(url)
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end or n < 3:
        ct = analysis.crosstab(st, unit="all")
        assert export.counts_long_csv(ct).startswith("code,")
        n += 1
    print(json.dumps({"exports": n}))
''')


@pytest.fixture
def small_study(tmp_path) -> Path:
    root = tmp_path / "s"
    root.mkdir()
    shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
    (root / "interviews").mkdir()
    for name in ("leeds-improving-01-resident.md", "leeds-lagging-01-resident.md"):
        shutil.copy(REPO / "interviews" / name, root / "interviews" / name)
    shutil.copy(REPO / "interviews" / "attributes.csv", root / "interviews" / "attributes.csv") \
        if (REPO / "interviews" / "attributes.csv").exists() else None
    p = Project.open(root, coder="ana", settings=Settings())
    assert p.import_files().ok
    p.close()
    return root


def test_two_coders_and_an_exporter_at_once(small_study):
    url = f"sqlite:///{small_study / 'fieldcode.db'}"
    seconds = "6"
    procs = [subprocess.Popen([sys.executable, "-c", CODER, url, coder, str(seed), seconds],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for coder, seed in (("ana", 1), ("ben", 2))]
    procs.append(subprocess.Popen([sys.executable, "-c", EXPORTER, url, seconds],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = []
    for pr in procs:
        out, err = pr.communicate(timeout=120)
        assert pr.returncode == 0, err
        outs.append(json.loads(out))
    p = Project.open(small_study, coder="ana", settings=Settings())
    try:
        for coder, res in zip(("ana", "ben"), outs[:2]):
            assert res["ops"] > 10
            got = {c.uid: [c.code_id, c.start, c.end] for c in p.store.codings(coder=coder)}
            assert got == res["live"], coder
        assert outs[2]["exports"] > 0
        with sqlite3.connect(small_study / "fieldcode.db") as db:
            assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        p.close()


ADDER = textwrap.dedent('''
    import sys
    from fieldcode.store import Store
    st = Store(sys.argv[1])
    iv = st.interview_ids()[0]
    i, n = 0, 5 + int(sys.argv[2])   # each trial codes spans of its own length: a span coded again is refused
    print("READY", "-", flush=True)
    while True:
        c = st.add_coding(iv, "leadership", i % 500, i % 500 + n, "ana")
        print("DONE", c.uid, flush=True)
        if i % 3 == 2:
            print("UNDOING", c.uid, flush=True)
            st.undo("ana")
            print("UNDONE", c.uid, flush=True)
        i += 1
''')


def _integrity(db: Path) -> None:
    with sqlite3.connect(db) as c:
        assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
        # no half-imported interview: every stored interview has its sentences and turns rows
        for iid, n_chars, text in c.execute("select id, n_chars, text from interview"):
            assert n_chars == len(text)
            assert c.execute("select count(*) from sentence where interview_id = ?", (iid,)).fetchone()[0] > 0


def test_sigkill_during_coding_loses_nothing_reported(small_study):
    db = small_study / "fieldcode.db"
    url = f"sqlite:///{db}"
    rnd = random.Random(7)
    done: set[str] = set()
    undone: set[str] = set()
    in_flight: set[str] = set()   # an undo was started but the kill came before it reported
    for trial in range(8):
        pr = subprocess.Popen([sys.executable, "-c", ADDER, url, str(trial)], stdout=subprocess.PIPE, text=True)
        assert pr.stdout.readline().startswith("READY")
        time.sleep(0.2 + rnd.random() * 1.0)
        pr.send_signal(signal.SIGKILL)
        out, _ = pr.communicate()
        undoing: set[str] = set()
        for line in out.splitlines():
            what, uid = line.split()
            {"DONE": done, "UNDONE": undone, "UNDOING": undoing}.get(what, set()).add(uid)
        assert len(undoing - undone) <= 1  # only the last undo can be cut short
        in_flight |= undoing - undone
        _integrity(db)
    with sqlite3.connect(db) as c:
        present = {r[0] for r in c.execute("select uid from coding")}
    assert len(done) > 20
    # every coding reported done is there unless its undo was reported too; an undo killed
    # before it reported may or may not have committed (either is a whole state), so that one
    # coding may be there or not
    assert (done - undone - in_flight) <= present
    assert not (undone & present)


def test_sigkill_during_import_leaves_whole_interviews(tmp_path):
    root = tmp_path / "k"
    root.mkdir()
    shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
    shutil.copytree(REPO / "interviews", root / "interviews")
    db = root / "fieldcode.db"
    p = Project.open(root, coder="ana", settings=Settings())   # the schema exists before the kills
    p.close()
    rnd = random.Random(3)
    script = ("import sys; from fieldcode.project import Project; from fieldcode.study.settings import Settings; "
              "Project.open(sys.argv[1], coder='ana', settings=Settings()).import_files()")
    for _trial in range(6):
        with sqlite3.connect(db) as c:
            c.execute("delete from sentence"); c.execute("delete from turn"); c.execute("delete from attribute")
            c.execute("delete from interview")
        pr = subprocess.Popen([sys.executable, "-c", script, str(root)])
        time.sleep(1.0 + rnd.random() * 3.0)
        pr.send_signal(signal.SIGKILL)
        pr.wait()
        _integrity(db)
    p = Project.open(root, coder="ana", settings=Settings())
    try:
        rep = p.import_files()                                      # finishing the import afterwards works
        assert rep.ok
        assert len(p.store.interview_ids()) == len(list((REPO / "interviews").glob("*.md")))
    finally:
        p.close()
    _integrity(db)
