"""A REFI-QDA import is all or nothing under SIGKILL, SIGTERM and SIGHUP, at any moment.

Real processes on one SQLite file.  After a kill the database and codebook.yaml are either
exactly as before (every row of every table, codebook.yaml byte for byte) or the database holds
the whole import (one transaction committed) and only codebook.yaml's replacement is pending;
the next import says what the first left and ends in the same state as an import that was never
interrupted.  The moment between the commit and codebook.yaml's replacement, and a moment inside
the transaction, are also hit on purpose; a command run in between retires nothing for good.
Two imports into one study at once both complete.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import MINI_CODEBOOK
from refi_helpers import g
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from test_fault_refi import ANA, BEN, project_xml, state, write_qdpx

FIELDCODE = Path(sys.executable).parent / "fieldcode"
SIGNALS = [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP]
N_NEW_CODES = 13   # as in the report: 13 new codes (Leadership and Housing are the study's already)


def _codes() -> list[tuple[str, str]]:
    names = [f"Theme {i}" for i in range(10)] + ["Area::Street", "Area::Park"]
    return [(g(), n) for n in names]


CODES = _codes()


def _qdpx(path: Path, tag: str = "", n_sources: int = 8) -> Path:
    """``n_sources`` interviews of about 2,500 words, each coded by ana and ben with new codes."""
    rnd = random.Random(7 + len(tag))
    words = ["estate", "council", "jobs", "bus", "school", "work", "neighbours", "shop", "park", "street"]
    arm, pair = g(), g()
    sources, members = [], {}
    for i in range(n_sources):
        turns = []
        for t in range(60):
            who = "Interviewer" if t % 2 == 0 else "Resident"
            turns.append(f"{who}: " + " ".join(rnd.choice(words) for _ in range(40)) + f" {tag}{i}.{t}.")
        raw = "\n\n".join(turns) + "\n"
        sels = []
        for k in range(12):
            start = raw.index("Resident: ", 200 * k) + len("Resident: ")
            c = CODES[(i + k) % len(CODES)][0]
            sels.append((start, start + 20, raw[start:start + 20], c, (ANA, BEN)[k % 2]))
        sg = g()
        sources.append({"guid": sg, "name": f"{tag}interview-{i:02d}", "path": f"{sg}.txt", "selections": sels,
                        "values": {arm: ("improving", "lagging")[i % 2], pair: f"p{i // 2}"}})
        members[f"sources/{sg}.txt"] = raw.encode("utf-8")
    xml = project_xml(sources, codes=CODES, variables=[(arm, "arm"), (pair, "pair")])
    return write_qdpx(path, xml, members)


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(FIELDCODE), "-C", str(root), "--coder", "imp", *args],
                          capture_output=True, text=True, timeout=300)


def _db(root: Path) -> str:
    return f"sqlite:///{root / 'fieldcode.db'}"


def logical(root: Path) -> tuple:
    """What the study holds, independent of row ids and times: codebook.yaml, active codes,
    interviews with their text hash and attributes, codings and memos with their identity."""
    eng = create_engine(_db(root))
    try:
        with eng.connect() as c:
            codes = sorted(c.execute(sql("SELECT key, name, retired_at IS NULL FROM code")).all())
            ivs = sorted(c.execute(sql("SELECT name, sha256 FROM interview")).all())
            attrs = sorted(c.execute(sql("SELECT i.name, a.name, a.value FROM attribute a "
                                         "JOIN interview i ON i.id = a.interview_id")).all())
            codings = sorted(c.execute(sql(
                'SELECT i.name, k.key, c.coder, c.start, c."end", c.uid FROM coding c '
                "JOIN interview i ON i.id = c.interview_id JOIN code k ON k.id = c.code_id")).all())
            events = c.execute(sql("SELECT count(*) FROM event")).scalar_one()
    finally:
        eng.dispose()
    return (root / "codebook.yaml").read_bytes(), codes, ivs, attrs, codings, events


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A study opened once (database made, codebook recorded), the file, and the state an
    uninterrupted import ends in (with how long it takes)."""
    base = tmp_path_factory.mktemp("kills")
    study = base / "study"
    study.mkdir()
    (study / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    assert _cli(study, "summary").returncode == 0
    f = _qdpx(base / "p.qdpx")
    ref = base / "ref"
    shutil.copytree(study, ref)
    t = time.monotonic()
    r = _cli(ref, "import", str(f))
    took = time.monotonic() - t
    assert r.returncode == 0, r.stderr
    assert f"codes: {N_NEW_CODES} added to codebook.yaml" in r.stdout
    assert "codings: 96 added" in r.stdout
    after = logical(ref)
    assert len(after[4]) == 96 and {row[2] for row in after[4]} == {"ana", "ben"}
    return study, f, after, took


def _copy(study: Path, dst: Path) -> Path:
    shutil.copytree(study, dst)
    return dst


def _check_interrupted(root: Path, before: tuple, after: tuple) -> str:
    """Right after a kill: nothing, or the whole database with codebook.yaml pending.  Returns which."""
    journal = root / ".fieldcode-refi-import.json"
    if state(root, _db(root)) == before and not journal.exists():
        return "nothing"
    now = logical(root)
    if now == after:
        return "all"                                    # killed after it had finished
    if now[0] == before[0] and now[1:] == after[1:]:
        assert journal.exists() and (root / ".codebook.refi-pending.yaml").exists()
        return "database"                               # committed, codebook.yaml pending
    # killed before the commit, after the journal was written: the database and codebook.yaml
    # are as before; only the journal (and perhaps the pending copy) are left for the next run
    yaml, tables, files = state(root, _db(root))
    assert (yaml, tables) == before[:2]
    assert set(files) - set(before[2]) <= {".fieldcode-refi-import.json", ".codebook.refi-pending.yaml",
                                           ".fieldcode-refi-import.json.tmp", "..codebook.refi-pending.yaml.tmp",
                                           "..codebook.refi-pending.yaml.check.tmp",
                                           "..codebook.refi-pending.yaml.import.tmp"}
    return "journal"


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_kill_at_random_moments_leaves_all_or_nothing(world, tmp_path, sig):
    study, f, after, took = world
    before = state(study, _db(study))
    rnd = random.Random(sig.value)
    seen = []
    for trial in range(4):
        root = _copy(study, tmp_path / f"t{trial}")
        pr = subprocess.Popen([str(FIELDCODE), "-C", str(root), "--coder", "imp", "import", str(f)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0.05, took * 1.05))
        pr.send_signal(sig)
        pr.wait()
        outcome = _check_interrupted(root, before, after)
        seen.append(outcome)
        r = _cli(root, "import", str(f))                # the second run completes it, saying what it found
        assert r.returncode == 0, r.stderr
        if outcome in ("database", "journal"):
            assert "an earlier REFI-QDA import of" in r.stderr
        if outcome == "database":
            assert f"before codebook.yaml got its {N_NEW_CODES} new code(s)" in r.stderr
        assert logical(root) == after
        assert not (root / ".fieldcode-refi-import.json").exists()
    print(f"{sig.name}: after each kill {seen}")   # which moments were hit is chance; the
    assert len(seen) == 4                          # deterministic tests below hit the window


CHILD = textwrap.dedent('''
    import os, signal, sys
    sig, where = int(sys.argv[1]), sys.argv[2]
    if where == "before-replace":
        real = os.replace
        def replace(a, b, *k, **kw):
            if str(a).endswith(".codebook.refi-pending.yaml"):
                os.kill(os.getpid(), sig)
            return real(a, b, *k, **kw)
        os.replace = replace
    else:   # inside the transaction, after the interviews and codes were written
        from fieldcode.store import Store
        real_insert = Store.insert_codings
        def insert_codings(self, *a, **kw):
            out = real_insert(self, *a, **kw)
            os.kill(os.getpid(), sig)
            return out
        Store.insert_codings = insert_codings
    from fieldcode.cli.index import main
    sys.argv = ["fieldcode", *sys.argv[3:]]
    main()
''')


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_kill_between_commit_and_codebook_is_finished_by_the_next_import(world, tmp_path, sig):
    study, f, after, _ = world
    before = state(study, _db(study))
    root = _copy(study, tmp_path / "s")
    pr = subprocess.run([sys.executable, "-c", CHILD, str(sig.value), "before-replace", "-C", str(root),
                         "--coder", "imp", "import", str(f)], capture_output=True, text=True, timeout=300)
    assert pr.returncode == -sig.value
    assert _check_interrupted(root, before, after) == "database"
    # a command that only reads meanwhile changes nothing (it says an import was interrupted);
    # the next import finishes it
    assert _cli(root, "summary").returncode == 0
    assert len(logical(root)[4]) == 96
    r = _cli(root, "import", str(f))
    assert r.returncode == 0, r.stderr
    assert (f"had stored everything in the database but was stopped before codebook.yaml got its {N_NEW_CODES} "
            "new code(s)") in r.stderr
    assert "nothing new" in r.stdout
    assert logical(root) == after


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_kill_inside_the_transaction_leaves_everything_as_before(world, tmp_path, sig):
    study, f, after, _ = world
    before = state(study, _db(study))
    root = _copy(study, tmp_path / "s")
    pr = subprocess.run([sys.executable, "-c", CHILD, str(sig.value), "in-transaction", "-C", str(root),
                         "--coder", "imp", "import", str(f)], capture_output=True, text=True, timeout=300)
    assert pr.returncode == -sig.value
    assert _check_interrupted(root, before, after) == "journal"
    r = _cli(root, "import", str(f))
    assert r.returncode == 0, r.stderr
    assert "was interrupted before its database transaction committed: nothing of it was kept" in r.stderr
    assert logical(root) == after


def test_two_imports_into_one_study_at_once_both_complete(world, tmp_path):
    study, f, after, _ = world
    root = _copy(study, tmp_path / "s")
    other = _qdpx(tmp_path / "other.qdpx", tag="x", n_sources=3)
    procs = [subprocess.Popen([str(FIELDCODE), "-C", str(root), "--coder", "imp", "import", str(p)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in (f, other)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    yaml, codes, ivs, _, codings, _ = logical(root)
    assert len(ivs) == 8 + 3
    assert len(codings) == 96 + 36 and {c[2] for c in codings} == {"ana", "ben"}
    # the two files share their code GUIDs' names: the second matches the first's 13 codes by name
    assert sum(1 for c in codes if c[2]) == 3 + N_NEW_CODES
    assert yaml == after[0]


def test_codebook_edited_after_a_kill_in_the_window_is_not_overwritten(world, tmp_path):
    study, f, after, _ = world
    root = _copy(study, tmp_path / "s")
    pr = subprocess.run([sys.executable, "-c", CHILD, str(signal.SIGKILL.value), "before-replace", "-C", str(root),
                         "--coder", "imp", "import", str(f)], capture_output=True, text=True, timeout=300)
    assert pr.returncode == -signal.SIGKILL.value
    edited = (root / "codebook.yaml").read_bytes() + b"  - key: mine\n    name: Mine\n"
    (root / "codebook.yaml").write_bytes(edited)
    r = _cli(root, "import", str(f))
    assert r.returncode == 3, r.stderr
    assert "codebook.yaml has been edited since" in r.stderr and ".codebook.refi-pending.yaml" in r.stderr
    assert (root / "codebook.yaml").read_bytes() == edited          # the researcher's edit stays
    assert (root / ".codebook.refi-pending.yaml").exists()          # and the import's codes wait beside it
    assert len(logical(root)[4]) == 96                               # no coding was lost


@pytest.mark.parametrize("sig", SIGNALS[:1], ids=lambda s: s.name)
def test_kill_between_commit_and_codebook_is_finished_by_the_next_command_that_writes(world, tmp_path, sig):
    """Not only the next import: any command that writes finishes the interrupted import before
    it records codebook.yaml, so the imported codes are never retired, not even for a while."""
    study, f, after, _ = world
    before = state(study, _db(study))
    root = _copy(study, tmp_path / "s")
    pr = subprocess.run([sys.executable, "-c", CHILD, str(sig.value), "before-replace", "-C", str(root),
                         "--coder", "imp", "import", str(f)], capture_output=True, text=True, timeout=300)
    assert pr.returncode == -sig.value
    assert _check_interrupted(root, before, after) == "database"
    r = _cli(root, "summary")                      # a read says so and changes nothing
    assert r.returncode == 0 and "interrupted" in r.stderr and "next command that writes" in r.stderr
    assert _check_interrupted(root, before, after) == "database"
    r = _cli(root, "codebook", "sync")             # a write finishes it first
    assert r.returncode == 0, r.stderr
    assert (f"had stored everything in the database but was stopped before codebook.yaml got its {N_NEW_CODES} "
            "new code(s)") in r.stderr
    assert "retired" not in r.stderr
    assert logical(root) == after
    assert not (root / ".fieldcode-refi-import.json").exists()
